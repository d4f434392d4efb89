/// LoaxaCore: the value types every other module shares — instants, station time,
/// planned blocks, segment sources and outcomes, airplay events. No I/O lives here.

#if canImport(Glibc)
import Glibc
#endif

/// An instant on the wall clock, as integer microseconds since the Unix epoch (UTC).
///
/// The airplay log stores every time this way: integers, not formatted text, so that the
/// hash chain's canonical encoding and comparisons are exact.
public struct WallTime: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// Microseconds since 1970-01-01T00:00:00Z.
    public var microseconds: Int64

    public init(microseconds: Int64) { self.microseconds = microseconds }

    public init(seconds: Int64) { self.microseconds = seconds * 1_000_000 }

    /// The system's wall clock now (CLOCK_REALTIME).
    public static func now() -> WallTime {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return WallTime(microseconds: Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1_000)
    }

    public static func < (a: WallTime, b: WallTime) -> Bool { a.microseconds < b.microseconds }

    public static func + (a: WallTime, d: Int64) -> WallTime { WallTime(microseconds: a.microseconds + d) }

    public static func - (a: WallTime, b: WallTime) -> Int64 { a.microseconds - b.microseconds }

    public var description: String { RFC3339.format(self, offsetSeconds: 0) }

    public init(from decoder: Decoder) throws {
        microseconds = try decoder.singleValueContainer().decode(Int64.self)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(microseconds)
    }
}

/// RFC 3339 text for wall times, with microseconds and a fixed UTC offset (`+07:00`).
public enum RFC3339 {
    /// Formats `time` as `2024-05-19T17:30:00.000000+07:00` at the given offset from UTC.
    public static func format(_ time: WallTime, offsetSeconds: Int) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        append(time, offsetSeconds: offsetSeconds, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the text ``format(_:offsetSeconds:)`` gives, as UTF-8, to `bytes` (for writers
    /// of millions of times, which would spend their time on intermediate strings).
    public static func append(_ time: WallTime, offsetSeconds: Int, to bytes: inout [UInt8]) {
        let local = time.microseconds + Int64(offsetSeconds) * 1_000_000
        let (secs, micros) = floorDivMod(local, 1_000_000)
        let (days, secOfDay) = floorDivMod(secs, 86_400)
        let date = CivilDate(daysSinceEpoch: days)
        // "YYYY-MM-DDTHH:MM:SS.ffffff" then "Z" or "+HH:MM", built in place.
        var text: (
            UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
            UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
            UInt8, UInt8
        ) = (
            0, 0, 0, 0, 0x2D, 0, 0, 0x2D, 0, 0, 0x54, 0, 0, 0x3A, 0, 0, 0x3A, 0, 0, 0x2E, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x3A,
            0, 0
        )
        let off = abs(offsetSeconds)
        let length = withUnsafeMutableBytes(of: &text) { out -> Int in
            func put(_ value: Int64, at start: Int, width: Int) {
                var v = value
                for i in stride(from: start + width - 1, through: start, by: -1) {
                    out[i] = 0x30 + UInt8(truncatingIfNeeded: v % 10)
                    v /= 10
                }
            }
            put(Int64(max(0, min(9999, date.year))), at: 0, width: 4)
            put(Int64(date.month), at: 5, width: 2)
            put(Int64(date.day), at: 8, width: 2)
            put(secOfDay / 3600, at: 11, width: 2)
            put(secOfDay % 3600 / 60, at: 14, width: 2)
            put(secOfDay % 60, at: 17, width: 2)
            put(micros, at: 20, width: 6)
            if offsetSeconds == 0 {
                out[26] = UInt8(ascii: "Z")
                return 27
            }
            out[26] = UInt8(ascii: offsetSeconds < 0 ? "-" : "+")
            put(Int64(off / 3600), at: 27, width: 2)
            put(Int64(off % 3600 / 60), at: 30, width: 2)
            return 32
        }
        withUnsafeBytes(of: &text) { bytes.append(contentsOf: $0[0..<length]) }
    }
}

/// Floor division and its non-negative remainder.
@inlinable
public func floorDivMod(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
    let q = a / b, r = a % b
    return r < 0 ? (q - 1, r + b) : (q, r)
}

/// A proleptic Gregorian calendar date, with no time zone.
public struct CivilDate: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD`; nil when the text is not a real date.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
            (1...12).contains(m), d >= 1, d <= CivilDate.daysIn(month: m, year: y)
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// The date `days` days after 1970-01-01 (H. Hinnant's civil_from_days).
    public init(daysSinceEpoch days: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(year: Int(m <= 2 ? y + 1 : y), month: Int(m), day: Int(d))
    }

    /// Days since 1970-01-01 (H. Hinnant's days_from_civil).
    public var daysSinceEpoch: Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = Int64(month > 2 ? month - 3 : month + 9)
        let doy = (153 * mp + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Day of the week, 0 = Monday … 6 = Sunday.
    public var weekday: Int { Int(floorDivMod(daysSinceEpoch + 3, 7).1) }

    public func adding(days: Int) -> CivilDate { CivilDate(daysSinceEpoch: daysSinceEpoch + Int64(days)) }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    public static func < (a: CivilDate, b: CivilDate) -> Bool { a.daysSinceEpoch < b.daysSinceEpoch }

    public var description: String {
        let m = month < 10 ? "0\(month)" : "\(month)"
        let d = day < 10 ? "0\(day)" : "\(day)"
        return "\(year)-\(m)-\(d)"
    }
}
