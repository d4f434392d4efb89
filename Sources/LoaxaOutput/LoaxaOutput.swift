// LoaxaOutput
