import Foundation
import LoaxaCore
import Testing

/// A daemon that comes back while a block is under way (`on_late_start`), blocks whose
/// time passed while it was down (missed), and a clock not yet set by NTP.
@Suite struct LateStartTests {
    static let files = ["chirp-48k.flac", "speech-noise-22k.wav", "noise-vorbis-32k.ogg"]  // 3 s, 4 s, 3 s

    func station(policy: String) throws -> TestStation {
        let station = try TestStation()
        try station.writeConfig(extra: "[playout]\non_late_start = \"\(policy)\"")
        for file in Self.files { try station.addMedia(file) }
        return station
    }

    /// Join: the first file's time has passed, the second comes in part-way through, and the
    /// third starts exactly when the schedule puts it, as if the station had never stopped.
    @Test func joinComesInWhereTheBlockWouldBeNow() throws {
        let station = try station(policy: "join")
        let start = WallTime(seconds: WallTime.now().microseconds / 1_000_000 - 4)
        try station.writeBlock(id: "dang-phat", start: start, files: Self.files)
        let daemon = try station.startDaemon()
        while WallTime.now() < start + 11_500_000 && daemon.isRunning { usleep(200_000) }
        station.stop(daemon)

        let records = try station.exportedRecords()
        let summary = records.map { "\($0.media) \($0.outcome ?? "-") \($0.played_ms ?? 0) \($0.reason ?? "")" }
        try #require(records.count == 3, "\(summary)")
        #expect(records[0].media == "test/chirp-48k.flac" && records[0].outcome == "skipped", "\(summary)")
        #expect(records[0].reason?.contains("joined late") == true, "\(summary)")
        #expect(records[1].media == "test/speech-noise-22k.wav" && records[1].outcome == "completed", "\(summary)")
        // Joined at least a second into its 4 s (the daemon takes a moment to start).
        #expect((records[1].played_ms ?? 0) < 3000 && (records[1].played_ms ?? 0) > 300, "\(summary)")
        #expect(records[2].outcome == "completed" && records[2].played_ms == 3000, "\(summary)")
        // The third file starts at its place on the block's timeline: 7 s after the start.
        let thirdStart = try #require(records[2].started_at.flatMap(parseRFC3339))
        let error = Double(thirdStart - (start.microseconds + 7_000_000)) / 1000
        #expect(abs(error) <= 1.0, "third file started \(error) ms from its time")
        let started = try station.events(kind: "block_started")
        #expect(started.first?.detail?.contains("on_late_start = join") == true, "\(started.map { $0.detail ?? "" })")
    }

    /// Restart: the block airs from its first item now, and still ends where the schedule
    /// ends it (its length): what no longer fits is skipped as block full.
    @Test func restartAirsFromTheTopWithinTheBlocksLength() throws {
        let station = try station(policy: "restart")
        // 12 s from 2 s ago: 10 s left at most, less the daemon's start-up: room for the
        // first two files (7 s), not the third.
        let start = WallTime(seconds: WallTime.now().microseconds / 1_000_000 - 2)
        try station.writeBlock(
            id: "dang-phat", start: start, items: Self.files.map { "{ file = \"test/\($0)\" }" }, extra: "length = \"12s\"")
        let daemon = try station.startDaemon()
        while WallTime.now() < start + 12_000_000 && daemon.isRunning { usleep(200_000) }
        station.stop(daemon)

        let records = try station.exportedRecords()
        let summary = records.map { "\($0.media) \($0.outcome ?? "-") \($0.played_ms ?? 0) \($0.reason ?? "")" }
        try #require(records.count == 3, "\(summary)")
        #expect(records[0].media == "test/chirp-48k.flac" && records[0].outcome == "completed" && records[0].played_ms == 3000, "\(summary)")
        #expect(records[1].outcome == "completed", "\(summary)")
        #expect(records[2].outcome == "skipped" && records[2].reason == "block full", "\(summary)")
    }

    /// Skip: the block under way is logged missed and nothing of it airs.
    @Test func skipLogsTheBlockUnderWayAsMissed() throws {
        let station = try station(policy: "skip")
        let start = WallTime(seconds: WallTime.now().microseconds / 1_000_000 - 2)
        try station.writeBlock(id: "dang-phat", start: start, files: Self.files)
        let daemon = try station.startDaemon()
        try station.waitUntilReady(daemon)
        usleep(2_500_000)
        station.stop(daemon)
        #expect(try station.exportedRecords().isEmpty)
        let missed = try station.events(kind: "block_missed")
        #expect(missed.count == 1 && missed[0].reason?.contains("on_late_start = skip") == true, "\(missed.map { $0.reason ?? "" })")
        #expect(missed.first?.scheduled_at_us == start.microseconds)
    }

    /// Blocks whose whole time passed while the daemon was stopped are logged missed when it
    /// comes back, but only once the clock is synchronized: on a clock not yet set the
    /// station marks nothing missed, and says so in the log and in `loaxa status`.
    @Test func blocksMissedWhileDownAreLoggedOnceTheClockIsSet() throws {
        let station = try station(policy: "join")
        // A first run leaves the log's last event; the daemon is then down for a while.
        let first = try station.startDaemon()
        try station.waitUntilReady(first)
        station.stop(first)
        let start = WallTime(seconds: WallTime.now().microseconds / 1_000_000 + 1)
        try station.writeBlock(id: "bo-lo", start: start, files: ["chirp-48k.flac"])
        while WallTime.now() < start + 3_500_000 { usleep(100_000) }

        try station.setClock(synchronized: false)
        let daemon = try station.startDaemon()
        defer { station.stop(daemon) }
        try station.waitUntilReady(daemon)
        usleep(2_500_000)
        #expect(try station.events(kind: "block_missed").isEmpty, "nothing is marked missed on an unsynchronized clock")
        let status = try station.loaxa(["status"])
        #expect(status.stdout.contains("UNSYNCHRONIZED"), "\(status.stdout)")

        try station.setClock(synchronized: true)
        let deadline = Date().addingTimeInterval(6)
        var missed: [LoggedEvent] = []
        while Date() < deadline && missed.isEmpty {
            usleep(250_000)
            missed = try station.events(kind: "block_missed")
        }
        #expect(missed.count == 1 && missed.first?.block_id == "bo-lo" && missed.first?.scheduled_at_us == start.microseconds)
        #expect(missed.first?.reason?.contains("not airing") == true, "\(missed.map { $0.reason ?? "" })")
        let changes = try station.events(kind: "clock_sync_changed")
        // The first run found the clock synchronized; the second, not, then synchronized.
        #expect(changes.map(\.clock_synchronized) == [1, 0, 1], "\(changes.map { $0.detail ?? "" })")
    }
}
