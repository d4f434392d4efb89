import LoaxaCore

/// A day of the week, numbered as `CivilDate.weekday` numbers them (Monday = 0), and written
/// in schedule files as `mon`, `tue`, `wed`, `thu`, `fri`, `sat`, `sun`.
public enum Weekday: Int, Hashable, Sendable, Codable, CaseIterable, Comparable, CustomStringConvertible {
    case monday = 0, tuesday, wednesday, thursday, friday, saturday, sunday

    /// The weekday of `date`.
    public init(of date: CivilDate) {
        self = Weekday(rawValue: date.weekday) ?? .monday
    }

    /// `mon` … `sun`, in any letter case.
    public init?(abbreviation: String) {
        guard let day = Weekday.allCases.first(where: { $0.abbreviation == abbreviation.lowercased() }) else {
            return nil
        }
        self = day
    }

    /// `mon` … `sun`, as schedule files write it.
    public var abbreviation: String {
        ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][rawValue]
    }

    public var description: String { abbreviation }

    public static func < (a: Weekday, b: Weekday) -> Bool { a.rawValue < b.rawValue }
}
