import Foundation
import LoaxaCore
import Testing

@testable import LoaxaStore

/// Version 1 is frozen: these vectors were computed independently of this code, and a
/// change that breaks them would make every existing log fail verification.
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

    func hex(_ bytes: some Sequence<UInt8>) -> String { Data(bytes).lowercaseHex }

    @Test func version1BytesAreFrozen() {
        let record = EventRecord(
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
        let first = EventRecord(
            seq: 1, event: Self.firstEvent, recordedAt: WallTime(microseconds: 1_716_114_600_200_000),
            prevHash: CanonicalEncoding.genesisHash)
        let second = EventRecord(
            seq: 2, event: Self.secondEvent, recordedAt: WallTime(microseconds: 7), prevHash: first.hash)
        #expect(CanonicalEncoding.v1(second).count == 190)
        #expect(second.hashHex == "e6380443b32619a07b6c392477d166c6b60ceb86c1e8f80757ca9d652c60eb3a")
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
