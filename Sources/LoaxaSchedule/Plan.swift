import Foundation
import LoaxaCore
import TOMLKit

/// A communication plan's targets for a period, from a `plans/*.toml` file: what the
/// commune undertook to air (SPEC §10), which the period reports measure.
///
/// ```toml
/// [plan]
/// title = "Kế hoạch truyền thông giảm nghèo bền vững năm 2025"
/// from = 2025-01-01
/// to = 2025-12-31
///
/// [[target]]
/// title = "Chương trình giảm nghèo 10–15 phút"
/// topic = "giam-ngheo"      # leave out to count every topic
/// min_minutes = 10          # only programmes this long count
/// max_minutes = 15
/// programmes = 15           # distinct programmes (by content) aired
/// per_week = 2              # airings in every week of the plan
/// ```
///
/// A target may set any of `programmes`, `airings`, `minutes` (of airtime), `per_week` and
/// `per_month`; each is measured on its own. Only airings that completed count.
public struct Plan: Hashable, Sendable {
    public var file: String
    public var title: String
    /// The first and last day of the plan, station time.
    public var from: CivilDate
    public var to: CivilDate
    public var targets: [PlanTarget]

    /// Loads every `*.toml` file in `folder`, by name. A folder that does not exist holds
    /// no plan; every problem comes back as a diagnostic with its file and line.
    public static func loadAll(folder: String) -> (plans: [Plan], diagnostics: [Diagnostic]) {
        guard LocalPath.kind(folder) != .missing else { return ([], []) }
        var plans: [Plan] = []
        var diagnostics: [Diagnostic] = []
        for file in ScheduleLoader.scheduleFiles(in: folder) {
            switch TOMLDocument.load(path: file, file: file, what: "plan file") {
            case .failure(let diagnostic):
                diagnostics.append(diagnostic)
            case .success(let document):
                var parser = PlanParser(reader: TOMLReader(document: document))
                if let plan = parser.plan(document.table) { plans.append(plan) }
                diagnostics += parser.reader.diagnostics
            }
        }
        return (plans, diagnostics)
    }
}

/// One target of a plan.
public struct PlanTarget: Hashable, Sendable {
    /// The line of `[[target]]`, to point at it.
    public var line: Int
    public var title: String?
    /// The topic (media folder) it counts; nil for every topic.
    public var topic: String?
    /// Only programmes whose length is in this range of minutes count; nil for any length.
    public var minMinutes: Double?
    public var maxMinutes: Double?
    public var measures: [PlanMeasure]

    /// Whether an airing of a programme of `plannedMs` counts for this target.
    public func counts(topic: String?, plannedMs: Int64?) -> Bool {
        if let wanted = self.topic, wanted != topic { return false }
        guard minMinutes != nil || maxMinutes != nil else { return true }
        guard let plannedMs else { return false }
        let minutes = Double(plannedMs) / 60_000
        if let minMinutes, minutes < minMinutes { return false }
        if let maxMinutes, minutes > maxMinutes { return false }
        return true
    }
}

/// What a target measures, and how much it asks for.
public enum PlanMeasure: Hashable, Sendable {
    /// Distinct programmes (by content hash) aired at least once.
    case programmes(Int)
    /// Airings in all.
    case airings(Int)
    /// Minutes of airtime in all.
    case minutes(Int)
    /// At least this many airings in every week (Monday to Sunday) of the plan.
    case perWeek(Int)
    /// At least this many airings in every calendar month of the plan.
    case perMonth(Int)

    static let keys = ["programmes", "airings", "minutes", "per_week", "per_month"]
}

/// Reads one plan file.
struct PlanParser {
    var reader: TOMLReader

    mutating func plan(_ root: TOMLTable) -> Plan? {
        reader.checkKeys(root, at: .root, allowed: ["plan", "target"], place: "a plan file")
        guard let table = reader.table(root, "plan", at: .root, label: "[plan]") else {
            if root["plan"] == nil {
                reader.report(line: 1, "the [plan] table is missing; add [plan] with title, from and to")
            }
            return nil
        }
        let path = TOMLKeyPath.root.appending("plan")
        reader.checkKeys(table, at: path, allowed: ["title", "from", "to"], place: "[plan]")
        let title = reader.string(table, "title", at: path, label: "plan.title", required: true)?
            .trimmingCharacters(in: .whitespacesAndNewlines).precomposedStringWithCanonicalMapping
        if title?.isEmpty == true { reader.report(path.appending("title"), "plan.title is empty; write the plan's name") }
        let from = date(table, "from", at: path)
        let to = date(table, "to", at: path)
        if let from, let to, to < from {
            reader.report(path.appending("to"), "plan.to (\(to)) is before plan.from (\(from))")
        }
        var targets: [PlanTarget] = []
        if root["target"] != nil, let array = reader.value(root, "target", at: .root, .array, label: "[[target]]")?.array {
            for (n, value) in array.enumerated() {
                let targetPath = TOMLKeyPath.root.appending("target").appending(index: n)
                guard let entry = value.table else {
                    reader.report(targetPath, "each target must be a [[target]] table")
                    continue
                }
                if let target = target(entry, at: targetPath) { targets.append(target) }
            }
        }
        if root["target"] == nil { reader.report(path, "the plan has no [[target]]; add at least one") }
        guard let title, !title.isEmpty, let from, let to, from <= to else { return nil }
        return Plan(file: reader.file, title: title, from: from, to: to, targets: targets)
    }

    private mutating func date(_ table: TOMLTable, _ key: String, at path: TOMLKeyPath) -> CivilDate? {
        guard let date = reader.value(table, key, at: path, .date, label: "plan.\(key)", required: true)?.date else {
            return nil
        }
        return CivilDate(year: date.year, month: date.month, day: date.day)
    }

    private mutating func target(_ table: TOMLTable, at path: TOMLKeyPath) -> PlanTarget? {
        reader.checkKeys(
            table, at: path, allowed: ["title", "topic", "min_minutes", "max_minutes"] + PlanMeasure.keys,
            place: "this [[target]]")
        var target = PlanTarget(line: reader.line(path), measures: [])
        target.title = reader.string(table, "title", at: path, label: "title")?.precomposedStringWithCanonicalMapping
        target.topic = reader.string(table, "topic", at: path, label: "topic")?.precomposedStringWithCanonicalMapping
        target.minMinutes = reader.number(table, "min_minutes", at: path, in: 0...1440, label: "min_minutes")
        target.maxMinutes = reader.number(table, "max_minutes", at: path, in: 0...1440, label: "max_minutes")
        if let low = target.minMinutes, let high = target.maxMinutes, high < low {
            reader.report(path.appending("max_minutes"), "max_minutes (\(high)) is less than min_minutes (\(low))")
            return nil
        }
        for key in PlanMeasure.keys {
            guard let n = reader.integer(table, key, at: path, in: 1...1_000_000, label: key) else { continue }
            switch key {
            case "programmes": target.measures.append(.programmes(n))
            case "airings": target.measures.append(.airings(n))
            case "minutes": target.measures.append(.minutes(n))
            case "per_week": target.measures.append(.perWeek(n))
            default: target.measures.append(.perMonth(n))
            }
        }
        if target.measures.isEmpty && !PlanMeasure.keys.contains(where: { table[$0] != nil }) {
            reader.report(path, "this [[target]] sets nothing to measure; give one of " + PlanMeasure.keys.joined(separator: ", "))
            return nil
        }
        return target.measures.isEmpty ? nil : target
    }
}
