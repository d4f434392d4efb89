import Foundation
import TOMLKit

/// Turns the text of `loaxa.toml` into a `StationConfig` and every problem found in it.
struct StationConfigParser {
    /// What parsing gave: the config with defaults where values were bad, the problems,
    /// and whether the paths can be trusted to find the schedules.
    struct Outcome {
        var config: StationConfig
        var diagnostics: [Diagnostic]
        var pathsUsable: Bool
    }

    static let sections = ["station", "paths", "output", "playout", "hooks", "rules", "media", "report"]

    /// Reads and parses the config file at `path` (relative to the current directory when
    /// not absolute). Diagnostics name the file as `path` was given.
    static func load(path: String) -> Outcome {
        let absolute = LocalPath.fromCurrentDirectory(path)
        switch TOMLDocument.load(path: absolute, file: path, what: "config file") {
        case .success(let document):
            return parse(document, absolutePath: absolute)
        case .failure(let diagnostic):
            return Outcome(config: placeholder(absolute), diagnostics: [diagnostic], pathsUsable: false)
        }
    }

    /// Parses config text; `file` names it in diagnostics and `absolutePath` is where it
    /// lives (relative paths in it are taken from that folder).
    static func parse(text: String, file: String, absolutePath: String) -> Outcome {
        switch TOMLDocument.parse(text: text, file: file) {
        case .success(let document):
            return parse(document, absolutePath: absolutePath)
        case .failure(let diagnostic):
            return Outcome(config: placeholder(absolutePath), diagnostics: [diagnostic], pathsUsable: false)
        }
    }

    private static func placeholder(_ absolutePath: String) -> StationConfig {
        StationConfig(
            file: absolutePath,
            station: .init(name: "", timeZone: .utc),
            paths: .init(defaultsIn: LocalPath.folder(of: absolutePath)))
    }

    private static func parse(_ document: TOMLDocument, absolutePath: String) -> Outcome {
        var parser = StationConfigParser(document: document, folder: LocalPath.folder(of: absolutePath))
        let root = document.table
        parser.checkSections(root)
        let station = parser.station(root)
        let paths = parser.paths(root)
        let config = StationConfig(
            file: absolutePath, station: station, paths: paths ?? .init(defaultsIn: parser.folder),
            output: parser.output(root), playout: parser.playout(root), hooks: parser.hooks(root),
            rules: parser.rules(root), media: parser.media(root), report: parser.report(root))
        return Outcome(config: config, diagnostics: parser.reader.diagnostics, pathsUsable: paths != nil)
    }

    var reader: TOMLReader
    private let folder: String

    private init(document: TOMLDocument, folder: String) {
        reader = TOMLReader(document: document)
        self.folder = folder
    }

    /// Reports top-level keys and tables other than the known sections.
    private mutating func checkSections(_ root: TOMLTable) {
        let known = Self.sections.map { "[\($0)]" }.joined(separator: ", ")
        for key in root.keys where !Self.sections.contains(key) {
            var message = root[key]?.type == .table
                ? "unknown table [\(TOMLKeyPath.render(key: key))]"
                : "unknown key \(quoted(key)) outside any table"
            if let close = closestMatch(key, in: Self.sections) {
                message += "; did you mean [\(close)]?"
            } else {
                message += "; the config has the tables \(known)"
            }
            reader.report(TOMLKeyPath.root.appending(key), message)
        }
    }

    /// The table `[name]`, checked for unknown keys; an empty one when absent.
    mutating func section(_ root: TOMLTable, _ name: String, keys: [String]) -> (TOMLTable, TOMLKeyPath) {
        let path = TOMLKeyPath.root.appending(name)
        guard root[name] != nil else { return (TOMLTable(), path) }
        guard let table = reader.table(root, name, at: .root, label: "[\(name)]") else { return (TOMLTable(), path) }
        reader.checkKeys(table, at: path, allowed: keys, place: "[\(name)]")
        return (table, path)
    }

    private mutating func station(_ root: TOMLTable) -> StationConfig.Station {
        let (table, path) = section(root, "station", keys: ["name", "timezone"])
        var name = ""
        if root["station"] == nil {
            reader.report(.root, "the [station] table is missing; add [station] with name = \"...\"")
        } else if root["station"]?.type == .table, let text = reader.string(table, "name", at: path, required: true) {
            name = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if name.isEmpty { reader.report(path.appending("name"), "station.name is empty; write the station's name") }
        }
        var zone: StationTimeZone?
        if table["timezone"] != nil {
            if let identifier = reader.string(table, "timezone", at: path) {
                zone = StationTimeZone(identifier: identifier)
                if zone == nil {
                    reader.report(
                        path.appending("timezone"),
                        "unknown time zone \(quoted(identifier)); "
                            + "use an IANA name such as \"Asia/Ho_Chi_Minh\" (see /usr/share/zoneinfo)")
                }
            }
        } else {
            zone = StationTimeZone(identifier: StationConfig.Station.defaultTimeZone)
            if zone == nil {
                reader.report(
                    path,
                    "the system does not know the default time zone \"Asia/Ho_Chi_Minh\"; "
                        + "install the tzdata package")
            }
        }
        return .init(name: name, timeZone: zone ?? .utc)
    }

