import Foundation
import LoaxaCore
import LoaxaStore
import Logging
import Synchronization
import Testing
@testable import LoaxaDaemon

/// Where each priority's entries air, expiry, fitting, and what a restart does to them,
/// on a real (in-memory) SQLite log.
@Suite struct OperatorQueueTests {
    static let now = WallTime(seconds: 1_790_000_000)

    @Test func eachPriorityAirsOnlyWhereItBelongs() throws {
        let f = try Fixture()
        try f.add("thong-bao/chung.wav")
        try f.add("thong-bao/cho-toi.wav", block: "toi")
        try f.add("thong-bao/gap.wav", .priority)

        // A block boundary takes the priority entry only.
        #expect(f.queue.take(.boundary, at: Self.now, maxMicros: nil)?.media == "thong-bao/gap.wav")
        #expect(f.queue.take(.boundary, at: Self.now, maxMicros: nil) == nil)
        // Block "sang"'s queue item: the entry for any block, not the one named for "toi".
        #expect(f.queue.take(.queueItem(blockID: "sang"), at: Self.now, maxMicros: nil)?.media == "thong-bao/chung.wav")
        #expect(f.queue.take(.queueItem(blockID: "sang"), at: Self.now, maxMicros: nil) == nil)
        // The end of a block without a queue item: only the entries named for it.
        #expect(f.queue.take(.blockEnd(blockID: "sang"), at: Self.now, maxMicros: nil) == nil)
        #expect(f.queue.take(.blockEnd(blockID: "toi"), at: Self.now, maxMicros: nil)?.media == "thong-bao/cho-toi.wav")
    }

    @Test func whatDoesNotFitWaitsAndLaterEntriesGoFirst() throws {
        let f = try Fixture(lengths: ["long.wav": 300_000_000, "short.wav": 20_000_000])
        let long = try f.add("long.wav")
        try f.add("short.wav")
        #expect(f.queue.take(.queueItem(blockID: "a"), at: Self.now, maxMicros: 60_000_000)?.media == "short.wav")
        #expect(f.queue.take(.queueItem(blockID: "a"), at: Self.now, maxMicros: 60_000_000) == nil)
        // Declined by the renderer (its decoded length did not fit after all): passed over.
        #expect(f.queue.take(.queueItem(blockID: "b"), at: Self.now, maxMicros: nil, excluding: [long.id]) == nil)
        #expect(f.queue.take(.queueItem(blockID: "b"), at: Self.now, maxMicros: nil)?.media == "long.wav")
    }

    @Test func anExpiredEntryNeverAirsAndTheLogSaysSo() throws {
        let f = try Fixture()
        let entry = try f.add("cu.wav", expires: Self.now + 60_000_000)
        // Due after its expiry: not taken.
        #expect(f.queue.take(.queueItem(blockID: "a"), at: Self.now + 61_000_000, maxMicros: nil) == nil)
        f.queue.expire(now: Self.now + 30_000_000)
        #expect(f.queue.current.count == 1, "not yet expired")
        f.queue.expire(now: Self.now + 60_000_000)
        #expect(f.queue.current.isEmpty)
        f.settle()
        #expect(try f.state(entry.id) == .expired)
        let skipped = f.recorded.events.filter { $0.kind == .segmentSkipped }
        #expect(skipped.count == 1 && skipped[0].reason?.contains("expired") == true && skipped[0].approvedBy == "can-bo")
    }

