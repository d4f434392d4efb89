import GRDB
import LoaxaCore

/// What the period reports read besides the segment records: which blocks aired or were
/// missed.
extension AirplayLog {
    /// One airing of a block as the log records it.
    public struct BlockOccurrence: Hashable, Sendable {
        public var blockID: String
        public var scheduledAt: WallTime
        /// True when it started (whether or not it was also recorded missed).
        public var held: Bool
        /// The block's title as recorded when it started, or when it was recorded missed.
        public var title: String?
    }

    /// Calls `body` with each block airing scheduled in `[from, to)`, once per airing (a
    /// block restarted after a crash started twice but aired once), in scheduled order.
    /// `body` must not use this log.
    public func forEachBlockOccurrence(
        from: WallTime, to: WallTime, _ body: (BlockOccurrence) throws -> Void
    ) throws {
        try read { db in
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT scheduled_at_us, block_id, kind, detail FROM event
                    WHERE kind IN ('block_started', 'block_missed') AND scheduled_at_us >= ? AND scheduled_at_us < ?
                      AND block_id IS NOT NULL
                    ORDER BY scheduled_at_us, seq
                    """,
                arguments: [from.microseconds, to.microseconds])
            // Airings at one scheduled time, gathered until the time changes.
            var at: Int64?
            var found: [String: BlockOccurrence] = [:]
            var order: [String] = []
            func flush() throws {
                for id in order { try body(found[id]!) }
                found.removeAll(keepingCapacity: true)
                order.removeAll(keepingCapacity: true)
            }
            while let row = try rows.next() {
                let scheduled: Int64 = row[0]
                let id: String = row[1]
                let started = (row[2] as String) == AirplayEventKind.blockStarted.rawValue
                if scheduled != at {
                    try flush()
                    at = scheduled
                }
                if found[id] == nil {
                    order.append(id)
                    found[id] = BlockOccurrence(
                        blockID: id, scheduledAt: WallTime(microseconds: scheduled), held: false, title: nil)
                }
                if started && !found[id]!.held {
                    found[id]!.held = true
                    found[id]!.title = Self.blockTitle(fromStartDetail: row[3])
                } else if !started && found[id]!.title == nil {
                    // A missed block's event carries its title (in logs written before, none).
                    found[id]!.title = row[3]
                }
            }
            try flush()
        }
    }

    /// The block's title from a `block_started` detail, without the note a late start adds.
    static func blockTitle(fromStartDetail detail: String?) -> String? {
        guard var title = detail else { return nil }
        for note in [" (joined ", " (restarted "] {
            if let range = title.range(of: note, options: .backwards) { title = String(title[..<range.lowerBound]) }
        }
        return title
    }
}
