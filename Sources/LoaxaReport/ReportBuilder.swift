import Foundation
import LoaxaCore
import LoaxaSchedule
import LoaxaStore

/// Gathers a ``PeriodReport`` from the airplay log: one pass over the segment records from
/// the earliest start of a plan in force (or the period's start) to the period's end, and
/// one over the period's blocks.
public struct ReportBuilder {
    public var log: AirplayLog
    public var config: StationConfig
    public var plans: [Plan]

    public init(log: AirplayLog, config: StationConfig, plans: [Plan]) {
        self.log = log
        self.config = config
        self.plans = plans
    }

    public func build(days: ReportDays, now: WallTime = .now()) throws -> PeriodReport {
        let zone = config.station.timeZone
        let report = try PeriodReport(station: config.station.name, days: days, zone: zone, generatedAt: now)
        var measures = plans.filter { $0.from <= days.last && $0.to >= days.first }
            .flatMap { plan in plan.targets.map { TargetTally(plan: plan, target: $0, reportLast: days.last) } }
        let scanFrom = measures.map { zone.wallTime(date: $0.first, secondOfDay: 0) }.reduce(report.from, min)

        report.head = try log.forEachSegmentRecord(from: scanFrom, to: report.to) { record in
            let at = record.startedAt ?? record.scheduledAt ?? record.endedAt
            guard let at else { return }
            let day = zone.localDate(of: at)
            if record.outcome == .completed {
                for i in measures.indices { measures[i].add(record, on: day) }
            }
            guard at >= report.from else { return }
            try tally(record, day: day, into: report)
        }
        try log.forEachBlockOccurrence(from: report.from, to: report.to) { block in
            guard block.blockID != "emergency" else { return }
            let day = zone.localDate(of: block.scheduledAt)
            let month = day.year * 100 + day.month
            if block.held {
                report.total.blocksHeld += 1
                report.byMonth[month, default: .init()].blocksHeld += 1
                report.byBlock[block.blockID, default: .init()].blocksHeld += 1
            } else {
                report.total.blocksMissed += 1
                report.byMonth[month, default: .init()].blocksMissed += 1
                report.byBlock[block.blockID, default: .init()].blocksMissed += 1
            }
            // A title an airing recorded is kept over a missed one's.
            if let title = block.title, block.held || report.blockTitles[block.blockID] == nil {
                report.blockTitles[block.blockID] = title
            }
        }
        report.targets = measures.flatMap { $0.results() }
        return report
    }

    private func tally(_ r: SegmentRecord, day: CivilDate, into report: PeriodReport) throws {
        let month = day.year * 100 + day.month
        if r.source == .emergency {
            report.emergencyAirings += 1
            try report.emergencies.append(r)
        }
        if let outcome = r.outcome, outcome != .completed {
            report.incompleteCount += 1
            try report.incomplete.append(r)
        }
        guard r.startedAt != nil else { return }
        let key = r.sha256 ?? "path:" + r.media
        let number: Int
        if let known = report.programmeNumbers[key] {
            number = known
        } else {
            number = report.programmeList.count
            report.programmeNumbers[key] = number
            report.programmeList.append(
                PeriodReport.Programme(sha256: r.sha256 ?? "", title: r.title, topic: r.topic, media: r.media, plannedMs: r.plannedMs))
        }
        func count(_ c: inout PeriodReport.Counts) {
            c.airings += 1
            c.airtimeMs += r.playedMs
            if r.outcome == .completed { c.completed += 1 }
            c.programmes.insert(number)
        }
        count(&report.total)
        count(&report.byTopic[r.topic ?? "", default: .init()])
        count(&report.byMonth[month, default: .init()])
        count(&report.byBlock[r.blockID ?? "", default: .init()])
        report.programmeList[number].airings += 1
        if r.outcome == .completed { report.programmeList[number].completed += 1 }
        if let t = r.startedAt {
            report.programmeList[number].first = min(report.programmeList[number].first ?? t, t)
            report.programmeList[number].last = max(report.programmeList[number].last ?? t, t)
        }
    }
}

/// What one plan target has counted so far.
struct TargetTally {
    let plan: Plan
    let target: PlanTarget
    /// The days counted: the plan's, up to the report's last day.
    let first: CivilDate
    let last: CivilDate
    private var airings = 0
    private var airtimeMs: Int64 = 0
    private var programmes = Set<String>()
    /// Airings by week (days since the epoch of its Monday) and by month (year × 100 + month).
    private var weeks: [Int64: Int] = [:]
    private var months: [Int: Int] = [:]

    init(plan: Plan, target: PlanTarget, reportLast: CivilDate) {
        self.plan = plan
        self.target = target
        first = plan.from
        last = min(plan.to, reportLast)
    }

    /// Counts a completed airing made on `day`.
    mutating func add(_ r: SegmentRecord, on day: CivilDate) {
        guard day >= first && day <= last, target.counts(topic: r.topic, plannedMs: r.plannedMs) else { return }
        airings += 1
        airtimeMs += r.playedMs
        programmes.insert(r.sha256 ?? "path:" + r.media)
        weeks[day.daysSinceEpoch - Int64(day.weekday), default: 0] += 1
        months[day.year * 100 + day.month, default: 0] += 1
    }

    func results() -> [TargetResult] {
        target.measures.map { measure in
            var wanted: Int
            var achieved: Int
            switch measure {
            case .programmes(let n): (wanted, achieved) = (n, programmes.count)
            case .airings(let n): (wanted, achieved) = (n, airings)
            case .minutes(let n): (wanted, achieved) = (n, Int(airtimeMs / 60_000))
            case .perWeek(let n):
                // Whole weeks, Monday to Sunday, inside the days counted.
                let firstMonday = first.daysSinceEpoch + Int64((7 - first.weekday) % 7)
                let mondays = stride(from: firstMonday, through: last.daysSinceEpoch - 6, by: 7)
                wanted = mondays.underestimatedCount
                achieved = mondays.filter { weeks[$0, default: 0] >= n }.count
            case .perMonth(let n):
                // Whole calendar months inside the days counted.
                var keys: [Int] = []
                var d = first.day == 1 ? first : CivilDate(year: first.year, month: first.month, day: 1).adding(days: 32)
                d = CivilDate(year: d.year, month: d.month, day: 1)
                while d.adding(days: CivilDate.daysIn(month: d.month, year: d.year) - 1) <= last {
                    keys.append(d.year * 100 + d.month)
                    d = d.adding(days: CivilDate.daysIn(month: d.month, year: d.year))
                }
                wanted = keys.count
                achieved = keys.filter { months[$0, default: 0] >= n }.count
            }
            return TargetResult(
                plan: plan, target: target, measure: measure, first: first, last: last, wanted: wanted, achieved: achieved)
        }
    }
}
