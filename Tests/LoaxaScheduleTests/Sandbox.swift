import Foundation
import LoaxaCore
@testable import LoaxaSchedule

/// A temporary station folder: a config, schedules and empty media files, removed at the end.
final class Sandbox {
    let root: String

    init() {
        root = LocalPath.standardize(
            FileManager.default.temporaryDirectory.path + "/loaxa-schedule-tests-" + UUID().uuidString)
        try? FileManager.default.createDirectory(atPath: root + "/schedules", withIntermediateDirectories: true)
        try? FileManager.default.createDirectory(atPath: root + "/media", withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
    }

    var media: String { root + "/media" }
    var schedules: String { root + "/schedules" }
    var configPath: String { root + "/loaxa.toml" }

    /// Writes `text` to `relativePath` under the root, creating folders.
    @discardableResult
    func write(_ relativePath: String, _ text: String) -> String {
        let path = root + "/" + relativePath
        try? FileManager.default.createDirectory(
            atPath: LocalPath.folder(of: path), withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }

    /// Writes a schedule file `schedules/NAME`; returns its absolute path.
    @discardableResult
    func schedule(_ name: String, _ text: String) -> String {
        write("schedules/" + name, text)
    }

    /// Creates empty media files (and folders for names ending in `/`) under `media/`.
    func media(_ names: String...) {
        for name in names {
            if name.hasSuffix("/") {
                try? FileManager.default.createDirectory(atPath: media + "/" + name, withIntermediateDirectories: true)
            } else {
                write("media/" + name, "")
            }
        }
    }

    /// A minimal config.
    func config(_ extra: String = "") {
        write("loaxa.toml", "[station]\nname = \"Test\"\n" + extra)
    }

    /// Loads the schedules with the given rules; durations from `durations` by file name
    /// relative to media/, default 60 s.
    func load(
        rules: StationConfig.Rules = .init(), durations: [String: Int64] = [:]
    ) -> Result<Schedule, DiagnosticList> {
        let media = self.media
        return Schedule.load(folder: schedules, mediaFolder: media, rules: rules) { path in
            let name = String(path.dropFirst(media.count + 1))
            return durations[name] ?? 60_000_000
        }
    }

    /// The diagnostics of loading the schedules, as text lines; [] on success.
    func problems(rules: StationConfig.Rules = .init(), durations: [String: Int64] = [:]) -> [String] {
        switch load(rules: rules, durations: durations) {
        case .success: return []
        case .failure(let list): return list.map(\.description)
        }
    }
}

/// Minutes as microseconds.
func minutes(_ m: Int64) -> Int64 { m * 60_000_000 }

/// The ids and local start times (`HH:MM`) of a day's planned blocks.
func summary(_ blocks: [PlannedBlock], zone: StationTimeZone) -> [String] {
    blocks.map { block in
        let s = zone.localSecondOfDay(of: block.start)
        let h = s / 3600, m = (s % 3600) / 60
        return "\(block.id)@\(h < 10 ? "0" : "")\(h):\(m < 10 ? "0" : "")\(m)"
    }
}
