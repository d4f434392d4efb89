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
/// - Without an end, a `segment_skipped` makes the record `skipped`, with its reason (a
///   skipped item normally has no start or end). Without either, the record is still open:
///   `outcome` is nil.
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

    /// Adds the segment's next event, a row selected with ``SegmentEventRow/selection``
    /// (events must come in log order), and returns its kind. A descriptive column is read
    /// only while the record lacks it: the events of one airing repeat them, and a long
    /// export would otherwise spend its time making the same strings again.
    @discardableResult
    mutating func add(row: Row) throws -> AirplayEventKind {
        typealias C = SegmentEventRow.Column
        let seq: Int64 = row[C.seq]
        let kindText: String = row[C.kind]
        guard let kind = AirplayEventKind(rawValue: kindText) else {
            throw SegmentEventRow.unknown("kind", kindText, seq: seq)
        }
        let at = WallTime(microseconds: row[C.at])
        if firstAt == nil { firstAt = at }
        if blockID == nil { blockID = row[C.blockID] }
        if source == nil, let text = row[C.source] as String? {
            guard let value = SegmentSource(rawValue: text) else { throw SegmentEventRow.unknown("source", text, seq: seq) }
            source = value
        }
        if media == nil { media = row[C.media] }
        if title == nil { title = row[C.title] }
        if topic == nil { topic = row[C.topic] }
        if sha256 == nil { sha256 = row[C.sha256] }
        if scheduledAt == nil { scheduledAt = (row[C.scheduledAt] as Int64?).map(WallTime.init(microseconds:)) }
        if plannedMs == nil { plannedMs = row[C.plannedMs] }
        if approvedBy == nil { approvedBy = row[C.approvedBy] }
        if approvedAt == nil { approvedAt = (row[C.approvedAt] as Int64?).map(WallTime.init(microseconds:)) }
        if let synchronized = row[C.clockSynchronized] as Bool? {
            clockSynchronized = (clockSynchronized ?? true) && synchronized
        }
        if let rate = (row[C.deviceRate] as Int64?).flatMap({ Int(exactly: $0) }), rate > 0 { lastRate = rate }

        switch kind {
        case .segmentStarted:
            if startedAt == nil { startedAt = at }
        case .segmentHeartbeat:
            if let frames = row[C.playedFrames] as Int64? {
                heartbeatFrames = frames
                heartbeatRate = lastRate
            }
            if let underruns = (row[C.underruns] as Int64?).flatMap({ Int(exactly: $0) }) { heartbeatUnderruns = underruns }
        case .segmentEnded:
            if ended == nil {
                var outcome: SegmentOutcome?
                if let text = row[C.outcome] as String? {
                    guard let value = SegmentOutcome(rawValue: text) else { throw SegmentEventRow.unknown("outcome", text, seq: seq) }
                    outcome = value
                }
                ended = End(
                    at: at, outcome: outcome, reason: row[C.reason], playedFrames: row[C.playedFrames],
                    underruns: (row[C.underruns] as Int64?).flatMap { Int(exactly: $0) })
                endRate = lastRate
            }
        case .segmentSkipped:
            if skippedAt == nil {
                skippedAt = at
                skipReason = row[C.reason]
            }
        default:
            break
        }
        return kind
    }

    /// Whether the end lacks what only heartbeats can tell (the frames played, the
    /// underruns), as a crash recovery's end does.
    var endNeedsHeartbeats: Bool {
        guard let ended, startedAt != nil else { return false }
        return ended.playedFrames == nil || ended.underruns == nil
    }

    /// Whether a `segment_started` was seen.
    var hasStarted: Bool { startedAt != nil }

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

    /// `frames × 1000 / rate`, rounded toward zero, without overflow; 0 without a rate.
    static func milliseconds(frames: Int64, rate: Int?) -> Int64 {
        guard let rate, rate > 0 else { return 0 }
        let r = Int64(rate)
        return frames / r * 1000 + frames % r * 1000 / r
    }
}
