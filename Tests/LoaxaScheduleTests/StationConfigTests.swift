import Foundation
import Testing
@testable import LoaxaSchedule

@Suite struct StationConfigTests {
    static let example = """
        [station]
        name = "Đài truyền thanh xã Cẩm Châu"
        timezone = "Asia/Ho_Chi_Minh"      # IANA name; default Asia/Ho_Chi_Minh
        [paths]
        media = "media"                    # defaults: media, schedules, var/loaxa.sqlite, var/loaxa.sock
        schedules = "../shared/schedules"
        database = "/var/lib/loaxa/loaxa.sqlite"
        socket = "./var/../run/loaxa.sock"
        [output]
        device = "hw:0,0"                  # ALSA PCM name
        rate = 44100                       # 8000..192000
        channels = 1                       # 1..8
        loudness_target_lufs = -18.5       # -40..-5
        [playout]
        on_late_start = "skip"             # join | skip | restart
        resume_after_emergency = "restart" # resume | restart | skip
        require_approval = true
        max_segment_minutes = 30
        [hooks]                            # optional
        before_block = "/usr/local/bin/amp on"
        before_block_lead_s = 8
        after_block = "/usr/local/bin/amp off"
        emergency_lead_s = 3
        [rules]                            # optional
        max_block_minutes = 45
        max_blocks_per_day = 3
        """

    @Test func theFullExampleParses() throws {
        let box = Sandbox()
        box.write("loaxa.toml", Self.example)
        let config = try StationConfig.load(path: box.configPath).get()
        #expect(config.file == box.configPath)
        #expect(config.station.name == "Đài truyền thanh xã Cẩm Châu")
        #expect(config.station.timeZone.identifier == "Asia/Ho_Chi_Minh")
        #expect(config.paths.media == box.root + "/media")
        #expect(config.paths.schedules == LocalPath.folder(of: box.root) + "/shared/schedules")
        #expect(config.paths.database == "/var/lib/loaxa/loaxa.sqlite")
        #expect(config.paths.socket == box.root + "/run/loaxa.sock")
        #expect(config.output == .init(device: "hw:0,0", rate: 44_100, channels: 1, loudnessTargetLUFS: -18.5))
        #expect(config.playout == .init(onLateStart: .skip, resumeAfterEmergency: .restart, requireApproval: true, maxSegmentMinutes: 30))
        #expect(config.hooks == .init(beforeBlock: "/usr/local/bin/amp on", beforeBlockLeadSeconds: 8, afterBlock: "/usr/local/bin/amp off", emergencyLeadSeconds: 3))
        #expect(config.rules == .init(maxBlockMinutes: 45, maxBlocksPerDay: 3))
    }

    @Test func defaultsFillEverythingButTheName() throws {
        let box = Sandbox()
        box.write("etc/loaxa.toml", "[station]\nname = \"Xã A\"\n")
        let config = try StationConfig.load(path: box.root + "/etc/loaxa.toml").get()
        #expect(config.station.timeZone.identifier == "Asia/Ho_Chi_Minh")
        #expect(config.paths.media == box.root + "/etc/media")
        #expect(config.paths.schedules == box.root + "/etc/schedules")
        #expect(config.paths.database == box.root + "/etc/var/loaxa.sqlite")
        #expect(config.paths.socket == box.root + "/etc/var/loaxa.sock")
        #expect(config.output == .init(device: "default", rate: 48_000, channels: 2, loudnessTargetLUFS: -16))
        #expect(config.playout == .init(onLateStart: .join, resumeAfterEmergency: .resume, requireApproval: false, maxSegmentMinutes: 60))
        #expect(config.hooks == .init(beforeBlock: nil, beforeBlockLeadSeconds: 5, afterBlock: nil, emergencyLeadSeconds: 2))
        #expect(config.rules == .init(maxBlockMinutes: nil, maxBlocksPerDay: nil))
        #expect(config.media == .init(language: "vi", folderLanguages: [:]))
    }

