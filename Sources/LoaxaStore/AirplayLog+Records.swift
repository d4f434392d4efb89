import GRDB
import LoaxaCore

/// Segment records, the evidence exports and reports are made of, derived from the events
/// as they are read (SPEC §8). Built for logs of millions of events: one pass in log order,
/// no join, and memory bounded by the airings open at any one time.
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
            var scan = SegmentRecordScan(log: self, db: db, from: from, to: to)
            try scan.run(body)
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

/// One pass over the segment events of a range of the log, folding them into records.
///
/// The scan reads the segments' events in seq order, leaving out heartbeats (most of a
/// long log), and keeps a builder for each segment until its end or skip arrives; records
/// leave in the order their segments began, as soon as every earlier one is complete.
/// Three cases read a segment's events again through the segment index, all of them rare:
/// a record that needs its heartbeats (no end yet, or an end without the frames played or
/// the underruns, as a crash recovery writes), a segment that began before the scanned
/// range, and the oldest of more than ``maximumPending`` segments still waiting (a log
/// written before crash recovery existed can hold segments that never end).
struct SegmentRecordScan {
    let log: AirplayLog
    let db: Database
    let from: WallTime?
    let to: WallTime?

    static let maximumPending = 4096

    private struct Pending {
        var firstSeq: Int64
        var builder: SegmentRecordBuilder
        /// An end or skip was seen.
        var closed = false
        /// Completed from the index; events the scan meets later are ignored.
        var resolved = false

        /// Feeds the builder the event in `row`, unless the record is already complete.
        mutating func add(_ row: Row) throws {
            guard !resolved else { return }
            let kind = try builder.add(row: row)
            if kind == .segmentEnded || kind == .segmentSkipped { closed = true }
        }
    }

    private var pending: [String: Pending] = [:]
    private var order: [String] = []
    private var orderStart = 0
    /// Segments whose record was handed over before all their events were met (events
    /// after an end, a record completed from the index), whose later events are skipped.
    private var finishedEarly: Set<String> = []

    init(log: AirplayLog, db: Database, from: WallTime?, to: WallTime?) {
        self.log = log
        self.db = db
        self.from = from
        self.to = to
    }

    mutating func run(_ body: (SegmentRecord) throws -> Void) throws {
        guard let range = try seqRange() else { return }
        let sql = """
            SELECT \(SegmentEventRow.selection(approvedAt: log.hasApprovedAtColumn)) FROM event
            WHERE seq BETWEEN ? AND ? AND segment IS NOT NULL AND kind <> 'segment_heartbeat'
            ORDER BY seq
            """
        let rows = try Row.fetchCursor(db, sql: sql, arguments: [range.lowerBound, range.upperBound])
        let queued = AirplayEventKind.segmentQueued.rawValue
        while let row = try rows.next() {
            guard let key = row[SegmentEventRow.Column.segment] as String? else { continue }
            if pending[key] == nil {
                if finishedEarly.contains(key) { continue }
                let seq: Int64 = row[SegmentEventRow.Column.seq]
                // Loaxa writes a segment's `segment_queued` first; a segment met first by
                // another kind is looked up, as it may have begun before.
                let isQueued = (row[SegmentEventRow.Column.kind] as String) == queued
                let first = isQueued ? seq : try firstSeq(of: key) ?? seq
                if first < range.lowerBound {
                    try resolveFromIndex(key, firstSeq: first)
                    continue
                } else if first < seq {
                    // Events after a record's end (a segment resumed when the sound card came
                    // back): the record was complete at its end and has been handed over.
                    finishedEarly.insert(key)
                    continue
                }
                pending[key] = Pending(firstSeq: seq, builder: SegmentRecordBuilder(segment: key))
                order.append(key)
            }
            try pending[key]!.add(row)
            if order.count - orderStart > Self.maximumPending {
                let oldest = order[orderStart]
                if let p = pending[oldest], !p.closed, !p.resolved { try resolveFromIndex(oldest, firstSeq: p.firstSeq) }
            }
            try emitReady(body, all: false)
        }
        try emitReady(body, all: true)
    }

