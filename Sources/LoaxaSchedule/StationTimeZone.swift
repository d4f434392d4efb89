import Foundation
import LoaxaCore

/// The station's time zone, an IANA name (`Asia/Ho_Chi_Minh`), converting between the
/// station's local clock and `WallTime`.
///
/// The rules come from the system's zoneinfo file (`TZif`), with Foundation's `TimeZone` as
/// a fallback where that file cannot be read. Vietnam has used UTC+7 without daylight saving
/// since 1975, but any zone works: a local time that a spring-forward gap skips is moved
/// forward by the gap's length (02:30 becomes 03:30, as `mktime` and java.time do); a local
/// time that a fall-back overlap repeats maps to its earlier instant.
public struct StationTimeZone: Hashable, Sendable, CustomStringConvertible {
    /// The IANA name, as configured.
    public let identifier: String
    private let rules: Rules

    private enum Rules: Hashable, Sendable {
        case tzif(TZif)
        case foundation(TimeZone)
    }

    /// The zone with IANA name `identifier`; nil when the system does not know it. Offset
    /// names such as `GMT+7` are refused: the station needs a place's rules.
    public init?(identifier: String) {
        guard !identifier.isEmpty else { return nil }
        let upper = identifier.uppercased()
        let isOffsetName = (upper.hasPrefix("GMT") || upper.hasPrefix("UTC")) && identifier.count > 3
        guard !isOffsetName else { return nil }
        if let tzif = TZif(identifier: identifier) {
            rules = .tzif(tzif)
        } else if let zone = TimeZone(identifier: identifier) {
            rules = .foundation(zone)
        } else {
            return nil
        }
        self.identifier = identifier
    }

    private init(zone: TimeZone, identifier: String) {
        self.rules = .foundation(zone)
        self.identifier = identifier
    }

    /// Coordinated Universal Time, which needs no time zone data.
    public static let utc = StationTimeZone(zone: .gmt, identifier: "UTC")

    public var description: String { identifier }

    /// Seconds to add to UTC to get the station's local clock at `time`.
    public func offsetSeconds(at time: WallTime) -> Int {
        let seconds = floorDivMod(time.microseconds, 1_000_000).0
        switch rules {
        case .tzif(let tzif): return tzif.offset(at: seconds)
        case .foundation(let zone): return zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds)))
        }
    }

    /// The instant at which the local clock shows `secondOfDay` seconds after midnight of
    /// `date`. `secondOfDay` may pass 86 400 (the next day) or be negative.
    public func wallTime(date: CivilDate, secondOfDay: Int) -> WallTime {
        let local = date.daysSinceEpoch * 86_400 + Int64(secondOfDay)
        // The offsets in force around that moment: a rule changes at most once in two days.
        let candidates = Set([-86_400, 0, 86_400].map { offsetSeconds(at: WallTime(seconds: local + Int64($0))) })
        // An offset is right when the instant it gives has that offset; of two (a repeated
        // hour), the larger offset is the earlier instant.
        let valid = candidates.filter { offsetSeconds(at: WallTime(seconds: local - Int64($0))) == $0 }
        if let offset = valid.max() {
            return WallTime(seconds: local - Int64(offset))
        }
        // A skipped hour: read the clock with the offset from before the jump (the smaller
        // one, as clocks jump forward), which lands as far past the jump as the time was.
        return WallTime(seconds: local - Int64(candidates.min() ?? 0))
    }

    /// The station's local date at `time`.
    public func localDate(of time: WallTime) -> CivilDate {
        CivilDate(daysSinceEpoch: floorDivMod(localSeconds(of: time), 86_400).0)
    }

    /// Seconds since local midnight at `time`, 0 ..< 86 400.
    public func localSecondOfDay(of time: WallTime) -> Int {
        Int(floorDivMod(localSeconds(of: time), 86_400).1)
    }

    private func localSeconds(of time: WallTime) -> Int64 {
        floorDivMod(time.microseconds, 1_000_000).0 + Int64(offsetSeconds(at: time))
    }
}
