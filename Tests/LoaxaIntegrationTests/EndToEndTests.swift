import Foundation
import LoaxaCore
import Testing

/// What tools/analyze_capture.py finds in the virtual card's capture.
struct CaptureAnalysis: Decodable {
    struct Segment: Decodable {
        var ref: String
        var found: Bool
        var expected_frames: Int64
        var head_frame: Int64?
        var tail_frame: Int64?
        var lost_or_added_frames: Int64?
        var start_realtime_ns: Int64?
        var end_realtime_ns: Int64?
    }
    struct Join: Decodable {
        var from: String
        var to: String
        var gap_frames: Int64
    }
    var segments: [Segment]
    var joins: [Join]
}

/// One record of `loaxa log export --format json`.
struct ExportedRecord: Decodable {
    var block_id: String?
    var source: String
    var media: String
    var title: String?
    var sha256: String?
    var scheduled_at: String?
    var started_at: String?
    var ended_at: String?
    var planned_ms: Int64?
    var played_ms: Int64?
    var outcome: String?
    var reason: String?
    var underruns: Int?
    var approved_by: String?
    var approved_at: String?
}

/// Parses `2024-05-19T17:30:00.000123+07:00` to UTC microseconds.
func parseRFC3339(_ text: String) -> Int64? {
    let scanner = text.unicodeScalars.map { Character($0) }
    guard scanner.count >= 32 else { return nil }
    let s = String(scanner)
    guard let date = CivilDate(String(s.prefix(10))),
        let h = Int64(s.dropFirst(11).prefix(2)), let m = Int64(s.dropFirst(14).prefix(2)),
        let sec = Int64(s.dropFirst(17).prefix(2)), let micros = Int64(s.dropFirst(20).prefix(6))
    else { return nil }
    let offText = s.dropFirst(26)
    let sign: Int64 = offText.first == "-" ? -1 : 1
    guard let oh = Int64(offText.dropFirst().prefix(2)), let om = Int64(offText.dropFirst(4).prefix(2)) else { return nil }
    let local = (date.daysSinceEpoch * 86_400 + h * 3600 + m * 60 + sec) * 1_000_000 + micros
    return local - sign * (oh * 3600 + om * 60) * 1_000_000
}

@Suite(.serialized)
struct EndToEndTests {
    /// Four formats and rates, a missing file and an undecodable one, in one block on the
    /// virtual card: the block starts on time, joins have no gap, the log agrees with the
    /// capture, and the bad items are skipped with their reasons.
    @Test func aBlockAirsOnTimeGaplessAndAsLogged() throws {
        let station = try TestStation()
        try station.writeConfig()
        let files = ["speech-noise-22k.wav", "bursts-44k.mp3", "chirp-48k.flac", "noise-speech.opus", "noise-vorbis-32k.ogg", "broken.wav"]
        for f in files { try station.addMedia(f) }
        let order = ["speech-noise-22k.wav", "missing.wav", "bursts-44k.mp3", "chirp-48k.flac", "broken.wav", "noise-speech.opus", "noise-vorbis-32k.ogg"]
        let aired = order.filter { $0 != "missing.wav" && $0 != "broken.wav" }

        let now = WallTime.now()
        let start = WallTime(seconds: now.microseconds / 1_000_000 + 5)
        try station.writeBlock(id: "thu-nghiem", start: start, files: order)

        let daemon = try station.startDaemon()
        // While the block airs, `loaxa status` shows it.
        while WallTime.now() < start + 2_000_000 && daemon.isRunning { usleep(100_000) }
        let status = try station.loaxa(["status", "--json"])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("\"blockID\" : \"thu-nghiem\""), "\(status.stdout)")
        #expect(status.stdout.contains("test/speech-noise-22k.wav"), "\(status.stdout)")
        // The block is about 17 s long.
        let end = start + 17_500_000 + 2_000_000
        while WallTime.now() < end && daemon.isRunning { usleep(200_000) }
        #expect(daemon.isRunning, "loaxad exited early: \(station.daemonLog)")
        station.stop(daemon)

        // With the daemon stopped, status says how to start it and exits 3.
        let down = try station.loaxa(["status"])
        #expect(down.status == 3)
        #expect(down.stderr.contains("not reachable") && down.stderr.contains("loaxad"))

        let (capture, _) = try station.analyzeCapture(aired)
        try #require(capture.segments.count == aired.count)

