import LoaxaCore

/// On which local dates a schedule block runs.
public enum BlockRecurrence: Hashable, Sendable {
    /// Once, on this date (`date = 2024-05-19`).
    case once(CivilDate)
    /// On these weekdays (`days`, default every day), between `from` and `until` inclusive
    /// when given.
    case weekly(days: Set<Weekday>, from: CivilDate?, until: CivilDate?)

    /// Every day, with no date range.
    public static let daily = BlockRecurrence.weekly(days: Set(Weekday.allCases), from: nil, until: nil)

    /// Whether a block with this recurrence runs on `date`.
    public func includes(_ date: CivilDate) -> Bool {
        switch self {
        case .once(let day):
            return day == date
        case .weekly(let days, let from, let until):
            if let from, date < from { return false }
            if let until, until < date { return false }
            return days.contains(Weekday(of: date))
        }
    }
}
