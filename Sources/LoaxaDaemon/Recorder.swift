import Foundation
import LoaxaCore
import LoaxaStore
import Logging
import Synchronization

/// Writes airplay events to the log on its own thread, and to the journal, one a line.
///
/// A full disk (or any failed write) never holds up the air: events wait in a queue in
/// memory, in the order they were recorded, and the whole queue is retried in one
/// transaction a second later, so they reach the log in that order once it can be written.
/// While writes fail `writeError` says why and `waiting` how many events wait; `loaxa
/// status` shows both. Nothing is dropped silently: every event is in the journal as it is
/// recorded; if the queue reaches its capacity, the oldest heartbeats go first (start and
/// end events are kept, so past it the queue still grows) and each drop is logged; and a
/// daemon stopped while the log cannot be written says how many events it could not write.
final class Recorder: @unchecked Sendable {
    let log: AirplayLog
    let logger: Logger
    let zone: @Sendable (WallTime) -> Int
    private let queue = Mutex<[AirplayEvent]>([])
    private let wake = DispatchSemaphore(value: 0)
    private let idle = DispatchSemaphore(value: 0)
    private let running = Atomic<Bool>(true)
    private var thread: Thread?
    /// Why the last write failed, while writes fail; nil when the log is writable.
    let writeError = Mutex<String?>(nil)
    private static let capacity = 100_000
    /// How long a failed write waits before it is tried again.
    private static let retryInterval: TimeInterval = 1
    /// How long `stop()` goes on retrying events the log cannot take: one more try, so that
    /// SIGTERM still stops the daemon within 2 s.
    private static let retryAtStop: TimeInterval = 1

    init(log: AirplayLog, logger: Logger, zone: @escaping @Sendable (WallTime) -> Int) {
        self.log = log
        self.logger = logger
        self.zone = zone
    }

    /// Whether the system clock is trusted now; stamped on every event that has no value.
    var clockSynchronized: @Sendable () -> Bool? = { nil }

    /// Queues an event for the log. Safe from any thread but the audio thread.
    func record(_ event: AirplayEvent) {
        var event = event
        if event.clockSynchronized == nil { event.clockSynchronized = clockSynchronized() }
        enqueue(event)
    }

    /// Queues events exactly as they are, without stamping the clock's state on them: the
    /// events that close what the last run left open, when the log could not take them at
    /// start (they say nothing of the clock, as when they are written at once).
    func recordAsIs(_ events: [AirplayEvent]) {
        for event in events { enqueue(event) }
    }

    private func enqueue(_ event: AirplayEvent) {
        logger.info("\(Self.line(event, offset: zone(event.at)))")
        let dropped = queue.withLock { q in
            var dropped = false
            if q.count >= Self.capacity, let i = q.firstIndex(where: { $0.kind == .segmentHeartbeat }) {
                q.remove(at: i)
                dropped = true
            }
            q.append(event)
            return dropped
        }
        wake.signal()
        if dropped {
            logger.warning("airplay log queue full: an older heartbeat was dropped to keep start and end events")
        }
    }

    func start() {
        let t = Thread { [self] in self.loop() }
        t.name = "loaxa-recorder"
        thread = t
        t.start()
    }

    /// Events recorded and not yet written.
    var waiting: Int { queue.withLock { $0.count } }

    /// Waits until every queued event is written (or a write has failed).
    func flush() {
        wake.signal()
        while !queue.withLock({ $0.isEmpty }) && writeError.withLock({ $0 == nil }) {
            usleep(2_000)
        }
    }

    /// Writes what is queued and stops the thread. While the log cannot be written, it goes
    /// on retrying for a few seconds, then stops and says how many events it could not write.
    func stop() {
        flush()
        running.store(false, ordering: .releasing)
        wake.signal()
        idle.wait()
    }

    private func loop() {
        var retryAt = Date.distantPast
        var stopDeadline: Date?
        while true {
            _ = wake.wait(timeout: .now() + Self.retryInterval)
            let stopping = !running.load(ordering: .acquiring)
            if stopping && stopDeadline == nil { stopDeadline = Date().addingTimeInterval(Self.retryAtStop) }
            let batch = queue.withLock { $0 }
            // While writes fail, a new event does not bring the retry forward.
            if !batch.isEmpty && Date() >= retryAt {
                do {
                    try log.append(batch)
                    queue.withLock { $0.removeFirst(batch.count) }
                    if writeError.withLock({ $0 }) != nil {
                        logger.notice("the airplay log is writable again: the \(batch.count) events that waited are written, in order")
                    }
                    writeError.withLock { $0 = nil }
                } catch {
                    let reason = Self.reason(error)
                    if writeError.withLock({ $0 }) != reason {
                        let waiting = batch.count == 1 ? "1 event waits in memory and is" : "\(batch.count) events wait in memory and are"
                        logger.error("cannot write the airplay log: \(reason); \(waiting) retried every second, in order")
                    }
                    writeError.withLock { $0 = reason }
                    retryAt = Date().addingTimeInterval(Self.retryInterval)
                }
            }
            guard stopping else { continue }
            let left = queue.withLock { $0.count }
            if left == 0 { break }
            if let stopDeadline, Date() >= stopDeadline {
                logger.critical("stopping with \(left) events not written to the airplay log (\(writeError.withLock { $0 } ?? "unknown error")): they are lost from the log; each is in the journal above, one line an event")
                break
            }
        }
        idle.signal()
    }

    /// Why a write failed, for the operator: the database's reason without the wrapping.
    static func reason(_ error: any Error) -> String {
        if case AirplayLogError.writeFailed(let reason) = error { return reason }
        return "\(error)"
    }

    /// One journal line for an event.
    static func line(_ e: AirplayEvent, offset: Int) -> String {
        var parts = ["event=\(e.kind.rawValue)", "at=\(RFC3339.format(e.at, offsetSeconds: offset))"]
        if let v = e.blockID { parts.append("block=\(v)") }
        if let v = e.media { parts.append("media=\(v)") }
        if let v = e.outcome { parts.append("outcome=\(v.rawValue)") }
        if let f = e.playedFrames, let r = e.deviceRate, r > 0 { parts.append("played_ms=\(f * 1000 / Int64(r))") }
        if let v = e.reason { parts.append("reason=\"\(v)\"") }
        if let v = e.detail { parts.append("detail=\"\(v)\"") }
        return parts.joined(separator: " ")
    }
}
