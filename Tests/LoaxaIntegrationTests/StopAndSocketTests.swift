import Foundation
import LoaxaCore
import Testing

/// How the daemon ends and who may talk to it: SIGTERM (what systemd sends) stops it within
/// 2 s with the segment on air recorded as interrupted where the card stopped, and the
/// control socket is open to its owner and group only, whatever the umask.
@Suite struct StopAndSocketTests {
    @Test func sigtermStopsWithinTwoSecondsAndClosesTheRecordOnAir() throws {
        let station = try TestStation()
        let marks = station.dir + "/relay"
        try station.writeConfig(extra: "[hooks]\nafter_block = \"date +%s.%N > \(marks)\"")
        for file in ["chirp-48k.flac", "speech-noise-22k.wav", "noise-vorbis-32k.ogg"] { try station.addMedia(file) }
        let start = WallTime(seconds: WallTime.now().microseconds / 1_000_000 + 6)
        try station.writeBlock(id: "sang", start: start, files: ["chirp-48k.flac", "speech-noise-22k.wav", "noise-vorbis-32k.ogg"])
        let daemon = try station.startDaemon()
        defer { if daemon.isRunning { station.stop(daemon) } }
        try station.waitUntilReady(daemon)

        // chirp 0–3 s, speech 3–7 s: SIGTERM 4.5 s in, while the speech airs.
        while WallTime.now() < start + 4_500_000 && daemon.isRunning { usleep(20_000) }
        let sent = WallTime.now()
        kill(daemon.processIdentifier, SIGTERM)
        daemon.waitUntilExit()
        let stopped = WallTime.now()
        let seconds = Double(stopped - sent) / 1e6
        #expect(seconds < 2, "stopped \(seconds) s after SIGTERM")
        print("loaxad stopped \(NumberText.fixed(seconds * 1000, 0)) ms after SIGTERM")
        #expect(daemon.terminationReason == .exit && daemon.terminationStatus == 0, "exit \(daemon.terminationStatus)")

        let records = try station.exportedRecords()
        let summary = records.map { "\($0.media) \($0.outcome ?? "open") \($0.started_at ?? "-")–\($0.ended_at ?? "-") \($0.reason ?? "")" }
        // The third segment is queued about a second before it is due; if it was, it did
        // not air.
        let outcomes = records.map(\.outcome)
        #expect(outcomes == ["completed", "interrupted"] || outcomes == ["completed", "interrupted", "not_aired"], "\(summary)")
        let speech = try #require(records.first { $0.media == "test/speech-noise-22k.wav" })
        #expect(speech.reason == "the daemon was stopped", "\(summary)")
        // Cut where the card stopped: after the signal was sent, before the daemon was gone.
        let ended = try #require(speech.ended_at.flatMap(parseRFC3339))
        #expect(ended >= sent.microseconds - 50_000 && ended <= stopped.microseconds, "ended \(ended - sent.microseconds) µs after SIGTERM")
        #expect(abs((speech.played_ms ?? 0) - (ended - (speech.started_at.flatMap(parseRFC3339) ?? 0)) / 1000) <= 25, "\(summary)")

        let blockEnds = try station.events(kind: "block_ended")
        #expect(blockEnds.map(\.block_id) == ["sang"] && blockEnds.first?.reason == "the daemon was stopped")
        #expect(try station.events(kind: "daemon_stopped").count == 1)
        // The amplifier is switched off (after_block) before the daemon exits.
        let relayOff = try String(contentsOfFile: marks, encoding: .utf8)
        #expect(Double(relayOff.trimmingCharacters(in: .whitespacesAndNewlines)).map { $0 * 1e6 <= Double(stopped.microseconds) } == true)
        #expect(try station.events(kind: "hook_ran").contains { $0.detail?.hasPrefix("after_block") == true })
        // The report gives the reason in Vietnamese.
        let report = try station.loaxa(["report", "--from", station.local(start).date, "--to", station.local(start).date, "--format", "json"])
        let object = try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any]
        let rows = (object?["incomplete"] as? [String: Any])?["rows"] as? [[String: Any]] ?? []
        #expect(rows.contains { $0["reason"] as? String == "Chương trình phát được tắt" }, "\(report.stdout.prefix(2000)) \(report.stderr)")
        let verify = try station.loaxa(["log", "verify"])
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
    }

    /// Made 0660 even under umask 0, so only the daemon's user and group reach it; anyone else
    /// gets exit 3 and is told which group to join.
    @Test func theControlSocketIsForItsOwnerAndGroupOnly() throws {
        let station = try TestStation()
        try station.writeConfig()
        let daemon = try station.startDaemon(umask: 0)
        defer { station.stop(daemon) }
        try station.waitUntilReady(daemon)
        let socket = station.dir + "/var/loaxa.sock"
        let attributes = try FileManager.default.attributesOfItem(atPath: socket)
        let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
        #expect(mode == 0o660, "socket mode \(String(mode, radix: 8))")
        #expect(attributes[.type] as? FileAttributeType == .typeSocket)

        let asOwner = try station.loaxa(["status"])
        #expect(asOwner.status == 0, "\(asOwner.stderr)")
        // `nobody` is neither the owner (root here) nor in its group.
        let asStranger = try runProgram(
            "/usr/sbin/runuser", ["-u", "nobody", "--", Environment.binDir + "/loaxa", "status", "--config", station.configPath])
        #expect(asStranger.status == 3, "\(asStranger.status) \(asStranger.stdout) \(asStranger.stderr)")
        #expect(asStranger.stderr.contains("Permission denied") && asStranger.stderr.contains("adduser"), "\(asStranger.stderr)")
    }
}
