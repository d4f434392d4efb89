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
    /// With `version1`, the first airing (seqs 1-4) is stored in encoding version 1, as a
    /// Loaxa from before version 2 wrote it.
    struct Tampered {
        let folder: URL
        let log: AirplayLog
        let raw: DatabaseQueue

        init(version1: Bool = false) throws {
            folder = try Fixture.temporaryFolder()
            let path = folder.appendingPathComponent("airplay.sqlite").path
            log = try AirplayLog(path: path, clock: Fixture.clock)
            if version1 {
                try Fixture.appendVersion1(Fixture.airing("s1", startingAt: Fixture.at(0)), to: log)
            } else {
                try log.append(Fixture.airing("s1", startingAt: Fixture.at(0)))
            }
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
        try t.raw.write { db in
            try db.execute(sql: "DELETE FROM segment_record")
            try SegmentRecordTable.build(db)
        }
        // The chain alone cannot show a cut at the end (nor can the stored records, which
        // whoever cut it can make again from what is left)...
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
        try t.tamper("UPDATE event SET encoding_version = 3 WHERE seq = 6")
        #expect(try t.log.verify() == .broken(seq: 6, problem: .unsupportedEncodingVersion(3)))
    }

    /// Exports and reports read the stored records, outside the chain: verify rebuilds each
    /// from its events, so that changing one is caught like changing an event.
    @Test func aChangedStoredRecordIsDetected() throws {
        let cases: [(String, String)] = [
            ("UPDATE segment_record SET end_outcome = 'failed', end_reason = 'device lost' WHERE segment = 's2'", "s2"),
            ("UPDATE segment_record SET placed_at_us = placed_at_us + 86400000000 WHERE segment = 's1'", "s1"),
            ("DELETE FROM segment_record WHERE segment = 's2'", "s2"),
            ("INSERT INTO segment_record (first_seq, segment, placed_at_us, media) VALUES (99, 'fake', 0, 'x.wav')", "fake"),
        ]
        for (sql, segment) in cases {
            let t = try Tampered()
            defer { t.remove() }
            #expect(try t.log.verify().isIntact)
            try t.tamper(sql)
            let result = try t.log.verify()
            guard case .broken(_, .recordMismatch(let found)) = result else {
                Issue.record("\(sql): \(result)")
                continue
            }
            #expect(found == segment, "\(sql)")
            #expect(result.description.contains("segment_record table was changed"))
        }
    }

    @Test func version1EventsFollowedByVersion2EventsVerify() throws {
        let t = try Tampered(version1: true)
        defer { t.remove() }
        #expect(try t.log.events().map(\.encodingVersion) == [1, 1, 1, 1, 2, 2, 2, 2])
        #expect(try t.log.verify() == .intact(events: 8, head: try t.log.head()))
        #expect(try t.log.segmentRecords().map(\.outcome) == [.completed, .completed])
    }

    @Test func aChangedEncodingVersionIsDetected() throws {
        let t = try Tampered(version1: true)
        defer { t.remove() }
        try t.tamper("UPDATE event SET encoding_version = 2 WHERE seq = 3")
        try t.tamper("UPDATE event SET encoding_version = 1 WHERE seq = 7")
        #expect(try t.log.verify() == .broken(seq: 3, problem: .hashMismatch))
    }

    @Test func anEditedApprovalTimeIsDetected() throws {
        let t = try Tampered()
        defer { t.remove() }
        try t.log.append(
            AirplayEvent(
                kind: .mediaApproved, at: Fixture.at(200), media: "tin/tin-xa.mp3",
                sha256: String(repeating: "ab", count: 32), approvedBy: "Trần Thị B", approvedAt: Fixture.at(190),
                detail: "operator can-bo"))
        #expect(try t.log.verify().isIntact)
        try t.tamper("UPDATE event SET approved_at_us = approved_at_us - 86400000000 WHERE seq = 9")
        #expect(try t.log.verify() == .broken(seq: 9, problem: .hashMismatch))
    }

    @Test func aRemovedApprovalTimeIsDetected() throws {
        let t = try Tampered()
        defer { t.remove() }
        try t.log.append(
            AirplayEvent(
                kind: .segmentSkipped, at: Fixture.at(200), segment: "s3", source: .queue, media: "a.mp3",
                outcome: .skipped, reason: "expired", approvedBy: "Trần Thị B", approvedAt: Fixture.at(190)))
        try t.tamper("UPDATE event SET approved_at_us = NULL WHERE seq = 9")
        #expect(try t.log.verify() == .broken(seq: 9, problem: .hashMismatch))
    }

    @Test func anApprovalTimeAddedToAVersion1EventIsDetected() throws {
        let t = try Tampered(version1: true)
        defer { t.remove() }
        try t.tamper("UPDATE event SET approved_at_us = ? WHERE seq = 1", arguments: [Fixture.base.microseconds])
        let result = try t.log.verify()
        #expect(result == .broken(seq: 1, problem: .uncoveredValue(column: "approved_at_us", encodingVersion: 1)))
        #expect(result.description.contains("approved_at_us"))
        #expect(result.description.contains("added after the event was written"))
        // A version 2 event covers the column: adding one there breaks its hash.
        let v2 = try Tampered(version1: true)
        defer { v2.remove() }
        try v2.tamper("UPDATE event SET approved_at_us = ? WHERE seq = 5", arguments: [Fixture.base.microseconds])
        #expect(try v2.log.verify() == .broken(seq: 5, problem: .hashMismatch))
    }
}
