import ArgumentParser
import Foundation
import LoaxaMedia
import LoaxaSchedule

struct ScheduleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule", abstract: "Check the schedules.", subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the config, the schedules and the media they name; print every problem as FILE:LINE: message.",
            discussion: "Exits 0 when all is well, 1 when there are problems.\nExample:\n  loaxa schedule check --config /etc/loaxa/loaxa.toml")

        @OptionGroup var options: ConfigOption

        func run() throws {
            switch StationSetup.load(configPath: options.config, mediaDuration: MediaDuration.headerMicros) {
            case .success(let setup):
                print("\(setup.config.file): OK — \(setup.schedule.blocks.count) blocks, no problems found")
            case .failure(let problems):
                print(problems.description)
                printError("\(problems.count) problem(s) found")
                throw ExitCode(1)
            }
        }
    }
}
