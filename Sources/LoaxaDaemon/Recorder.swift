import Foundation
import LoaxaCore
import LoaxaStore
import Logging
import Synchronization

/// Writes airplay events to the log on its own thread, and to the journal, one a line.
///
/// Events wait in a bounded queue in memory; a write that fails (a full disk, say) is
/// retried a second later with the events still in order, and nothing is dropped silently:
/// if the queue ever fills, the oldest heartbeats go first and each drop is logged.
final class Recorder: @unchecked Sendable {
    let log: AirplayLog
    let logger: Logger
    let zone: @Sendable (WallTime) -> Int
    private let queue = Mutex<[AirplayEvent]>([])
    private let wake = DispatchSemaphore(value: 0)
    private let idle = DispatchSemaphore(value: 0)
    private let running = Atomic<Bool>(true)
    private var thread: Thread?
    /// The last write error, while writes fail.
    let lastError = Mutex<String?>(nil)
    private static let capacity = 100_000

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

    /// Waits until every queued event is written (or a write has failed).
    func flush() {
        wake.signal()
        while !queue.withLock({ $0.isEmpty }) && lastError.withLock({ $0 == nil }) {
            usleep(2_000)
        }
    }

    /// Writes what is queued and stops the thread.
    func stop() {
        flush()
        running.store(false, ordering: .releasing)
        wake.signal()
        idle.wait()
    }

    private func loop() {
        while true {
            _ = wake.wait(timeout: .now() + 1)
            let batch = queue.withLock { $0 }
            if !batch.isEmpty {
                do {
                    try log.append(batch)
                    queue.withLock { $0.removeFirst(batch.count) }
                    if lastError.withLock({ $0 }) != nil {
                        logger.notice("airplay log writable again; \(batch.count) waiting events written")
                    }
                    lastError.withLock { $0 = nil }
                } catch {
                    let message = "cannot write the airplay log (\(error)); \(batch.count) events wait in memory and are retried"
                    if lastError.withLock({ $0 }) == nil { logger.error("\(message)") }
                    lastError.withLock { $0 = message }
                }
            }
            if !running.load(ordering: .acquiring) && queue.withLock({ $0.isEmpty || lastError.withLock { $0 != nil } }) {
                idle.signal()
                return
            }
        }
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
