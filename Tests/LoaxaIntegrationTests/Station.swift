import Foundation
import LoaxaCore
import Testing

/// Where the built binaries, the virtual card and the test audio are (set by `make test`).
enum Environment {
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static var binDir: String {
        ProcessInfo.processInfo.environment["LOAXA_BIN"] ?? packageRoot + "/.build/debug"
    }

    static var testAudio: String {
        ProcessInfo.processInfo.environment["LOAXA_TEST_AUDIO"] ?? packageRoot + "/.build/test-audio"
    }
}

/// The result of running a program to its end.
struct ProgramResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs `path` with `arguments` and waits for it.
@discardableResult
func runProgram(_ path: String, _ arguments: [String], environment: [String: String] = [:]) throws -> ProgramResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ProgramResult(
        status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
        stderr: String(decoding: e, as: UTF8.self))
}

/// A throw-away station: a folder with its config, schedules, media, database, and an
/// asoundrc that points ALSA at the virtual card with its capture in the same folder.
struct TestStation {
    let dir: String
    let asoundrc: String
    let zoneOffset = 7 * 3600

    init(cardParameters: [String] = []) throws {
        dir = NSTemporaryDirectory() + "loaxa-it-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir + "/schedules", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/media/test", withIntermediateDirectories: true)
        try "synchronized".write(toFile: dir + "/clock-sync", atomically: true, encoding: .utf8)
        let rc = try runProgram("/bin/bash", [Environment.packageRoot + "/tools/vcard/asoundrc.sh", dir] + cardParameters)
        guard rc.status == 0 else { throw StationError("asoundrc.sh failed: \(rc.stderr)") }
        asoundrc = rc.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    var configPath: String { dir + "/loaxa.toml" }
    var capturePrefix: String { dir + "/capture" }

