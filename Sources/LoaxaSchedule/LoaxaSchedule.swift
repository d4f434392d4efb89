// LoaxaSchedule
