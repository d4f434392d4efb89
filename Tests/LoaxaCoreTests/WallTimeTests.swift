import LoaxaCore
import Testing

@Test func civilDateRoundTripsOverCenturies() {
    for days in stride(from: Int64(-800_000), through: 800_000, by: 997) {
        let date = CivilDate(daysSinceEpoch: days)
        #expect(date.daysSinceEpoch == days)
    }
    #expect(CivilDate(daysSinceEpoch: 0) == CivilDate(year: 1970, month: 1, day: 1))
    #expect(CivilDate("2024-02-29") != nil)
    #expect(CivilDate("2023-02-29") == nil)
    #expect(CivilDate("2024-13-01") == nil)
    #expect(CivilDate(year: 2024, month: 5, day: 19).weekday == 6)  // a Sunday
}

@Test func rfc3339CarriesMicrosecondsAndTheStationOffset() {
    // 2024-05-19T10:30:00.000123Z is 17:30 in Vietnam.
    let t = WallTime(microseconds: 1_716_114_600_000_123)
    #expect(RFC3339.format(t, offsetSeconds: 7 * 3600) == "2024-05-19T17:30:00.000123+07:00")
    #expect(RFC3339.format(t, offsetSeconds: 0) == "2024-05-19T10:30:00.000123Z")
    #expect(RFC3339.format(WallTime(microseconds: -1), offsetSeconds: 0) == "1969-12-31T23:59:59.999999Z")
}
