import GRDB
import LoaxaCore

/// Folds the events of one segment, in log order, into its ``SegmentRecord``.
///
/// The rules:
/// - The descriptive fields (block, source, media, title, topic, sha256, scheduled time,
///   planned length, approver, approval time) come from the first event that has them.
/// - `startedAt` is the time of the first `segment_started`; `endedAt`, `outcome` and
///   `reason` come from the first `segment_ended`. A `segment_ended` without an outcome
///   counts as `interrupted` (or `not_aired` when no start was recorded).
/// - A `segment_skipped` makes the record `skipped`, with its reason (a skipped item has no
///   start or end). Without an end or a skip, the record is still open: `outcome` is nil.
/// - The record is complete at its first end or skip: events of the segment after it (a
///   segment resumed when the sound card came back, say) do not change it.
/// - `playedMs` is `playedFrames × 1000 / deviceRate` (integer, rounded down) from the end
///   event, else from the last heartbeat, else 0. An event without a device rate uses the
///   last rate seen earlier in the segment.
/// - `underruns` comes from the end event, else the last heartbeat that has it, else 0.
/// - `clockSynchronized` is false if any event of the segment says the clock was not
///   synchronized, true if all that say anything say it was, nil if none does.
/// - Events of the segment that carry no source or media leave them as `schedule` and "";
///   Loaxa always writes both on the first event of a segment.
struct SegmentRecordBuilder {
    let segment: String
    private var blockID: String?
    private var source: SegmentSource?
    private var media: String?
    private var title: String?
    private var topic: String?
    private var sha256: String?
    private var scheduledAt: WallTime?
    private var plannedMs: Int64?
    private var approvedBy: String?
    private var approvedAt: WallTime?
    private var clockSynchronized: Bool?
    private var firstAt: WallTime?
    private var startedAt: WallTime?
    private var skippedAt: WallTime?
    private var skipReason: String?
    private var ended: End?
    private var endRate: Int?
    private var lastRate: Int?
    private var heartbeatFrames: Int64?
    private var heartbeatRate: Int?
    private var heartbeatUnderruns: Int?

    /// What the segment's first `segment_ended` says.
    private struct End {
        var at: WallTime
        var outcome: SegmentOutcome?
        var reason: String?
        var playedFrames: Int64?
        var underruns: Int?
    }

    init(segment: String) { self.segment = segment }

    /// Adds the segment's next event (events must come in log order) and returns its kind.
    /// A descriptive field is read only while the record lacks it: the events of one airing
    /// repeat them, and a long export would otherwise spend its time making the same strings
    /// again.
    @discardableResult
    mutating func add(_ e: some SegmentEventFields) throws -> AirplayEventKind {
        let kind = try e.eventKind()
        guard !isClosed else { return kind }
        let at = e.eventAt
        if firstAt == nil { firstAt = at }
        if blockID == nil { blockID = e.field(text: .blockID) }
        if source == nil, let text = e.field(text: .source) {
            guard let value = SegmentSource(rawValue: text) else { throw e.unknownValue("source", text) }
            source = value
        }
        if media == nil { media = e.field(text: .media) }
        if title == nil { title = e.field(text: .title) }
        if topic == nil { topic = e.field(text: .topic) }
        if sha256 == nil { sha256 = e.field(text: .sha256) }
        if scheduledAt == nil { scheduledAt = e.field(int: .scheduledAt).map(WallTime.init(microseconds:)) }
        if plannedMs == nil { plannedMs = e.field(int: .plannedMs) }
        if approvedBy == nil { approvedBy = e.field(text: .approvedBy) }
        if approvedAt == nil { approvedAt = e.field(int: .approvedAt).map(WallTime.init(microseconds:)) }
        if let synchronized = e.field(bool: .clockSynchronized) {
            clockSynchronized = (clockSynchronized ?? true) && synchronized
        }
        if let rate = e.field(int: .deviceRate).flatMap({ Int(exactly: $0) }), rate > 0 { lastRate = rate }

        switch kind {
        case .segmentStarted:
            if startedAt == nil { startedAt = at }
        case .segmentHeartbeat:
            if let frames = e.field(int: .playedFrames) {
                heartbeatFrames = frames
                heartbeatRate = lastRate
            }
            if let underruns = e.field(int: .underruns).flatMap({ Int(exactly: $0) }) { heartbeatUnderruns = underruns }
        case .segmentEnded:
            if ended == nil {
                var outcome: SegmentOutcome?
                if let text = e.field(text: .outcome) {
                    guard let value = SegmentOutcome(rawValue: text) else { throw e.unknownValue("outcome", text) }
                    outcome = value
                }
                ended = End(
                    at: at, outcome: outcome, reason: e.field(text: .reason), playedFrames: e.field(int: .playedFrames),
                    underruns: e.field(int: .underruns).flatMap { Int(exactly: $0) })
                endRate = lastRate
            }
        case .segmentSkipped:
            if skippedAt == nil {
                skippedAt = at
                skipReason = e.field(text: .reason)
            }
        default:
            break
        }
        return kind
    }


