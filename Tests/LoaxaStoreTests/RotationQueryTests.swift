import Foundation
import GRDB
import LoaxaCore
import Testing

@testable import LoaxaStore

/// `AirplayLog.lastAired(topic:before:)`, what a topic's rotation reads from the log, and
/// `AirplayLog.openReadOnly(path:)`, how the CLI reads it.
@Suite struct RotationQueryTests {
    /// A segment that started airing: queued, started, ended, as the daemon writes them
    /// (every event carries the segment's media and topic).
    static func aired(_ media: String, topic: String?, at start: WallTime, segment: String = UUID().uuidString)
        -> [AirplayEvent]
    {
        let base = AirplayEvent(
            kind: .segmentQueued, at: start + -200_000, blockID: "sang", scheduledAt: start, segment: segment,
            source: .schedule, media: media, topic: topic)
        var started = base
        started.kind = .segmentStarted
        started.at = start
        var ended = base
        ended.kind = .segmentEnded
        ended.at = start + 60_000_000
        ended.outcome = .completed
        return [base, started, ended]
    }

    static func skipped(_ media: String, topic: String, at time: WallTime) -> AirplayEvent {
        AirplayEvent(
            kind: .segmentSkipped, at: time, blockID: "sang", segment: UUID().uuidString, source: .schedule,
            media: media,
            topic: topic, outcome: .skipped, reason: "block full")
    }

