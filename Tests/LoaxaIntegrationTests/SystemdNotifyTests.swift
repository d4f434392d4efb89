import Foundation
import LoaxaCore
import Testing

/// The daemon speaks systemd's notify protocol to `$NOTIFY_SOCKET`: READY=1 once it runs,
/// WATCHDOG=1 every half `$WATCHDOG_USEC` while the audio thread's loop turns, STOPPING=1
/// on SIGTERM. Received here on a real datagram socket, by
/// path and in the abstract namespace.
@Suite struct SystemdNotifyTests {
    /// A bound Unix datagram socket that collects what is sent to it.
    final class NotifySocket {
        let fd: Int32
        let name: String

        init(abstract: Bool) throws {
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            let unique = "loaxa-notify-\(UUID().uuidString.prefix(8))"
            name = abstract ? "@" + unique : NSTemporaryDirectory() + unique
            var addr = sockaddr_un()
            addr.sun_family = sa_family_t(AF_UNIX)
            var bytes = Array(name.utf8)
            if abstract { bytes[0] = 0 }
            withUnsafeMutableBytes(of: &addr.sun_path) { raw in raw.copyBytes(from: bytes) }
            let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (abstract ? 0 : 1))
            let bound = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
            }
            guard bound == 0 else { throw StationError("cannot bind \(name): errno \(errno)") }
            var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }

        deinit {
            close(fd)
            if !name.hasPrefix("@") { unlink(name) }
        }

        /// The messages received within `seconds`.
        func messages(for seconds: Double) -> [String] {
            var out: [String] = []
            let end = Date().addingTimeInterval(seconds)
            var buffer = [UInt8](repeating: 0, count: 4096)
            while Date() < end {
                let n = recv(fd, &buffer, buffer.count, 0)
                if n > 0 { out.append(String(decoding: buffer[0..<n], as: UTF8.self)) }
            }
            return out
        }
    }

    func run(abstract: Bool) throws -> (during: [String], stopping: [String], log: String) {
        let station = try TestStation()
        try station.writeConfig()
        try station.addMedia("chirp-48k.flac")
        try station.writeBlock(id: "sang", start: WallTime(seconds: WallTime.now().microseconds / 1_000_000 + 3600), files: ["chirp-48k.flac"])
        let notify = try NotifySocket(abstract: abstract)
        let daemon = try station.startDaemon(extraEnvironment: ["NOTIFY_SOCKET": notify.name, "WATCHDOG_USEC": "1000000"])
        defer { station.stop(daemon) }
        let during = notify.messages(for: 4)
        kill(daemon.processIdentifier, SIGTERM)
        let stopping = notify.messages(for: 1.5)
        daemon.waitUntilExit()
        return (during, stopping, station.daemonLog)
    }

    @Test(arguments: [false, true]) func readyWatchdogAndStopping(abstract: Bool) throws {
        let (during, stopping, log) = try run(abstract: abstract)
        #expect(during.first?.hasPrefix("READY=1\nSTATUS=on air") == true, "\(during) \(log.suffix(500))")
        // Every half second for about 3.5 s after READY=1.
        let watchdogs = during.filter { $0 == "WATCHDOG=1" }.count
        #expect((4...9).contains(watchdogs), "\(during)")
        #expect(stopping.contains("STOPPING=1"), "\(stopping)")
    }

    /// A USB card not yet there at boot: the daemon starts all the same (no restart loop),
    /// says it is ready, answers the watchdog while its audio thread retries the card, and
    /// airs the next block once the card appears, on time.
    @Test func aCardMissingAtBootIsWaitedFor() throws {
        let tmp = NSTemporaryDirectory() + "loaxa-boot-\(UUID().uuidString.prefix(8))"
        let unplugged = tmp + "/unplugged"
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        _ = FileManager.default.createFile(atPath: unplugged, contents: nil)
        let station = try TestStation(cardParameters: ["vanish_file", unplugged])
        try station.writeConfig()
        try station.addMedia("chirp-48k.flac")
        let start = WallTime(seconds: WallTime.now().microseconds / 1_000_000 + 7)
        try station.writeBlock(id: "sang", start: start, files: ["chirp-48k.flac"])
        let notify = try NotifySocket(abstract: false)
        let daemon = try station.startDaemon(extraEnvironment: ["NOTIFY_SOCKET": notify.name, "WATCHDOG_USEC": "1000000"])
        defer { station.stop(daemon) }
        let waiting = notify.messages(for: 3)
        #expect(waiting.first?.hasPrefix("READY=1") == true, "\(waiting) \(station.daemonLog.suffix(800))")
        #expect(waiting.filter { $0 == "WATCHDOG=1" }.count >= 3, "the audio thread retrying the card is alive: \(waiting)")
        let status = try station.loaxa(["status", "--json"])
        #expect(status.stdout.contains("\"deviceState\" : \"lost\""), "\(status.stdout)")
        try FileManager.default.removeItem(atPath: unplugged)
        while WallTime.now() < start + 4_500_000 && daemon.isRunning { usleep(100_000) }
        #expect(daemon.isRunning, "\(station.daemonLog)")
        station.stop(daemon)
        let log = station.daemonLog
        #expect(log.contains("event=device_lost") && log.contains("cannot be opened at start"), "\(log)")
        #expect(log.contains("event=device_back"), "\(log)")
        let records = try station.exportedRecords()
        #expect(records.map(\.outcome) == ["completed"], "\(records)")
        let (analysis, report) = try station.analyzeCapture(["chirp-48k.flac"])
        let heard = try #require(analysis.segments.first?.start_realtime_ns, "\(report)")
        let errorMs = Double(heard - start.microseconds * 1000) / 1e6
        print("measured: block start after a card missing at boot: \(errorMs) ms")
        #expect(abs(errorMs) < 50, "\(report)")
    }

    @Test func theUnitPassesSystemdAnalyzeVerify() throws {
        let unit = Environment.packageRoot + "/systemd/loaxad.service"
        let text = try String(contentsOfFile: unit, encoding: .utf8)
        for line in ["Type=notify", "WatchdogSec=", "Restart=on-failure", "ProtectSystem=strict", "NoNewPrivileges=yes"] {
            #expect(text.contains(line), "\(line)")
        }
        #expect(!text.contains("PrivateDevices=yes"), "PrivateDevices hides /dev/snd")
        // systemd-analyze checks the unit's syntax and that ExecStart's program exists: give
        // it a copy whose ExecStart is the built daemon.
        let folder = NSTemporaryDirectory() + "loaxa-unit-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let copy = folder + "/loaxad.service"
        try text.replacingOccurrences(of: "/usr/bin/loaxad", with: Environment.binDir + "/loaxad")
            .write(toFile: copy, atomically: true, encoding: .utf8)
        let result = try runProgram("/usr/bin/systemd-analyze", ["verify", copy])
        let problems = (result.stdout + result.stderr).split(separator: "\n")
            .filter { $0.contains("loaxad.service") && !$0.contains("Failed to create") && !$0.contains("sound.target") }
        #expect(result.status == 0 || problems.isEmpty, "\(result.stdout)\(result.stderr)")
        #expect(problems.isEmpty, "\(problems)")
    }
}
