import ArgumentParser
import Foundation
import LoaxaControl

/// `loaxa skip` and `loaxa stop`: the operator's hands on what is on air.
struct SkipCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skip", abstract: "Cut the segment on air; the block goes on with its next item.",
        discussion: "The cut segment is logged interrupted, with your user name.\nExample:\n  loaxa skip")

    @OptionGroup var options: ConfigOption

    func run() throws { try act("skip", options) }
}

struct StopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop", abstract: "Stop the block on air; the station waits for the next block.",
        discussion: "The cut segment is logged interrupted and the block's remaining items skipped, with your user name.\nExample:\n  loaxa stop")

    @OptionGroup var options: ConfigOption

    func run() throws { try act("stop", options) }
}

/// Sends `command` to the daemon and prints what it did (exit 1 when it refused).
private func act(_ command: String, _ options: ConfigOption) throws {
    let response = try askDaemon(ControlRequest(command: command), config: try options.loadConfig())
    try finish(response, json: false) { print($0.message ?? command) }
}