        // The block's first frame reached the "DAC" at its scheduled time.
        let first = try #require(capture.segments[0].start_realtime_ns)
        let startError = Double(first - start.microseconds * 1000) / 1e6
        #expect(abs(startError) <= 1.0, "block start error \(startError) ms")
        print("measured: block start error \(startError) ms; join gaps \(capture.joins.map(\.gap_frames)) frames; "
            + "frames lost or added \(capture.segments.map { $0.lost_or_added_frames ?? -1 })")

        // No frame lost or added inside any segment, no gap at any join.
        for s in capture.segments {
            #expect(s.found, "\(s.ref) not found in the capture")
            #expect(s.lost_or_added_frames == 0, "\(s.ref): \(s.lost_or_added_frames ?? -1) frames lost or added")
        }
        for j in capture.joins {
            #expect(abs(j.gap_frames) <= 1, "gap of \(j.gap_frames) frames between \(j.from) and \(j.to)")
        }

        // The exported log agrees with the capture, to the millisecond.
        let records = try station.exportedRecords()
        let completed = records.filter { $0.outcome == "completed" }
        #expect(completed.map(\.media) == aired.map { "test/" + $0 })
        for (record, seg) in zip(completed, capture.segments) {
            let started = try #require(record.started_at.flatMap(parseRFC3339))
            let ended = try #require(record.ended_at.flatMap(parseRFC3339))
            let startDiff = Double(started * 1000 - seg.start_realtime_ns!) / 1e6
            let endDiff = Double(ended * 1000 - seg.end_realtime_ns!) / 1e6
            print("measured: \(record.media) started_at \(startDiff) ms, ended_at \(endDiff) ms from the capture")
            #expect(abs(startDiff) <= 1.0, "\(record.media): started_at off by \(startDiff) ms")
            #expect(abs(endDiff) <= 1.0, "\(record.media): ended_at off by \(endDiff) ms")
            #expect(record.played_ms == seg.expected_frames * 1000 / 48000)
            #expect(record.source == "schedule" && record.block_id == "thu-nghiem")
            #expect(record.sha256?.count == 64)
        }
        // The planned times: the block's start, then each segment after the ones before it.
        var planned = start.microseconds
        for (record, seg) in zip(completed, capture.segments) {
            #expect(record.scheduled_at.flatMap(parseRFC3339) == planned, "\(record.media) scheduled_at \(record.scheduled_at ?? "-")")
            planned += seg.expected_frames * 1_000_000 / 48000
        }
        let skipped = records.filter { $0.outcome == "skipped" }
        #expect(skipped.map(\.media) == ["test/missing.wav", "test/broken.wav"])
        #expect(skipped.first?.reason?.contains("not found") == true)
        #expect(skipped.last?.reason?.contains("decode") == true)
    }

    /// A broken schedule: `loaxa schedule check` and the daemon both name file and line.
    @Test func aBrokenScheduleIsRefusedWithFileAndLine() throws {
        let station = try TestStation()
        try station.writeConfig()
        try """
            [[block]]
            id = "sang"
            start = 25:00:00
            items = [ { file = "test/none.wav" } ]
            """.write(toFile: station.dir + "/schedules/hong.toml", atomically: true, encoding: .utf8)
        let check = try station.loaxa(["schedule", "check"])
        #expect(check.status == 1)
        #expect(check.stdout.contains("hong.toml:3:") || check.stderr.contains("hong.toml:3:"), "\(check.stdout)\(check.stderr)")

        try """
            [[block]]
            id = "sang"
            start = 06:00:00
            colour = "red"
            days = ["mon", "someday"]
            items = [
              { file = "test/none.wav" },
            ]
            """.write(toFile: station.dir + "/schedules/hong.toml", atomically: true, encoding: .utf8)
        let check2 = try station.loaxa(["schedule", "check"])
        let text = check2.stdout + check2.stderr
        #expect(check2.status == 1)
        for line in [4, 5, 7] { #expect(text.contains("hong.toml:\(line):"), "\(text)") }

        // The daemon refuses the same errors; a missing file alone would not stop it.
        let daemon = try runProgram(Environment.binDir + "/loaxad", ["--config", station.configPath], environment: station.environment)
        #expect(daemon.status == 1)
        #expect(daemon.stderr.contains("hong.toml:4:") && daemon.stderr.contains("hong.toml:5:"), "\(daemon.stderr)")
    }
}
