import Foundation
import LoaxaCore
import Testing

/// The media library through the built `loaxa`, and approvals on a running daemon.
@Suite struct MediaLibraryTests {
    struct ListedSegment: Decodable {
        var id: Int64
        var path: String
        var topic: String?
        var title: String
        var sha256: String?
        var duration_ms: Int64?
        var frames: Int64?
        var sample_rate: Int?
        var channels: Int?
        var loudness_lufs: Double?
        var true_peak_dbtp: Double?
        var approved_by: String?
        var approved_at: String?
        var language: String
        var state: String
        var problem: String?
    }

    func list(_ station: TestStation, _ extra: [String] = []) throws -> [ListedSegment] {
        let r = try station.loaxa(["media", "list", "--json"] + extra)
        #expect(r.status == 0, "\(r.stderr)")
        return try JSONDecoder().decode([ListedSegment].self, from: Data(r.stdout.utf8))
    }

    @Test func theCommandsScanListImportAndApprove() throws {
        let station = try TestStation()
        try station.writeConfig(
            extra: "[playout]\nrequire_approval = true\n[media]\nlanguage = \"vi\"\nlanguages = { \"tieng-mong\" = \"hmn\" }")
        try station.addMedia("speech-noise-22k.wav", as: "giam-ngheo/loi-noi.wav")
        try station.addMedia("bursts-44k.mp3", as: "tieng-mong/tin.mp3")
        try station.addMedia("broken.wav", as: "giam-ngheo/hong.wav")

        let scan = try station.loaxa(["media", "scan"])
        #expect(scan.status == 1, "a refused file makes the scan exit 1: \(scan.stdout)")
        #expect(scan.stdout.contains("giam-ngheo/hong.wav: cannot decode"), "\(scan.stdout)")
        #expect(scan.stdout.contains("2 added") && scan.stdout.contains("1 refused"), "\(scan.stdout)")

        var segments = try list(station)
        #expect(segments.map(\.path) == ["giam-ngheo/loi-noi.wav", "tieng-mong/tin.mp3"])
        let speech = segments[0]
        #expect(speech.topic == "giam-ngheo" && speech.title == "loi-noi" && speech.language == "vi")
        #expect(speech.frames == 88200 && speech.duration_ms == 4000 && speech.sample_rate == 22050 && speech.channels == 1)
        #expect(speech.sha256?.count == 64 && speech.loudness_lufs != nil && speech.true_peak_dbtp != nil)
        #expect(speech.approved_by == nil && speech.approved_at == nil)
        #expect(segments[1].language == "hmn")
        let all = try list(station, ["--all"])
        #expect(all.first { $0.path == "giam-ngheo/hong.wav" }?.state == "refused")
        #expect(try list(station, ["--topic", "tieng-mong"]).map(\.path) == ["tieng-mong/tin.mp3"])

        // A rescan with nothing changed decodes nothing.
        let again = try station.loaxa(["media", "scan", "--json"])
        #expect(again.stdout.contains("\"analysed_audio_ms\" : 0"), "\(again.stdout)")
        #expect(again.stdout.contains("\"unchanged\" : 2"), "\(again.stdout)")

        // Import from outside, a name in NFD (as from a Mac), with a title.
        let outside = station.dir + "/usb/" + "Họp dân.flac".decomposedStringWithCanonicalMapping
        try FileManager.default.createDirectory(atPath: station.dir + "/usb", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Environment.testAudio + "/chirp-48k.flac", toPath: outside)
        let imported = try station.loaxa(["media", "import", outside, "--topic", "thong-bao", "--title", "Thông báo họp dân"])
        #expect(imported.status == 0, "\(imported.stderr)")
        let broken = try station.loaxa(["media", "import", Environment.testAudio + "/broken.wav", "--topic", "thong-bao"])
        #expect(broken.status == 1 && broken.stdout.contains("cannot decode"), "\(broken.stdout) \(broken.stderr)")
        segments = try list(station)
        let notice = try #require(segments.first { $0.topic == "thong-bao" })
        #expect(Array(notice.path.utf8) == Array("thong-bao/Họp dân.flac".utf8))
        #expect(notice.title == "Thông báo họp dân")

        // Approve by id, then by path; withdraw.
        let approve = try station.loaxa(["media", "approve", String(speech.id), "--by", "Nguyễn Văn An"])
        #expect(approve.status == 0, "\(approve.stderr)")
        #expect(try station.loaxa(["media", "approve", "thong-bao/Họp dân.flac", "--by", "Trần Thị Bình"]).status == 0)
        #expect(try station.loaxa(["media", "approve", "999", "--by", "X"]).status == 1)
        #expect(try station.loaxa(["media", "approve", "giam-ngheo/hong.wav", "--by", "X"]).status == 1)
        segments = try list(station)
        #expect(segments.first { $0.id == speech.id }?.approved_by == "Nguyễn Văn An")
        #expect(segments.first { $0.id == speech.id }?.approved_at?.hasSuffix("+07:00") == true)
        #expect(try station.loaxa(["media", "unapprove", String(speech.id)]).status == 0)
        #expect(try list(station).first { $0.id == speech.id }?.approved_by == nil)
        let table = try station.loaxa(["media", "list"])
        #expect(table.stdout.contains("Trần Thị Bình"), "\(table.stdout)")

        // The day's timeline flags what require_approval would skip.
        let start = WallTime.now() + 3_600_000_000
        try station.writeBlock(
            id: "sang", start: start, items: ["{ file = \"thong-bao/Họp dân.flac\" }", "{ file = \"giam-ngheo/loi-noi.wav\" }"])
        let shown = try station.loaxa(["schedule", "show", "--date", station.local(start).date, "--json"])
        #expect(shown.status == 0, "\(shown.stderr)")
        struct Day: Decodable {
            struct Block: Decodable { var items: [Item] }
            struct Item: Decodable { var media: String?; var title: String?; var note: String? }
            var blocks: [Block]
        }
        let items = try JSONDecoder().decode(Day.self, from: Data(shown.stdout.utf8)).blocks.flatMap(\.items)
        #expect(items.map(\.note) == [nil, "not approved"], "\(shown.stdout)")
        #expect(items.first?.title == "Thông báo họp dân", "\(shown.stdout)")
    }

