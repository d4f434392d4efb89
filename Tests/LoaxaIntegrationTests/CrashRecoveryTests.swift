import Foundation
import LoaxaCore
import Testing

/// A daemon killed with SIGKILL mid-segment leaves that segment's record and its block
/// open; the next start closes the segment as interrupted at the last moment known to have
/// aired, the segment queued behind it, if any, as not aired, and the block at that same
/// moment. Nothing is lost and the chain still verifies.
@Suite struct CrashRecoveryTests {
    @Test func aKilledDaemonsOpenSegmentIsClosedAtTheNextStart() throws {
        let station = try TestStation()
        try station.writeConfig(extra: "[playout]\non_late_start = \"skip\"")
        for file in ["chirp-48k.flac", "speech-noise-22k.wav", "noise-vorbis-32k.ogg"] { try station.addMedia(file) }
        let start = WallTime(seconds: WallTime.now().microseconds / 1_000_000 + 9)
        try station.writeBlock(id: "sap", start: start, files: ["chirp-48k.flac", "speech-noise-22k.wav", "noise-vorbis-32k.ogg"])
        var daemon = try station.startDaemon()
        defer { station.stop(daemon) }
        try station.waitUntilReady(daemon)

        // chirp 0–3 s, speech 3–7 s: kill 4.5 s in, while the speech airs.
        while WallTime.now() < start + 4_500_000 && daemon.isRunning { usleep(50_000) }
        kill(daemon.processIdentifier, SIGKILL)
        daemon.waitUntilExit()
        let before = try station.exportedRecords()
        let open = before.filter { $0.outcome == nil }
        #expect(open.map(\.media) == ["test/speech-noise-22k.wav"], "\(before.map { "\($0.media) \($0.outcome ?? "open")" })")

        daemon = try station.startDaemon()
        try station.waitUntilReady(daemon)
        let after = try station.exportedRecords()
        let summary = after.map { "\($0.media) \($0.outcome ?? "open") \($0.started_at ?? "-")–\($0.ended_at ?? "-")" }
        #expect(after.allSatisfy { $0.outcome != nil }, "\(summary)")
        #expect(after.count == before.count, "\(summary)")
        #expect(after.first?.outcome == "completed", "\(summary)")
        let speech = try #require(after.first { $0.media == "test/speech-noise-22k.wav" })
        #expect(speech.outcome == "interrupted", "\(summary)")
        #expect(speech.ended_at == speech.started_at, "no heartbeat yet: it ends where it is known to have aired, \(summary)")
        #expect(speech.reason?.contains("without closing it") == true, "\(summary)")
        // The block is closed too, at the last moment known to have aired in it: the speech's start.
        let blockEnds = try station.events(kind: "block_ended")
        #expect(blockEnds.map(\.block_id) == ["sap"])
        #expect(blockEnds.first?.reason?.contains("without closing it") == true)
        #expect(blockEnds.first?.at_us == speech.started_at.flatMap(parseRFC3339), "\(blockEnds.map(\.at_us)), \(summary)")
        let verify = try station.loaxa(["log", "verify"])
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
    }

    /// A block whose whole time passed while the station was down is recorded missed, even
    /// when the run that came back was killed before it looked back: here that run's clock
    /// was not yet synchronized, so it had not looked back at all.
    @Test func aBlockMissedWhileDownIsRecordedThoughTheNextRunDiedBeforeLookingBack() throws {
        let station = try TestStation()
        try station.writeConfig()
        try station.addMedia("chirp-48k.flac")
        let now = WallTime.now().microseconds / 1_000_000
        let aired = WallTime(seconds: now + 5), missed = WallTime(seconds: now + 10)
        try station.writeBlock(id: "phat", start: aired, files: ["chirp-48k.flac"], name: "phat.toml")
        try station.writeBlock(id: "lo", start: missed, files: ["chirp-48k.flac"], name: "lo.toml")

        var daemon = try station.startDaemon()
        try station.waitUntilReady(daemon)
        while WallTime.now() < aired + 3_500_000 && daemon.isRunning { usleep(50_000) }
        kill(daemon.processIdentifier, SIGKILL)
        daemon.waitUntilExit()
        // Down while "lo" airs; back with a clock not yet set, and killed again.
        while WallTime.now() < missed + 3_500_000 { usleep(50_000) }
        try station.setClock(synchronized: false)
        daemon = try station.startDaemon()
        try station.waitUntilReady(daemon)
        kill(daemon.processIdentifier, SIGKILL)
        daemon.waitUntilExit()
        #expect(try station.events(kind: "block_missed").isEmpty, "no look back with the clock not synchronized")

        try station.setClock(synchronized: true)
        daemon = try station.startDaemon()
        defer { station.stop(daemon) }
        try station.waitUntilReady(daemon)
        let deadline = Date().addingTimeInterval(5)
        var missedEvents: [LoggedEvent] = []
        while missedEvents.isEmpty && Date() < deadline {
            usleep(100_000)
            missedEvents = try station.events(kind: "block_missed")
        }
        #expect(missedEvents.map(\.block_id) == ["lo"], "\(station.daemonLog)")
        #expect(missedEvents.first?.scheduled_at_us == missed.microseconds)
        #expect(missedEvents.first?.detail == "Khối thử nghiệm", "the block's title, for the report's missed rows")
        // The report's table of blocks (id, title, held, missed, ...) names the missed one.
        let report = try station.loaxa(["report", "--from", station.local(missed).date, "--to", station.local(missed).date, "--format", "csv"])
        #expect(report.stdout.split(whereSeparator: \.isNewline).contains { $0.hasPrefix("lo,Khối thử nghiệm,0,1,") }, "\(report.stdout) \(report.stderr)")
        #expect(try station.events(kind: "block_started").map(\.block_id) == ["phat"])
        #expect(try station.events(kind: "block_ended").map(\.block_id) == ["phat"])
        try station.expectLogVerifies("after the restarts")
    }
}
