import Foundation
import GRDB
import LoaxaCore

@testable import LoaxaStore

/// Shared values and event builders for the store tests.
enum Fixture {
    /// 2024-05-19T10:30:00Z, 17:30 in Vietnam.
    static let base = WallTime(microseconds: 1_716_114_600_000_000)

    /// Vietnam's offset from UTC: +07:00, no daylight saving.
    static let vietnam: @Sendable (WallTime) -> Int = { _ in 7 * 3600 }

    /// "Thông báo tiêm chủng" in NFC, spelled with escapes so the source file's own
    /// normalization cannot matter.
    static let vietnameseTitle = "Th\u{00F4}ng b\u{00E1}o ti\u{00EA}m ch\u{1EE7}ng"

    /// `base` plus whole seconds and extra microseconds.
    static func at(_ seconds: Int64, micros: Int64 = 0) -> WallTime {
        base + seconds * 1_000_000 + micros
    }

    /// A clock that always reads `base`.
    static let clock: @Sendable () -> WallTime = { base }

    /// An empty in-memory log.
    static func memoryLog() throws -> AirplayLog {
        try AirplayLog.inMemory(clock: clock)
    }

    /// A fresh folder under the system's temporary folder.
    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("loaxa-store-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// `event` as a row of encoding version 1, as a Loaxa from before version 2 wrote it:
    /// `EventRecord(seq:event:recordedAt:prevHash:)` with the version forced to 1.
    static func version1Record(seq: Int64, event: AirplayEvent, recordedAt: WallTime, prevHash: Data) -> EventRecord {
        precondition(event.approvedAt == nil, "encoding version 1 has no approval time")
        var record = EventRecord(seq: seq, event: event, recordedAt: recordedAt, prevHash: prevHash)
        record.encodingVersion = 1
        record.hash = CanonicalEncoding.hash(of: record, prevHash: prevHash)!
        return record
    }

    /// Appends `events` to `log` as rows of encoding version 1, after its current head.
    static func appendVersion1(_ events: [AirplayEvent], to log: AirplayLog) throws {
        try log.writer.write { db in try insertVersion1(events, into: db) }
    }

    /// Inserts `events` after the head of the `event` table in `db` as Loaxa wrote them
    /// before migration v5: in encoding version 1, naming only the columns that existed
    /// then, so it works on a table of any schema version.
    static func insertVersion1(_ events: [AirplayEvent], into db: Database) throws {
        var head = try AirplayLog.head(db)
        var records: [EventRecord] = []
        defer {
            // Their records, as migration v8 would have made them from the events.
            if (try? db.tableExists("segment_record")) == true { try? SegmentRecordTable.fold(records, db) }
        }
        for event in events {
            let record = version1Record(
                seq: (head?.seq ?? 0) + 1, event: event, recordedAt: base,
                prevHash: head?.hash ?? CanonicalEncoding.genesisHash)
            var values = try record.databaseDictionary
            values["approved_at_us"] = nil
            let columns = Array(values.keys)
            try db.execute(
                sql: """
                    INSERT INTO event (\(columns.joined(separator: ", ")))
                    VALUES (\(databaseQuestionMarks(count: columns.count)))
                    """,
                arguments: StatementArguments(columns.map { values[$0]! }))
            head = LogHead(seq: record.seq, hash: record.hash)
            records.append(record)
        }
    }

    /// The events of one complete airing: queued, started, a heartbeat, ended.
    static func airing(
        _ segment: String, startingAt start: WallTime, frames: Int64 = 480_000, rate: Int = 48_000,
        outcome: SegmentOutcome = .completed, reason: String? = nil, title: String? = "Tin xã",
        media: String = "tin/tin-xa.mp3"
    ) -> [AirplayEvent] {
        [
            AirplayEvent(
                kind: .segmentQueued, at: start + -200_000, blockID: "sang", scheduledAt: start,
                segment: segment, source: .schedule, media: media, title: title, topic: "tin-tuc",
                sha256: String(repeating: "ab", count: 32), plannedMs: frames * 1000 / Int64(rate),
                deviceRate: rate, clockSynchronized: true),
            AirplayEvent(kind: .segmentStarted, at: start, segment: segment, deviceRate: rate),
            AirplayEvent(
                kind: .segmentHeartbeat, at: start + 5_000_000, segment: segment,
                playedFrames: min(frames, Int64(rate) * 5)),
            AirplayEvent(
                kind: .segmentEnded, at: start + frames * 1_000_000 / Int64(rate), segment: segment,
                playedFrames: frames, deviceRate: rate, outcome: outcome, reason: reason, underruns: 0),
        ]
    }
}
