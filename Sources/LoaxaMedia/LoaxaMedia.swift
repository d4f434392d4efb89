// LoaxaMedia