    /// Hands over, in order, the records at the front that are complete (all of them at
    /// the end of the scan, reading the events of any still open from the index).
    private mutating func emitReady(_ body: (SegmentRecord) throws -> Void, all: Bool) throws {
        while orderStart < order.count {
            let key = order[orderStart]
            guard let p = pending[key] else {
                orderStart += 1
                continue
            }
            guard p.resolved || p.closed || all else { break }
            var builder = p.builder
            if !p.resolved && (!p.closed || builder.endNeedsHeartbeats) {
                builder = try builderFromIndex(key)
                if !all { finishedEarly.insert(key) }
            } else if p.resolved && !all {
                finishedEarly.insert(key)
            }
            pending[key] = nil
            orderStart += 1
            try emit(builder, body)
        }
        if orderStart > 1024 && orderStart * 2 > order.count {
            order.removeFirst(orderStart)
            orderStart = 0
        }
    }

    private func emit(_ builder: SegmentRecordBuilder, _ body: (SegmentRecord) throws -> Void) throws {
        guard let at = builder.referenceTime else { return }
        if let from, at < from { return }
        if let to, at >= to { return }
        try body(builder.record)
    }

    /// Completes `key`'s record from all its events, in place in the order.
    private mutating func resolveFromIndex(_ key: String, firstSeq: Int64) throws {
        if pending[key] == nil { order.append(key) }
        pending[key] = Pending(firstSeq: firstSeq, builder: try builderFromIndex(key), closed: true, resolved: true)
    }

    /// A builder fed with every event of `key`, heartbeats included, in log order.
    private func builderFromIndex(_ key: String) throws -> SegmentRecordBuilder {
        var builder = SegmentRecordBuilder(segment: key)
        let rows = try Row.fetchCursor(
            db,
            sql: "SELECT \(SegmentEventRow.selection(approvedAt: log.hasApprovedAtColumn)) FROM event WHERE segment = ? ORDER BY seq",
            arguments: [key])
        while let row = try rows.next() {
            try builder.add(row: row)
        }
        return builder
    }

    /// The seq of `key`'s first event.
    private func firstSeq(of key: String) throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT MIN(seq) FROM event WHERE segment = ?", arguments: [key])
    }

    /// How far before a period the scan starts, so that a segment queued before the period
    /// and started in it is read whole: longer than any segment (`max_segment_minutes` is
    /// at most 60) and the lead it is queued with.
    static let leadMicros: Int64 = 2 * 3600 * 1_000_000

    /// The seqs to scan: the whole log, or for a period the span of the segment events
    /// timed inside it, from ``leadMicros`` before it (a record is placed by its start,
    /// skip or first event, all of which lie in that span).
    private func seqRange() throws -> ClosedRange<Int64>? {
        var filters = ["segment IS NOT NULL"]
        var arguments: StatementArguments = []
        if let from {
            filters.append("at_us >= ?")
            arguments += [from.microseconds - Self.leadMicros]
        }
        if let to {
            filters.append("at_us < ?")
            arguments += [to.microseconds]
        }
        let sql = from == nil && to == nil
            ? "SELECT MIN(seq), MAX(seq) FROM event"
            : "SELECT MIN(seq), MAX(seq) FROM event WHERE \(filters.joined(separator: " AND "))"
        guard let row = try Row.fetchOne(db, sql: sql, arguments: arguments),
            let low = row[0] as Int64?, let high = row[1] as Int64?
        else { return nil }
        return low...high
    }
}

/// The columns a segment record needs from an `event` row, and nothing else: no hashes, no
/// storage-class checks (``AirplayLog/verify(anchor:)`` is where a row altered outside
/// Loaxa is caught).
enum SegmentEventRow {
    /// Column positions in ``selection(approvedAt:)``.
    enum Column {
        static let seq = 0, kind = 1, at = 2, blockID = 3, scheduledAt = 4, segment = 5, source = 6, media = 7
        static let title = 8, topic = 9, sha256 = 10, plannedMs = 11, playedFrames = 12, deviceRate = 13
        static let outcome = 14, reason = 15, underruns = 16, approvedBy = 17, approvedAt = 18
        static let clockSynchronized = 19
    }

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