    @Test func mediaLanguagesByFolder() throws {
        let text = """
            [station]
            name = "x"
            [media]
            language = "vi"
            languages = { "tieng-mong" = "hmn", "tin-tuc/khmer/" = "km" }
            """
        let config = try StationConfig.parse(text, file: "/srv/loaxa.toml").get()
        #expect(config.media.folderLanguages == ["tieng-mong": "hmn", "tin-tuc/khmer": "km"])
        let problems = Self.problems("""
            [station]
            name = "x"
            [media]
            language = "Vietnamese"
            languages = { "../ngoai" = "vi", "dan-toc" = "h m" }
            """)
        #expect(problems == [
            "cfg.toml:4: media.language \"Vietnamese\" is not a language code; "
                + "use a language code such as \"vi\" (Vietnamese), \"hmn\" (Hmong) or \"km\" (Khmer)",
            "cfg.toml:5: \"../ngoai\" is not a folder inside the media folder; write its path relative to it, such as \"tieng-mong\"",
            "cfg.toml:5: \"h m\" is not a language code; "
                + "use a language code such as \"vi\" (Vietnamese), \"hmn\" (Hmong) or \"km\" (Khmer)",
        ])
    }

    @Test func integerLoudnessIsAccepted() throws {
        let config = try StationConfig.parse("[station]\nname = \"x\"\n[output]\nloudness_target_lufs = -16\n", file: "/srv/loaxa.toml").get()
        #expect(config.output.loudnessTargetLUFS == -16)
        #expect(config.paths.media == "/srv/media")
    }

    @Test func everyProblemIsReportedWithItsLine() {
        let text = """
            [station]
            name = "Xã B"
            timezone = "Asia/Hanoi"
            colour = "red"
            [paths]
            media = 5
            [output]
            rate = 4000
            channels = "2"
            loudness_target_lufs = 0
            [playout]
            on_late_start = "later"
            resume_after_emergency = "resume"
            require_approval = "yes"
            max_segment_minutes = 0
            [hooks]
            before_block = ""
            emergency_lead_s = -1
            [rules]
            max_block_minute = 45
            max_blocks_per_day = 1.5
            [extra]
            x = 1
            """
        let problems = Self.problems(text)
        #expect(problems == [
            "cfg.toml:3: unknown time zone \"Asia/Hanoi\"; use an IANA name such as \"Asia/Ho_Chi_Minh\" (see /usr/share/zoneinfo)",
            "cfg.toml:4: unknown key \"colour\" in [station]; expected one of: name, timezone",
            "cfg.toml:6: paths.media must be text in double quotes, not the whole number 5",
            "cfg.toml:8: output.rate = 4000 is out of range; use 8000 Hz to 192000 Hz",
            "cfg.toml:9: output.channels must be a whole number, not text (\"2\")",
            "cfg.toml:10: output.loudness_target_lufs = 0 is out of range; use -40 to -5",
            "cfg.toml:12: playout.on_late_start = \"later\" is not allowed; use one of \"join\", \"skip\", \"restart\"",
            "cfg.toml:14: playout.require_approval must be true or false, not text (\"yes\")",
            "cfg.toml:15: playout.max_segment_minutes = 0 is out of range; use 1 to 1440",
            "cfg.toml:17: hooks.before_block is empty; remove it to run no command",
            "cfg.toml:18: hooks.emergency_lead_s = -1 is out of range; use 0 s to 600 s",
            "cfg.toml:20: unknown key \"max_block_minute\" in [rules]; did you mean \"max_block_minutes\"?",
            "cfg.toml:21: rules.max_blocks_per_day must be a whole number, not the number 1.5",
            "cfg.toml:22: unknown table [extra]; the config has the tables [station], [paths], [output], [playout], [hooks], [rules], [media], [report]",
        ])
    }

    @Test func missingNameAndMissingStation() {
        #expect(Self.problems("[station]\ntimezone = \"Europe/Berlin\"\n") == [
            "cfg.toml:1: station.name is missing; it must be text in double quotes",
        ])
        #expect(Self.problems("# nothing\n[output]\nrate = 48000\n") == [
            "cfg.toml: the [station] table is missing; add [station] with name = \"...\"",
        ])
        #expect(Self.problems("[station]\nname = \"  \"\n") == ["cfg.toml:2: station.name is empty; write the station's name"])
        #expect(Self.problems("station = \"x\"\n") == [
            "cfg.toml:1: [station] must be a table, not text (\"x\")",
        ])
        #expect(Self.problems("[staton]\nname = \"x\"\n") == [
            "cfg.toml: the [station] table is missing; add [station] with name = \"...\"",
            "cfg.toml:1: unknown table [staton]; did you mean [station]?",
        ])
    }

    @Test func offsetNamesAreNotTimeZones() {
        #expect(Self.problems("[station]\nname = \"x\"\ntimezone = \"GMT+7\"\n").count == 1)
        #expect(Self.problems("[station]\nname = \"x\"\ntimezone = \"UTC\"\n").isEmpty)
        #expect(Self.problems("[station]\nname = \"x\"\ntimezone = \"Europe/Berlin\"\n").isEmpty)
    }

    @Test func aSyntaxErrorHasTheLineTOMLKitReports() {
        let problems = Self.problems("[station]\nname = \"x\"\n\n[output]\nrate = 48000\nrate = 44100\n")
        #expect(problems.count == 1)
        #expect(problems.first?.hasPrefix("cfg.toml:6: invalid TOML: ") == true)
    }

    @Test func aMissingConfigFileSaysSo() {
        let box = Sandbox()
        let result = StationConfig.load(path: box.root + "/nope.toml")
        #expect(result.failureText == ["\(box.root)/nope.toml: cannot read the config file: no such file"])
        let folder = StationConfig.load(path: box.media)
        #expect(folder.failureText == ["\(box.media): cannot read the config file: it is a folder, not a file"])
    }

    static func problems(_ text: String) -> [String] {
        StationConfig.parse(text, file: "cfg.toml").failureText
    }
}

extension Result where Failure == DiagnosticList {
    /// The diagnostics as text; [] on success.
    var failureText: [String] {
        switch self {
        case .success: return []
        case .failure(let list): return list.map(\.description)
        }
    }
}
