/// Where a segment that airs came from (SPEC §8, §9).
public enum SegmentSource: String, Sendable, Codable, CaseIterable {
    case schedule, queue, priority, emergency
}

/// How an airing ended (SPEC §8).
public enum SegmentOutcome: String, Sendable, Codable, CaseIterable {
    /// Every frame aired.
    case completed
    /// Airing began and was cut (stop, emergency, crash, shutdown).
    case interrupted
    /// The item was not started: missing or undecodable file, block full, not approved.
    case skipped
    /// Airing was attempted and the output failed (device lost, decode error mid-way).
    case failed
    /// A start was recorded but no frame reached the card.
    case notAired = "not_aired"
}

/// The three priorities of Circular 39/2020/TT-BTTTT (SPEC §6).
public enum Priority: String, Sendable, Codable, CaseIterable {
    case normal, priority, emergency
}

/// One concrete broadcast session on one day: a schedule block expanded to wall time.
public struct PlannedBlock: Hashable, Sendable, Codable {
    /// The block's id from its schedule file.
    public var id: String
    public var title: String
    /// When the block's first frame must leave the sound card.
    public var start: WallTime
    /// The block's length in microseconds when the schedule gives one; nil otherwise.
    public var lengthMicros: Int64?
    public var items: [PlannedItem]

    public init(id: String, title: String, start: WallTime, lengthMicros: Int64?, items: [PlannedItem]) {
        self.id = id
        self.title = title
        self.start = start
        self.lengthMicros = lengthMicros
        self.items = items
    }

    /// A key that names this airing of the block uniquely: its id and start.
    public var occurrenceKey: String { "\(id)@\(start.microseconds)" }
}

/// One item of a planned block (SPEC §4).
public enum PlannedItem: Hashable, Sendable, Codable {
    /// A file, by its path relative to the media folder.
    case file(String)
    /// Where operator-queued segments air.
    case queue
    /// `count` segments of a topic, chosen by rotation.
    case topic(String, count: Int)
}
