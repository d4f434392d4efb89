/// The text of a block's `length`: hours, minutes and seconds in that order, each at most
/// once, e.g. `45m`, `1h30m`, `90s`, `1h`, `2h15m30s`.
public enum BlockLength {
    /// The longest length a block may have: a day.
    public static let maximumMicros: Int64 = 86_400_000_000

    /// The length in microseconds; nil when the text is not of that form or is zero.
    public static func parse(_ text: String) -> Int64? {
        var total: Int64 = 0
        var digits = ""
        var lastUnit = -1
        let units: [Character: (order: Int, seconds: Int64)] = ["h": (0, 3600), "m": (1, 60), "s": (2, 1)]
        for c in text {
            if c.isASCII, c.isNumber {
                digits.append(c)
            } else if let unit = units[c] {
                guard !digits.isEmpty, digits.count <= 9, let value = Int64(digits), unit.order > lastUnit else {
                    return nil
                }
                total += value * unit.seconds
                lastUnit = unit.order
                digits = ""
            } else {
                return nil
            }
        }
        guard digits.isEmpty, lastUnit >= 0, total > 0 else { return nil }
        return total * 1_000_000
    }

    /// Microseconds written the way `parse` reads them (`1h30m`); whole seconds, rounded down.
    public static func format(micros: Int64) -> String {
        let seconds = max(micros, 0) / 1_000_000
        let h = seconds / 3600, m = (seconds % 3600) / 60, s = seconds % 60
        var out = ""
        if h > 0 { out += "\(h)h" }
        if m > 0 { out += "\(m)m" }
        if s > 0 || out.isEmpty { out += "\(s)s" }
        return out
    }
}
