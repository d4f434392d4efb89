import Foundation
import LoaxaCore
import Testing

/// The operator queue on a running daemon: normal entries air at the block's `queue` item,
/// a priority entry at the next item boundary, an expired or removed entry never airs,
/// and every queued airing names the operator who queued it.
@Suite struct QueueTests {
    @Test func queuedEntriesAirWhereTheirPriorityPutsThem() throws {
        let station = try TestStation()
        try station.writeConfig()
        for file in ["chirp-48k.flac", "speech-noise-22k.wav", "noise-speech.opus", "quiet-noise-44k.wav",
                     "loud-noise-48k.wav", "noise-vorbis-32k.ogg"] {
            try station.addMedia(file)
        }
        let start = WallTime(seconds: WallTime.now().microseconds / 1_000_000 + 9)
        try station.writeBlock(
            id: "q", start: start,
            items: ["{ file = \"test/chirp-48k.flac\" }", "{ queue = true }", "{ file = \"test/noise-vorbis-32k.ogg\" }"])
        let daemon = try station.startDaemon()
        defer { station.stop(daemon) }
        try station.waitUntilReady(daemon)

        let user = try runProgram("/usr/bin/id", ["-un"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        func add(_ args: [String]) throws -> ProgramResult {
            let r = try station.loaxa(["queue", "add"] + args)
            #expect(r.status == 0, "queue add \(args): \(r.stderr)")
            return r
        }
        _ = try add(["test/speech-noise-22k.wav"])
        _ = try add(["test/quiet-noise-44k.wav", "--expires", "2s"])
        let removed = try add(["test/loud-noise-48k.wav", "--json"])
        let id = try #require(try JSONDecoder().decode([QueueListEntry].self, from: Data(removed.stdout.utf8)).first?.id)
        #expect(try station.loaxa(["queue", "remove", String(id)]).status == 0)
        #expect(try station.loaxa(["queue", "remove", String(id)]).status == 1, "a removed entry cannot be removed again")

        // Refusals: an unknown block, a missing file, an expiry already past.
        let unknownBlock = try station.loaxa(["queue", "add", "test/chirp-48k.flac", "--block", "khong-co"])
        #expect(unknownBlock.status == 1 && unknownBlock.stderr.contains("khong-co"), "\(unknownBlock.stderr)")
        let missing = try station.loaxa(["queue", "add", "test/khong-co.wav"])
        #expect(missing.status == 1 && missing.stderr.contains("khong-co.wav"), "\(missing.stderr)")

        let listed = try station.loaxa(["queue", "list", "--json"])
        let waiting = try JSONDecoder().decode([QueueListEntry].self, from: Data(listed.stdout.utf8))
        #expect(waiting.map(\.media) == ["test/speech-noise-22k.wav", "test/quiet-noise-44k.wav"], "\(listed.stdout)")
        #expect(waiting.allSatisfy { $0.added_by == user })
        // Today's timeline places the waiting entries at the block's queue item.
        let shown = try station.loaxa(["schedule", "show", "--json"])
        #expect(shown.status == 0 && shown.stdout.contains("test/speech-noise-22k.wav"), "\(shown.stdout)")

        // One second into the block's first file, a priority entry: it airs as that file ends.
        while WallTime.now() < start + 1_000_000 { usleep(50_000) }
        _ = try add(["test/noise-speech.opus", "--priority", "priority"])

        // chirp 3 s, opus 3.5 s, speech 4 s, vorbis 3 s.
        while WallTime.now() < start + 15_500_000 && daemon.isRunning { usleep(200_000) }
        let records = try station.exportedRecords()
        let aired = records.filter { $0.outcome == "completed" }
        #expect(aired.map(\.media) == [
            "test/chirp-48k.flac", "test/noise-speech.opus", "test/speech-noise-22k.wav", "test/noise-vorbis-32k.ogg",
        ], "\(records.map { "\($0.media) \($0.outcome ?? "-") \($0.reason ?? "")" })")
        #expect(aired.map(\.source) == ["schedule", "priority", "queue", "schedule"])
        #expect(aired[1].approved_by == user && aired[2].approved_by == user && aired[0].approved_by == nil)
        let expired = records.filter { $0.media == "test/quiet-noise-44k.wav" }
        #expect(expired.count == 1 && expired.first?.outcome == "skipped" && expired.first?.reason?.contains("expired") == true)
        #expect(!records.contains { $0.media == "test/loud-noise-48k.wav" })
        let after = try station.loaxa(["queue", "list", "--json"])
        #expect(try JSONDecoder().decode([QueueListEntry].self, from: Data(after.stdout.utf8)).isEmpty, "\(after.stdout)")

        // The joins are seamless as in any block.
        let (capture, raw) = try station.analyzeCapture([
            "chirp-48k.flac", "noise-speech.opus", "speech-noise-22k.wav", "noise-vorbis-32k.ogg",
        ])
        #expect(capture.segments.count == 4, "\(raw)")
        #expect(capture.joins.allSatisfy { $0.gap_frames == 0 }, "\(raw)")
    }
}

struct QueueListEntry: Decodable {
    var id: Int64
    var media: String
    var priority: String
    var state: String
    var added_by: String?
}
