/// The station's config file, `loaxa.toml`: every section, checked, with defaults filled in
/// and paths made absolute (relative ones are taken from the config file's folder).
///
/// ```toml
/// [station]
/// name = "Đài truyền thanh xã Cẩm Châu"
/// timezone = "Asia/Ho_Chi_Minh"
/// [paths]
/// media = "media"
/// [output]
/// device = "default"
/// [playout]
/// on_late_start = "join"
/// [hooks]
/// before_block = "/usr/local/bin/amp on"
/// [rules]
/// max_block_minutes = 45
/// [media]
/// language = "vi"
/// languages = { "tieng-mong" = "hmn" }
/// ```
///
/// Load it with `StationConfig.load(path:)`, or with the schedules through `StationSetup.load`.
public struct StationConfig: Hashable, Sendable {
    /// The config file's absolute path.
    public var file: String
    public var station: Station
    public var paths: Paths
    public var output: Output
    public var playout: Playout
    public var hooks: Hooks
    public var rules: Rules
    public var media: Media
    public var report: Report

    public init(
        file: String, station: Station, paths: Paths, output: Output = Output(),
        playout: Playout = Playout(), hooks: Hooks = Hooks(), rules: Rules = Rules(), media: Media = Media(),
        report: Report = Report()
    ) {
        self.file = file
        self.station = station
        self.paths = paths
        self.output = output
        self.playout = playout
        self.hooks = hooks
        self.rules = rules
        self.media = media
        self.report = report
    }

    /// `[station]`: who is on air and on which clock.
    public struct Station: Hashable, Sendable {
        /// The station's name, as announced and shown in reports. Required.
        public var name: String
        /// `timezone`, an IANA name; default `Asia/Ho_Chi_Minh`.
        public var timeZone: StationTimeZone

        public init(name: String, timeZone: StationTimeZone) {
            self.name = name
            self.timeZone = timeZone
        }

        public static let defaultTimeZone = "Asia/Ho_Chi_Minh"
    }

    /// `[paths]`: absolute, standardized paths.
    public struct Paths: Hashable, Sendable {
        /// Audio files; schedule items name files relative to it. Default `media`.
        public var media: String
        /// The folder of schedule files, `*.toml`. Default `schedules`.
        public var schedules: String
        /// The airplay log's SQLite database. Default `var/loaxa.sqlite`.
        public var database: String
        /// The control socket the `loaxa` command talks to. Default `var/loaxa.sock`.
        public var socket: String
        /// The folder of plan files, `*.toml`, whose targets the reports measure. Default
        /// `plans`.
        public var plans: String

        public init(media: String, schedules: String, database: String, socket: String, plans: String) {
            self.media = media
            self.schedules = schedules
            self.database = database
            self.socket = socket
            self.plans = plans
        }

        /// The default paths, taken from `folder` (the config file's folder).
        public init(defaultsIn folder: String) {
            self.init(
                media: LocalPath.absolute("media", base: folder),
                schedules: LocalPath.absolute("schedules", base: folder),
                database: LocalPath.absolute("var/loaxa.sqlite", base: folder),
                socket: LocalPath.absolute("var/loaxa.sock", base: folder),
                plans: LocalPath.absolute("plans", base: folder))
        }
    }

    /// `[output]`: the sound card and the level programmes are played at.
    public struct Output: Hashable, Sendable {
        /// The ALSA PCM name. Default `default`.
        public var device: String
        /// Sample rate in Hz, 8000 to 192000. Default 48000.
        public var rate: Int
        /// 1 to 8. Default 2.
        public var channels: Int
        /// Integrated loudness files are brought to, -40 to -5 LUFS. Default -16.
        public var loudnessTargetLUFS: Double

        public init(device: String = "default", rate: Int = 48_000, channels: Int = 2, loudnessTargetLUFS: Double = -16) {
            self.device = device
            self.rate = rate
            self.channels = channels
            self.loudnessTargetLUFS = loudnessTargetLUFS
        }

