import GRDB
import LoaxaCore

/// What the log knows of blocks: which airings of them started or were recorded missed,
/// for the daemon's look back over a time it was down.
extension AirplayLog {
    /// The time of the last event recorded; nil while the log is empty.
    public func lastEventTime() throws -> WallTime? {
        try read { db in
            try Int64.fetchOne(db, sql: "SELECT at_us FROM event ORDER BY seq DESC LIMIT 1").map(WallTime.init(microseconds:))
        }
    }

    /// The scheduled start of the latest block airing the log records as started or missed;
    /// nil when it records none.
    ///
    /// Every block whose time passes while a daemon runs is recorded one way or the other,
    /// so the blocks scheduled after this one and already past are the ones nobody settled:
    /// a run killed before its look back was done leaves them so.
    public func lastSettledBlockTime() throws -> WallTime? {
        try read { db in
            try Int64.fetchOne(
                db, sql: "SELECT MAX(scheduled_at_us) FROM event WHERE kind IN (?, ?) AND block_id IS NOT NULL",
                arguments: [AirplayEventKind.blockStarted.rawValue, AirplayEventKind.blockMissed.rawValue]
            ).map(WallTime.init(microseconds:))
        }
    }

    /// The airings, as `id@scheduled-micros` (`PlannedBlock.occurrenceKey`), scheduled in
    /// `from ... to` that the log records as started or missed.
    public func settledBlocks(scheduledFrom from: WallTime, to: WallTime) throws -> Set<String> {
        try read { db in
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT block_id, scheduled_at_us FROM event
                    WHERE kind IN (?, ?) AND block_id IS NOT NULL AND scheduled_at_us BETWEEN ? AND ?
                    """,
                arguments: [
                    AirplayEventKind.blockStarted.rawValue, AirplayEventKind.blockMissed.rawValue, from.microseconds,
                    to.microseconds,
                ])
            var keys = Set<String>()
            while let row = try rows.next() {
                let id: String = row[0]
                let at: Int64 = row[1]
                keys.insert("\(id)@\(at)")
            }
            return keys
        }
    }
}
