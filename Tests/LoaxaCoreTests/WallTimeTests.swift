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

@Test func numbersAsText() {
    #expect(NumberText.fixed(3.14159, 2) == "3.14")
    #expect(NumberText.fixed(-0.04, 1) == "0.0")
    #expect(NumberText.fixed(-16.96, 1) == "-17.0")
    #expect(NumberText.fixed(0.9, 1, signed: true) == "+0.9")
    #expect(NumberText.fixed(2.005, 0) == "2")
    #expect(NumberText.fixed(10.05, 2) == "10.05")
    #expect(NumberText.hex([0, 15, 16, 255]) == "000f10ff")
}
