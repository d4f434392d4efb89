import GRDB
import LoaxaCore

/// Segment records, the evidence exports and reports are made of (SPEC §8). They are read
/// from `segment_record`, one row per airing, kept up to date as events are appended; a log
/// opened read-only that has no such table yet has them folded from its events in one pass
/// in log order, with memory bounded by the airings open at any one time.
extension AirplayLog {
    /// Calls `body` with each segment record whose airing falls in `[from, to)`, ordered by
    /// the seq of the segment's first event, and returns the log's head at the moment read.
    ///
    /// Records and head come from one consistent snapshot. A record is placed in the period
    /// by its start, a skipped one by the time of its skip, one with neither by its first
    /// event. `head`, if given, gets the head before the first record. `body` must not use
    /// this log.
    @discardableResult
    public func forEachSegmentRecord(
        from: WallTime? = nil, to: WallTime? = nil, head onHead: (LogHead?) throws -> Void = { _ in },
        _ body: (SegmentRecord) throws -> Void
    ) throws -> LogHead? {
        try read { db in
            let head = try Self.head(db)
            try onHead(head)
            if try db.tableExists("segment_record") {
                try SegmentRecordTable.forEach(db, from: from, to: to) { try body($1.record) }
            } else {
                var scan = SegmentRecordScan(db: db, approvedAt: hasApprovedAtColumn, from: from, to: to)
                try scan.run { try body($1.record) }
            }
            return head
        }
    }

    /// The segment records whose airing falls in `[from, to)`, ordered by the seq of each
    /// segment's first event. For long periods prefer ``forEachSegmentRecord(from:to:_:)``.
    public func segmentRecords(from: WallTime? = nil, to: WallTime? = nil) throws -> [SegmentRecord] {
        var records: [SegmentRecord] = []
        try forEachSegmentRecord(from: from, to: to) { records.append($0) }
        return records
    }
}

/// `segment_record`: each segment's record as its events so far make it, kept up to date by
/// ``AirplayLog/append(_:db:recordedAt:)`` in the transaction that stores the events (SQLite
/// migration v8). It is a cache of what the events say, outside the hash chain:
/// ``AirplayLog/verify(anchor:)`` rebuilds every record from the events and reports any row
/// that differs, so editing it is caught like editing an event. It exists so that exports
/// and reports read one row per record instead of every event.
enum SegmentRecordTable {
    static let schema = """
        CREATE TABLE segment_record (
            first_seq           INTEGER PRIMARY KEY NOT NULL,
            segment             TEXT    NOT NULL UNIQUE,
            placed_at_us        INTEGER,
            block_id TEXT, source TEXT, media TEXT, title TEXT, topic TEXT, sha256 TEXT,
            scheduled_at_us INTEGER, planned_ms INTEGER, approved_by TEXT, approved_at_us INTEGER,
            clock_synchronized INTEGER, first_at_us INTEGER, started_at_us INTEGER, skipped_at_us INTEGER,
            skip_reason TEXT, end_at_us INTEGER, end_outcome TEXT, end_reason TEXT, end_played_frames INTEGER,
            end_underruns INTEGER, end_rate INTEGER, last_rate INTEGER, heartbeat_frames INTEGER,
            heartbeat_rate INTEGER, heartbeat_underruns INTEGER
        );
        CREATE INDEX segment_record_on_placed ON segment_record(placed_at_us);
        """

    /// Fills the table from the events already in the log (migration v8).
    static func build(_ db: Database) throws {
        var scan = SegmentRecordScan(db: db)
        try scan.run { firstSeq, builder in try builder.save(db, firstSeq: firstSeq) }
    }

    /// Folds `records`, just stored, into their segments' rows.
    static func fold(_ records: [EventRecord], _ db: Database) throws {
        var touched: [String: (firstSeq: Int64, builder: SegmentRecordBuilder)] = [:]
        for record in records {
            guard let segment = record.segment else { continue }
            if touched[segment] == nil {
                let row = try Row.fetchOne(
                    db, sql: "SELECT \(SegmentRecordBuilder.stateColumns), first_seq FROM segment_record WHERE segment = ?",
                    arguments: [segment])
                touched[segment] = row.map { ($0[26], SegmentRecordBuilder(state: $0)) }
                    ?? (record.seq, SegmentRecordBuilder(segment: segment))
            }
            try touched[segment]!.builder.add(record)
        }
        for (_, entry) in touched { try entry.builder.save(db, firstSeq: entry.firstSeq) }
    }

