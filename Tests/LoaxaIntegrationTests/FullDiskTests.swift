import Foundation
import LoaxaControl
import LoaxaCore
import Testing

/// A full disk never stops the air. The daemon's database sits on a small tmpfs, which a
/// filler file fills while a block airs: the block airs whole and gapless, `loaxa status`
/// raises the alarm with the number of events waiting, and once the filler is gone the
/// waiting events are written, in the order they were recorded, the alarm clears, the
/// chain verifies and every segment of the block has its start and end.
///
/// Mounting needs root (CI runs as root); without it the test fails and says so.
@Suite(.serialized) struct FullDiskTests {
    @Test func eventsWaitInMemoryWhileTheDiskIsFullAndAreWrittenInOrderAfter() throws {
        let station = try TestStation()
        try station.writeConfig()
        let files = ["chirp-48k.flac", "speech-noise-22k.wav", "noise-vorbis-32k.ogg", "loud-noise-48k.wav"]
        for file in files { try station.addMedia(file) }
        let disk = try Tmpfs(mountedAt: station.dir + "/var", size: "8m")
        defer { disk.unmount() }
        let start = WallTime(seconds: WallTime.now().microseconds / 1_000_000 + 6)
        try station.writeBlock(id: "day-dia", start: start, files: files)
        let daemon = try station.startDaemon()
        defer { station.stop(daemon) }
        try station.waitUntilReady(daemon)

        // A second into the block, while the chirp airs, the disk fills.
        while WallTime.now() < start + 1_000_000 && daemon.isRunning { usleep(20_000) }
        let filler = try disk.fill()
        let alarm = try waitForStatus(station, daemon, "the alarm, within 8 s of filling the disk") { $0.writeError != nil }
        #expect(alarm.writeError?.contains("full") == true, "\(alarm)")
        #expect(alarm.eventsWaiting > 0, "\(alarm)")
        let text = try station.loaxa(["status"])
        let firstLine = text.stdout.split(separator: "\n").first.map(String.init) ?? ""
        #expect(firstLine.hasPrefix("AIRPLAY LOG NOT WRITABLE: the disk holding the log is full"), "\(text.stdout)")
        #expect(firstLine.hasSuffix("in memory and are retried") || firstLine.hasSuffix("in memory and is retried"), "\(text.stdout)")

        // The block (13 s) airs to its end with the disk full.
        while WallTime.now() < start + 14_000_000 && daemon.isRunning { usleep(100_000) }
        let full = try #require(try station.statusReport().airplayLog)
        #expect(full.writeError != nil && full.eventsWaiting > alarm.eventsWaiting, "\(full)")
        print("measured: with the disk full, \(full.eventsWaiting) events waited in memory; status: \(firstLine)")

        try FileManager.default.removeItem(atPath: filler)
        _ = try waitForStatus(station, daemon, "the log to be written after the filler was removed") {
            $0.writeError == nil && $0.eventsWaiting == 0
        }
        let cleared = try station.loaxa(["status"])
        #expect(!cleared.stdout.contains("NOT WRITABLE"), "\(cleared.stdout)")
        #expect(daemon.isRunning, "loaxad exited: \(station.daemonLog)")
        station.stop(daemon)

        // Every block and segment event is in the log, in the order the journal shows it was
        // recorded (the renderer records them all, one after the other).
        let events = try station.airplayEvents()
        try station.expectLogVerifies("after the disk was full")
        func airing(_ kind: some StringProtocol) -> Bool { kind.hasPrefix("segment_") || kind.hasPrefix("block_") }
        let journal = station.daemonLog.split(separator: "\n").compactMap { line -> String? in
            guard let range = line.range(of: " event=") else { return nil }
            let fields = line[range.upperBound...].split(separator: " ")
            guard let kind = fields.first, airing(kind) else { return nil }
            return String(kind) + (fields.first { $0.hasPrefix("media=") }.map { " " + $0 } ?? "")
        }
        let logged = events.filter { airing($0.kind) }.map { $0.kind + ($0.media.map { " media=" + $0 } ?? "") }
        #expect(logged == journal, "the log holds \(logged.count) events, the journal \(journal.count):\n\(logged)\n\(journal)")
        let segments = events.segments
        #expect(segments.map { $0.first.media ?? "-" } == files.map { "test/" + $0 })
        for segment in segments {
            let kinds = segment.events.map(\.kind).filter { $0 != "segment_heartbeat" }
            #expect(kinds == ["segment_queued", "segment_started", "segment_ended"], "\(segment.summary): \(kinds)")
            #expect(segment.ends.first?.outcome == "completed", "\(segment.summary)")
        }
        #expect(events.blockEnds["day-dia@\(start.microseconds)"]?.count == 1)
        #expect(station.daemonLog.contains("the airplay log is writable again"), "\(station.daemonLog)")

        // The audio never stopped: every segment whole in the capture, every join gapless.
        let (capture, _) = try station.analyzeCapture(files)
        for s in capture.segments {
            #expect(s.found && s.lost_or_added_frames == 0, "\(s.ref): found \(s.found), \(s.lost_or_added_frames ?? -1) frames lost or added")
        }
        for j in capture.joins { #expect(abs(j.gap_frames) <= 1, "gap of \(j.gap_frames) frames between \(j.from) and \(j.to)") }
    }

    /// Polls `loaxa status --json` until `condition` holds of the airplay log's state.
    private func waitForStatus(
        _ station: TestStation, _ daemon: Process, _ what: String, _ condition: (StatusReport.AirplayLogState) -> Bool
    ) throws -> StatusReport.AirplayLogState {
        let deadline = Date().addingTimeInterval(8)
        var last: StatusReport.AirplayLogState?
        while Date() < deadline && daemon.isRunning {
            last = try station.statusReport().airplayLog
            if let last, condition(last) { return last }
            usleep(200_000)
        }
        throw StationError("no \(what); last airplay log status \(String(describing: last)); daemon: \(station.daemonLog)")
    }
}

/// A small tmpfs mounted for a test, so that its disk can be filled for real.
struct Tmpfs {
    let path: String

    /// Mounts a tmpfs of `size` (as `mount -o size=` takes it) at `path`, creating the folder.
    init(mountedAt path: String, size: String) throws {
        self.path = path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let mount = try runProgram("/usr/bin/env", ["mount", "-t", "tmpfs", "-o", "size=\(size)", "loaxa-test", path])
        guard mount.status == 0 else {
            throw StationError(
                "cannot mount a tmpfs at \(path) (\(mount.stderr.trimmingCharacters(in: .whitespacesAndNewlines))): "
                    + "this test fills a real disk and needs root to mount one; run it as root, as CI does")
        }
    }

    /// Fills what is left of it with a file and returns the file's path.
    func fill() throws -> String {
        let filler = path + "/filler"
        let fd = open(filler, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw StationError("cannot create \(filler): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let chunk = [UInt8](repeating: 0xA5, count: 64 * 1024)
        while true {
            if chunk.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) >= 0 || errno == EINTR { continue }
            if errno == ENOSPC { return filler }
            throw StationError("filling \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Unmounts it; lazily if something still holds it, so that nothing stays mounted.
    func unmount() {
        if (try? runProgram("/usr/bin/env", ["umount", path]))?.status != 0 {
            _ = try? runProgram("/usr/bin/env", ["umount", "-l", path])
        }
    }
}