    @Test func theLastStartOfEachSegmentOfTheTopic() throws {
        let log = try Fixture.memoryLog()
        let nfd = "giam-ngheo/ta\u{0323}\u{0302}p-3.mp3"
        let nfc = "giam-ngheo/t\u{1EAD}p-3.mp3"
        try log.append(Self.aired("giam-ngheo/1.mp3", topic: "giam-ngheo", at: Fixture.at(0)))
        try log.append(Self.aired("giam-ngheo/1.mp3", topic: "giam-ngheo", at: Fixture.at(86_400)))
        try log.append(Self.aired("giam-ngheo/2.mp3", topic: "giam-ngheo", at: Fixture.at(600)))
        try log.append(Self.aired(nfd, topic: "giam-ngheo", at: Fixture.at(900)))
        try log.append(Self.aired(nfc, topic: "giam-ngheo", at: Fixture.at(300)))
        // Other topics, skips and queued-only segments do not count.
        try log.append(Self.aired("suc-khoe/1.mp3", topic: "suc-khoe", at: Fixture.at(90_000)))
        try log.append(Self.skipped("giam-ngheo/4.mp3", topic: "giam-ngheo", at: Fixture.at(100_000)))
        try log.append(Array(Self.aired("giam-ngheo/5.mp3", topic: "giam-ngheo", at: Fixture.at(100_100)).prefix(1)))
        // A started event with no topic (a file outside any topic folder).
        try log.append(Self.aired("giam-ngheo-cu.mp3", topic: nil, at: Fixture.at(100_200)))

        #expect(
            try log.lastAired(topic: "giam-ngheo") == [
                "giam-ngheo/1.mp3": Fixture.at(86_400), "giam-ngheo/2.mp3": Fixture.at(600), nfc: Fixture.at(900),
            ])
        #expect(
            try log.lastAired(topic: "giam-ngheo", before: Fixture.at(86_400)) == [
                "giam-ngheo/1.mp3": Fixture.at(0), "giam-ngheo/2.mp3": Fixture.at(600), nfc: Fixture.at(900),
            ])
        #expect(try log.lastAired(topic: "giam-ngheo", before: Fixture.at(0)) == [:])
        #expect(try log.lastAired(topic: "suc-khoe") == ["suc-khoe/1.mp3": Fixture.at(90_000)])
        #expect(try log.lastAired(topic: "giam") == [:])
        #expect(try log.lastAired(topic: "") == [:])
    }

    /// An airing resumed after the sound card came back has a second started event with the
    /// same media: the later one counts.
    @Test func aResumedAiringCountsAtItsLatestStart() throws {
        let log = try Fixture.memoryLog()
        var events = Self.aired("t/a.mp3", topic: "t", at: Fixture.at(0))
        var resumed = events[1]
        resumed.segment = "resumed"
        resumed.at = Fixture.at(30)
        events.insert(resumed, at: 2)
        try log.append(events)
        #expect(try log.lastAired(topic: "t") == ["t/a.mp3": Fixture.at(30)])
    }

    /// A topic in a subfolder finds its files' airings whether they were logged under the
    /// subfolder or under the first folder (a file item's topic), and nothing else.
    @Test func aSubfolderTopicFindsItsFilesUnderEitherName() throws {
        let log = try Fixture.memoryLog()
        try log.append(Self.aired("giam-ngheo/2024/a.mp3", topic: "giam-ngheo", at: Fixture.at(0)))
        try log.append(Self.aired("giam-ngheo/2024/b.mp3", topic: "giam-ngheo/2024", at: Fixture.at(10)))
        try log.append(Self.aired("giam-ngheo/2023/c.mp3", topic: "giam-ngheo", at: Fixture.at(20)))
        try log.append(Self.aired("giam-ngheo/2024-cu.mp3", topic: "giam-ngheo", at: Fixture.at(30)))
        let expected = ["giam-ngheo/2024/a.mp3": Fixture.at(0), "giam-ngheo/2024/b.mp3": Fixture.at(10)]
        #expect(try log.lastAired(topic: "giam-ngheo/2024") == expected)
        #expect(try log.lastAired(topic: "giam-ngheo/2024/") == expected)
        #expect(try log.lastAired(topic: "giam-ngheo").count == 3)
    }

    @Test func theQueryReadsTheRotationIndex() throws {
        let log = try Fixture.memoryLog()
        try log.writer.read { db in
            #expect(try db.indexes(on: "event").contains { $0.name == "event_started_by_topic" })
            let plan = try Row.fetchAll(
                db,
                sql: """
                    EXPLAIN QUERY PLAN SELECT media, MAX(at_us) FROM event
                    WHERE kind = 'segment_started' AND topic IN (?) AND media IS NOT NULL AND at_us < ?
                    GROUP BY topic, media
                    """,
                arguments: ["t", 0]
            ).map { row -> String in row["detail"] }.joined(separator: "\n")
            #expect(
                plan.contains("USING COVERING INDEX event_started_by_topic")
                    || plan.contains("USING INDEX event_started_by_topic"), "\(plan)")
        }
    }

    /// A million events, a quarter of them starts spread over 20 topics: the answer is the
    /// one a full scan gives, many times faster.
    @Test func aMillionEventsAnswerQuickly() throws {
        let log = try Fixture.memoryLog()
        try log.writer.write { db in
            // Rows chained as the triggers demand (each prev_hash is the row before's hash);
            // the hashes are stand-ins, which is all this query needs.
            try db.execute(
                sql: """
                    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000)
                    INSERT INTO event (seq, kind, at_us, segment, media, topic, recorded_at_us, encoding_version, prev_hash, hash)
                    SELECT i,
                      CASE i % 4 WHEN 0 THEN 'segment_queued' WHEN 1 THEN 'segment_started'
                                 WHEN 2 THEN 'segment_heartbeat' ELSE 'segment_ended' END,
                      1600000000000000 + i * 1000000, 's' || (i / 4),
                      't' || ((i / 4) % 20) || '/' || ((i / 80) % 30) || '.mp3', 't' || ((i / 4) % 20), 0, 1,
                      CASE WHEN i = 1 THEN zeroblob(32) ELSE CAST(printf('%032d', i - 1) AS BLOB) END,
                      CAST(printf('%032d', i) AS BLOB)
                    FROM n
                    """)
        }
        let clock = ContinuousClock()
        var answer: [String: WallTime] = [:]
        let indexed = try clock.measure {
            answer = try log.lastAired(topic: "t7", before: WallTime(microseconds: 1_600_900_000_000_000))
        }
        var scanned: [String: WallTime] = [:]
        let scan = try clock.measure {
            try log.writer.read { db in
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT media, MAX(at_us) FROM event NOT INDEXED
                        WHERE kind = 'segment_started' AND topic = 't7' AND at_us < 1600900000000000 GROUP BY media
                        """)
                for row in rows {
                    let media: String = row[0]
                    scanned[media] = WallTime(microseconds: row[1])
                }
            }
        }
        #expect(answer.count == 30)
        #expect(answer == scanned)
        #expect(indexed < scan / 5, "index \(indexed), full scan \(scan)")
        #expect(indexed < .milliseconds(500), "\(indexed)")
    }

    // MARK: Reading only

    @Test func noFileMeansNoLogAndNothingIsCreated() throws {
        let folder = try Fixture.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("var/airplay.sqlite").path
        #expect(try AirplayLog.openReadOnly(path: path) == nil)
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("var").path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }

    @Test func aReadOnlyLogReadsWhatTheDaemonWroteAndWritesNothing() throws {
        let folder = try Fixture.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("airplay.sqlite").path
        do {
            let daemon = try AirplayLog(path: path, clock: Fixture.clock)
            try daemon.append(Self.aired("t/a.mp3", topic: "t", at: Fixture.at(0)))
        }
        let reader = try #require(try AirplayLog.openReadOnly(path: path))
        #expect(try reader.lastAired(topic: "t") == ["t/a.mp3": Fixture.at(0)])
        #expect(try reader.head()?.seq == 3)
        #expect(throws: AirplayLogError.self) {
            try reader.append(AirplayEvent(kind: .daemonStarted, at: Fixture.at(1)))
        }

        // While the daemon has it open and writes on, the reader sees the new events.
        let daemon = try AirplayLog(path: path, clock: Fixture.clock)
        try daemon.append(Self.aired("t/b.mp3", topic: "t", at: Fixture.at(60)))
        #expect(try reader.lastAired(topic: "t") == ["t/a.mp3": Fixture.at(0), "t/b.mp3": Fixture.at(60)])
    }

    /// A log from before the rotation index is read as it is (no migration), just slower;
    /// the daemon adds the index the next time it opens the log.
    @Test func aLogWithoutTheIndexIsReadAndTheDaemonAddsIt() throws {
        let folder = try Fixture.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("airplay.sqlite").path
        do {
            let old = try DatabaseQueue(path: path)
            var migrator = DatabaseMigrator()
            migrator.registerMigration("v1") { db in try db.execute(sql: AirplayLog.schemaV1) }
            migrator.registerMigration("v2-loudness") { db in try db.execute(sql: AirplayLog.schemaV2Loudness) }
            try migrator.migrate(old)
        }
        do {
            let log = try AirplayLog(
                writer: DatabaseQueue(path: path), path: path, clock: Fixture.clock, migrate: false)
            try Fixture.appendVersion1(Self.aired("t/a.mp3", topic: "t", at: Fixture.at(0)), to: log)
        }
        let reader = try #require(try AirplayLog.openReadOnly(path: path))
        #expect(try reader.lastAired(topic: "t") == ["t/a.mp3": Fixture.at(0)])
        #expect(
            try !reader.writer.read { db in try db.indexes(on: "event").map(\.name) }.contains("event_started_by_topic")
        )

        let daemon = try AirplayLog(path: path)
        #expect(
            try daemon.writer.read { db in try db.indexes(on: "event").map(\.name) }.contains("event_started_by_topic"))
        #expect(try daemon.verify().isIntact)
    }

    @Test func anEmptyFileHasNoAirings() throws {
        let folder = try Fixture.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("airplay.sqlite").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        let reader = try #require(try AirplayLog.openReadOnly(path: path))
        #expect(try reader.lastAired(topic: "t") == [:])
    }

    @Test func aFileThatIsNoDatabaseSaysSo() throws {
        let folder = try Fixture.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("airplay.sqlite").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data(repeating: 7, count: 4096)))
        let error = #expect(throws: AirplayLogError.self) { _ = try AirplayLog.openReadOnly(path: path) }
        #expect(error?.description.contains(path) == true)
        #expect(error?.description.contains("not an SQLite database") == true, "\(String(describing: error))")
    }

    @Test func pathsAreEscapedForSQLiteURIs() {
        #expect(AirplayLog.uriPath("/var/lib/loaxa/a?b#c%d.sqlite") == "/var/lib/loaxa/a%3Fb%23c%25d.sqlite")
        #expect(AirplayLog.uriPath("/srv/đài/log.sqlite") == "/srv/đài/log.sqlite")
    }
}
