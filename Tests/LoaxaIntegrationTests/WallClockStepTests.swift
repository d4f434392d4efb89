import Foundation
import LoaxaControl
import LoaxaCore
import Testing

/// NTP corrects the clock while the station runs: blocks not yet aired follow the corrected
/// wall clock, and the step is logged. The step is injected into the daemon (tests cannot
/// set the host's clock).
@Suite struct WallClockStepTests {
    @Test(arguments: [4_000_000, -3_000_000] as [Int64])
    func laterBlocksFollowTheSteppedClock(step: Int64) throws {
        let station = try TestStation()
        try station.writeConfig()
        for f in ["chirp-48k.flac", "noise-speech.opus"] { try station.addMedia(f) }
        let t0 = WallTime.now().microseconds / 1_000_000
        let first = WallTime(seconds: t0 + 6)
        let second = WallTime(seconds: t0 + 18)
        try station.writeBlock(id: "truoc", start: first, files: ["chirp-48k.flac"], name: "a.toml")
        try station.writeBlock(id: "sau", start: second, files: ["noise-speech.opus"], name: "b.toml")

        let daemon = try station.startDaemon()
        while WallTime.now() < first + 4_000_000 && daemon.isRunning { usleep(100_000) }
        let reply = try ControlClient.send(
            ControlRequest(command: "inject-clock-step", arguments: ["micros": "\(step)"]),
            to: station.dir + "/var/loaxa.sock")
        #expect(reply.ok, "\(reply.error ?? "")")
        // The second block airs when the stepped clock reads its time.
        let airsAt = second + (-step)
        while WallTime.now() < airsAt + 5_000_000 && daemon.isRunning { usleep(200_000) }
        station.stop(daemon)

        let (capture, _) = try station.analyzeCapture(["chirp-48k.flac", "noise-speech.opus"])
        let firstError = Double(capture.segments[0].start_realtime_ns! - first.microseconds * 1000) / 1e6
        let secondError = Double(capture.segments[1].start_realtime_ns! - airsAt.microseconds * 1000) / 1e6
        print("measured: clock step \(step / 1000) ms, first block \(firstError) ms, second block \(secondError) ms from the (stepped) schedule")
        #expect(abs(firstError) <= 1.0)
        #expect(abs(secondError) <= 1.0)
        #expect(station.daemonLog.contains("event=wall_clock_stepped"))

        // The log keeps the daemon's (corrected) wall time: the second block at its time.
        let records = try station.exportedRecords()
        let started = try #require(records.last?.started_at.flatMap(parseRFC3339))
        #expect(abs(started - second.microseconds) <= 1000, "started_at \(records.last?.started_at ?? "-")")
    }
}
