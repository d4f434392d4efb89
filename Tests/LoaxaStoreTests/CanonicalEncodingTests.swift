import Foundation
import LoaxaCore
import Testing

@testable import LoaxaStore

/// Versions 1 and 2 are frozen: these vectors were computed independently of this code (for
/// version 2, from the layout in `CanonicalEncoding`'s documentation, with Python's
/// hashlib), and a change that breaks them would make existing logs fail verification.
@Suite("CanonicalEncoding")
struct CanonicalEncodingTests {
    static let firstEvent = AirplayEvent(
        kind: .daemonStarted, at: WallTime(microseconds: 1_716_114_600_123_456), clockSynchronized: true,
        detail: "Loaxa 1.0")

    static let secondEvent = AirplayEvent(
        kind: .segmentEnded, at: WallTime(microseconds: -5), blockID: "morning",
        scheduledAt: WallTime(microseconds: 1_716_080_400_000_000), segment: "seg-1", source: .schedule,
        media: "tin/a.mp3", title: Fixture.vietnameseTitle, plannedMs: 60_000, playedFrames: 2_880_000,
        deviceRate: 48_000, outcome: .completed, underruns: 0, clockSynchronized: false)

    /// A leader's approval of a segment, with every field version 2 adds.
    static let approvalEvent = AirplayEvent(
        kind: .mediaApproved, at: WallTime(microseconds: 1_716_114_660_000_000), media: "tin/a.mp3",
        title: Fixture.vietnameseTitle, sha256: String(repeating: "ab", count: 32),
        approvedBy: "Nguy\u{1EC5}n V\u{0103}n A", approvedAt: WallTime(microseconds: 1_716_080_400_000_000),
        detail: "operator can-bo")

    func hex(_ bytes: some Sequence<UInt8>) -> String { Data(bytes).lowercaseHex }

