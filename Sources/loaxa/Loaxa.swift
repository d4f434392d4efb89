/// loaxa: the command-line tool for the station's officer. Exit codes (SPEC §9):
/// 0 done, 1 the input or request is wrong, 2 usage error, 3 the daemon is not reachable.

import ArgumentParser
import Foundation
import LoaxaControl
import LoaxaMedia
import LoaxaSchedule

@main
struct Loaxa: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loaxa",
        abstract: "Operate a Loaxa commune radio station.",
        discussion: "Example:\n  loaxa schedule check --config /etc/loaxa/loaxa.toml",
        subcommands: [
            StatusCommand.self, ScheduleCommand.self, QueueCommand.self, SkipCommand.self, StopCommand.self, MediaCommand.self,
            LogCommand.self, ReportCommand.self, CompletionCommand.self,
        ])

    /// Runs the command, with SPEC §9's exit codes: ArgumentParser ends a usage error (an
    /// unknown option, a missing argument, a check in `validate()`) with 64, which is 2 here.
    static func main() {
        var command: (any ParsableCommand)?
        do {
            command = try parseAsRoot()
            try command!.run()
        } catch {
            let code = exitCode(for: error)
            guard code.rawValue == 64 else { exit(withError: error) }
            if let command, let error = error as? ValidationError {
                // Found wrong while the command ran (a date, a range): its own usage, not
                // the root's, which is all the parser knows of by then.
                printError("Error: \(error.message)\nUsage: " + usageString(for: type(of: command)))
            } else {
                printError(fullMessage(for: error))
            }
            Foundation.exit(2)
        }
    }
}

/// `loaxa completion bash|zsh`: the shell completion script, to install once.
struct CompletionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "completion",
        abstract: "Print the shell completion script for bash or zsh.",
        discussion: """
            Install it once, and the shell completes loaxa's commands and options on Tab.
            Examples:
              loaxa completion bash | sudo tee /etc/bash_completion.d/loaxa
              loaxa completion zsh > "${fpath[1]}/_loaxa"
            """)

    enum Shell: String, ExpressibleByArgument, CaseIterable {
        case bash, zsh
    }

    @Argument(help: "bash or zsh.") var shell: Shell

    func run() throws {
        print(Loaxa.completionScript(for: shell == .bash ? .bash : .zsh))
    }
}

/// The flag every command takes.
struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: "The station's config file.")
    var config = "/etc/loaxa/loaxa.toml"

    /// The config alone; on problems prints them and exits 1.
    func loadConfig() throws -> StationConfig {
        switch StationConfig.load(path: config) {
        case .success(let c): return c
        case .failure(let problems):
            printError(problems.description)
            throw ExitCode(1)
        }
    }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Sends a request to the daemon; exits 3, saying how to start it, when it is not running.
func askDaemon(_ request: ControlRequest, config: StationConfig) throws -> ControlResponse {
    do {
        return try ControlClient.send(request, to: config.paths.socket)
    } catch let error as ControlSocketError where error.isUnreachable || error.code == EACCES {
        printError("loaxa: the daemon is not reachable at \(config.paths.socket) (\(error)).")
        if error.code == EACCES {
            // The socket is the daemon's user's and group's only.
            let group = socketGroup(config.paths.socket) ?? "loaxa"
            printError("Only members of group \(group) may talk to it: sudo adduser \(NSUserName()) \(group), then log in again.")
        } else {
            printError("Start it with: sudo systemctl start loaxad   (or: loaxad --config \(config.file))")
        }
        throw ExitCode(3)
    }
}

/// The name of the group that owns the file at `path`.
func socketGroup(_ path: String) -> String? {
    (try? FileManager.default.attributesOfItem(atPath: path))?[.groupOwnerAccountName] as? String
}
