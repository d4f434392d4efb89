import GRDB
import LoaxaCore

/// What a daemon that stopped without closing its records (killed, crashed, power cut)
/// left open, and the events that close it (SPEC §8).
extension AirplayLog {
    /// One `segment_ended` event for each segment the last run of the daemon left open: a
    /// segment that started is `interrupted` at the last moment the log knows it aired (its
    /// last heartbeat, else its start), with the frames that heartbeat counted; one that
    /// never started is `not_aired`. Only the last run can have left segments open: each
    /// run closes what the one before it left, before it records anything.
    ///
    /// Reads from the last `daemon_started` event on, so its cost does not grow with the log.
    public func closingEventsForOpenSegments(reason: String) throws -> [AirplayEvent] {
        try read { db in
            let from = try Int64.fetchOne(
                db, sql: "SELECT MAX(seq) FROM event WHERE kind = ?",
                arguments: [AirplayEventKind.daemonStarted.rawValue]) ?? 1
            let records = try EventRecord.fetchCursor(
                db,
                sql: "SELECT \(EventRecord.selection()) FROM event WHERE seq >= ? AND segment IS NOT NULL ORDER BY seq",
                arguments: [from])
            var open: [String: OpenSegment] = [:]
            var order: [String] = []
            while let record = try records.next() {
                let event = try record.airplayEvent()
                guard let key = event.segment else { continue }
                if open[key] == nil {
                    open[key] = OpenSegment(first: event)
                    order.append(key)
                }
                open[key]!.add(event)
            }
            return order.compactMap { open[$0]!.closing(reason: reason) }
        }
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
