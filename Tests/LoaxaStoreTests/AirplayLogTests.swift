import Foundation
import GRDB
import LoaxaCore
import Synchronization
import Testing

@testable import LoaxaStore

@Suite("AirplayLog")
struct AirplayLogTests {
    @Test func schemaHasAppendOnlyEventTable() throws {
        let log = try Fixture.memoryLog()
        try log.writer.read { db in
            let columns = try db.columns(in: "event").map(\.name)
            #expect(columns == EventRecord.columnNames)
            #expect(try db.primaryKey("event").columns == ["seq"])
            let indexes = Set(try db.indexes(on: "event").map(\.name))
            #expect(indexes.isSuperset(of: ["event_on_segment", "event_on_at_us"]))
            let triggers = Set(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger'"))
            #expect(triggers == ["event_extends_chain", "event_no_update", "event_no_delete"])
        }
    }

    @Test func appendAssignsConsecutiveSeqsAndChainsHashes() throws {
        let log = try Fixture.memoryLog()
        #expect(try log.head() == nil)
        let first = try log.append(Fixture.airing("s1", startingAt: Fixture.at(0)))
        let second = try log.append([AirplayEvent(kind: .daemonStopped, at: Fixture.at(60))])
        #expect(first == [1, 2, 3, 4])
        #expect(second == [5])

        let events = try log.events()
        #expect(events.map(\.seq) == [1, 2, 3, 4, 5])
        #expect(events[0].prevHash == Data(repeating: 0, count: 32))
        for (index, event) in events.enumerated() {
            if index > 0 { #expect(event.prevHash == events[index - 1].hash) }
            #expect(event.hash == CanonicalEncoding.hash(of: event, prevHash: event.prevHash))
            #expect(event.encodingVersion == 2)
            #expect(event.recordedAt == Fixture.base)
        }
        #expect(try log.head() == LogHead(seq: 5, hash: events[4].hash))
        #expect(try log.events(from: 4, limit: 1).map(\.seq) == [4])

        var visited: [Int64] = []
        try log.forEachEvent(from: 3) { visited.append($0.seq) }
        #expect(visited == [3, 4, 5])
    }

    @Test func everyFieldRoundTripsWithMicrosecondPrecision() throws {
        let log = try Fixture.memoryLog()
        let full = AirplayEvent(
            kind: .segmentEnded, at: WallTime(microseconds: 1_716_114_600_123_457), blockID: "sang",
            scheduledAt: WallTime(microseconds: 1_716_114_599_999_999), segment: "seg-1", source: .emergency,
            media: "khan/bao-lu.wav", title: Fixture.vietnameseTitle, topic: "phong-chong-thien-tai",
            sha256: String(repeating: "0f", count: 32), plannedMs: 61_000, playedFrames: 2_928_001,
            deviceRate: 48_000, outcome: .notAired, reason: "device lost", underruns: 3,
            approvedBy: "Nguy\u{1EC5}n V\u{0103}n A", approvedAt: WallTime(microseconds: 1_716_080_400_000_001),
            clockSynchronized: false, detail: "line 1\nline 2")
        let bare = AirplayEvent(kind: .clockSyncChanged, at: WallTime(microseconds: -1))
        try log.append([full, bare])

        let stored = try log.events()
        #expect(try stored[0].airplayEvent() == full)
        #expect(try stored[1].airplayEvent() == bare)
        #expect(Array(stored[0].title!.utf8) == Array(Fixture.vietnameseTitle.utf8))
    }

    @Test func updatesAndDeletesAreRefused() throws {
        let log = try Fixture.memoryLog()
        try log.append(Fixture.airing("s1", startingAt: Fixture.at(0)))
        #expect(throws: DatabaseError.self) {
            try log.writer.write { db in try db.execute(sql: "UPDATE event SET title = 'forged' WHERE seq = 1") }
        }
        #expect(throws: DatabaseError.self) {
            try log.writer.write { db in try db.execute(sql: "DELETE FROM event WHERE seq = 4") }
        }
        #expect(throws: DatabaseError.self) {
            try log.writer.write { db in try db.execute(sql: "DELETE FROM event") }
        }
        #expect(try log.events().count == 4)
        #expect(try log.events()[0].title == "Tin xã")
        #expect(try log.verify().isIntact)
    }

    @Test func insertsThatDoNotExtendTheChainAreRefused() throws {
        let log = try Fixture.memoryLog()
        try log.append(AirplayEvent(kind: .daemonStarted, at: Fixture.at(0)))
        let head = try #require(try log.head())
        try log.writer.write { db in
            // Skipping a seq.
            var gap = EventRecord(
                seq: 3, event: AirplayEvent(kind: .daemonStopped, at: Fixture.at(1)),
                recordedAt: Fixture.base, prevHash: head.hash)
            #expect(throws: DatabaseError.self) { try gap.insert(db) }
            // Chaining to the wrong hash.
            gap.seq = 2
            gap.prevHash = Data(repeating: 7, count: 32)
            #expect(throws: DatabaseError.self) { try gap.insert(db) }
        }
        #expect(try log.head() == head)
    }

    @Test func emptyAppendWritesNothing() throws {
        let log = try Fixture.memoryLog()
        #expect(try log.append([]) == [])
        #expect(try log.head() == nil)
    }

    @Test func nulCharactersAreStoredAsReplacementCharacters() throws {
        let log = try Fixture.memoryLog()
        try log.append(AirplayEvent(kind: .scheduleLoaded, at: Fixture.at(0), detail: "a\u{0}b"))
        #expect(try log.events()[0].detail == "a\u{FFFD}b")
        #expect(try log.verify().isIntact)
    }

    /// Every event is flushed to disk before `append` returns: the writer connection is in
    /// WAL mode with `synchronous = FULL` when opened, after every kind of write (events,
    /// the working state written with NORMAL, a working-state write that fails, the recovery
    /// at start), and when the file is opened again, by a second connection or afresh.
    @Test func fileLogIsDurable() throws {
        let folder = try Fixture.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("airplay.sqlite").path

        func expectDurable(_ log: AirplayLog, _ after: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let settings = try log.durabilitySettings()
            #expect(settings.journalMode == "wal", "after \(after)", sourceLocation: sourceLocation)
            #expect(settings.synchronous == 2, "FULL, after \(after)", sourceLocation: sourceLocation)
            #expect(settings.foreignKeys, "after \(after)", sourceLocation: sourceLocation)
            #expect(settings.busyTimeoutMs > 0, "after \(after)", sourceLocation: sourceLocation)
        }

        do {
            let log = try AirplayLog(path: path, clock: Fixture.clock)
            try expectDurable(log, "opening a new file")
            try log.append(Fixture.airing("s1", startingAt: Fixture.at(0)))
            try expectDurable(log, "appending events")

            // Working state (the queue, the loudness cache, the media library) is committed
            // without waiting for the disk, and the events that follow are flushed again.
            let entry = try log.enqueue(media: "a.wav", priority: .normal, blockID: nil, expiresAt: nil, addedBy: nil)
            try expectDurable(log, "writing the queue")
            _ = try log.setQueueState(id: entry.id, .aired)
            try expectDurable(log, "changing a queue entry")
            try log.storeLoudness(sha256: String(repeating: "cd", count: 32), integrated: -16, truePeak: -1)
            try expectDurable(log, "caching a loudness")
            let inside = try log.writeState { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
            #expect(inside == 1, "working state is written with synchronous = NORMAL")
            struct Refused: Error {}
            #expect(throws: Refused.self) { try log.writeState { _ in throw Refused() } }
            try expectDurable(log, "a working-state write that failed")
            try log.closeWhatTheLastRunLeftOpen(reason: "test")
            try expectDurable(log, "closing what a run left open")

            // Another connection, as a second process would open it.
            let again = try AirplayLog(path: path, clock: Fixture.clock)
            try expectDurable(again, "opening the file a second time")
            #expect(try again.head() == log.head())
            #expect(try again.verify().isIntact)
        }
        // The file opened afresh, as the daemon opens it at its next start.
        let reopened = try AirplayLog(path: path, clock: Fixture.clock)
        try expectDurable(reopened, "opening it again")
        #expect(try reopened.verify() == .intact(events: 4, head: try reopened.head()))
    }

    @Test func openingInAMissingFolderExplainsWhatToCheck() throws {
        let error = #expect(throws: AirplayLogError.self) {
            _ = try AirplayLog(path: "/nonexistent-loaxa-folder/sub/airplay.sqlite")
        }
        let text = try #require(error).description
        #expect(text.contains("/nonexistent-loaxa-folder/sub/airplay.sqlite"))
        #expect(text.contains("folder exists"))
    }

    @Test func aLogFromANewerLoaxaIsRefused() throws {
        let folder = try Fixture.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("airplay.sqlite").path
        do {
            let log = try AirplayLog(path: path)
            try log.writer.write { db in
                try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-future')")
            }
        }
        let error = #expect(throws: AirplayLogError.self) { _ = try AirplayLog(path: path) }
        guard case .newerSchema = error else {
            Issue.record("expected newerSchema, got \(String(describing: error))")
            return
        }
    }

    @Test func concurrentAppendsThroughOneLogKeepTheChain() throws {
        let folder = try Fixture.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let log = try AirplayLog(path: folder.appendingPathComponent("airplay.sqlite").path)
        let batches = Mutex<[[Int64]]>([])
        let failures = Mutex<[String]>([])

        DispatchQueue.concurrentPerform(iterations: 2) { thread in
            for i in 0..<50 {
                let events = (0..<3).map { j in
                    AirplayEvent(
                        kind: .segmentHeartbeat, at: Fixture.at(Int64(i)), segment: "t\(thread)-\(i)",
                        playedFrames: Int64(j))
                }
                do {
                    let seqs = try log.append(events)
                    batches.withLock { $0.append(seqs) }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
        }

        #expect(failures.withLock { $0 } == [])
        let all = batches.withLock { $0 }
        #expect(all.count == 100)
        for seqs in all { #expect(seqs == Array(seqs[0]...(seqs[0] + 2))) }
        #expect(all.flatMap { $0 }.sorted() == Array(1...300))
        #expect(try log.verify() == .intact(events: 300, head: try log.head()))
    }

    @Test func concurrentAppendsFromTwoConnectionsKeepTheChain() throws {
        let folder = try Fixture.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("airplay.sqlite").path
        let logs = [try AirplayLog(path: path), try AirplayLog(path: path)]
        let failures = Mutex<[String]>([])

        DispatchQueue.concurrentPerform(iterations: 2) { thread in
            for i in 0..<40 {
                do {
                    try logs[thread].append([
                        AirplayEvent(kind: .segmentStarted, at: Fixture.at(Int64(i)), segment: "c\(thread)-\(i)"),
                        AirplayEvent(kind: .segmentEnded, at: Fixture.at(Int64(i) + 1), segment: "c\(thread)-\(i)"),
                    ])
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
        }

        #expect(failures.withLock { $0 } == [])
        #expect(try logs[0].verify() == .intact(events: 160, head: try logs[1].head()))
    }
}
