import Foundation
import GRDB
import LoaxaCore
import Testing

@testable import LoaxaStore

/// Approval times (`approved_at_us`, migration v5, encoding version 2) and the approval
/// events of the media library.
@Suite("Approvals")
struct ApprovalTests {
    /// A leader's approval of the fixture airing's content.
    static let approval = AirplayEvent(
        kind: .mediaApproved, at: Fixture.at(-3600), media: "tin/tin-xa.mp3", title: "Tin xã",
        sha256: String(repeating: "ab", count: 32), approvedBy: "Nguy\u{1EC5}n V\u{0103}n A",
        approvedAt: Fixture.at(-3600), detail: "operator can-bo")

    /// Writes a log file as Loaxa wrote it before migration v5: the schema up to
    /// `v4-rotation` (no `approved_at_us` column) and `events` stored in encoding version 1.
    func writeVersion4Log(at path: String, events: [AirplayEvent]) throws {
        let queue = try DatabaseQueue(path: path)
        try AirplayLog.migrator.migrate(queue, upTo: "v4-rotation")
        let columns = try queue.write { db in
            try Fixture.insertVersion1(events, into: db)
            return try db.columns(in: "event").map(\.name)
        }
        #expect(!columns.contains("approved_at_us"))
        try queue.close()
    }

    @Test func migrationV5AddsTheColumnToAnExistingLog() throws {
        let folder = try Fixture.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("airplay.sqlite").path
        try writeVersion4Log(at: path, events: Fixture.airing("s1", startingAt: Fixture.at(0)))

        let log = try AirplayLog(path: path, clock: Fixture.clock)
        try log.writer.read { db in
            #expect(try AirplayLog.migrator.appliedIdentifiers(db).contains("v5-approved-at"))
            #expect(try db.columns(in: "event").map(\.name) == EventRecord.columnNames)
            let triggers = Set(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger'"))
            #expect(triggers == ["event_extends_chain", "event_no_update", "event_no_delete"])
        }
        // The old events read with no approval time and still verify.
        #expect(try log.events().map(\.approvedAtUs) == [nil, nil, nil, nil])
        #expect(try log.events().map(\.encodingVersion) == [1, 1, 1, 1])
        #expect(try log.verify() == .intact(events: 4, head: try log.head()))

        // The triggers refuse changes to the new column, and deletions, as before.
        #expect(throws: DatabaseError.self) {
            try log.writer.write { db in try db.execute(sql: "UPDATE event SET approved_at_us = 1 WHERE seq = 1") }
        }
        #expect(throws: DatabaseError.self) {
            try log.writer.write { db in try db.execute(sql: "DELETE FROM event WHERE seq = 4") }
        }
        #expect(try log.events().map(\.approvedAtUs) == [nil, nil, nil, nil])

        // New events go in version 2 after the old ones.
        try log.append([Self.approval])
        #expect(try log.events(from: 5).map(\.encodingVersion) == [2])
        #expect(try log.events(from: 5).first?.approvedAtUs == Fixture.at(-3600).microseconds)
        #expect(try log.verify() == .intact(events: 5, head: try log.head()))
    }

    @Test func aLogNotYetMigratedReadsReadOnly() throws {
        let folder = try Fixture.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("airplay.sqlite").path
        try writeVersion4Log(at: path, events: Fixture.airing("s1", startingAt: Fixture.at(0)))

        let log = try #require(try AirplayLog.openReadOnly(path: path))
        #expect(!log.hasApprovedAtColumn)
        #expect(try log.verify() == .intact(events: 4, head: try log.head()))
        #expect(try log.events().count == 4)
        let record = try #require(try log.segmentRecords().first)
        #expect(record.outcome == .completed && record.approvedAt == nil)
        // Reading changed nothing: the file is still at version 4.
        let raw = try DatabaseQueue(path: path)
        let columns = try raw.read { db in try db.columns(in: "event").map(\.name) }
        #expect(!columns.contains("approved_at_us"))
    }

    @Test func approvalEventsRoundTrip() throws {
        let log = try Fixture.memoryLog()
        var withdrawn = Self.approval
        withdrawn.kind = .mediaUnapproved
        withdrawn.at = Fixture.at(-60)
        try log.append([Self.approval, withdrawn])

        let stored = try log.events()
        #expect(stored.map(\.kind) == ["media_approved", "media_unapproved"])
        #expect(stored[0].approvedAtUs == Fixture.at(-3600).microseconds)
        #expect(try stored[0].airplayEvent() == Self.approval)
        #expect(try stored[1].airplayEvent() == withdrawn)
        #expect(try log.verify().isIntact)
        // Approvals carry no segment: they are evidence, not airings.
        #expect(try log.segmentRecords().isEmpty)
    }

    @Test func aSegmentRecordTakesTheFirstApprovalTime() throws {
        let log = try Fixture.memoryLog()
        var events = Fixture.airing("s1", startingAt: Fixture.at(0))
        events[0].approvedBy = "Nguy\u{1EC5}n V\u{0103}n A"
        events[0].approvedAt = Fixture.at(-3600, micros: 7)
        events[3].approvedAt = Fixture.at(-1)
        try log.append(events)

        let record = try #require(try log.segmentRecords().first)
        #expect(record.approvedBy == "Nguy\u{1EC5}n V\u{0103}n A")
        #expect(record.approvedAt == Fixture.at(-3600, micros: 7))
        #expect(try log.verify().isIntact)
    }
}
