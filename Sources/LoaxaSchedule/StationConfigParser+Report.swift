import Foundation
import TOMLKit

extension StationConfigParser {
    mutating func report(_ root: TOMLTable) -> StationConfig.Report {
        let (table, path) = section(
            root, "report", keys: ["title", "issuer", "recipient", "signer", "sections", "topics", "periods"])
        var report = StationConfig.Report()
        func text(_ key: String, _ reader: inout TOMLReader) -> String? {
            guard let value = reader.string(table, key, at: path) else { return nil }
            let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines).precomposedStringWithCanonicalMapping
            if trimmed.isEmpty { reader.report(path.appending(key), "report.\(key) is empty; remove it or write the text") }
            return trimmed.isEmpty ? nil : trimmed
        }
        if let title = text("title", &reader) { report.title = title }
        report.issuer = text("issuer", &reader)
        report.recipient = text("recipient", &reader)
        report.signer = text("signer", &reader)
        if table["sections"] != nil, let array = reader.value(table, "sections", at: path, .array)?.array {
            report.sections = sections(array, at: path.appending("sections"))
        }
        if table["topics"] != nil, let topics = reader.table(table, "topics", at: path) {
            for topic in topics.keys.sorted() {
                guard let name = reader.string(topics, topic, at: path.appending("topics")) else { continue }
                report.topicTitles[topic.precomposedStringWithCanonicalMapping] = name.precomposedStringWithCanonicalMapping
            }
        }
        if table["periods"] != nil, let periods = reader.table(table, "periods", at: path) {
            for id in periods.keys.sorted() {
                if let period = period(periods, id, at: path.appending("periods")) {
                    report.periods[id.lowercased()] = period
                }
            }
        }
        return report
    }

    private mutating func sections(_ array: TOMLArray, at path: TOMLKeyPath) -> [ReportSection] {
        let allowed = ReportSection.allCases.map { quoted($0.rawValue) }.joined(separator: ", ")
        var sections: [ReportSection] = []
        for value in array {
            guard let name = value.string else {
                reader.report(path, "report.sections must list section names in double quotes: \(allowed)")
                continue
            }
            guard let section = ReportSection(rawValue: name) else {
                reader.report(path, "report.sections: \(quoted(name)) is not a section; use \(allowed)")
                continue
            }
            if sections.contains(section) {
                reader.report(path, "report.sections names \(quoted(name)) twice")
                continue
            }
            sections.append(section)
        }
        if sections.isEmpty && !array.isEmpty { return ReportSection.allCases }
        if array.isEmpty { reader.report(path, "report.sections is empty; list the sections the report shows: \(allowed)") }
        return sections.isEmpty ? ReportSection.allCases : sections
    }

    private mutating func period(_ table: TOMLTable, _ id: String, at path: TOMLKeyPath) -> ReportPeriod? {
        let place = path.appending(id)
        guard id.range(of: "^[A-Za-z][A-Za-z0-9_-]*$", options: .regularExpression) != nil else {
            reader.report(place, "report.periods: \(quoted(id)) is not a usable period id; use letters first, such as \"h1\" or \"sau-thang\"")
            return nil
        }
        guard let entry = reader.table(table, id, at: path, label: "report.periods.\(id)") else { return nil }
        reader.checkKeys(entry, at: place, allowed: ["title", "from", "to"], place: "report.periods.\(id)")
        let title = reader.string(entry, "title", at: place, label: "report.periods.\(id).title", required: true)
        var days: [MonthDay] = []
        for key in ["from", "to"] {
            guard let text = reader.string(entry, key, at: place, label: "report.periods.\(id).\(key)", required: true) else { continue }
            guard let day = MonthDay(text) else {
                reader.report(place.appending(key), "report.periods.\(id).\(key) = \(quoted(text)) is not a day of the year; write it as \"MM-DD\", such as \"06-30\"")
                continue
            }
            days.append(day)
        }
        guard let title, days.count == 2 else { return nil }
        return ReportPeriod(title: title, from: days[0], to: days[1])
    }
}
