import Foundation
import LoaxaCore
import Testing

/// A daemon killed with SIGKILL mid-segment leaves that segment's record open; the next
/// start closes it as interrupted at the last moment known to have aired, and the segment
/// queued behind it, if any, as not aired. Nothing is lost and the chain still verifies.
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
        let verify = try station.loaxa(["log", "verify"])
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
    }
}
