import LoaxaCore
import Testing
@testable import LoaxaSchedule

@Suite struct StationTimeZoneTests {
    static func utc(_ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int, _ s: Int = 0) -> WallTime {
        WallTime(seconds: CivilDate(year: y, month: mo, day: d).daysSinceEpoch * 86_400 + Int64(h * 3600 + mi * 60 + s))
    }

    @Test func vietnamIsSevenHoursAhead() throws {
        let zone = try #require(StationTimeZone(identifier: "Asia/Ho_Chi_Minh"))
        let date = CivilDate(year: 2024, month: 5, day: 19)
        let t = zone.wallTime(date: date, secondOfDay: 17 * 3600 + 30 * 60)
        #expect(t == Self.utc(2024, 5, 19, 10, 30))
        #expect(RFC3339.format(t, offsetSeconds: zone.offsetSeconds(at: t)) == "2024-05-19T17:30:00.000000+07:00")
        #expect(zone.offsetSeconds(at: t) == 7 * 3600)
        #expect(zone.localDate(of: t) == date)
        #expect(zone.localSecondOfDay(of: t) == 17 * 3600 + 30 * 60)
        // 05:00 local is still the previous day in UTC.
        let early = zone.wallTime(date: date, secondOfDay: 5 * 3600)
        #expect(early == Self.utc(2024, 5, 18, 22, 0))
        #expect(zone.localDate(of: early) == date)
        #expect(zone.localDate(of: Self.utc(2024, 5, 19, 16, 59, 59)) == date)
        #expect(zone.localDate(of: Self.utc(2024, 5, 19, 17, 0)) == date.adding(days: 1))
        // Seconds past a day's end land on the next day.
        #expect(zone.wallTime(date: date, secondOfDay: 86_400 + 60) == zone.wallTime(date: date.adding(days: 1), secondOfDay: 60))
    }

    @Test func berlinOnOrdinaryAndDaylightSavingDays() throws {
        let zone = try #require(StationTimeZone(identifier: "Europe/Berlin"))
        // Winter: UTC+1; summer: UTC+2.
        #expect(zone.wallTime(date: CivilDate(year: 2024, month: 1, day: 15), secondOfDay: 6 * 3600) == Self.utc(2024, 1, 15, 5, 0))
        #expect(zone.wallTime(date: CivilDate(year: 2024, month: 7, day: 15), secondOfDay: 6 * 3600) == Self.utc(2024, 7, 15, 4, 0))

        // 2024-03-31: 02:00 CET jumps to 03:00 CEST (at 01:00 UTC).
        let spring = CivilDate(year: 2024, month: 3, day: 31)
        #expect(zone.wallTime(date: spring, secondOfDay: 1 * 3600 + 59 * 60) == Self.utc(2024, 3, 31, 0, 59))
        #expect(zone.wallTime(date: spring, secondOfDay: 3 * 3600) == Self.utc(2024, 3, 31, 1, 0))
        // 02:30 does not exist: moved forward by the hour skipped, to 03:30 CEST.
        let gap = zone.wallTime(date: spring, secondOfDay: 2 * 3600 + 30 * 60)
        #expect(gap == Self.utc(2024, 3, 31, 1, 30))
        #expect(zone.localSecondOfDay(of: gap) == 3 * 3600 + 30 * 60)
        #expect(zone.wallTime(date: spring, secondOfDay: 6 * 3600) == Self.utc(2024, 3, 31, 4, 0))
        #expect(zone.offsetSeconds(at: Self.utc(2024, 3, 31, 0, 59)) == 3600)
        #expect(zone.offsetSeconds(at: Self.utc(2024, 3, 31, 1, 0)) == 7200)

        // 2024-10-27: 03:00 CEST falls back to 02:00 CET (at 01:00 UTC); 02:30 happens twice.
        let autumn = CivilDate(year: 2024, month: 10, day: 27)
        let twice = zone.wallTime(date: autumn, secondOfDay: 2 * 3600 + 30 * 60)
        #expect(twice == Self.utc(2024, 10, 27, 0, 30))
        #expect(zone.localSecondOfDay(of: Self.utc(2024, 10, 27, 1, 30)) == 2 * 3600 + 30 * 60)
        #expect(zone.wallTime(date: autumn, secondOfDay: 6 * 3600) == Self.utc(2024, 10, 27, 5, 0))
        #expect(zone.wallTime(date: autumn, secondOfDay: 0) == Self.utc(2024, 10, 26, 22, 0))
        #expect(zone.localDate(of: Self.utc(2024, 10, 26, 22, 0)) == autumn)
        #expect(zone.localDate(of: Self.utc(2024, 10, 26, 21, 59, 59)) == autumn.adding(days: -1))
    }

    @Test func roundTripsEverySecondOfDayAwayFromTransitions() throws {
        let zone = try #require(StationTimeZone(identifier: "Europe/Berlin"))
        for date in [CivilDate(year: 2024, month: 3, day: 30), CivilDate(year: 2024, month: 6, day: 1), CivilDate(year: 1999, month: 12, day: 31)] {
            for second in stride(from: 0, to: 86_400, by: 997) {
                let t = zone.wallTime(date: date, secondOfDay: second)
                #expect(zone.localDate(of: t) == date)
                #expect(zone.localSecondOfDay(of: t) == second)
            }
        }
    }

    @Test func unknownNamesAreRefused() {
        #expect(StationTimeZone(identifier: "Asia/Hanoi") == nil)
        #expect(StationTimeZone(identifier: "") == nil)
        #expect(StationTimeZone(identifier: "GMT+7") == nil)
        #expect(StationTimeZone(identifier: "UTC")?.identifier == "UTC")
        #expect(StationTimeZone.utc.offsetSeconds(at: WallTime(seconds: 0)) == 0)
    }
}
