import LoaxaCore
import LoaxaSchedule

/// The days a report covers and what it calls them.
public struct ReportDays: Hashable, Sendable {
    public var first: CivilDate
    public var last: CivilDate
    /// "6 tháng đầu năm 2025"; nil for days given by hand.
    public var name: String?

    public init(first: CivilDate, last: CivilDate, name: String? = nil) {
        self.first = first
        self.last = last
        self.name = name
    }

    /// "6 tháng đầu năm 2025 (từ ngày 01/01/2025 đến ngày 30/06/2025)", or the dates alone.
    public var title: String {
        let dates = "từ ngày \(VietnameseText.date(first)) đến ngày \(VietnameseText.date(last))"
        return name.map { "\($0) (\(dates))" } ?? dates
    }

    /// Reads `--period`: a year ("2025"), a month ("2025-06"), or a year and one of the
    /// config's period ids ("2025-h1", "2025-q3", "2025-sau-thang").
    public static func parse(_ text: String, periods: [String: ReportPeriod]) -> Result<ReportDays, ReportError> {
        let parts = text.split(separator: "-", maxSplits: 1).map(String.init)
        let ids = periods.keys.sorted().joined(separator: ", ")
        let advice = "write a year (2025), a month (2025-06) or a year and a period: 2025-" + (periods.keys.sorted().first ?? "h1")
            + " (periods: \(ids))"
        guard let yearText = parts.first, yearText.count == 4, let year = Int(yearText), (1970...9999).contains(year) else {
            return .failure(.badPeriod("--period \(text): \(advice)"))
        }
        guard parts.count == 2 else {
            return .success(ReportDays(
                first: CivilDate(year: year, month: 1, day: 1), last: CivilDate(year: year, month: 12, day: 31),
                name: "năm \(year)"))
        }
        let rest = parts[1].lowercased()
        if rest.count == 2, let month = Int(rest), (1...12).contains(month) {
            return .success(ReportDays(
                first: CivilDate(year: year, month: month, day: 1),
                last: CivilDate(year: year, month: month, day: CivilDate.daysIn(month: month, year: year)),
                name: "tháng \(month)/\(year)"))
        }
        guard let period = periods[rest] else { return .failure(.badPeriod("--period \(text): \(advice)")) }
        let days = period.days(in: year)
        return .success(ReportDays(first: days.first, last: days.last, name: "\(period.title) \(year)"))
    }
}

/// Why a report cannot be made.
public enum ReportError: Error, CustomStringConvertible, Sendable {
    case badPeriod(String)
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .badPeriod(let message): return message
        case .cannotWrite(let path, let reason): return "cannot write \(path): \(reason)"
        }
    }
}