    @Test func version1BytesAreFrozen() {
        let record = Fixture.version1Record(
            seq: 1, event: Self.firstEvent, recordedAt: WallTime(microseconds: 1_716_114_600_200_000),
            prevHash: CanonicalEncoding.genesisHash)
        #expect(
            hex(CanonicalEncoding.v1(record))
                == "00000001" + "0000000000000001" + "0000000e" + hex("daemon_started".utf8)
                + "000618cc11225c40" + "000618cc11238740" + String(repeating: "00", count: 15) + "0101"
                + "01" + "00000009" + hex("Loaxa 1.0".utf8))
        #expect(record.hashHex == "5bae53d70f371cdda132a9faa4eca1c23c523f33e12c49415fabb8816d7fce3a")
    }

    @Test func version1HashOfAFullEventIsFrozen() {
        let first = Fixture.version1Record(
            seq: 1, event: Self.firstEvent, recordedAt: WallTime(microseconds: 1_716_114_600_200_000),
            prevHash: CanonicalEncoding.genesisHash)
        let second = Fixture.version1Record(
            seq: 2, event: Self.secondEvent, recordedAt: WallTime(microseconds: 7), prevHash: first.hash)
        #expect(CanonicalEncoding.v1(second).count == 190)
        #expect(second.hashHex == "e6380443b32619a07b6c392477d166c6b60ceb86c1e8f80757ca9d652c60eb3a")
    }

    @Test func newEventsUseVersion2() {
        #expect(CanonicalEncoding.currentVersion == 2)
        #expect(CanonicalEncoding.supportedVersions == [1, 2])
        let record = EventRecord(
            seq: 1, event: Self.firstEvent, recordedAt: Fixture.base, prevHash: CanonicalEncoding.genesisHash)
        #expect(record.encodingVersion == 2)
        #expect(CanonicalEncoding.encoding(of: record) == CanonicalEncoding.v2(record))
    }

    @Test func version2BytesAreFrozen() {
        let record = EventRecord(
            seq: 1, event: Self.firstEvent, recordedAt: WallTime(microseconds: 1_716_114_600_200_000),
            prevHash: CanonicalEncoding.genesisHash)
        // Version 1's bytes with the number 2, and 0x00: no approved_at_us.
        #expect(
            hex(CanonicalEncoding.v2(record))
                == "00000002" + "0000000000000001" + "0000000e" + hex("daemon_started".utf8)
                + "000618cc11225c40" + "000618cc11238740" + String(repeating: "00", count: 15) + "0101"
                + "01" + "00000009" + hex("Loaxa 1.0".utf8) + "00")
        #expect(record.hashHex == "ded001cd45cec9a18fa3388b78fd08de8aa8a204ab8e48433ad4d29baa24bed5")
    }

    @Test func version2HashesAreFrozen() {
        let first = EventRecord(
            seq: 1, event: Self.firstEvent, recordedAt: WallTime(microseconds: 1_716_114_600_200_000),
            prevHash: CanonicalEncoding.genesisHash)
        let second = EventRecord(
            seq: 2, event: Self.secondEvent, recordedAt: WallTime(microseconds: 7), prevHash: first.hash)
        #expect(CanonicalEncoding.v2(second).count == 191)
        #expect(second.hashHex == "1a44cf678534b0a6f2d9899a3701bcafbd438a7b984684aff30ca2f3a46e7f76")

        let approval = EventRecord(
            seq: 2, event: Self.approvalEvent, recordedAt: WallTime(microseconds: 1_716_114_660_000_001),
            prevHash: first.hash)
        let bytes = CanonicalEncoding.v2(approval)
        #expect(bytes.count == 220)
        // ... detail, then approved_at_us present: 0x01 and 2024-05-19T01:00:00Z in microseconds.
        #expect(hex(bytes.suffix(9)) == "01" + "000618c41aa5e400")
        #expect(approval.hashHex == "d7ae84d21b3bf1386808eb3dbf70b8e19f0d034e22b9bd61ac23751df9b48cd7")
    }

    @Test func version2DiffersFromVersion1ForTheSameEvent() {
        let v2 = EventRecord(
            seq: 1, event: Self.firstEvent, recordedAt: WallTime(microseconds: 1_716_114_600_200_000),
            prevHash: CanonicalEncoding.genesisHash)
        let v1 = Fixture.version1Record(
            seq: 1, event: Self.firstEvent, recordedAt: WallTime(microseconds: 1_716_114_600_200_000),
            prevHash: CanonicalEncoding.genesisHash)
        #expect(CanonicalEncoding.v1(v2) == CanonicalEncoding.v1(v1))
        #expect(CanonicalEncoding.encoding(of: v1) == CanonicalEncoding.v1(v1))
        #expect(CanonicalEncoding.encoding(of: v2) != CanonicalEncoding.encoding(of: v1))
        #expect(v1.hashHex == "5bae53d70f371cdda132a9faa4eca1c23c523f33e12c49415fabb8816d7fce3a")
        #expect(v2.hash != v1.hash)
        // The same fields, the version number aside, plus the one presence byte.
        #expect(Array(CanonicalEncoding.v2(v2).dropFirst(4).dropLast()) == Array(CanonicalEncoding.v1(v1).dropFirst(4)))
    }

    @Test func version1LeavesTheApprovalTimeOut() {
        var record = EventRecord(
            seq: 1, event: Self.approvalEvent, recordedAt: Fixture.base, prevHash: CanonicalEncoding.genesisHash)
        record.encodingVersion = 1
        let with = CanonicalEncoding.hash(of: record, prevHash: record.prevHash)
        #expect(CanonicalEncoding.uncoveredColumn(of: record) == "approved_at_us")
        record.approvedAtUs = nil
        #expect(CanonicalEncoding.hash(of: record, prevHash: record.prevHash) == with)
        #expect(CanonicalEncoding.uncoveredColumn(of: record) == nil)
        record.encodingVersion = 3
        #expect(CanonicalEncoding.hash(of: record, prevHash: record.prevHash) == nil)
    }

    @Test func absentAndEmptyTextDiffer() {
        let absent = EventRecord(
            seq: 1, event: AirplayEvent(kind: .deviceLost, at: Fixture.base), recordedAt: Fixture.base,
            prevHash: CanonicalEncoding.genesisHash)
        let empty = EventRecord(
            seq: 1, event: AirplayEvent(kind: .deviceLost, at: Fixture.base, detail: ""),
            recordedAt: Fixture.base, prevHash: CanonicalEncoding.genesisHash)
        #expect(CanonicalEncoding.v1(absent) != CanonicalEncoding.v1(empty))
        #expect(absent.hash != empty.hash)
    }

    @Test func fieldBoundariesCannotShift() {
        func record(title: String, topic: String) -> EventRecord {
            EventRecord(
                seq: 1, event: AirplayEvent(kind: .segmentQueued, at: Fixture.base, title: title, topic: topic),
                recordedAt: Fixture.base, prevHash: CanonicalEncoding.genesisHash)
        }
        #expect(record(title: "ab", topic: "c").hash != record(title: "a", topic: "bc").hash)
    }

    @Test func everyFieldChangesTheHash() {
        let base = Self.secondEvent
        let original = EventRecord(seq: 2, event: base, recordedAt: Fixture.base, prevHash: CanonicalEncoding.genesisHash)
        var variants: [AirplayEvent] = []
        func vary(_ change: (inout AirplayEvent) -> Void) {
            var e = base
            change(&e)
            variants.append(e)
        }
        vary { $0.kind = .segmentStarted }
        vary { $0.at = $0.at + 1 }
        vary { $0.blockID = nil }
        vary { $0.scheduledAt = nil }
        vary { $0.segment = "seg-2" }
        vary { $0.source = .queue }
        vary { $0.media = "tin/b.mp3" }
        vary { $0.title = "Thông báo" }
        vary { $0.topic = "t" }
        vary { $0.sha256 = "00" }
        vary { $0.plannedMs = 60_001 }
        vary { $0.playedFrames = 2_880_001 }
        vary { $0.deviceRate = 44_100 }
        vary { $0.outcome = .interrupted }
        vary { $0.reason = "stop" }
        vary { $0.underruns = 1 }
        vary { $0.approvedBy = "x" }
        vary { $0.approvedAt = Fixture.base }
        vary { $0.clockSynchronized = true }
        vary { $0.detail = "d" }
        var hashes: Set<Data> = [original.hash]
        for event in variants {
            hashes.insert(
                EventRecord(seq: 2, event: event, recordedAt: Fixture.base, prevHash: CanonicalEncoding.genesisHash).hash)
        }
        hashes.insert(EventRecord(seq: 3, event: base, recordedAt: Fixture.base, prevHash: CanonicalEncoding.genesisHash).hash)
        hashes.insert(EventRecord(seq: 2, event: base, recordedAt: Fixture.base + 1, prevHash: CanonicalEncoding.genesisHash).hash)
        hashes.insert(EventRecord(seq: 2, event: base, recordedAt: Fixture.base, prevHash: Data(repeating: 1, count: 32)).hash)
        #expect(hashes.count == variants.count + 4)
    }
}