        public static let rateRange = 8_000...192_000
        public static let channelRange = 1...8
        public static let loudnessRange = -40.0 ... -5.0
    }

    /// `[playout]`: how blocks are aired.
    public struct Playout: Hashable, Sendable {
        /// `on_late_start`. Default `join`.
        public var onLateStart: LateStartPolicy
        /// `resume_after_emergency`. Default `resume`.
        public var resumeAfterEmergency: EmergencyResumePolicy
        /// `require_approval`: air only segments an operator approved. Default false.
        public var requireApproval: Bool
        /// `max_segment_minutes`: a longer file is refused, 1 to 1440. Default 60.
        public var maxSegmentMinutes: Int

        public init(
            onLateStart: LateStartPolicy = .join, resumeAfterEmergency: EmergencyResumePolicy = .resume,
            requireApproval: Bool = false, maxSegmentMinutes: Int = 60
        ) {
            self.onLateStart = onLateStart
            self.resumeAfterEmergency = resumeAfterEmergency
            self.requireApproval = requireApproval
            self.maxSegmentMinutes = maxSegmentMinutes
        }

        public static let minutesRange = 1...1440
    }

    /// `[hooks]`: commands run around blocks, e.g. to switch the amplifier on and off.
    public struct Hooks: Hashable, Sendable {
        /// `before_block`: command line run before each block; nil for none.
        public var beforeBlock: String?
        /// `before_block_lead_s`: how many seconds before the block it runs, 0 to 600. Default 5.
        public var beforeBlockLeadSeconds: Int
        /// `after_block`: command line run after each block; nil for none.
        public var afterBlock: String?
        /// `emergency_lead_s`: seconds between the `before_block` hook and an emergency
        /// broadcast, 0 to 600. Default 2.
        public var emergencyLeadSeconds: Int

        public init(
            beforeBlock: String? = nil, beforeBlockLeadSeconds: Int = 5, afterBlock: String? = nil,
            emergencyLeadSeconds: Int = 2
        ) {
            self.beforeBlock = beforeBlock
            self.beforeBlockLeadSeconds = beforeBlockLeadSeconds
            self.afterBlock = afterBlock
            self.emergencyLeadSeconds = emergencyLeadSeconds
        }

        public static let leadRange = 0...600
    }

    /// `[rules]`: limits the schedule is checked against; nil for no limit.
    public struct Rules: Hashable, Sendable {
        /// `max_block_minutes`, 1 to 1440.
        public var maxBlockMinutes: Int?
        /// `max_blocks_per_day`, 1 to 1440.
        public var maxBlocksPerDay: Int?

        public init(maxBlockMinutes: Int? = nil, maxBlocksPerDay: Int? = nil) {
            self.maxBlockMinutes = maxBlockMinutes
            self.maxBlocksPerDay = maxBlocksPerDay
        }

        public static let range = 1...1440
    }

    /// `[media]`: what the media library records of segments.
    public struct Media: Hashable, Sendable {
        /// `language`: the language code of segments, such as `vi`. Default `vi`.
        public var language: String
        /// `languages`: language codes of folders under the media folder, by path relative
        /// to it (NFC); a file takes the code of the deepest folder listed that holds it.
        public var folderLanguages: [String: String]

        public init(language: String = "vi", folderLanguages: [String: String] = [:]) {
            self.language = language
            self.folderLanguages = folderLanguages
        }

        /// Whether `code` has the shape of a BCP 47 language tag: a 2 or 3 letter language,
        /// then optional subtags of 2 to 8 letters or digits (`vi`, `hmn`, `vi-VN`).
        public static func isLanguageCode(_ code: String) -> Bool {
            let parts = code.split(separator: "-", omittingEmptySubsequences: false)
            guard let first = parts.first, (2...3).contains(first.count),
                first.allSatisfy({ $0.isASCII && $0.isLetter })
            else { return false }
            return parts.dropFirst().allSatisfy { part in
                (2...8).contains(part.count) && part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
            }
        }
    }
}
