import LoaxaCore

/// The station's schedule: every `[[block]]` of every file in the schedules folder, checked
/// together, ready to expand into a day's timeline.
///
/// ```toml
/// [[block]]
/// id = "sang"
/// title = "Chương trình phát thanh buổi sáng"
/// start = 06:00:00
/// length = "30m"
/// days = ["mon", "tue", "wed", "thu", "fri"]
/// items = [
///   { file = "jingles/mo-dau.ogg" },
///   { queue = true },
///   { topic = "giam-ngheo", count = 2 },
/// ]
/// ```
public struct Schedule: Hashable, Sendable {
    /// The blocks, by file name and then in the order each file declares them.
    public var blocks: [ScheduleBlock]

    public init(blocks: [ScheduleBlock]) {
        self.blocks = blocks
    }

    /// Loads every `*.toml` file of `folder` (sorted by name) and checks the blocks against
    /// each other, against the files in `mediaFolder` and against `rules`.
    ///
    /// - Parameter mediaDuration: the duration in microseconds of the media file at an
    ///   absolute path, or nil when unknown; used for blocks without a `length`.
    /// - Returns: the schedule, or every problem found.
    public static func load(
        folder: String, mediaFolder: String, rules: StationConfig.Rules = StationConfig.Rules(),
        mediaDuration: (String) -> Int64?
    ) -> Result<Schedule, DiagnosticList> {
        let outcome = ScheduleLoader.load(
            folder: LocalPath.fromCurrentDirectory(folder), mediaFolder: LocalPath.fromCurrentDirectory(mediaFolder),
            rules: rules, mediaDuration: mediaDuration)
        return outcome.diagnostics.isEmpty ? .success(outcome.schedule) : .failure(DiagnosticList(outcome.diagnostics))
    }

    /// The block with id `id`.
    public func block(id: String) -> ScheduleBlock? { blocks.first { $0.id == id } }

    /// The blocks that run on the local date `date`, as airings, by start time.
    public func plannedBlocks(on date: CivilDate, zone: StationTimeZone) -> [PlannedBlock] {
        blocks.filter { $0.runs(on: date) }
            .map { $0.planned(on: date, zone: zone) }
            .sorted { ($0.start, $0.id) < ($1.start, $1.id) }
    }

    /// Every airing whose start falls in `from ..< to`, by start time.
    public func plannedBlocks(from: WallTime, to: WallTime, zone: StationTimeZone) -> [PlannedBlock] {
        guard from < to else { return [] }
        // A day before and after, in case an offset change moves a start across midnight.
        var date = zone.localDate(of: from).adding(days: -1)
        let last = zone.localDate(of: to).adding(days: 1)
        var out: [PlannedBlock] = []
        while date <= last {
            out += plannedBlocks(on: date, zone: zone).filter { from <= $0.start && $0.start < to }
            date = date.adding(days: 1)
        }
        return out.sorted { ($0.start, $0.id) < ($1.start, $1.id) }
    }
}
