import GRDB
import LoaxaCore

/// What a daemon that stopped without closing its records (killed, crashed, power cut)
/// left open, and the events that close it (SPEC §8).
extension AirplayLog {
    /// The events that close what the last run of the daemon left open, segments first,
    /// then blocks:
    /// - one `segment_ended` for each open segment: one that started is `interrupted` at
    ///   the last moment the log knows it aired (its last heartbeat, else its start), with
    ///   the frames that heartbeat counted; one that never started is `not_aired`;
    /// - one `block_ended` for each `block_started` without its end, at the last moment the
    ///   log knows something of the block aired (a segment's start, heartbeat or end), else
    ///   at the block's start.
    ///
    /// Only the last run can have left anything open: each run closes what the one before
    /// it left, before it records anything. Reads from the last `daemon_started` event on,
    /// so its cost does not grow with the log.
    public func eventsClosingWhatTheLastRunLeftOpen(reason: String) throws -> [AirplayEvent] {
        try read { db in try Self.eventsClosingWhatTheLastRunLeftOpen(db, reason: reason) }
    }

    /// Appends the events of ``eventsClosingWhatTheLastRunLeftOpen(reason:)`` and returns
    /// them. What is open is read and closed in one write transaction, flushed like every
    /// event: no other writer comes between, and a daemon killed again meanwhile leaves
    /// either all of them or none.
    @discardableResult
    public func closeWhatTheLastRunLeftOpen(reason: String) throws -> [AirplayEvent] {
        let clock = self.clock
        do {
            return try writer.write { db in
                let closing = try Self.eventsClosingWhatTheLastRunLeftOpen(db, reason: reason)
                _ = try Self.append(closing, db: db, recordedAt: clock())
                return closing
            }
        } catch {
            throw AirplayLogError.write(error)
        }
    }

    static func eventsClosingWhatTheLastRunLeftOpen(_ db: Database, reason: String) throws -> [AirplayEvent] {
        let from = try Int64.fetchOne(
            db, sql: "SELECT MAX(seq) FROM event WHERE kind = ?",
            arguments: [AirplayEventKind.daemonStarted.rawValue]) ?? 1
        let records = try EventRecord.fetchCursor(
            db,
            sql: """
                SELECT \(EventRecord.selection()) FROM event
                WHERE seq >= ? AND (segment IS NOT NULL OR kind IN (?, ?)) ORDER BY seq
                """,
            arguments: [from, AirplayEventKind.blockStarted.rawValue, AirplayEventKind.blockEnded.rawValue])
        var segments: [String: OpenSegment] = [:]
        var segmentOrder: [String] = []
        var blocks: [String: OpenBlock] = [:]
        var blockOrder: [String] = []
        while let record = try records.next() {
            let event = try record.airplayEvent()
            switch event.kind {
            case .blockStarted:
                let key = OpenBlock.key(event)
                if blocks[key] == nil { blockOrder.append(key) }
                blocks[key] = OpenBlock(start: event)
            case .blockEnded:
                blocks[OpenBlock.key(event)]?.closed = true
            default:
                guard let key = event.segment else { continue }
                if segments[key] == nil {
                    segments[key] = OpenSegment(first: event)
                    segmentOrder.append(key)
                }
                segments[key]!.add(event)
                if let aired = OpenSegment.airedMoment(of: event) {
                    for (key, block) in blocks where !block.closed && block.start.blockID == event.blockID {
                        blocks[key]!.lastAired = max(block.lastAired ?? aired, aired)
                    }
                }
            }
        }
        return segmentOrder.compactMap { segments[$0]!.closing(reason: reason) }
            + blockOrder.compactMap { blocks[$0]?.closing(reason: reason) }
    }
}

/// The events of one segment so far, as far as closing it goes.
private struct OpenSegment {
    var first: AirplayEvent
    var closed = false
    var started = false
    var lastAired: WallTime?
    var playedFrames: Int64 = 0
    var deviceRate: Int?

    init(first: AirplayEvent) { self.first = first }

    /// When `event` shows its segment on air: its start, a heartbeat, or an end after
    /// frames aired. Nil for anything else (queued, skipped, ended without airing).
    static func airedMoment(of event: AirplayEvent) -> WallTime? {
        switch event.kind {
        case .segmentStarted, .segmentHeartbeat:
            return event.at
        case .segmentEnded where event.outcome != .notAired && (event.playedFrames ?? 1) > 0:
            return event.at
        default:
            return nil
        }
    }

    mutating func add(_ event: AirplayEvent) {
        deviceRate = event.deviceRate ?? deviceRate
        switch event.kind {
        case .segmentEnded, .segmentSkipped:
            closed = true
        case .segmentStarted:
            started = true
            lastAired = max(lastAired ?? event.at, event.at)
        case .segmentHeartbeat:
            started = true
            lastAired = max(lastAired ?? event.at, event.at)
            playedFrames = max(playedFrames, event.playedFrames ?? 0)
        default:
            break
        }
    }

    /// The event that closes it; nil when it is closed already.
    func closing(reason: String) -> AirplayEvent? {
        guard !closed else { return nil }
        var event = first
        event.kind = .segmentEnded
        event.at = started ? lastAired ?? first.at : first.at
        event.outcome = started ? .interrupted : .notAired
        event.reason = reason
        event.playedFrames = started ? playedFrames : 0
        event.deviceRate = deviceRate
        event.underruns = nil
        event.detail = nil
        event.clockSynchronized = nil
        return event
    }
}

/// A block the log shows started, and what aired of it since.
private struct OpenBlock {
    var start: AirplayEvent
    var closed = false
    var lastAired: WallTime?

    /// One airing of a block: its id and scheduled start, as its start and end carry them.
    static func key(_ event: AirplayEvent) -> String {
        "\(event.blockID ?? "")@\(event.scheduledAt?.microseconds ?? 0)"
    }

    /// The event that closes it; nil when it is closed already.
    func closing(reason: String) -> AirplayEvent? {
        guard !closed else { return nil }
        return AirplayEvent(
            kind: .blockEnded, at: max(lastAired ?? start.at, start.at), blockID: start.blockID,
            scheduledAt: start.scheduledAt, reason: reason)
    }
}
