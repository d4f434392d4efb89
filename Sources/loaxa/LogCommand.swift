import ArgumentParser
import Foundation
import LoaxaCore
import LoaxaSchedule
import LoaxaStore

struct LogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log", abstract: "The airplay log: what aired, when, and how it ended.",
        subcommands: [List.self, Export.self, Verify.self], defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the airplay records of a period (yesterday and today when none is given).",
            discussion: """
                One line per airing: when it started (station time), the block, how it ended, how long \
                it aired, its title. Reads the database directly, so it works while the daemon is stopped.
                Examples:
                  loaxa log
                  loaxa log --from 2025-06-01 --to 2025-06-30 --json
                """)

        @OptionGroup var options: ConfigOption
        @OptionGroup var period: DayRange
        @Flag(name: .long, help: "Print JSON (the fields of log export --format json) instead of a table.") var json = false

        func run() throws {
            let config = try options.loadConfig()
            let zone = config.station.timeZone
            let today = zone.localDate(of: .now())
            let (from, to) = try period.times(in: zone, defaultFirst: today.adding(days: -1), defaultLast: today)
            let log = try openLog(config)
            let exporter = LogExporter(log: log) { zone.offsetSeconds(at: $0) }
            if json {
                try exporter.export(.json, from: from, to: to, into: .standardOutput)
                return
            }
            var rows = [["STARTED", "BLOCK", "OUTCOME", "AIRED", "SOURCE", "TITLE"]]
            let head = try log.forEachSegmentRecord(from: from, to: to) { r in
                let at = r.startedAt ?? r.scheduledAt
                rows.append([
                    at.map { RFC3339.format($0, offsetSeconds: zone.offsetSeconds(at: $0)) } ?? "-", r.blockID ?? "-",
                    (r.outcome?.rawValue ?? "on air") + (r.reason.map { ": \($0)" } ?? ""),
                    minutesSeconds(r.playedMs), r.source.rawValue, r.title ?? r.media,
                ])
            }
            TextTable.align(rows).forEach { print($0) }
            print("\(rows.count - 1) records; log head: \(head.map(\.description) ?? "empty log")")
        }
    }

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
        @OptionGroup var period: DayRange
        @Option(help: "Write to this file instead of standard output.") var out: String?

        func run() throws {
            let config = try options.loadConfig()
            let (fromTime, toTime) = try period.times(in: config.station.timeZone)
            let zone = config.station.timeZone
            let log = try openLog(config)
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
            let log = try openLog(config)
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

/// `--from D --to D`: a period of whole days, station time.
struct DayRange: ParsableArguments {
    @Option(help: "First day (YYYY-MM-DD, station time), inclusive.") var from: String?
    @Option(help: "Last day (YYYY-MM-DD, station time), inclusive.") var to: String?

    /// The period as `[from, to)` instants; a day not given is open, or the default given.
    func times(
        in zone: StationTimeZone, defaultFirst: CivilDate? = nil, defaultLast: CivilDate? = nil
    ) throws -> (WallTime?, WallTime?) {
        func day(_ text: String?, _ name: String) throws -> CivilDate? {
            guard let text else { return nil }
            guard let d = CivilDate(text) else { throw ValidationError("--\(name) \(text): not a date (YYYY-MM-DD)") }
            return d
        }
        let first = try day(from, "from") ?? (to == nil ? defaultFirst : nil)
        let last = try day(to, "to") ?? (from == nil ? defaultLast : nil)
        if let first, let last, last < first { throw ValidationError("--to \(last) is before --from \(first)") }
        return (first.map { zone.wallTime(date: $0, secondOfDay: 0) }, last.map { zone.wallTime(date: $0.adding(days: 1), secondOfDay: 0) })
    }
}

/// The airplay log, read-only; exits 1 when there is none yet.
func openLog(_ config: StationConfig) throws -> AirplayLog {
    guard let log = try AirplayLog.openReadOnly(path: config.paths.database) else {
        printError("loaxa: no airplay log yet at \(config.paths.database) (the daemon creates it when it first runs)")
        throw ExitCode(1)
    }
    return log
}
