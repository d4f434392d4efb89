import ArgumentParser
import Foundation
import LoaxaControl
import LoaxaCore
import LoaxaMedia
import LoaxaSchedule
import LoaxaStore

struct QueueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue", abstract: "Queue segments to air, list the queue, remove an entry.",
        subcommands: [Add.self, List.self, Remove.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Queue a segment to air.",
            discussion: """
                FILE is a path under the media folder (thong-bao/hop-dan.wav), or any audio file \
                elsewhere, which is first copied into the media folder's \(Import.folder)/ folder.
                normal: airs at the next block's queue item (or in the block given with --block).
                priority: airs at the next item boundary of the block on air, else when the next block starts.
                emergency: cuts what is on air and airs at once.
                Examples:
                  loaxa queue add thong-bao/hop-dan.wav
                  loaxa queue add /media/usb/bao-bao.mp3 --priority emergency
                  loaxa queue add thong-bao/tiem-chung.wav --block toi --expires 2026-11-30
                """)

        @OptionGroup var options: ConfigOption
        @Argument(help: "The audio file to air.") var file: String
        @Option(help: "Air it in this block (normal priority only).") var block: String?
        @Option(help: "normal, priority or emergency.") var priority: Priority = .normal
        @Option(help: "Never air it after this: 30m, 2h, 18:00, 2026-11-30, 2026-11-30 18:00.") var expires: String?
        @Flag(name: .long, help: "Print JSON instead of text.") var json = false

        func run() throws {
            let config = try options.loadConfig()
            var arguments = ["priority": priority.rawValue]
            if let block { arguments["block"] = block }
            if let expires {
                guard let t = OperatorTime.parse(expires, now: WallTime.now(), zone: config.station.timeZone) else {
                    printError("loaxa: --expires \"\(expires)\" is not a time; write 30m, 2h, 18:00, 2026-11-30 or 2026-11-30 18:00")
                    throw ExitCode(1)
                }
                arguments["expires_us"] = String(t.microseconds)
            }
            let media: String
            do {
                media = try Import.intoMedia(file, config: config)
            } catch {
                printError("loaxa: \(error.message)")
                throw ExitCode(1)
            }
            arguments["media"] = media
            if priority == .emergency {
                // The daemon airs an emergency at once: it takes the file's hash and loudness
                // from here rather than reading the whole file first.
                // The library has measured it if it was imported or scanned.
                let path = MediaFile.locate(media, in: config.paths.media) ?? config.paths.media + "/" + media
                let sha = try? MediaHasher.sha256(path: path)
                if let sha { arguments["sha256"] = sha }
                var known: MediaContent?
                if let sha, let log = try? AirplayLog.openReadOnly(path: config.paths.database) {
                    known = try? log.mediaContent(sha256: sha)
                }
                if let known {
                    arguments["lufs"] = String(known.loudnessLUFS)
                    arguments["dbtp"] = String(known.truePeakDBTP)
                } else if let loudness = try? LoudnessAnalyzer.measure(path: path) {
                    arguments["lufs"] = String(loudness.integratedLUFS)
                    arguments["dbtp"] = String(loudness.truePeakDBTP)
                }
            }
            let response = try askDaemon(ControlRequest(command: "queue-add", arguments: arguments), config: config)
            try finish(response, json: json) { print($0.message ?? "queued") }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the entries waiting or on air.",
            discussion: "Example:\n  loaxa queue list --json")

        @OptionGroup var options: ConfigOption
        @Flag(name: .long, help: "Print JSON instead of text.") var json = false

        func run() throws {
            let config = try options.loadConfig()
            let response = try askDaemon(ControlRequest(command: "queue-list"), config: config)
            try finish(response, json: json) { response in
                let entries = response.queue ?? []
                guard !entries.isEmpty else {
                    print("The queue is empty.")
                    return
                }
                var rows = [["ID", "PRIORITY", "STATE", "BLOCK", "LENGTH", "EXPIRES", "BY", "SEGMENT"]]
                for e in entries {
                    rows.append([
                        String(e.id), e.priority, e.state, e.block ?? "-", e.durationMs.map(minutesSeconds) ?? "?",
                        e.expires ?? "-", e.addedBy ?? "-", e.title.map { "\($0) [\(e.media)]" } ?? e.media,
                    ])
                }
                print(TextTable.align(rows).joined(separator: "\n"))
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a waiting entry (see `loaxa queue list` for its id).",
            discussion: "Example:\n  loaxa queue remove 12")

        @OptionGroup var options: ConfigOption
        @Argument(help: "The entry's id.") var id: Int64
        @Flag(name: .long, help: "Print JSON instead of text.") var json = false

        func run() throws {
            let config = try options.loadConfig()
            let response = try askDaemon(
                ControlRequest(command: "queue-remove", arguments: ["id": String(id)]), config: config)
            try finish(response, json: json) { print($0.message ?? "removed") }
        }
    }
}

extension Priority: ExpressibleByArgument {}

/// Prints a daemon's answer: the whole response as JSON, or `text` of it; a refusal goes
/// to stderr with exit code 1.
func finish(_ response: ControlResponse, json: Bool, text: (ControlResponse) -> Void) throws {
    guard response.ok else {
        printError("loaxa: \(response.error ?? "the daemon refused")")
        throw ExitCode(1)
    }
    if json {
        print(jsonText(response.queue ?? []))
    } else {
        text(response)
    }
}

func jsonText<T: Encodable>(_ value: T) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: (try? encoder.encode(value)) ?? Data("null".utf8), as: UTF8.self)
}

func minutesSeconds(_ ms: Int64) -> String {
    let s = ms / 1000
    return String(format: "%d:%02d", s / 60, s % 60)
}