    /// Whether the segment's end or skip was seen: the record is complete.
    var isClosed: Bool { ended != nil || skippedAt != nil }

    /// The time the period filter compares: the start, else the skip, else the first event.
    var referenceTime: WallTime? { startedAt ?? skippedAt ?? firstAt }

    /// The record as the events so far describe it.
    var record: SegmentRecord {
        var outcome: SegmentOutcome?
        var reason: String?
        var endedAt: WallTime?
        var playedMs: Int64 = 0
        var underruns = heartbeatUnderruns ?? 0
        if let heartbeatFrames {
            playedMs = Self.milliseconds(frames: heartbeatFrames, rate: heartbeatRate)
        }
        if let ended {
            endedAt = ended.at
            outcome = ended.outcome ?? (startedAt == nil ? .notAired : .interrupted)
            reason = ended.reason ?? skipReason
            if let frames = ended.playedFrames {
                playedMs = Self.milliseconds(frames: frames, rate: endRate)
            }
            if let u = ended.underruns { underruns = u }
        } else if skippedAt != nil {
            outcome = .skipped
            reason = skipReason
        }
        return SegmentRecord(
            segment: segment, blockID: blockID, source: source ?? .schedule, media: media ?? "",
            title: title, topic: topic, sha256: sha256, scheduledAt: scheduledAt,
            startedAt: startedAt, endedAt: endedAt, plannedMs: plannedMs, playedMs: playedMs,
            outcome: outcome, reason: reason, underruns: underruns, approvedBy: approvedBy,
            approvedAt: approvedAt, clockSynchronized: clockSynchronized)
    }

    // MARK: - Stored state

    /// The `segment_record` columns that hold a builder's state, in the order
    /// ``init(state:)`` reads them.
    static let stateColumns = """
        segment, block_id, source, media, title, topic, sha256, scheduled_at_us, planned_ms, approved_by, \
        approved_at_us, clock_synchronized, first_at_us, started_at_us, skipped_at_us, skip_reason, end_at_us, \
        end_outcome, end_reason, end_played_frames, end_underruns, end_rate, last_rate, heartbeat_frames, \
        heartbeat_rate, heartbeat_underruns
        """

    /// A builder as ``save(_:firstSeq:)`` stored it, from a row of ``stateColumns``.
    init(state row: Row) {
        func time(_ i: Int) -> WallTime? { (row[i] as Int64?).map(WallTime.init(microseconds:)) }
        func int(_ i: Int) -> Int? { (row[i] as Int64?).flatMap { Int(exactly: $0) } }
        segment = row[0]
        blockID = row[1]
        source = (row[2] as String?).flatMap(SegmentSource.init(rawValue:))
        media = row[3]
        title = row[4]
        topic = row[5]
        sha256 = row[6]
        scheduledAt = time(7)
        plannedMs = row[8]
        approvedBy = row[9]
        approvedAt = time(10)
        clockSynchronized = row[11]
        firstAt = time(12)
        startedAt = time(13)
        skippedAt = time(14)
        skipReason = row[15]
        if let at = time(16) {
            ended = End(
                at: at, outcome: (row[17] as String?).flatMap(SegmentOutcome.init(rawValue:)), reason: row[18],
                playedFrames: row[19], underruns: int(20))
        }
        endRate = int(21)
        lastRate = int(22)
        heartbeatFrames = row[23]
        heartbeatRate = int(24)
        heartbeatUnderruns = int(25)
    }

