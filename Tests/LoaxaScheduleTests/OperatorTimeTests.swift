import LoaxaCore
import Testing
@testable import LoaxaSchedule

/// `--expires` as an operator types it, in station time (Vietnam: UTC+7).
@Suite struct OperatorTimeTests {
    static let zone = StationTimeZone(identifier: "Asia/Ho_Chi_Minh")!
    /// 2026-11-23 09:30:00 +07:00.
    static let now = zone.wallTime(date: CivilDate(year: 2026, month: 11, day: 23), secondOfDay: 9 * 3600 + 30 * 60)

    func parse(_ text: String) -> WallTime? { OperatorTime.parse(text, now: Self.now, zone: Self.zone) }

    func local(_ y: Int, _ m: Int, _ d: Int, _ h: Int, _ min: Int, _ s: Int = 0) -> WallTime {
        Self.zone.wallTime(date: CivilDate(year: y, month: m, day: d), secondOfDay: h * 3600 + min * 60 + s)
    }

    @Test func lengthsCountFromNow() {
        #expect(parse("30m") == Self.now + 30 * 60_000_000)
        #expect(parse("1h30m") == Self.now + 90 * 60_000_000)
        #expect(parse("90s") == Self.now + 90_000_000)
    }

    @Test func aTimeOfDayIsTheNextTimeTheClockShowsIt() {
        #expect(parse("18:00") == local(2026, 11, 23, 18, 0))
        #expect(parse("18:00:30") == local(2026, 11, 23, 18, 0, 30))
        #expect(parse("08:00") == local(2026, 11, 24, 8, 0), "already past today: tomorrow")
    }

    @Test func aDateMeansTheEndOfThatDay() {
        #expect(parse("2026-11-30") == local(2026, 12, 1, 0, 0))
    }

    @Test func dateAndTimeInStationTimeOrWithAnOffset() {
        #expect(parse("2026-11-30 18:00") == local(2026, 11, 30, 18, 0))
        #expect(parse("2026-11-30T18:00:05") == local(2026, 11, 30, 18, 0, 5))
        #expect(parse("2026-11-30T18:00:00+07:00") == local(2026, 11, 30, 18, 0))
        #expect(parse("2026-11-30T11:00:00Z") == local(2026, 11, 30, 18, 0))
        #expect(parse("2026-11-30T12:00:00+01:00") == local(2026, 11, 30, 18, 0))
        #expect(parse("2026-11-30T08:00:00-03:00") == local(2026, 11, 30, 18, 0))
    }

    @Test func nonsenseIsRefused() {
        for text in ["", "soon", "25:00", "18:60", "2026-13-01", "2026-11-30 18", "2026-11-30X18:00", "1d", "-5m", "18:00:61"] {
            #expect(parse(text) == nil, "\(text)")
        }
    }
}
