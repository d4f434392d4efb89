import Testing
@testable import LoaxaSchedule

@Suite struct StationSetupTests {
    @Test func loadsConfigAndSchedulesTogether() throws {
        let box = Sandbox()
        box.config("[rules]\nmax_blocks_per_day = 3\n")
        box.media("a.ogg")
        box.schedule("a.toml", "[[block]]\nid = \"a\"\nstart = 06:00:00\nitems = [ { file = \"a.ogg\" } ]\n")
        var asked: [String] = []
        let setup = try StationSetup.load(configPath: box.configPath) { path in
            asked.append(path)
            return 1_000_000
        }.get()
        #expect(setup.config.station.name == "Test")
        #expect(setup.config.rules.maxBlocksPerDay == 3)
        #expect(setup.schedule.blocks.map(\.id) == ["a"])
        #expect(asked == [box.media + "/a.ogg"])
    }

    @Test func configProblemsComeFirstThenScheduleProblems() {
        let box = Sandbox()
        box.config("[output]\nrate = 1\n")
        let file = box.schedule("a.toml", "[[block]]\nid = \"a\"\nstart = \"06:00\"\nitems = [ { queue = true } ]\n")
        let result = StationSetup.load(configPath: box.configPath) { _ in nil }
        #expect(result.failureText == [
            "\(box.configPath):4: output.rate = 1 is out of range; use 8000 Hz to 192000 Hz",
            "\(file):3: block \"a\": start must be a TOML local time such as 06:00:00 (without quotes), not text (\"06:00\")",
        ])
        guard case .failure(let list) = result else { return }
        #expect(list.description == result.failureText.joined(separator: "\n"))
    }

    @Test func aBrokenConfigStopsBeforeTheSchedules() {
        let box = Sandbox()
        box.write("loaxa.toml", "[station]\nname = \"x\"\n[paths]\nschedules = 7\n")
        box.schedule("a.toml", "broken = \n")
        let result = StationSetup.load(configPath: box.configPath) { _ in nil }
        #expect(result.failureText == [
            "\(box.configPath):4: paths.schedules must be text in double quotes, not the whole number 7",
            "\(box.configPath): the schedules were not checked; fix the config first",
        ])
        let missing = StationSetup.load(configPath: box.root + "/missing.toml") { _ in nil }
        #expect(missing.failureText == [
            "\(box.root)/missing.toml: cannot read the config file: no such file",
            "\(box.root)/missing.toml: the schedules were not checked; fix the config first",
        ])
    }

    @Test func aMissingSchedulesFolderIsReported() {
        let box = Sandbox()
        box.config("[paths]\nschedules = \"elsewhere\"\n")
        let result = StationSetup.load(configPath: box.configPath) { _ in nil }
        #expect(result.failureText == [
            "\(box.root)/elsewhere: the schedules folder does not exist; create it, or set [paths] schedules in the config",
        ])
    }
}