    /// The CLI scans and imports with the analysis module alone: it does not even load ALSA.
    @Test func theCommandLineToolDoesNotLinkALSA() throws {
        let linked = try runProgram("/usr/bin/ldd", [Environment.binDir + "/loaxa"])
        #expect(linked.status == 0 && linked.stdout.contains("libsndfile"), "\(linked.stdout)")
        #expect(!linked.stdout.contains("libasound"), "\(linked.stdout)")
    }

    @Test func withRequireApprovalOnlyApprovedSegmentsAir() throws {
        let station = try TestStation()
        try station.writeConfig(extra: "[playout]\nrequire_approval = true")
        for file in ["chirp-48k.flac", "speech-noise-22k.wav", "noise-vorbis-32k.ogg", "noise-speech.opus"] {
            try station.addMedia(file)
        }
        // A topic whose only approved segment comes last in every other order.
        try station.addMedia("quiet-noise-44k.wav", as: "chu-de/a-quiet.wav")
        try station.addMedia("loud-noise-48k.wav", as: "chu-de/b-loud.wav")
        #expect(try station.loaxa(["media", "scan"]).status == 0)
        let ids = Dictionary(uniqueKeysWithValues: try list(station).map { ($0.path, $0.id) })
        let approve = try station.loaxa(["media", "approve", String(ids["test/chirp-48k.flac"]!), "--by", "Chủ tịch xã"])
        #expect(approve.status == 0, "\(approve.stderr)")
        #expect(try station.loaxa(["media", "approve", "chu-de/b-loud.wav", "--by", "Chủ tịch xã"]).status == 0)

        let start = WallTime(seconds: WallTime.now().microseconds / 1_000_000 + 9)
        try station.writeBlock(
            id: "duyet", start: start,
            items: [
                "{ file = \"test/chirp-48k.flac\" }", "{ file = \"test/speech-noise-22k.wav\" }", "{ queue = true }",
                "{ file = \"test/noise-vorbis-32k.ogg\" }", "{ topic = \"chu-de\", count = 1 }",
            ])
        let daemon = try station.startDaemon()
        defer { station.stop(daemon) }
        try station.waitUntilReady(daemon)
        // Approved after the block was prepared: asked as it starts, so it airs.
        #expect(try station.loaxa(["media", "approve", "test/noise-vorbis-32k.ogg", "--by", "Chủ tịch xã"]).status == 0)
        // Queued, not approved in the library: the operator's act approves it.
        #expect(try station.loaxa(["queue", "add", "test/noise-speech.opus"]).status == 0)

        // chirp 3 s, opus 3.5 s, vorbis 3 s, loud noise 3 s.
        while WallTime.now() < start + 15_000_000 && daemon.isRunning { usleep(200_000) }
        let user = try runProgram("/usr/bin/id", ["-un"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let records = try station.exportedRecords()
        let summary = records.map { "\($0.media) \($0.outcome ?? "-") \($0.reason ?? "") \($0.approved_by ?? "-")" }
        #expect(records.map(\.media) == [
            "test/chirp-48k.flac", "test/speech-noise-22k.wav", "test/noise-speech.opus", "test/noise-vorbis-32k.ogg",
            "chu-de/b-loud.wav",
        ], "\(summary)")
        #expect(records.map(\.outcome) == ["completed", "skipped", "completed", "completed", "completed"], "\(summary)")
        #expect(records[1].reason == "not approved", "\(summary)")
        #expect(records[0].approved_by == "Chủ tịch xã" && records[0].approved_at != nil, "\(summary)")
        #expect(records[2].approved_by == user && records[2].approved_at != nil, "\(summary)")
        #expect(records[3].approved_by == "Chủ tịch xã", "\(summary)")

        station.stop(daemon)  // the card writes its capture's runs as it closes
        try station.addMedia("loud-noise-48k.wav")  // the analyser's reference, under test/
        let (capture, raw) = try station.analyzeCapture([
            "chirp-48k.flac", "noise-speech.opus", "noise-vorbis-32k.ogg", "loud-noise-48k.wav",
        ])
        #expect(capture.segments.count == 4, "\(raw)")
        #expect(capture.joins.allSatisfy { $0.gap_frames == 0 }, "\(raw)")
    }
}
