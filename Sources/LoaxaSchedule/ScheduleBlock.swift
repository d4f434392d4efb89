import LoaxaCore

/// One `[[block]]` of a schedule file: a broadcast session that runs at a local time on
/// some dates.
public struct ScheduleBlock: Hashable, Sendable {
    /// Unique across all schedule files.
    public var id: String
    /// `title`, or the id when none is given.
    public var title: String
    /// `start`, as seconds after local midnight (0 ..< 86 400).
    public var startSecond: Int
    /// `length` in microseconds, when given.
    public var lengthMicros: Int64?
    public var recurrence: BlockRecurrence
    /// The items in order; file paths are relative to the media folder.
    public var items: [PlannedItem]
    /// The schedule file that declares the block (absolute path).
    public var file: String
    /// The line of its `[[block]]` header.
    public var line: Int

    public init(
        id: String, title: String? = nil, startSecond: Int, lengthMicros: Int64? = nil,
        recurrence: BlockRecurrence = .daily, items: [PlannedItem], file: String = "", line: Int = 0
    ) {
        self.id = id
        self.title = title ?? id
        self.startSecond = startSecond
        self.lengthMicros = lengthMicros
        self.recurrence = recurrence
        self.items = items
        self.file = file
        self.line = line
    }

    /// Whether the block runs on the local date `date`.
    public func runs(on date: CivilDate) -> Bool { recurrence.includes(date) }

    /// The block's airing on the local date `date` (whether or not it runs then).
    public func planned(on date: CivilDate, zone: StationTimeZone) -> PlannedBlock {
        PlannedBlock(
            id: id, title: title, start: zone.wallTime(date: date, secondOfDay: startSecond),
            lengthMicros: lengthMicros, items: items)
    }
}
