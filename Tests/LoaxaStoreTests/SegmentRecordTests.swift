import Foundation
import LoaxaCore
import Testing

@testable import LoaxaStore

@Suite("Segment records")
struct SegmentRecordTests {
    @Test func aCompletedAiring() throws {
        let log = try Fixture.memoryLog()
        let start = Fixture.at(0, micros: 123_457)
        try log.append(Fixture.airing("s1", startingAt: start, frames: 2_880_000, rate: 48_000))

        let records = try log.segmentRecords()
        #expect(records.count == 1)
        let r = try #require(records.first)
        #expect(r.segment == "s1")
        #expect(r.blockID == "sang")
        #expect(r.source == .schedule)
        #expect(r.media == "tin/tin-xa.mp3")
        #expect(r.title == "Tin xã")
        #expect(r.topic == "tin-tuc")
        #expect(r.sha256 == String(repeating: "ab", count: 32))
        #expect(r.scheduledAt == start)
        #expect(r.startedAt == start)
        #expect(r.endedAt == start + 60_000_000)
        #expect(r.plannedMs == 60_000)
        #expect(r.playedMs == 60_000)
        #expect(r.outcome == .completed)
        #expect(r.reason == nil)
        #expect(r.underruns == 0)
        #expect(r.approvedBy == nil)
        #expect(r.clockSynchronized == true)
    }

    @Test func anInterruptedAiring() throws {
        let log = try Fixture.memoryLog()
        var events = Fixture.airing(
            "s1", startingAt: Fixture.at(0), frames: 1_000_000, rate: 44_100, outcome: .interrupted,
            reason: "emergency broadcast")
        events[3].underruns = 2
        try log.append(events)

        let r = try #require(try log.segmentRecords().first)
        #expect(r.outcome == .interrupted)
        #expect(r.reason == "emergency broadcast")
        #expect(r.playedMs == 22_675)  // 1,000,000 × 1000 / 44,100 = 22,675.7
        #expect(r.underruns == 2)
        #expect(r.endedAt != nil)
    }

    @Test func aSkippedItem() throws {
        let log = try Fixture.memoryLog()
        try log.append(
            AirplayEvent(
                kind: .segmentSkipped, at: Fixture.at(30), blockID: "sang", scheduledAt: Fixture.at(25),
                segment: "s9", source: .queue, media: "hang-doi/thieu.mp3", title: "Thiếu tệp",
                reason: "file missing", approvedBy: "Trần Thị B"))

        let r = try #require(try log.segmentRecords().first)
        #expect(r.outcome == .skipped)
        #expect(r.reason == "file missing")
        #expect(r.source == .queue)
        #expect(r.media == "hang-doi/thieu.mp3")
        #expect(r.scheduledAt == Fixture.at(25))
        #expect(r.startedAt == nil)
        #expect(r.endedAt == nil)
        #expect(r.playedMs == 0)
        #expect(r.underruns == 0)
        #expect(r.approvedBy == "Trần Thị B")
        #expect(r.clockSynchronized == nil)
    }

    @Test func anOpenAiringTakesItsProgressFromTheLastHeartbeat() throws {
        let log = try Fixture.memoryLog()
        let events = Fixture.airing("s1", startingAt: Fixture.at(0))
        try log.append(Array(events.prefix(3)))
        try log.append(
            AirplayEvent(
                kind: .segmentHeartbeat, at: Fixture.at(10), segment: "s1", playedFrames: 480_024, underruns: 1))

        let r = try #require(try log.segmentRecords().first)
        #expect(r.outcome == nil)
        #expect(r.startedAt == Fixture.at(0))
        #expect(r.endedAt == nil)
        #expect(r.playedMs == 10_000)  // 480,024 frames at the start event's 48 kHz
        #expect(r.underruns == 1)
    }

