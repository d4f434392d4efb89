import Foundation
import GRDB
import LoaxaCore
import Testing

@testable import LoaxaStore

/// Tampering is simulated the way someone with the file would do it: through a raw SQLite
/// connection, after dropping the triggers that refuse it.
@Suite("AirplayLog.verify")
struct VerifyTests {
    /// A file log holding two airings (8 events) and a raw connection to the same file.
    struct Tampered {
        let folder: URL
        let log: AirplayLog
        let raw: DatabaseQueue

        init() throws {
            folder = try Fixture.temporaryFolder()
            let path = folder.appendingPathComponent("airplay.sqlite").path
            log = try AirplayLog(path: path, clock: Fixture.clock)
            try log.append(Fixture.airing("s1", startingAt: Fixture.at(0)))
            try log.append(Fixture.airing("s2", startingAt: Fixture.at(60)))
            raw = try DatabaseQueue(path: path)
        }

        func tamper(_ sql: String, arguments: StatementArguments = []) throws {
            try raw.write { db in
                try db.execute(sql: "DROP TRIGGER IF EXISTS event_no_update")
                try db.execute(sql: "DROP TRIGGER IF EXISTS event_no_delete")
                try db.execute(sql: sql, arguments: arguments)
            }
        }

        func remove() { try? FileManager.default.removeItem(at: folder) }
    }

    @Test func anEmptyLogIsIntact() throws {
        #expect(try Fixture.memoryLog().verify() == .intact(events: 0, head: nil))
    }

    @Test func anUntouchedLogIsIntact() throws {
        let t = try Tampered()
        defer { t.remove() }
        let result = try t.log.verify()
        #expect(result == .intact(events: 8, head: try t.log.head()))
        #expect(result.description.contains("intact: 8 events"))
    }

    @Test func anEditedFieldIsDetected() throws {
        let t = try Tampered()
        defer { t.remove() }
        try t.tamper("UPDATE event SET outcome = 'completed', played_frames = 999999 WHERE seq = 8")
        #expect(try t.log.verify() == .broken(seq: 8, problem: .hashMismatch))
    }

    @Test func anEditedTimeIsDetected() throws {
        let t = try Tampered()
        defer { t.remove() }
        try t.tamper("UPDATE event SET at_us = at_us + 1 WHERE seq = 2")
        #expect(try t.log.verify() == .broken(seq: 2, problem: .hashMismatch))
    }

    @Test func anEditedAndRehashedEventBreaksTheNextLink() throws {
        let t = try Tampered()
        defer { t.remove() }
        var forged = try t.log.events(from: 3, limit: 1)[0]
        forged.playedFrames = 1
        let hash = try #require(CanonicalEncoding.hash(of: forged, prevHash: forged.prevHash))
        try t.tamper(
            "UPDATE event SET played_frames = 1, hash = ? WHERE seq = 3", arguments: [hash])
        #expect(try t.log.verify() == .broken(seq: 4, problem: .prevHashMismatch))
    }

    @Test func aDeletedEventIsDetectedAsAGap() throws {
        let t = try Tampered()
        defer { t.remove() }
        try t.tamper("DELETE FROM event WHERE seq = 5")
        let result = try t.log.verify()
        #expect(result == .broken(seq: 5, problem: .seqGap(found: 6)))
        #expect(result.description.contains("deleted"))
    }

    @Test func aDeletedFirstEventIsDetected() throws {
        let t = try Tampered()
        defer { t.remove() }
        try t.tamper("DELETE FROM event WHERE seq = 1")
        #expect(try t.log.verify() == .broken(seq: 1, problem: .seqGap(found: 2)))
    }

    @Test func aDeletedTailIsDetectedAgainstAnAnchor() throws {
        let t = try Tampered()
        defer { t.remove() }
        let anchor = try #require(try t.log.head())
        try t.tamper("DELETE FROM event WHERE seq >= 7")
        // The chain alone cannot show a cut at the end...
        #expect(try t.log.verify().isIntact)
        // ...the head printed with an earlier export can.
        #expect(try t.log.verify(anchor: anchor) == .broken(seq: 7, problem: .seqGap(found: nil)))
    }

    @Test func aRewrittenLogDiffersFromItsAnchor() throws {
        let t = try Tampered()
        defer { t.remove() }
        let anchor = try #require(try t.log.head())
        #expect(try t.log.verify(anchor: anchor).isIntact)
        #expect(
            try t.log.verify(anchor: LogHead(seq: 8, hash: Data(repeating: 1, count: 32)))
                == .broken(seq: 8, problem: .anchorMismatch))
    }

    @Test func aValueOfTheWrongTypeIsReported() throws {
        let t = try Tampered()
        defer { t.remove() }
        try t.tamper("UPDATE event SET at_us = 'yesterday' WHERE seq = 2")
        guard case .broken(2, .malformed(let column, _)) = try t.log.verify() else {
            Issue.record("expected a malformed column at seq 2")
            return
        }
        #expect(column == "at_us")
    }

    @Test func anUnknownEncodingVersionIsReported() throws {
        let t = try Tampered()
        defer { t.remove() }
        try t.tamper("UPDATE event SET encoding_version = 2 WHERE seq = 6")
        #expect(try t.log.verify() == .broken(seq: 6, problem: .unsupportedEncodingVersion(2)))
    }
}