    /// Stores the state, replacing what was stored for the segment; `firstSeq` is the seq of
    /// its first event, which orders the records.
    func save(_ db: Database, firstSeq: Int64) throws {
        func us(_ t: WallTime?) -> Int64? { t?.microseconds }
        let values: [(any DatabaseValueConvertible)?] = [
            segment, blockID, source?.rawValue, media, title, topic, sha256, us(scheduledAt), plannedMs, approvedBy,
            us(approvedAt), clockSynchronized, us(firstAt), us(startedAt), us(skippedAt), skipReason, us(ended?.at),
            ended?.outcome?.rawValue, ended?.reason, ended?.playedFrames, ended?.underruns, endRate, lastRate,
            heartbeatFrames, heartbeatRate, heartbeatUnderruns, firstSeq, us(referenceTime),
        ]
        try db.execute(
            sql: """
                INSERT OR REPLACE INTO segment_record (\(Self.stateColumns), first_seq, placed_at_us)
                VALUES (\(Array(repeating: "?", count: values.count).joined(separator: ", ")))
                """,
            arguments: StatementArguments(values))
    }

    /// `frames × 1000 / rate`, rounded toward zero, without overflow; 0 without a rate.
    static func milliseconds(frames: Int64, rate: Int?) -> Int64 {
        guard let rate, rate > 0 else { return 0 }
        let r = Int64(rate)
        return frames / r * 1000 + frames % r * 1000 / r
    }
}

/// The fields of a segment event the record builder reads: a row being scanned (read only
/// when asked for) or an event about to be stored.
protocol SegmentEventFields {
    func eventKind() throws -> AirplayEventKind
    var eventAt: WallTime { get }
    func field(text: SegmentEventField) -> String?
    func field(int: SegmentEventField) -> Int64?
    func field(bool: SegmentEventField) -> Bool?
    /// The error for a value this build does not know.
    func unknownValue(_ column: String, _ value: String) -> AirplayLogError
}

/// The fields of a segment event, each at its position in ``SegmentEventRow/selection(approvedAt:)``.
enum SegmentEventField: Int {
    case blockID = 3, scheduledAt, segment, source, media, title, topic, sha256, plannedMs, playedFrames, deviceRate
    case outcome, reason, underruns, approvedBy, approvedAt, clockSynchronized
}

extension Row: SegmentEventFields {
    func eventKind() throws -> AirplayEventKind {
        let text: String = self[SegmentEventRow.kind]
        guard let kind = AirplayEventKind(rawValue: text) else { throw unknownValue("kind", text) }
        return kind
    }
    var eventAt: WallTime { WallTime(microseconds: self[SegmentEventRow.at]) }
    func field(text field: SegmentEventField) -> String? { self[field.rawValue] }
    func field(int field: SegmentEventField) -> Int64? { self[field.rawValue] }
    func field(bool field: SegmentEventField) -> Bool? { self[field.rawValue] }
    func unknownValue(_ column: String, _ value: String) -> AirplayLogError {
        SegmentEventRow.unknown(column, value, seq: self[SegmentEventRow.seq])
    }
}

extension EventRecord: SegmentEventFields {
    func eventKind() throws -> AirplayEventKind {
        guard let value = AirplayEventKind(rawValue: kind) else { throw unknownValue("kind", kind) }
        return value
    }
    var eventAt: WallTime { WallTime(microseconds: atUs) }
    func field(text field: SegmentEventField) -> String? {
        switch field {
        case .blockID: return blockID
        case .segment: return segment
        case .source: return source
        case .media: return media
        case .title: return title
        case .topic: return topic
        case .sha256: return sha256
        case .outcome: return outcome
        case .reason: return reason
        case .approvedBy: return approvedBy
        default: return nil
        }
    }
    func field(int field: SegmentEventField) -> Int64? {
        switch field {
        case .scheduledAt: return scheduledAtUs
        case .plannedMs: return plannedMs
        case .playedFrames: return playedFrames
        case .deviceRate: return deviceRate
        case .underruns: return underruns
        case .approvedAt: return approvedAtUs
        default: return nil
        }
    }
    func field(bool field: SegmentEventField) -> Bool? { field == .clockSynchronized ? clockSynchronized : nil }
    func unknownValue(_ column: String, _ value: String) -> AirplayLogError {
        SegmentEventRow.unknown(column, value, seq: seq)
    }
}
