import Foundation
import LoaxaCore
import LoaxaStore
import Testing

@Test func segmentsLeftOpenAreClosedAtTheirLastKnownMoment() throws {
    let log = try AirplayLog.inMemory()
    func at(_ s: Int64) -> WallTime { WallTime(microseconds: 1_700_000_000_000_000 + s * 1_000_000) }
    func event(_ kind: AirplayEventKind, _ s: Int64, _ segment: String?, frames: Int64? = nil) -> AirplayEvent {
        AirplayEvent(
            kind: kind, at: at(s), blockID: "sang", segment: segment, source: .schedule, media: "a/\(segment ?? "-").wav",
            sha256: segment.map { _ in String(repeating: "ab", count: 32) }, playedFrames: frames,
            deviceRate: frames == nil ? nil : 48000)
    }
    var ended = event(.segmentEnded, 15, "done", frames: 144_000)
    ended.outcome = .completed
    // An earlier run whose open segment a later start closed already, then the last run.
    try log.append([
        event(.daemonStarted, 0, nil), event(.segmentQueued, 1, "old"), event(.segmentStarted, 2, "old"),
        event(.daemonStarted, 10, nil),
        event(.segmentQueued, 11, "done"), event(.segmentStarted, 12, "done"), ended,
        event(.segmentQueued, 15, "long"), event(.segmentStarted, 16, "long"),
        event(.segmentHeartbeat, 21, "long", frames: 240_000), event(.segmentHeartbeat, 26, "long", frames: 480_000),
        event(.segmentQueued, 27, "next"),
    ])
    let closing = try log.closingEventsForOpenSegments(reason: "killed")
    #expect(closing.map(\.segment) == ["long", "next"])
    #expect(closing[0].kind == .segmentEnded && closing[0].outcome == .interrupted && closing[0].at == at(26))
    #expect(closing[0].playedFrames == 480_000 && closing[0].deviceRate == 48000 && closing[0].media == "a/long.wav")
    #expect(closing[1].outcome == .notAired && closing[1].at == at(27) && closing[1].playedFrames == 0)
    try log.append(closing)
    #expect(try log.closingEventsForOpenSegments(reason: "again").isEmpty)
    let records = try log.segmentRecords().filter { $0.segment != "old" }
    #expect(records.map(\.outcome) == [.completed, .interrupted, .notAired])
    #expect(records[1].playedMs == 10_000 && records[1].endedAt == at(26))
}
