import Foundation
import LoaxaCore
import Testing

/// Breaking in: an emergency cuts what airs within 50 ms of the command (measured on the
/// virtual card's capture), what it cut resumes after it; outside a block the amplifier
/// hook runs first; `loaxa skip` and `loaxa stop` act on what is on air.
@Suite struct EmergencyTests {
    static let files = ["speech-noise-22k.wav", "chirp-48k.flac", "noise-speech.opus", "noise-vorbis-32k.ogg"]

    func station(extra: String = "") throws -> TestStation {
        let station = try TestStation()
        try station.writeConfig(extra: extra)
        for file in Self.files { try station.addMedia(file) }
        return station
    }

    /// The operator's command as the daemon received it: the operator_action event's time.
    func received(_ station: TestStation) throws -> Int64 {
        let actions = try station.events(kind: "operator_action").filter { $0.detail?.contains("emergency") == true }
        return try #require(actions.last?.at_us)
    }

    @Test func anEmergencyCutsTheBlockAndWhatItCutResumes() throws {
        let station = try station()
        let start = WallTime(seconds: WallTime.now().microseconds / 1_000_000 + 7)
        try station.writeBlock(id: "sang", start: start, files: ["speech-noise-22k.wav", "chirp-48k.flac"])
        let daemon = try station.startDaemon()
        try station.waitUntilReady(daemon)
        while WallTime.now() < start + 1_500_000 { usleep(20_000) }
        let add = try station.loaxa(["queue", "add", "test/noise-speech.opus", "--priority", "emergency"])
        #expect(add.status == 0, "\(add.stderr)")
        // speech 1.5 s, emergency 3.5 s, speech's last 2.5 s, chirp 3 s.
        while WallTime.now() < start + 11_500_000 && daemon.isRunning { usleep(200_000) }
        station.stop(daemon)  // the card writes its capture's runs as it closes

        let records = try station.exportedRecords()
        let summary = records.map { "\($0.media) \($0.source) \($0.outcome ?? "-") \($0.played_ms ?? 0) \($0.reason ?? "")" }
        try #require(records.count == 4, "\(summary)")
        #expect(records[0].media == "test/speech-noise-22k.wav" && records[0].outcome == "interrupted", "\(summary)")
        #expect(records[0].reason?.contains("emergency") == true, "\(summary)")
        #expect(records[1].media == "test/noise-speech.opus" && records[1].source == "emergency", "\(summary)")
        #expect(records[1].outcome == "completed" && records[1].played_ms == 3500, "\(summary)")
        #expect(records[2].media == "test/speech-noise-22k.wav" && records[2].outcome == "completed", "\(summary)")
        // Resumed where it was cut: the two parts make the whole 4 s, give or take a frame.
        let parts = (records[0].played_ms ?? 0) + (records[2].played_ms ?? 0)
        #expect(abs(parts - 4000) <= 2, "\(summary)")
        #expect(records[3].media == "test/chirp-48k.flac" && records[3].outcome == "completed", "\(summary)")

        // On the card: the emergency whole, its first frame within 50 ms of the command.
        let (capture, raw) = try station.analyzeCapture(["noise-speech.opus", "chirp-48k.flac"])
        let emergency = capture.segments[0]
        #expect(emergency.found && emergency.lost_or_added_frames == 0, "\(raw)")
        let latency = Double(try #require(emergency.start_realtime_ns) - (try received(station)) * 1000) / 1e6
        print("measured: emergency on air \(latency) ms after the daemon received the command")
        #expect(latency >= 0 && latency <= 50, "emergency latency \(latency) ms")
    }

    /// `resume_after_emergency = "restart"` airs the cut segment again from its start;
    /// `"skip"` drops it, and the block goes on with its next item.
    @Test(arguments: ["restart", "skip"])
    func whatTheEmergencyCutRestartsOrIsDropped(policy: String) throws {
        let station = try station(extra: "[playout]\nresume_after_emergency = \"\(policy)\"")
        let start = WallTime(seconds: WallTime.now().microseconds / 1_000_000 + 7)
        try station.writeBlock(id: "sang", start: start, files: ["speech-noise-22k.wav", "chirp-48k.flac"])
        let daemon = try station.startDaemon()
        try station.waitUntilReady(daemon)
        while WallTime.now() < start + 1_500_000 { usleep(20_000) }
        #expect(try station.loaxa(["queue", "add", "test/noise-speech.opus", "--priority", "emergency"]).status == 0)
        while WallTime.now() < start + 13_000_000 && daemon.isRunning { usleep(200_000) }
        station.stop(daemon)

        let records = try station.exportedRecords()
        let summary = records.map { "\($0.media) \($0.source) \($0.outcome ?? "-") \($0.played_ms ?? 0)" }
        let expected = policy == "restart"
            ? ["test/speech-noise-22k.wav interrupted", "test/noise-speech.opus completed",
               "test/speech-noise-22k.wav completed", "test/chirp-48k.flac completed"]
            : ["test/speech-noise-22k.wav interrupted", "test/noise-speech.opus completed", "test/chirp-48k.flac completed"]
        #expect(records.map { "\($0.media) \($0.outcome ?? "-")" } == expected, "\(summary)")
        if policy == "restart" { #expect(records.count == 4 && records[2].played_ms == 4000, "\(summary)") }
    }

    @Test func outsideABlockTheAmplifierComesOnFirst() throws {
        let marks = NSTemporaryDirectory() + "loaxa-marks-\(UUID().uuidString.prefix(8))"
        let station = try station(extra: """
            [hooks]
            before_block = "date +%s.%N >> \(marks)"
            after_block = "date +%s.%N >> \(marks)"
            emergency_lead_s = 2
            """)
        try station.writeBlock(id: "xa", start: WallTime(seconds: WallTime.now().microseconds / 1_000_000 + 3600), files: ["chirp-48k.flac"])
        let daemon = try station.startDaemon()
        try station.waitUntilReady(daemon)
        let add = try station.loaxa(["queue", "add", "test/noise-speech.opus", "--priority", "emergency"])
        #expect(add.status == 0 && add.stdout.contains("2 s"), "\(add.stdout) \(add.stderr)")
        usleep(7_000_000)
        station.stop(daemon)

        let receivedAt = try received(station)
        let times = try String(contentsOfFile: marks, encoding: .utf8).split(separator: "\n").compactMap { Double($0) }
        try #require(times.count == 2, "hooks ran \(times.count) times")
        #expect(abs(times[0] - Double(receivedAt) / 1e6) < 0.5, "before_block ran \(times[0] - Double(receivedAt) / 1e6) s after the command")
        let (capture, raw) = try station.analyzeCapture(["noise-speech.opus"])
        let onAir = Double(try #require(capture.segments[0].start_realtime_ns) - receivedAt * 1000) / 1e6
        print("measured: emergency outside a block on air \(onAir) ms after the command (lead 2 s)")
        #expect(onAir >= 2000 && onAir <= 2050, "\(onAir) ms; \(raw)")
        // The after_block hook as it ends.
        #expect(abs(times[1] - (Double(receivedAt) / 1e6 + 2 + 3.5)) < 0.5, "after_block at \(times[1] - Double(receivedAt) / 1e6) s")
        let started = try station.events(kind: "block_started")
        #expect(started.map(\.block_id) == ["emergency"])
    }

    @Test func skipAndStopActOnWhatIsOnAir() throws {
        let station = try station()
        let start = WallTime(seconds: WallTime.now().microseconds / 1_000_000 + 7)
        try station.writeBlock(
            id: "toi", start: start, files: ["speech-noise-22k.wav", "chirp-48k.flac", "noise-vorbis-32k.ogg"])
        let daemon = try station.startDaemon()
        defer { station.stop(daemon) }
        try station.waitUntilReady(daemon)
        let idle = try station.loaxa(["skip"])
        #expect(idle.status == 1 && idle.stderr.contains("nothing"), "\(idle.stderr)")

        while WallTime.now() < start + 1_000_000 { usleep(20_000) }
        let skip = try station.loaxa(["skip"])
        #expect(skip.status == 0 && skip.stdout.contains("speech-noise-22k.wav"), "\(skip.stdout) \(skip.stderr)")
        usleep(1_500_000)
        let stop = try station.loaxa(["stop"])
        #expect(stop.status == 0 && stop.stdout.contains("toi"), "\(stop.stdout) \(stop.stderr)")
        usleep(1_500_000)

        let records = try station.exportedRecords()
        let summary = records.map { "\($0.media) \($0.outcome ?? "-") \($0.played_ms ?? 0) \($0.reason ?? "")" }
        try #require(records.count == 3, "\(summary)")
        #expect(records[0].outcome == "interrupted" && records[0].reason?.contains("skipped by") == true, "\(summary)")
        #expect(records[1].media == "test/chirp-48k.flac" && records[1].outcome == "interrupted", "\(summary)")
        #expect(records[1].reason?.contains("stopped by") == true, "\(summary)")
        #expect(records[2].media == "test/noise-vorbis-32k.ogg" && records[2].outcome == "skipped", "\(summary)")
        // The next item followed the skip at once: the cut and the start are the same moment.
        let cutAt = try #require(records[0].ended_at.flatMap(parseRFC3339))
        let nextAt = try #require(records[1].started_at.flatMap(parseRFC3339))
        #expect(abs(nextAt - cutAt) <= 100, "\(nextAt - cutAt) µs between the cut and the next item")
        let ended = try station.events(kind: "block_ended")
        #expect(ended.count == 1)
    }
}