    /// The first stored row that differs from the record its events make (by first seq), a
    /// record the events make that has no row, or a row without events; nil when all agree.
    static func firstMismatch(_ db: Database) throws -> (seq: Int64, segment: String)? {
        let stored = try Row.fetchCursor(
            db, sql: "SELECT \(SegmentRecordBuilder.stateColumns), first_seq, placed_at_us FROM segment_record ORDER BY first_seq")
        var mismatch: (Int64, String)?
        var scan = SegmentRecordScan(db: db)
        try scan.run { firstSeq, builder in
            guard mismatch == nil else { return }
            guard let row = try stored.next() else {
                mismatch = (firstSeq, builder.segment)
                return
            }
            let kept = SegmentRecordBuilder(state: row)
            let seq: Int64 = row[26]
            let placed: Int64? = row[27]
            if seq != firstSeq || kept.record != builder.record || placed != builder.referenceTime?.microseconds {
                mismatch = (min(seq, firstSeq), seq < firstSeq ? kept.segment : builder.segment)
            }
        }
        if mismatch == nil, let extra = try stored.next() {
            mismatch = (extra[26], extra[0])
        }
        return mismatch
    }

    /// Calls `body` with each stored record placed in `[from, to)`, by first seq.
    static func forEach(
        _ db: Database, from: WallTime?, to: WallTime?, _ body: (Int64, SegmentRecordBuilder) throws -> Void
    ) throws {
        var filters: [String] = []
        var arguments: StatementArguments = []
        if let from {
            filters.append("placed_at_us >= ?")
            arguments += [from.microseconds]
        }
        if let to {
            filters.append("placed_at_us < ?")
            arguments += [to.microseconds]
        }
        var sql = "SELECT \(SegmentRecordBuilder.stateColumns), first_seq FROM segment_record"
        if !filters.isEmpty {
            // The span of first seqs placed in the period (from the index), then the rows in
            // that span in order, without sorting them.
            let condition = filters.joined(separator: " AND ")
            guard let span = try Row.fetchOne(
                db, sql: "SELECT MIN(first_seq), MAX(first_seq) FROM segment_record WHERE \(condition)", arguments: arguments),
                let low = span[0] as Int64?, let high = span[1] as Int64?
            else { return }
            sql += " WHERE first_seq BETWEEN ? AND ? AND \(condition)"
            arguments = [low, high] + arguments
        }
        let rows = try Row.fetchCursor(db, sql: sql + " ORDER BY first_seq", arguments: arguments)
        while let row = try rows.next() {
            try body(row[26], SegmentRecordBuilder(state: row))
        }
    }
}

/// One pass over every segment event of the log, in seq order, folding them into records:
/// the migration that fills `segment_record`, `verify`'s check of it, and the records of a
/// log opened read-only before its daemon migrated it.
///
/// A builder per segment waits until its end or skip arrives; records leave in the order
/// their segments began, as soon as every earlier one is complete, and those still open at
/// the end of the log leave last. The oldest of more than ``maximumPending`` segments still
/// waiting (a log written before crash recovery existed can hold segments that never end)
/// is completed from the segment index instead, so memory stays bounded.
struct SegmentRecordScan {
    /// Whether the `event` table has `approved_at_us` (a log opened read-only may not).
    let approvedAt: Bool
    let db: Database
    /// Only records placed in `[from, to)` are handed over.
    let from: WallTime?
    let to: WallTime?

    static let maximumPending = 4096

    private struct Pending {
        var firstSeq: Int64
        var builder: SegmentRecordBuilder
        /// Completed from the index; events the scan meets later are ignored.
        var resolved = false
    }

    private var pending: [String: Pending] = [:]
    private var order: [String] = []
    private var orderStart = 0
    /// Segments whose record was handed over before all their events were met (events
    /// after an end, a record completed from the index), whose later events are skipped.
    private var finishedEarly: Set<String> = []

    init(db: Database, approvedAt: Bool = true, from: WallTime? = nil, to: WallTime? = nil) {
        self.approvedAt = approvedAt
        self.db = db
        self.from = from
        self.to = to
    }

