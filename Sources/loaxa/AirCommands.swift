import ArgumentParser
import Foundation
import LoaxaControl

/// `loaxa skip` and `loaxa stop`: the operator's hands on what is on air.
struct SkipCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skip", abstract: "Cut the segment on air; the block goes on with its next item.",
        discussion: "The cut segment is logged interrupted, with your user name.\nExample:\n  loaxa skip")

    @OptionGroup var options: ConfigOption

    func run() throws {
        let config = try options.loadConfig()
        let response = try askDaemon(ControlRequest(command: "skip"), config: config)
        try finish(response, json: false) { print($0.message ?? "skipped") }
    }
}

struct StopCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop", abstract: "Stop the block on air; the station waits for the next block.",
        discussion: "The cut segment is logged interrupted and the block's remaining items skipped, with your user name.\nExample:\n  loaxa stop")

    @OptionGroup var options: ConfigOption

    func run() throws {
        let config = try options.loadConfig()
        let response = try askDaemon(ControlRequest(command: "stop"), config: config)
        try finish(response, json: false) { print($0.message ?? "stopped") }
    }
}
