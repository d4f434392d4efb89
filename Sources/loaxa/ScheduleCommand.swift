import ArgumentParser
import Foundation
import LoaxaControl
import LoaxaMedia
import LoaxaSchedule

struct ScheduleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule", abstract: "Check the schedules.", subcommands: [Check.self, Reload.self])

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

    struct Reload: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make the running daemon read the config and schedules again.",
            discussion: """
                The block on air finishes as it was; waiting blocks follow the new schedule. A schedule \
                with problems is refused (they are printed as FILE:LINE: message) and the old one stays.
                Example:
                  loaxa schedule reload
                """)

        @OptionGroup var options: ConfigOption

        func run() throws {
            let config = try options.loadConfig()
            let response = try askDaemon(ControlRequest(command: "reload"), config: config)
            guard response.ok else {
                printError(response.error ?? "the daemon refused the reload")
                throw ExitCode(1)
            }
            print(response.message ?? "reloaded")
        }
    }
}
