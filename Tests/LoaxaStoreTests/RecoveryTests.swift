import Foundation
import LoaxaCore
import LoaxaStore
import Testing

private func at(_ s: Int64) -> WallTime { WallTime(microseconds: 1_700_000_000_000_000 + s * 1_000_000) }

private func event(
    _ kind: AirplayEventKind, _ s: Int64, _ segment: String?, block: String = "sang", frames: Int64? = nil
) -> AirplayEvent {
    AirplayEvent(
        kind: kind, at: at(s), blockID: block, segment: segment, source: .schedule, media: "a/\(segment ?? "-").wav",
        sha256: segment.map { _ in String(repeating: "ab", count: 32) }, playedFrames: frames,
        deviceRate: frames == nil ? nil : 48000)
}

private func blockEvent(_ kind: AirplayEventKind, _ s: Int64, _ block: String, scheduled: Int64) -> AirplayEvent {
    AirplayEvent(kind: kind, at: at(s), blockID: block, scheduledAt: at(scheduled))
}

private func ended(_ s: Int64, _ segment: String, _ outcome: SegmentOutcome, frames: Int64, block: String = "sang") -> AirplayEvent {
    var e = event(.segmentEnded, s, segment, block: block, frames: frames)
    e.outcome = outcome
    return e
}

@Test func segmentsLeftOpenAreClosedAtTheirLastKnownMoment() throws {
    let log = try AirplayLog.inMemory()
    // An earlier run whose open segment a later start closed already, then the last run.
    try log.append([
        event(.daemonStarted, 0, nil), event(.segmentQueued, 1, "old"), event(.segmentStarted, 2, "old"),
        event(.daemonStarted, 10, nil),
        event(.segmentQueued, 11, "done"), event(.segmentStarted, 12, "done"), ended(15, "done", .completed, frames: 144_000),
        event(.segmentQueued, 15, "long"), event(.segmentStarted, 16, "long"),
        event(.segmentHeartbeat, 21, "long", frames: 240_000), event(.segmentHeartbeat, 26, "long", frames: 480_000),
        event(.segmentQueued, 27, "next"),
    ])
    let closing = try log.eventsClosingWhatTheLastRunLeftOpen(reason: "killed")
    #expect(closing.map(\.segment) == ["long", "next"])
    #expect(closing[0].kind == .segmentEnded && closing[0].outcome == .interrupted && closing[0].at == at(26))
    #expect(closing[0].playedFrames == 480_000 && closing[0].deviceRate == 48000 && closing[0].media == "a/long.wav")
    #expect(closing[1].outcome == .notAired && closing[1].at == at(27) && closing[1].playedFrames == 0)
    #expect(try log.closeWhatTheLastRunLeftOpen(reason: "killed") == closing)
    #expect(try log.closeWhatTheLastRunLeftOpen(reason: "again").isEmpty)
    let records = try log.segmentRecords().filter { $0.segment != "old" }
    #expect(records.map(\.outcome) == [.completed, .interrupted, .notAired])
    #expect(records[1].playedMs == 10_000 && records[1].endedAt == at(26))
}

/// A block the last run started and never ended is closed after its segments, at the last
/// moment known to have aired in it; one where nothing is known to have aired, at its start.
/// Blocks that ended, and blocks of an earlier run, are left alone.
@Test func blocksLeftOpenAreClosedAfterTheirSegments() throws {
    let log = try AirplayLog.inMemory()
    try log.append([
        // An earlier run: its block is open, but a later start dealt with that run.
        event(.daemonStarted, 0, nil), blockEvent(.blockStarted, 1, "old", scheduled: 1),
        event(.daemonStarted, 100, nil),
        // A block that ended as it should.
        event(.segmentQueued, 109, "a", block: "sang"), blockEvent(.blockStarted, 110, "sang", scheduled: 110),
        event(.segmentStarted, 110, "a", block: "sang"), ended(113, "a", .completed, frames: 144_000, block: "sang"),
        blockEvent(.blockEnded, 113, "sang", scheduled: 110),
        // The block on air when the daemon died: one segment done, one cut after a
        // heartbeat, one queued behind it that never aired.
        event(.segmentQueued, 199, "b", block: "chieu"), blockEvent(.blockStarted, 200, "chieu", scheduled: 200),
        event(.segmentStarted, 200, "b", block: "chieu"), ended(203, "b", .completed, frames: 144_000, block: "chieu"),
        event(.segmentQueued, 203, "c", block: "chieu"), event(.segmentStarted, 203, "c", block: "chieu"),
        event(.segmentHeartbeat, 208, "c", block: "chieu", frames: 240_000),
        event(.segmentQueued, 209, "d", block: "chieu"),
    ])
    let closing = try log.closeWhatTheLastRunLeftOpen(reason: "killed")
    #expect(closing.map(\.kind) == [.segmentEnded, .segmentEnded, .blockEnded])
    #expect(closing.map(\.segment) == ["c", "d", nil])
    let block = closing[2]
    #expect(block.blockID == "chieu" && block.scheduledAt == at(200) && block.at == at(208) && block.reason == "killed")
    #expect(try log.closeWhatTheLastRunLeftOpen(reason: "again").isEmpty)

    // A block killed as it started: only its start is known.
    try log.append([
        event(.daemonStarted, 300, nil), event(.segmentQueued, 309, "e", block: "toi"),
        blockEvent(.blockStarted, 310, "toi", scheduled: 310),
    ])
    let second = try log.closeWhatTheLastRunLeftOpen(reason: "killed")
    #expect(second.map(\.kind) == [.segmentEnded, .blockEnded])
    #expect(second[0].outcome == .notAired)
    #expect(second[1].blockID == "toi" && second[1].at == at(310))
    #expect(try log.verify().isIntact)
}

/// The look back after a restart starts no later than the last block the log shows settled.
@Test func lastSettledBlockIsTheLatestStartedOrMissed() throws {
    let log = try AirplayLog.inMemory()
    #expect(try log.lastSettledBlockTime() == nil)
    try log.append([
        blockEvent(.blockStarted, 10, "sang", scheduled: 10), blockEvent(.blockEnded, 20, "sang", scheduled: 10),
        blockEvent(.blockMissed, 100, "chieu", scheduled: 50), event(.daemonStarted, 120, nil),
    ])
    #expect(try log.lastSettledBlockTime() == at(50))
}
