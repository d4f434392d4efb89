// LoaxaStore
