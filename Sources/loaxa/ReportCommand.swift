import ArgumentParser
import Foundation
import LoaxaCore
import LoaxaReport
import LoaxaSchedule
import LoaxaStore

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write the period report (in Vietnamese): broadcasts, programmes, plan targets.",
        discussion: """
            Counts, from the airplay log, the broadcasts held and missed, the segments aired and \
            their airtime by topic, month and block, each distinct programme, the emergency \
            broadcasts and every airing that did not complete; and, for each target of the plans in \
            the plans folder that apply, the target, what was achieved and the shortfall. Headings, \
            topic names and periods come from [report] in the config. Reads the database directly, \
            so it works while the daemon is stopped. The report ends with the log's head: keep it \
            to check the log later with loaxa log verify --head.
            Examples:
              loaxa report --period 2025-h1 --format xlsx --out bao-cao-6-thang-2025.xlsx
              loaxa report --from 2025-01-01 --to 2025-12-31 --format md
            """)

    @OptionGroup var options: ConfigOption
    @Option(help: "First day (YYYY-MM-DD, station time), inclusive.") var from: String?
    @Option(help: "Last day (YYYY-MM-DD, station time), inclusive.") var to: String?
    @Option(help: "A named period instead of --from/--to: 2025, 2025-06, 2025-h1, 2025-q3, ...") var period: String?
    @Option(help: "md, csv, json or xlsx.") var format: ReportWriter.Format = .md
    @Option(help: "Write to this file instead of standard output (required for xlsx).") var out: String?

    func validate() throws {
        if period != nil && (from != nil || to != nil) { throw ValidationError("give either --period or --from and --to, not both") }
        if period == nil && (from == nil || to == nil) {
            throw ValidationError("give the period: --from D --to D, or --period (2025, 2025-06, 2025-h1, ...)")
        }
        if format == .xlsx && out == nil { throw ValidationError("--format xlsx writes a workbook: give --out FILE.xlsx") }
    }

    func run() throws {
        let config = try options.loadConfig()
        let days: ReportDays
        if let period {
            switch ReportDays.parse(period, periods: config.report.periods) {
            case .success(let d): days = d
            case .failure(let error):
                printError("loaxa: \(error)")
                throw ExitCode(1)
            }
        } else {
            guard let first = CivilDate(from!), let last = CivilDate(to!) else {
                printError("loaxa: --from \(from!) --to \(to!): dates are written YYYY-MM-DD")
                throw ExitCode(1)
            }
            guard first <= last else {
                printError("loaxa: --to \(last) is before --from \(first)")
                throw ExitCode(1)
            }
            days = ReportDays(first: first, last: last)
        }
        let (plans, problems) = Plan.loadAll(folder: config.paths.plans)
        guard problems.isEmpty else {
            printError(DiagnosticList(problems).description)
            printError("loaxa: the plans have problems (above); fix them, then make the report again")
            throw ExitCode(1)
        }
        let log = try openLog(config)
        let report = try ReportBuilder(log: log, config: config, plans: plans).build(days: days)
        do {
            try ReportWriter(report: report, config: config.report).write(format, to: out)
        } catch let error as ReportError {
            printError("loaxa: \(error)")
            throw ExitCode(1)
        }
        printError("report \(days.name ?? days.title): \(report.total.airings) airings, \(report.total.blocksHeld) broadcasts held, \(report.total.blocksMissed) missed; log head: \(report.headText)")
    }
}

extension ReportWriter.Format: ExpressibleByArgument {}
