// LoaxaControl