    @Test func entriesHandedBackWaitAgainAndAiredOnesLeave() throws {
        let f = try Fixture()
        let a = try f.add("a.wav")
        let b = try f.add("b.wav")
        #expect(f.queue.take(.queueItem(blockID: "x"), at: Self.now, maxMicros: nil)?.queueID == a.id)
        f.queue.finished(id: a.id, aired: false, note: nil)
        #expect(f.queue.take(.queueItem(blockID: "x"), at: Self.now, maxMicros: nil)?.queueID == a.id, "first in line again")
        f.queue.finished(id: a.id, aired: true, note: "completed")
        #expect(f.queue.take(.queueItem(blockID: "x"), at: Self.now, maxMicros: nil)?.queueID == b.id)
        f.settle()
        #expect(try f.state(a.id) == .aired)
        #expect(try f.state(b.id) == .airing)

        // Removing: only a waiting entry, and the log names who removed it.
        let c = try f.add("c.wav")
        #expect(f.queue.remove(id: b.id, by: "can-bo")?.contains("on air") == true)
        #expect(f.queue.remove(id: c.id, by: "can-bo") == nil)
        #expect(f.queue.remove(id: c.id, by: "can-bo") != nil)
        #expect(try f.state(c.id) == .removed)
        #expect(f.recorded.events.contains { $0.kind == .operatorAction && $0.approvedBy == "can-bo" })
    }

    /// After a restart, what was airing when the daemon stopped waits again; emergencies
    /// come first.
    @Test func aRestartPutsWhatWasAiringBackInLine() throws {
        let folder = NSTemporaryDirectory() + "loaxa-queue-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/log.sqlite"
        let first = try Fixture(log: AirplayLog(path: path, clock: { Self.now }))
        let cut = try first.add("dang-phat.wav")
        try first.add("bao-lu.wav", .emergency)
        #expect(first.queue.take(.queueItem(blockID: "x"), at: Self.now, maxMicros: nil)?.queueID == cut.id)
        first.settle()

        let second = try Fixture(log: AirplayLog(path: path, clock: { Self.now }))
        second.queue.load()
        #expect(try second.state(cut.id) == .waiting)
        let deadline = Date().addingTimeInterval(5)
        var emergency: PreparedItem?
        while emergency == nil && Date() < deadline {
            emergency = second.queue.takeEmergency()
            usleep(10_000)
        }
        #expect(emergency?.media == "bao-lu.wav" && emergency?.source == .emergency)
        #expect(second.queue.take(.queueItem(blockID: "x"), at: Self.now, maxMicros: nil)?.queueID == cut.id)
    }
}

/// A queue on an in-memory log; entries are added prepared, with these lengths.
final class Fixture: Sendable {
    let log: AirplayLog
    let queue: OperatorQueue
    let recorded = Recorded()

    init(log: AirplayLog? = nil, lengths: [String: Int64] = [:]) throws {
        let log = try log ?? AirplayLog.inMemory(clock: { OperatorQueueTests.now })
        self.log = log
        let recorded = self.recorded
        queue = OperatorQueue(
            log: log, logger: Logger(label: "test"), record: { e in recorded.list.withLock { $0.append(e) } },
            duration: { lengths[$0] ?? 60_000_000 },
            prepare: { entry in Fixture.item(entry) })
    }

    static func item(_ entry: QueueEntry) -> PreparedItem {
        PreparedItem(
            media: entry.media, path: "/nowhere/" + entry.media, source: OperatorQueue.source(entry.priority),
            title: entry.media, topic: nil, sha256: nil, problem: nil, queueID: entry.id, approvedBy: entry.addedBy)
    }

    @discardableResult
    func add(_ media: String, _ priority: Priority = .normal, block: String? = nil, expires: WallTime? = nil) throws -> QueueEntry {
        let entry = try log.enqueue(media: media, priority: priority, blockID: block, expiresAt: expires, addedBy: "can-bo")
        queue.add(entry, prepared: Fixture.item(entry))
        return entry
    }

    func state(_ id: Int64) throws -> QueueEntry.State? {
        try log.queueEntries().first { $0.id == id }?.state
    }

    /// Lets the queue's own database writes finish.
    func settle() { usleep(100_000) }
}


/// The events a queue recorded.
final class Recorded: Sendable {
    let list = Mutex<[AirplayEvent]>([])
    var events: [AirplayEvent] { list.withLock { $0 } }
}
