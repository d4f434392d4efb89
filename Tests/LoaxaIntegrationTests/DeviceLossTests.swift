import Foundation
import LoaxaCore
import Testing

/// The USB card is unplugged in the middle of a block and plugged back in: the daemon keeps
/// running and following the schedule, what could not air is logged `failed` with the reason,
/// and airing resumes on the timeline when the card returns.
@Suite struct DeviceLossTests {
    @Test func aCardThatVanishesAndReturnsMidBlock() throws {
        let tmp = NSTemporaryDirectory() + "loaxa-unplug-\(UUID().uuidString.prefix(8))"
        let unplugged = tmp + "/unplugged"
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        let station = try TestStation(cardParameters: ["vanish_file", unplugged])
        try station.writeConfig()
        let files = ["speech-noise-22k.wav", "bursts-44k.mp3", "chirp-48k.flac", "noise-speech.opus", "noise-vorbis-32k.ogg"]
        for f in files { try station.addMedia(f) }
        // 4 + 3.5 + 3 + 3.5 + 3 s: the card goes 2 s in and comes back about 7 s in.
        let start = WallTime(seconds: WallTime.now().microseconds / 1_000_000 + 5)
        try station.writeBlock(id: "rut-the", start: start, files: files)

        let daemon = try station.startDaemon()
        while WallTime.now() < start + 2_000_000 && daemon.isRunning { usleep(50_000) }
        _ = FileManager.default.createFile(atPath: unplugged, contents: nil)
        while WallTime.now() < start + 6_000_000 && daemon.isRunning { usleep(50_000) }
        try FileManager.default.removeItem(atPath: unplugged)
        while WallTime.now() < start + 19_000_000 && daemon.isRunning { usleep(200_000) }
        #expect(daemon.isRunning, "loaxad exited: \(station.daemonLog)")
        station.stop(daemon)

        let log = station.daemonLog
        #expect(log.contains("event=device_lost"), "\(log)")
        #expect(log.contains("event=device_back"), "\(log)")
        #expect(log.contains("reopen attempt"), "\(log)")

        let records = try station.exportedRecords()
        let summary = records.map { "\($0.media) \($0.outcome ?? "open") \($0.played_ms ?? -1) \($0.reason ?? "")" }
        print("measured: records after an unplug:\n  " + summary.joined(separator: "\n  "))
        // The first segment was cut by the loss, about 2 s in.
        let first = try #require(records.first)
        #expect(first.media == "test/speech-noise-22k.wav" && first.outcome == "failed")
        #expect(first.reason?.contains("was lost") == true)
        #expect((1500...2600).contains(first.played_ms ?? -1), "played \(first.played_ms ?? -1) ms")
        // The MP3's turn (4 s in) came while the card was gone.
        let mp3 = records.filter { $0.media == "test/bursts-44k.mp3" }
        #expect(mp3.first?.outcome == "failed" && mp3.first?.played_ms == 0)
        // Every record is closed, no segment is lost from the log, and the last segments
        // aired in full after the card came back, on the timeline.
        #expect(records.allSatisfy { $0.outcome != nil })
        for f in files { #expect(records.contains { $0.media == "test/" + f }, "\(f) missing from the log") }
        let last = try #require(records.last)
        #expect(last.media == "test/noise-vorbis-32k.ogg" && last.outcome == "completed" && last.played_ms == 3000)
        let lastStart = try #require(last.started_at.flatMap(parseRFC3339))
        #expect(abs(lastStart - (start.microseconds + 14_000_000)) < 250_000, "last segment started \(last.started_at ?? "-")")
        // A segment the card came back in the middle of airs on from there.
        #expect(records.contains { $0.outcome == "completed" && ($0.played_ms ?? 0) < ($0.planned_ms ?? 0) && $0.started_at != nil },
            "no resumed record: \(summary)")
    }

    /// The daemon is stalled (SIGSTOP) longer than the card's buffer: the card underruns,
    /// the daemon recovers, and the underrun is counted on the record of the segment airing.
    @Test func anUnderrunIsRecoveredAndCountedOnTheSegment() throws {
        let station = try TestStation()
        try station.writeConfig()
        for f in ["speech-noise-22k.wav", "bursts-44k.mp3"] { try station.addMedia(f) }
        let start = WallTime(seconds: WallTime.now().microseconds / 1_000_000 + 5)
        try station.writeBlock(id: "treo", start: start, files: ["speech-noise-22k.wav", "bursts-44k.mp3"])
        let daemon = try station.startDaemon()
        while WallTime.now() < start + 1_500_000 && daemon.isRunning { usleep(50_000) }
        kill(daemon.processIdentifier, SIGSTOP)
        usleep(400_000)
        kill(daemon.processIdentifier, SIGCONT)
        while WallTime.now() < start + 10_000_000 && daemon.isRunning { usleep(200_000) }
        #expect(daemon.isRunning)
        station.stop(daemon)

        let records = try station.exportedRecords()
        try #require(records.count == 2)
        print("measured: after a 400 ms stall: \(records.map { "\($0.media) \($0.outcome ?? "-") underruns \($0.underruns ?? -1)" })")
        #expect(records[0].outcome == "completed" && (records[0].underruns ?? 0) >= 1)
        #expect(records[1].outcome == "completed" && records[1].underruns == 0)
    }
}