    mutating func run(_ body: (_ firstSeq: Int64, SegmentRecordBuilder) throws -> Void) throws {
        let rows = try Row.fetchCursor(
            db,
            sql: "SELECT \(SegmentEventRow.selection(approvedAt: approvedAt)) FROM event WHERE segment IS NOT NULL ORDER BY seq")
        let queued = AirplayEventKind.segmentQueued.rawValue
        while let row = try rows.next() {
            guard let key = row.field(text: .segment) else { continue }
            if pending[key] == nil {
                if finishedEarly.contains(key) { continue }
                let seq: Int64 = row[SegmentEventRow.seq]
                // Loaxa writes a segment's `segment_queued` first; a segment met first by
                // another kind is looked up. Events after a record's end (a segment resumed
                // when the sound card came back) come after its record was handed over.
                let isQueued = (row[SegmentEventRow.kind] as String) == queued
                if !isQueued, let first = try firstSeq(of: key), first < seq {
                    finishedEarly.insert(key)
                    continue
                }
                pending[key] = Pending(firstSeq: seq, builder: SegmentRecordBuilder(segment: key))
                order.append(key)
            }
            if !pending[key]!.resolved { try pending[key]!.builder.add(row) }
            if order.count - orderStart > Self.maximumPending {
                let oldest = order[orderStart]
                if let p = pending[oldest], !p.builder.isClosed, !p.resolved {
                    pending[oldest] = Pending(firstSeq: p.firstSeq, builder: try builderFromIndex(oldest), resolved: true)
                }
            }
            try emitReady(body, all: false)
        }
        try emitReady(body, all: true)
    }

    /// Hands over, in order, the records at the front that are complete (all of them at
    /// the end of the scan).
    private mutating func emitReady(_ body: (Int64, SegmentRecordBuilder) throws -> Void, all: Bool) throws {
        while orderStart < order.count {
            let key = order[orderStart]
            guard let p = pending[key] else {
                orderStart += 1
                continue
            }
            guard p.resolved || p.builder.isClosed || all else { break }
            if p.resolved && !all { finishedEarly.insert(key) }
            pending[key] = nil
            orderStart += 1
            try emit(p.firstSeq, p.builder, body)
        }
        if orderStart > 1024 && orderStart * 2 > order.count {
            order.removeFirst(orderStart)
            orderStart = 0
        }
    }

    private func emit(_ firstSeq: Int64, _ builder: SegmentRecordBuilder, _ body: (Int64, SegmentRecordBuilder) throws -> Void) throws {
        guard let at = builder.referenceTime else { return }
        if let from, at < from { return }
        if let to, at >= to { return }
        try body(firstSeq, builder)
    }

    /// A builder fed with every event of `key`, in log order.
    private func builderFromIndex(_ key: String) throws -> SegmentRecordBuilder {
        var builder = SegmentRecordBuilder(segment: key)
        let rows = try Row.fetchCursor(
            db,
            sql: "SELECT \(SegmentEventRow.selection(approvedAt: approvedAt)) FROM event WHERE segment = ? ORDER BY seq",
            arguments: [key])
        while let row = try rows.next() {
            try builder.add(row)
        }
        return builder
    }

    /// The seq of `key`'s first event.
    private func firstSeq(of key: String) throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT MIN(seq) FROM event WHERE segment = ?", arguments: [key])
    }
}

/// The columns a segment record needs from an `event` row, and nothing else: no hashes, no
/// storage-class checks (``AirplayLog/verify(anchor:)`` is where a row altered outside
/// Loaxa is caught).
enum SegmentEventRow {
    /// Positions in ``selection(approvedAt:)`` of the columns before the fields; the
    /// fields are at their ``SegmentEventField`` raw values.
    static let seq = 0, kind = 1, at = 2

    static func selection(approvedAt: Bool) -> String {
        """
        seq, kind, at_us, block_id, scheduled_at_us, segment, source, media, title, topic, sha256, planned_ms, \
        played_frames, device_rate, outcome, reason, underruns, approved_by, \
        \(approvedAt ? "approved_at_us" : "NULL"), clock_synchronized
        """
    }

    static func unknown(_ column: String, _ value: String, seq: Int64) -> AirplayLogError {
        .malformedEvent(
            seq: seq, column: column, problem: "unknown value \"\(value)\"; the log may have been written by a newer Loaxa")
    }
}

