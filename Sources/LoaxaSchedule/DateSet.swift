import LoaxaCore

/// The dates a block runs on, as a range of days (since 1970-01-01) and a set of weekdays:
/// enough to intersect two recurrences without walking their days.
struct DateSet {
    /// Stand-ins for a range with no start or no end (about 3 million years away).
    static let noStart: Int64 = -(1 << 40)
    static let noEnd: Int64 = 1 << 40

    var lower: Int64
    var upper: Int64
    /// Bit `w` set when weekday `w` (Monday = 0) is included.
    var weekdays: UInt8

    static let everyDay: UInt8 = 0x7F

    init(lower: Int64, upper: Int64, weekdays: UInt8) {
        self.lower = lower
        self.upper = upper
        self.weekdays = weekdays
    }

    init(_ recurrence: BlockRecurrence) {
        switch recurrence {
        case .once(let date):
            self.init(lower: date.daysSinceEpoch, upper: date.daysSinceEpoch, weekdays: Self.everyDay)
        case .weekly(let days, let from, let until):
            self.init(
                lower: from?.daysSinceEpoch ?? Self.noStart, upper: until?.daysSinceEpoch ?? Self.noEnd,
                weekdays: days.reduce(0) { $0 | (1 << UInt8($1.rawValue)) })
        }
    }

    static func weekday(_ day: Int64) -> Int { Int(floorDivMod(day + 3, 7).1) }

    var hasStart: Bool { lower > Self.noStart / 2 }

    var hasEnd: Bool { upper < Self.noEnd / 2 }

    /// The same dates moved `days` days later.
    func shifted(by days: Int64) -> DateSet {
        let k = Int(floorDivMod(days, 7).1)
        var rotated: UInt8 = 0
        for w in 0..<7 where weekdays & (1 << UInt8(w)) != 0 {
            rotated |= 1 << UInt8((w + k) % 7)
        }
        return DateSet(lower: lower + days, upper: upper + days, weekdays: rotated)
    }

    func intersection(_ other: DateSet) -> DateSet {
        DateSet(lower: max(lower, other.lower), upper: min(upper, other.upper), weekdays: weekdays & other.weekdays)
    }

    /// The weekdays of the dates actually in the set (a short range may miss some).
    var presentWeekdays: UInt8 {
        guard lower <= upper else { return 0 }
        if upper - lower >= 6 { return weekdays }
        var present: UInt8 = 0
        for day in lower...upper where weekdays & (1 << UInt8(Self.weekday(day))) != 0 {
            present |= 1 << UInt8(Self.weekday(day))
        }
        return present
    }

    var isEmpty: Bool { presentWeekdays == 0 }

    /// The earliest date in the set, when the set has a start.
    var firstDate: CivilDate? {
        guard hasStart, !isEmpty else { return nil }
        for day in lower...(lower + 6) where day <= upper && weekdays & (1 << UInt8(Self.weekday(day))) != 0 {
            return CivilDate(daysSinceEpoch: day)
        }
        return nil
    }

    /// The dates in words: `on 2024-05-19 (sun)`, `on mon, wed, first on 2024-01-01`,
    /// `every day`.
    var text: String {
        let present = presentWeekdays
        if lower == upper {
            return "on \(CivilDate(daysSinceEpoch: lower)) (\(Weekday.allCases[Self.weekday(lower)]))"
        }
        let days = present == Self.everyDay
            ? "every day"
            : "on " + Weekday.allCases.filter { present & (1 << UInt8($0.rawValue)) != 0 }
                .map(\.abbreviation).joined(separator: ", ")
        var out = days
        if let first = firstDate { out += ", first on \(first)" }
        if hasEnd { out += ", until \(CivilDate(daysSinceEpoch: upper))" }
        return out
    }
}
