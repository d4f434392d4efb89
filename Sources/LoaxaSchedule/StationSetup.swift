/// The config and the schedule it points to, loaded and checked together: what
/// `loaxa schedule check` reports on and what the daemon starts from.
public struct StationSetup: Hashable, Sendable {
    public var config: StationConfig
    public var schedule: Schedule
    /// Missing media that did not stop the load (with `missingMediaIsFatal` false).
    public var warnings: [Diagnostic]

    public init(config: StationConfig, schedule: Schedule, warnings: [Diagnostic] = []) {
        self.config = config
        self.schedule = schedule
        self.warnings = warnings
    }

    /// Loads the config file at `configPath`, then every schedule file of its schedules
    /// folder.
    ///
    /// On failure, the list has the config's problems first (named by `configPath` as
    /// given), then the schedules' (named by absolute path), each file's by line. When the
    /// config cannot be read or parsed, or its `[paths]` are unusable, the schedules cannot be
    /// found: the list then ends with a line that says they were not checked. Problems with no
    /// line (an unreadable file, a missing folder) print as `FILE: message`.
    ///
    /// - Parameter mediaDuration: the duration in microseconds of the media file at an
    ///   absolute path, or nil when unknown; used for blocks without a `length`.
    /// - Parameter missingMediaIsFatal: true for `loaxa schedule check`; the daemon passes
    ///   false and gets missing media back as `warnings`.
    public static func load(
        configPath: String, mediaDuration: (String) -> Int64?, missingMediaIsFatal: Bool = true
    ) -> Result<StationSetup, DiagnosticList> {
        let outcome = StationConfigParser.load(path: configPath)
        var diagnostics = outcome.diagnostics.sortedForReport()
        guard outcome.pathsUsable else {
            diagnostics.append(Diagnostic(
                file: configPath, line: 0, message: "the schedules were not checked; fix the config first"))
            return .failure(DiagnosticList(diagnostics))
        }
        let config = outcome.config
        let schedule = ScheduleLoader.load(
            folder: config.paths.schedules, mediaFolder: config.paths.media, rules: config.rules,
            mediaDuration: mediaDuration)
        var warnings: [Diagnostic] = []
        for d in schedule.diagnostics {
            if d.isMissingMedia && !missingMediaIsFatal { warnings.append(d) } else { diagnostics.append(d) }
        }
        guard diagnostics.isEmpty else { return .failure(DiagnosticList(diagnostics)) }
        return .success(StationSetup(config: config, schedule: schedule.schedule, warnings: warnings))
    }
}

extension StationConfig {
    /// Loads and checks the config file at `path` alone (relative paths in it are taken from
    /// its folder); diagnostics name it as `path` was given.
    public static func load(path: String) -> Result<StationConfig, DiagnosticList> {
        let outcome = StationConfigParser.load(path: path)
        return outcome.diagnostics.isEmpty
            ? .success(outcome.config) : .failure(DiagnosticList(outcome.diagnostics.sortedForReport()))
    }

    /// Parses config text. `file` names it in diagnostics and is where it lives: relative
    /// paths in it are taken from that file's folder.
    public static func parse(_ text: String, file: String) -> Result<StationConfig, DiagnosticList> {
        let outcome = StationConfigParser.parse(text: text, file: file, absolutePath: LocalPath.fromCurrentDirectory(file))
        return outcome.diagnostics.isEmpty
            ? .success(outcome.config) : .failure(DiagnosticList(outcome.diagnostics.sortedForReport()))
    }
}