    func writeConfig(device: String = "vcard", rate: Int = 48000, channels: Int = 2, extra: String = "") throws {
        try Self.configText(device: device, rate: rate, channels: channels, extra: extra)
            .write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    /// A test station's loaxa.toml: state under var/, media and schedules beside it.
    static func configText(device: String = "vcard", rate: Int = 48000, channels: Int = 2, extra: String = "") -> String {
        """
            [station]
            name = "Đài truyền thanh xã thử nghiệm"
            timezone = "Asia/Ho_Chi_Minh"

            [paths]
            media = "media"
            schedules = "schedules"
            database = "var/loaxa.sqlite"
            socket = "var/loaxa.sock"

            [output]
            device = "\(device)"
            rate = \(rate)
            channels = \(channels)

            \(extra)
            """
    }

    /// Copies a test-audio file into media/test/, or into `as` (a path under media/).
    func addMedia(_ name: String, as target: String? = nil) throws {
        let dst = dir + "/media/" + (target ?? "test/" + name)
        try FileManager.default.createDirectory(
            atPath: (dst as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: dst) {
            try FileManager.default.copyItem(atPath: Environment.testAudio + "/" + name, toPath: dst)
        }
    }

    /// Station-local date and time-of-day text for a wall time.
    func local(_ t: WallTime) -> (date: String, time: String) {
        let secs = floorDivMod(t.microseconds, 1_000_000).0 + Int64(zoneOffset)
        let (days, sod) = floorDivMod(secs, 86_400)
        let d = CivilDate(daysSinceEpoch: days)
        func p(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return (d.description, "\(p(sod / 3600)):\(p(sod % 3600 / 60)):\(p(sod % 60))")
    }

    /// Writes a one-off block starting at `start` (whole seconds) with the given files.
    func writeBlock(id: String, start: WallTime, files: [String], name: String = "test.toml") throws {
        try writeBlock(id: id, start: start, items: files.map { "{ file = \"test/\($0)\" }" }, name: name)
    }

    /// Writes a one-off block starting at `start` (whole seconds) with items written as
    /// TOML inline tables, and any extra keys (`length = "20s"`).
    func writeBlock(id: String, start: WallTime, items: [String], extra: String = "", name: String = "test.toml") throws {
        let (date, time) = local(start)
        try """
            [[block]]
            id = "\(id)"
            title = "Khối thử nghiệm"
            date = \(date)
            start = \(time)
            \(extra)
            items = [
            \(items.map { "  \($0)," }.joined(separator: "\n"))
            ]
            """.write(toFile: dir + "/schedules/" + name, atomically: true, encoding: .utf8)
    }

    /// Waits until the daemon answers `loaxa status` (up to 10 s).
    func waitUntilReady(_ daemon: Process) throws {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline && daemon.isRunning {
            if try loaxa(["status"]).status == 0 { return }
            usleep(100_000)
        }
        throw StationError("the daemon did not answer: \(daemonLog)")
    }

    /// Stands in for the kernel's clock-synchronized flag (this machine's clock may not be
    /// synchronized by NTP); tests write "unsynchronized" to it to act out a stale clock.
    var clockSyncFile: String { dir + "/clock-sync" }

    func setClock(synchronized: Bool) throws {
        try (synchronized ? "synchronized" : "unsynchronized").write(toFile: clockSyncFile, atomically: true, encoding: .utf8)
    }

    var environment: [String: String] { ["ALSA_CONFIG_PATH": asoundrc, "LOAXA_TEST_CLOCK_SYNC_FILE": clockSyncFile] }

    /// The log's events of one kind.
    func events(kind: String) throws -> [LoggedEvent] {
        try airplayEvents().filter { $0.kind == kind }
    }

    /// Every event of the log, in order, read straight from the database with Python's
    /// sqlite3. Read-only, so the reader never checkpoints the log or rolls back what a
    /// killed daemon left in its write-ahead file: the daemon's next start does that itself.
    func airplayEvents() throws -> [LoggedEvent] {
        let script = """
            import json, sqlite3, sys, urllib.parse
            db = sqlite3.connect("file:" + urllib.parse.quote(sys.argv[1]) + "?mode=ro", uri=True)
            cols = sys.argv[2].split(",")
            rows = db.execute("SELECT " + ", ".join(cols) + " FROM event ORDER BY seq")
            print(json.dumps([dict(zip(cols, r)) for r in rows]))
            """
        let columns = LoggedEvent.CodingKeys.allCases.map(\.rawValue).joined(separator: ",")
        let r = try runProgram("/usr/bin/env", ["python3", "-c", script, dir + "/var/loaxa.sqlite", columns])
        guard r.status == 0 else { throw StationError("reading the events of \(dir)/var/loaxa.sqlite: \(r.stderr)") }
        return try JSONDecoder().decode([LoggedEvent].self, from: Data(r.stdout.utf8))
    }

    func loaxa(_ arguments: [String]) throws -> ProgramResult {
        try runProgram(Environment.binDir + "/loaxa", arguments + ["--config", configPath], environment: environment)
    }

    /// Starts the daemon, under `umask` when given; the caller stops it with `stop(_:)`.
    func startDaemon(extraEnvironment: [String: String] = [:], umask: Int? = nil) throws -> Process {
        let process = Process()
        let loaxad = Environment.binDir + "/loaxad"
        if let umask {
            // exec keeps the pid, so signals sent to the process reach loaxad itself.
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "umask \(String(umask, radix: 8)); exec \"$0\" \"$@\"", loaxad, "--config", configPath]
        } else {
            process.executableURL = URL(fileURLWithPath: loaxad)
            process.arguments = ["--config", configPath]
        }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            .merging(extraEnvironment) { $1 }
        let log = dir + "/loaxad.log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: log)
        try process.run()
        return process
    }

    func stop(_ process: Process) {
        process.terminate()
        process.waitUntilExit()
    }

    /// Runs tools/analyze_capture.py on this station's capture with `files` (names under
    /// media/test/) as the references, in airing order. Returns the raw JSON too.
    func analyzeCapture(_ files: [String], ppm: Int = 0) throws -> (CaptureAnalysis, String) {
        let result = try runProgram(
            "/usr/bin/env",
            ["python3", Environment.packageRoot + "/tools/analyze_capture.py", "--capture", capturePrefix,
             "--rate", "48000", "--channels", "2", "--ppm", "\(ppm)"] + files.map { dir + "/media/test/" + $0 })
        guard result.status == 0 else {
            throw StationError("analyser: \(result.stderr)\n\(result.stdout)\ndaemon: \(daemonLog)")
        }
        return (try JSONDecoder().decode(CaptureAnalysis.self, from: Data(result.stdout.utf8)), result.stdout)
    }

    /// The airplay records, through `loaxa log export --format json`.
    func exportedRecords() throws -> [ExportedRecord] {
        let export = try loaxa(["log", "export", "--format", "json"])
        guard export.status == 0 else { throw StationError("export failed: \(export.stderr)") }
        return try JSONDecoder().decode([ExportedRecord].self, from: Data(export.stdout.utf8))
    }

    var daemonLog: String { (try? String(contentsOfFile: dir + "/loaxad.log", encoding: .utf8)) ?? "" }
}

/// One stored event, with its seq and the segment it belongs to (the export has neither).
struct LoggedEvent: Decodable, Equatable {
    var seq: Int64
    var kind: String
    var at_us: Int64
    var block_id: String?
    var scheduled_at_us: Int64?
    var segment: String?
    var media: String?
    var planned_ms: Int64?
    var outcome: String?
    var reason: String?
    var detail: String?
    var clock_synchronized: Int?
    var recorded_at_us: Int64

    enum CodingKeys: String, CodingKey, CaseIterable {
        case seq, kind, at_us, block_id, scheduled_at_us, segment, media, planned_ms, outcome, reason, detail
        case clock_synchronized, recorded_at_us
    }
}

struct StationError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
