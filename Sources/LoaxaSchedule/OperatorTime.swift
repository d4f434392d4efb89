import LoaxaCore

/// A moment as an operator types it on the command line (`loaxa queue add --expires T`), in
/// the station's local time unless an offset is given:
///
/// - a length from now: `30m`, `2h`, `1h30m`;
/// - a time of day: `18:00` or `18:00:30`, the next time the clock shows it;
/// - a date: `2026-11-30`, meaning the end of that day (midnight after it);
/// - a date and time: `2026-11-30 18:00`, `2026-11-30T18:00:00`;
/// - RFC 3339 with an offset: `2026-11-30T18:00:00+07:00`, `2026-11-30T11:00:00Z`.
public enum OperatorTime {
    /// The moment `text` names, or nil with nothing matched.
    public static func parse(_ text: String, now: WallTime, zone: StationTimeZone) -> WallTime? {
        let text = text.trimmingCharacters(in: .whitespaces)
        if let length = BlockLength.parse(text) { return now + length }
        if let second = secondOfDay(text) {
            let today = zone.localDate(of: now)
            let t = zone.wallTime(date: today, secondOfDay: second)
            return t > now ? t : zone.wallTime(date: today.adding(days: 1), secondOfDay: second)
        }
        if let date = CivilDate(text) { return zone.wallTime(date: date.adding(days: 1), secondOfDay: 0) }
        guard text.count >= 16 else { return nil }
        let datePart = String(text.prefix(10))
        let separator = text[text.index(text.startIndex, offsetBy: 10)]
        guard let date = CivilDate(datePart), separator == " " || separator == "T" || separator == "t" else { return nil }
        var rest = String(text.dropFirst(11))
        var offset: Int?
        if rest.hasSuffix("Z") || rest.hasSuffix("z") {
            offset = 0
            rest.removeLast()
        } else if rest.count > 6, let sign = rest.dropLast(5).last.flatMap({ $0 == "+" ? 1 : $0 == "-" ? -1 : nil }) {
            let zoneText = rest.suffix(5)  // "07:00"
            guard let hm = secondOfDay(String(zoneText)) else { return nil }
            offset = sign * hm
            rest = String(rest.dropLast(6))
        }
        guard let second = secondOfDay(rest) else { return nil }
        guard let offset else { return zone.wallTime(date: date, secondOfDay: second) }
        return WallTime(seconds: (date.daysSinceEpoch * 86_400) + Int64(second) - Int64(offset))
    }

    /// `HH:MM` or `HH:MM:SS` as seconds after midnight.
    static func secondOfDay(_ text: String) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3,
            parts.allSatisfy({ $0.count == 2 && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            let h = Int(parts[0]), let m = Int(parts[1]), h < 24, m < 60
        else { return nil }
        let s = parts.count == 3 ? Int(parts[2]) ?? 60 : 0
        guard s < 60 else { return nil }
        return h * 3600 + m * 60 + s
    }
}