    @Test func playedMillisecondsAreFramesTimesThousandOverRateRoundedDown() {
        #expect(SegmentRecordBuilder.milliseconds(frames: 48_000, rate: 48_000) == 1_000)
        #expect(SegmentRecordBuilder.milliseconds(frames: 47_999, rate: 48_000) == 999)
        #expect(SegmentRecordBuilder.milliseconds(frames: 1, rate: 48_000) == 0)
        #expect(SegmentRecordBuilder.milliseconds(frames: 0, rate: 44_100) == 0)
        #expect(SegmentRecordBuilder.milliseconds(frames: 123_456_789, rate: 48_000) == 2_572_016)
        #expect(SegmentRecordBuilder.milliseconds(frames: 441, rate: 44_100) == 10)
        #expect(SegmentRecordBuilder.milliseconds(frames: 100, rate: nil) == 0)
        #expect(SegmentRecordBuilder.milliseconds(frames: 100, rate: 0) == 0)
        // Large counts do not overflow: 2^62 frames at 8 kHz.
        #expect(
            SegmentRecordBuilder.milliseconds(frames: 1 << 62, rate: 8_000)
                == (1 << 62) / 8_000 * 1000 + (1 << 62) % 8_000 * 1000 / 8_000)
    }

    @Test func anEndWithoutOutcomeCountsAsInterrupted() throws {
        let log = try Fixture.memoryLog()
        try log.append([
            AirplayEvent(kind: .segmentStarted, at: Fixture.at(0), segment: "a", source: .priority, media: "a.wav"),
            AirplayEvent(kind: .segmentEnded, at: Fixture.at(1), segment: "a"),
            AirplayEvent(kind: .segmentQueued, at: Fixture.at(2), segment: "b", source: .priority, media: "b.wav"),
            AirplayEvent(kind: .segmentEnded, at: Fixture.at(3), segment: "b"),
        ])
        #expect(try log.segmentRecords().map(\.outcome) == [.interrupted, .notAired])
    }

    @Test func descriptiveFieldsComeFromTheFirstEventThatHasThem() throws {
        let log = try Fixture.memoryLog()
        try log.append([
            AirplayEvent(kind: .segmentQueued, at: Fixture.at(0), segment: "a", clockSynchronized: true),
            AirplayEvent(
                kind: .segmentStarted, at: Fixture.at(1), segment: "a", source: .emergency, media: "first.wav",
                title: "Đầu", clockSynchronized: false),
            AirplayEvent(
                kind: .segmentEnded, at: Fixture.at(2), segment: "a", source: .schedule, media: "second.wav",
                title: "Sau", outcome: .completed, clockSynchronized: true),
        ])
        let r = try #require(try log.segmentRecords().first)
        #expect(r.source == .emergency)
        #expect(r.media == "first.wav")
        #expect(r.title == "Đầu")
        // One event recorded with an unsynchronized clock taints the record.
        #expect(r.clockSynchronized == false)
    }

    @Test func recordsAreOrderedByTheirFirstEventAndIgnoreOtherEvents() throws {
        let log = try Fixture.memoryLog()
        try log.append([
            AirplayEvent(kind: .daemonStarted, at: Fixture.at(0)),
            AirplayEvent(kind: .segmentQueued, at: Fixture.at(1), segment: "zz", source: .schedule, media: "z"),
            AirplayEvent(kind: .segmentQueued, at: Fixture.at(2), segment: "aa", source: .schedule, media: "a"),
            AirplayEvent(kind: .segmentStarted, at: Fixture.at(3), segment: "aa"),
            AirplayEvent(kind: .blockStarted, at: Fixture.at(3), blockID: "sang"),
            AirplayEvent(kind: .segmentStarted, at: Fixture.at(4), segment: "zz"),
            AirplayEvent(kind: .segmentEnded, at: Fixture.at(5), segment: "zz", outcome: .completed),
            AirplayEvent(kind: .segmentSkipped, at: Fixture.at(6), segment: "mm", source: .queue, media: "m"),
            AirplayEvent(kind: .segmentEnded, at: Fixture.at(7), segment: "aa", outcome: .failed),
        ])
        let records = try log.segmentRecords()
        #expect(records.map(\.segment) == ["zz", "aa", "mm"])
        #expect(records.map(\.outcome) == [.completed, .failed, .skipped])
    }

    @Test func thePeriodIsFromInclusiveToExclusiveByStartOrSkip() throws {
        let log = try Fixture.memoryLog()
        // Queued before the period, started at its first instant: inside.
        try log.append(Fixture.airing("at-from", startingAt: Fixture.at(100)))
        // Started before the period, ended inside it: outside.
        try log.append(Fixture.airing("before", startingAt: Fixture.at(50), frames: 48_000 * 70))
        // Started one microsecond before the end: inside.
        try log.append(Fixture.airing("last", startingAt: Fixture.at(199, micros: 999_999)))
        // Started at the end: outside.
        try log.append(Fixture.airing("at-to", startingAt: Fixture.at(200)))
        // Skipped inside, though scheduled before: inside.
        try log.append(
            AirplayEvent(
                kind: .segmentSkipped, at: Fixture.at(150), scheduledAt: Fixture.at(10), segment: "skip",
                source: .schedule, media: "x.mp3", reason: "block full"))
        // Skipped after.
        try log.append(
            AirplayEvent(
                kind: .segmentSkipped, at: Fixture.at(250), segment: "skip-late", source: .schedule,
                media: "y.mp3"))

        let inPeriod = try log.segmentRecords(from: Fixture.at(100), to: Fixture.at(200))
        #expect(inPeriod.map(\.segment) == ["at-from", "last", "skip"])
        #expect(try log.segmentRecords(from: Fixture.at(200)).map(\.segment) == ["at-to", "skip-late"])
        #expect(try log.segmentRecords(to: Fixture.at(100)).map(\.segment) == ["before"])
        #expect(try log.segmentRecords().count == 6)
    }

    @Test func theStreamingFormMatchesAndReportsTheHead() throws {
        let log = try Fixture.memoryLog()
        for i in 0..<20 {
            try log.append(Fixture.airing("s\(i)", startingAt: Fixture.at(Int64(i) * 100)))
        }
        var streamed: [SegmentRecord] = []
        let head = try log.forEachSegmentRecord(from: Fixture.at(500)) { streamed.append($0) }
        #expect(head == (try log.head()))
        #expect(streamed == (try log.segmentRecords(from: Fixture.at(500))))
        #expect(streamed.map(\.segment) == (5..<20).map { "s\($0)" })
    }

    @Test func anErrorFromTheCallerStopsTheStreamAndPassesThrough() throws {
        struct Stop: Error {}
        let log = try Fixture.memoryLog()
        try log.append(Fixture.airing("a", startingAt: Fixture.at(0)))
        try log.append(Fixture.airing("b", startingAt: Fixture.at(100)))
        var seen = 0
        #expect(throws: Stop.self) {
            try log.forEachSegmentRecord { _ in
                seen += 1
                throw Stop()
            }
        }
        #expect(seen == 1)
    }
}
