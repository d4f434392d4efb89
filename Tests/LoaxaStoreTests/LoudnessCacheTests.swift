import Foundation
import GRDB
import LoaxaCore
import Testing

@testable import LoaxaStore

@Suite("Loudness cache")
struct LoudnessCacheTests {
    static let hashA = String(repeating: "ab", count: 32)
    static let hashB = String(repeating: "cd", count: 32)

    @Test func storesAndReadsBackInMemory() throws {
        let log = try Fixture.memoryLog()
        #expect(try log.loudness(sha256: Self.hashA) == nil)
        try log.storeLoudness(sha256: Self.hashA, integrated: -23.04, truePeak: -19.98)
        try log.storeLoudness(sha256: Self.hashB, integrated: -70, truePeak: -200)
        let a = try #require(try log.loudness(sha256: Self.hashA))
        #expect(a.integrated == -23.04 && a.truePeak == -19.98)
        let b = try #require(try log.loudness(sha256: Self.hashB))
        #expect(b.integrated == -70 && b.truePeak == -200)
        #expect(try log.loudness(sha256: String(repeating: "00", count: 32)) == nil)
    }

    @Test func aNewMeasurementReplacesTheOldAndStampsTheClock() throws {
        let log = try Fixture.memoryLog()
        try log.storeLoudness(sha256: Self.hashA, integrated: -30, truePeak: -6)
        try log.storeLoudness(sha256: Self.hashA, integrated: -18.5, truePeak: -1.25)
        let stored = try #require(try log.loudness(sha256: Self.hashA))
        #expect(stored.integrated == -18.5 && stored.truePeak == -1.25)
        let (rows, measuredAt) = try log.writer.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM loudness"),
                try Int64.fetchOne(db, sql: "SELECT measured_at_us FROM loudness")
            )
        }
        #expect(rows == 1)
        #expect(measuredAt == Fixture.base.microseconds)
    }

    @Test func theCacheLeavesTheEventChainAlone() throws {
        let log = try Fixture.memoryLog()
        try log.append(Fixture.airing("s1", startingAt: Fixture.at(0)))
        let head = try log.head()
        try log.storeLoudness(sha256: Self.hashA, integrated: -16, truePeak: -1)
        #expect(try log.head() == head)
        #expect(try log.verify() == .intact(events: 4, head: head))
        try log.writer.read { db in
            let triggers = Set(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger'"))
            #expect(triggers == ["event_extends_chain", "event_no_update", "event_no_delete"])
            #expect(
                try db.columns(in: "loudness").map(\.name) == [
                    "sha256", "integrated_lufs", "true_peak_dbtp", "measured_at_us",
                ])
            #expect(try db.primaryKey("loudness").columns == ["sha256"])
        }
    }

    @Test func storesAndReadsBackInAFileAcrossConnections() throws {
        let folder = try Fixture.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("airplay.sqlite").path
        do {
            let log = try AirplayLog(path: path, clock: Fixture.clock)
            try log.storeLoudness(sha256: Self.hashA, integrated: -23.04, truePeak: -19.98)
        }
        let again = try AirplayLog(path: path, clock: Fixture.clock)
        let stored = try #require(try again.loudness(sha256: Self.hashA))
        #expect(stored.integrated == -23.04 && stored.truePeak == -19.98)
    }

    @Test func aVersion1LogIsMigratedKeepingItsEvents() throws {
        let folder = try Fixture.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("airplay.sqlite").path

        // A log as the first release left it: only the "v1" migration, and events.
        let head: LogHead?
        do {
            let pool = try DatabasePool(path: path, configuration: AirplayLog.configuration())
            var v1 = DatabaseMigrator()
            v1.registerMigration("v1") { db in try db.execute(sql: AirplayLog.schemaV1) }
            try v1.migrate(pool)
            head = try pool.write { db in
                try Fixture.insertVersion1(Fixture.airing("s1", startingAt: Fixture.at(0)), into: db)
                #expect(try db.tableExists("loudness") == false)
                return try AirplayLog.head(db)
            }
        }

        let log = try AirplayLog(path: path, clock: Fixture.clock)
        let applied = try log.writer.read { db in try AirplayLog.migrator.appliedIdentifiers(db) }
        #expect(
            applied == [
                "v1", "v2-loudness", "v3-queue", "v4-rotation", "v5-approved-at", "v6-media-library", "v7-block-index",
                "v8-segment-records",
            ])
        #expect(try log.verify() == .intact(events: 4, head: head))
        // Migration v8 made the stored record from the events already there.
        #expect(try log.segmentRecords().map(\.outcome) == [.completed])
        #expect(try log.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM segment_record") } == 1)
        #expect(try log.loudness(sha256: Self.hashA) == nil)
        try log.storeLoudness(sha256: Self.hashA, integrated: -16.2, truePeak: -1.4)
        #expect(try log.loudness(sha256: Self.hashA)?.integrated == -16.2)
    }
}
