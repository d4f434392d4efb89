import Foundation
import LoaxaCore
import Testing

/// Reloading the schedule while a block airs: the block on air finishes as it was, a
/// broken schedule is refused with its problems and the old one stays in force, and
/// SIGHUP reloads as `loaxa schedule reload` does.
@Suite struct ReloadTests {
    @Test func reloadsWithoutCuttingAir() throws {
        let station = try TestStation()
        try station.writeConfig()
        for file in ["chirp-48k.flac", "speech-noise-22k.wav", "noise-vorbis-32k.ogg"] { try station.addMedia(file) }
        let start = WallTime(seconds: WallTime.now().microseconds / 1_000_000 + 7)
        func block(_ id: String, _ at: WallTime, _ files: [String]) -> String {
            let (date, time) = station.local(at)
            let items = files.map { "{ file = \"test/\($0)\" }" }.joined(separator: ", ")
            return "[[block]]\nid = \"\(id)\"\ndate = \(date)\nstart = \(time)\nitems = [\(items)]\n"
        }
        let file = station.dir + "/schedules/test.toml"
        try block("a", start, ["chirp-48k.flac", "speech-noise-22k.wav"]).write(toFile: file, atomically: true, encoding: .utf8)
        let daemon = try station.startDaemon()
        defer { station.stop(daemon) }
        try station.waitUntilReady(daemon)
        while WallTime.now() < start + 1_000_000 { usleep(50_000) }

        // A broken schedule: refused, every problem as FILE:LINE, the old one stays.
        try (block("a", start, ["vorbis.ogg"]) + "start = 25:00:00\n").write(toFile: file, atomically: true, encoding: .utf8)
        let refused = try station.loaxa(["schedule", "reload"])
        #expect(refused.status == 1, "\(refused.stdout)")
        #expect(refused.stderr.contains("test.toml:"), "\(refused.stderr)")

        // Block a changed while on air (it finishes as it was), block b added.
        try (block("a", start, ["noise-vorbis-32k.ogg"]) + block("b", start + 9_000_000, ["chirp-48k.flac"]))
            .write(toFile: file, atomically: true, encoding: .utf8)
        let reloaded = try station.loaxa(["schedule", "reload"])
        #expect(reloaded.status == 0 && reloaded.stdout.contains("2 blocks"), "\(reloaded.stdout) \(reloaded.stderr)")

        // SIGHUP: block c added.
        try (block("a", start, ["noise-vorbis-32k.ogg"]) + block("b", start + 9_000_000, ["chirp-48k.flac"])
            + block("c", start + 13_000_000, ["noise-vorbis-32k.ogg"]))
            .write(toFile: file, atomically: true, encoding: .utf8)
        kill(daemon.processIdentifier, SIGHUP)

        while WallTime.now() < start + 16_500_000 && daemon.isRunning { usleep(200_000) }
        let records = try station.exportedRecords()
        let summary = records.map { "\($0.block_id ?? "-") \($0.media) \($0.outcome ?? "-")" }
        #expect(summary == [
            "a test/chirp-48k.flac completed", "a test/speech-noise-22k.wav completed",
            "b test/chirp-48k.flac completed", "c test/noise-vorbis-32k.ogg completed",
        ], "\(summary)")
        let loads = try station.events(kind: "schedule_loaded")
        #expect(loads.count == 3, "\(loads.map { $0.detail ?? "" })")
        #expect(loads.last?.detail?.contains("SIGHUP") == true, "\(loads.map { $0.detail ?? "" })")
    }
}
