// LoaxaDaemon
