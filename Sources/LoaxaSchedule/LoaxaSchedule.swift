// LoaxaSchedule: the station's config file (`loaxa.toml`) and its schedule files
// (`schedules/*.toml`), parsed with TOMLKit, checked, and expanded to a day's timeline.
//
// Entry point for both `loaxa schedule check` and the daemon's start: `StationSetup.load`.
// Every problem found is a `Diagnostic` that names the file and line to fix; loading
// collects all of them instead of stopping at the first.