    /// nil when a path value is unusable (wrong type or empty).
    private mutating func paths(_ root: TOMLTable) -> StationConfig.Paths? {
        let (table, path) = section(root, "paths", keys: ["media", "schedules", "database", "socket", "plans"])
        let defaults = StationConfig.Paths(defaultsIn: folder)
        var usable = true
        func resolve(_ key: String, _ fallback: String, _ reader: inout TOMLReader) -> String {
            guard table[key] != nil else { return fallback }
            guard let text = reader.string(table, key, at: path) else {
                usable = false
                return fallback
            }
            guard !text.isEmpty else {
                reader.report(path.appending(key), "paths.\(key) is empty; remove it to use the default or give a path")
                usable = false
                return fallback
            }
            return LocalPath.absolute(text, base: folder)
        }
        let paths = StationConfig.Paths(
            media: resolve("media", defaults.media, &reader),
            schedules: resolve("schedules", defaults.schedules, &reader),
            database: resolve("database", defaults.database, &reader),
            socket: resolve("socket", defaults.socket, &reader),
            plans: resolve("plans", defaults.plans, &reader))
        return usable ? paths : nil
    }

    private mutating func output(_ root: TOMLTable) -> StationConfig.Output {
        let (table, path) = section(root, "output", keys: ["device", "rate", "channels", "loudness_target_lufs"])
        var output = StationConfig.Output()
        if let device = reader.string(table, "device", at: path) {
            if device.isEmpty {
                reader.report(
                    path.appending("device"),
                    "output.device is empty; "
                        + "use an ALSA PCM name such as \"default\" or \"hw:0,0\"")
            } else {
                output.device = device
            }
        }
        if let rate = reader.integer(table, "rate", at: path, in: StationConfig.Output.rateRange, unit: " Hz") {
            output.rate = rate
        }
        if let channels = reader.integer(table, "channels", at: path, in: StationConfig.Output.channelRange) {
            output.channels = channels
        }
        if let target = reader.number(table, "loudness_target_lufs", at: path, in: StationConfig.Output.loudnessRange) {
            output.loudnessTargetLUFS = target
        }
        return output
    }

    private mutating func playout(_ root: TOMLTable) -> StationConfig.Playout {
        let (table, path) = section(
            root, "playout", keys: ["on_late_start", "resume_after_emergency", "require_approval", "max_segment_minutes"])
        var playout = StationConfig.Playout()
        if let policy = reader.choice(table, "on_late_start", at: path, as: LateStartPolicy.self) {
            playout.onLateStart = policy
        }
        if let policy = reader.choice(table, "resume_after_emergency", at: path, as: EmergencyResumePolicy.self) {
            playout.resumeAfterEmergency = policy
        }
        if let approval = reader.bool(table, "require_approval", at: path) {
            playout.requireApproval = approval
        }
        if let minutes = reader.integer(table, "max_segment_minutes", at: path, in: StationConfig.Playout.minutesRange) {
            playout.maxSegmentMinutes = minutes
        }
        return playout
    }

    private mutating func hooks(_ root: TOMLTable) -> StationConfig.Hooks {
        let (table, path) = section(
            root, "hooks", keys: ["before_block", "before_block_lead_s", "after_block", "emergency_lead_s"])
        var hooks = StationConfig.Hooks()
        func command(_ key: String, _ reader: inout TOMLReader) -> String? {
            guard let text = reader.string(table, key, at: path) else { return nil }
            guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
                reader.report(path.appending(key), "hooks.\(key) is empty; remove it to run no command")
                return nil
            }
            return text
        }
        hooks.beforeBlock = command("before_block", &reader)
        hooks.afterBlock = command("after_block", &reader)
        if let lead = reader.integer(table, "before_block_lead_s", at: path, in: StationConfig.Hooks.leadRange, unit: " s") {
            hooks.beforeBlockLeadSeconds = lead
        }
        if let lead = reader.integer(table, "emergency_lead_s", at: path, in: StationConfig.Hooks.leadRange, unit: " s") {
            hooks.emergencyLeadSeconds = lead
        }
        return hooks
    }

    private mutating func rules(_ root: TOMLTable) -> StationConfig.Rules {
        let (table, path) = section(root, "rules", keys: ["max_block_minutes", "max_blocks_per_day"])
        return StationConfig.Rules(
            maxBlockMinutes: reader.integer(table, "max_block_minutes", at: path, in: StationConfig.Rules.range),
            maxBlocksPerDay: reader.integer(table, "max_blocks_per_day", at: path, in: StationConfig.Rules.range))
    }

    private mutating func media(_ root: TOMLTable) -> StationConfig.Media {
        let (table, path) = section(root, "media", keys: ["language", "languages"])
        var media = StationConfig.Media()
        let advice = "use a language code such as \"vi\" (Vietnamese), \"hmn\" (Hmong) or \"km\" (Khmer)"
        if let code = reader.string(table, "language", at: path) {
            if StationConfig.Media.isLanguageCode(code) {
                media.language = code
            } else {
                reader.report(path.appending("language"), "media.language \(quoted(code)) is not a language code; \(advice)")
            }
        }
        guard table["languages"] != nil, let folders = reader.table(table, "languages", at: path) else { return media }
        let folderPath = path.appending("languages")
        for folder in folders.keys.sorted() {
            guard let code = reader.string(folders, folder, at: folderPath) else { continue }
            let name = folder.precomposedStringWithCanonicalMapping
                .split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
            if name.isEmpty || name.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }) {
                reader.report(
                    folderPath.appending(folder),
                    "\(quoted(folder)) is not a folder inside the media folder; write its path relative to it, "
                        + "such as \"tieng-mong\"")
            } else if !StationConfig.Media.isLanguageCode(code) {
                reader.report(folderPath.appending(folder), "\(quoted(code)) is not a language code; \(advice)")
            } else {
                media.folderLanguages[name] = code
            }
        }
        return media
    }
}
