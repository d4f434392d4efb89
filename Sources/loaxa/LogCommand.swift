import ArgumentParser
import Foundation
import LoaxaCore
import LoaxaSchedule
import LoaxaStore

struct LogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log", abstract: "The airplay log.", subcommands: [Export.self, Verify.self])

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export the airplay records as CSV (for Excel) or JSON.",
            discussion: """
                Reads the database directly, so it works while the daemon is stopped. The log's head \
                (sequence number and hash) is in every record, as log_head, and printed on standard error: keep it \
                to check the log later with loaxa log verify --head.
                Example:
                  loaxa log export --format csv --from 2025-01-01 --to 2025-06-30 --out bao-cao.csv
                """)

        @OptionGroup var options: ConfigOption
        @Option(help: "csv or json.") var format: LogExporter.Format = .csv
        @Option(help: "First day (YYYY-MM-DD, station time), inclusive.") var from: String?
        @Option(help: "Last day (YYYY-MM-DD, station time), inclusive.") var to: String?
        @Option(help: "Write to this file instead of standard output.") var out: String?

        func run() throws {
            let config = try options.loadConfig()
            let zone = config.station.timeZone
            func day(_ text: String?, _ name: String) throws -> CivilDate? {
                guard let text else { return nil }
                guard let d = CivilDate(text) else { throw ValidationError("--\(name) \(text): not a date (YYYY-MM-DD)") }
                return d
            }
            let fromTime = try day(from, "from").map { zone.wallTime(date: $0, secondOfDay: 0) }
            let toTime = try day(to, "to").map { zone.wallTime(date: $0.adding(days: 1), secondOfDay: 0) }
            guard let log = try AirplayLog.openReadOnly(path: config.paths.database) else {
                printError("loaxa: no airplay log yet at \(config.paths.database) (the daemon creates it when it first runs)")
                throw ExitCode(1)
            }
            let handle: FileHandle
            if let out {
                guard FileManager.default.createFile(atPath: out, contents: nil), let h = FileHandle(forWritingAtPath: out) else {
                    printError("loaxa: cannot write \(out)")
                    throw ExitCode(1)
                }
                handle = h
            } else {
                handle = .standardOutput
            }
            let summary = try LogExporter(log: log) { zone.offsetSeconds(at: $0) }
                .export(format, from: fromTime, to: toTime, into: handle)
            printError("\(summary.records) records; log head: \(summary.head.map(\.description) ?? "empty log")")
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that no event of the airplay log was changed, removed, inserted or reordered.",
            discussion: """
                Recomputes the hash chain from the first event to the last. Events removed from the end \
                leave no trace in the chain: give --head with a head printed earlier (by an export or a \
                report, or by this command) to check that the log still holds that event unchanged. \
                Exits 0 when the log is intact, 1 naming the first bad event when it is not.
                Examples:
                  loaxa log verify
                  loaxa log verify --head "seq 1234 sha256 0a1b...e9f0"
                """)

        @OptionGroup var options: ConfigOption
        @Option(help: "A head printed earlier: \"seq N sha256 HEX\" (or N:HEX).") var head: String?

        func run() throws {
            let config = try options.loadConfig()
            let anchor: LogHead?
            if let head {
                guard let parsed = LogHead(text: head) else {
                    throw ValidationError("--head \"\(head)\" is not a head; write it as printed: \"seq 1234 sha256 <64 hex digits>\"")
                }
                anchor = parsed
            } else {
                anchor = nil
            }
            guard let log = try AirplayLog.openReadOnly(path: config.paths.database) else {
                printError("loaxa: no airplay log at \(config.paths.database) (the daemon creates it when it first runs)")
                throw ExitCode(1)
            }
            let result = try log.verify(anchor: anchor)
            guard result.isIntact else {
                printError("loaxa: \(result)")
                throw ExitCode(1)
            }
            print(result)
            if let anchor { print("it still holds the head given, \(anchor)") }
        }
    }
}

extension LogExporter.Format: ExpressibleByArgument {}
