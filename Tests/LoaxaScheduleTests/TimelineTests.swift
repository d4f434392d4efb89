import LoaxaCore
import Testing
@testable import LoaxaSchedule

@Suite struct TimelineTests {
    static let vietnam = StationTimeZone(identifier: "Asia/Ho_Chi_Minh")!

    static let schedule = Schedule(blocks: [
        ScheduleBlock(
            id: "toi", title: "Buổi tối", startSecond: 18 * 3600, lengthMicros: minutes(30),
            recurrence: .daily, items: [.queue]),
        ScheduleBlock(
            id: "sang", startSecond: 6 * 3600, lengthMicros: minutes(30),
            recurrence: .weekly(
                days: [.monday, .tuesday, .wednesday, .thursday, .friday],
                from: CivilDate(year: 2024, month: 1, day: 1), until: CivilDate(year: 2024, month: 12, day: 31)),
            items: [.file("jingles/mo-dau.ogg"), .topic("giam-ngheo", count: 2)]),
        ScheduleBlock(
            id: "hop-dan", startSecond: 17 * 3600 + 30 * 60,
            recurrence: .once(CivilDate(year: 2024, month: 5, day: 19)), items: [.file("thong-bao/hop-dan.wav")]),
        ScheduleBlock(
            id: "cuoi-tuan", startSecond: 8 * 3600, recurrence: .weekly(days: [.saturday, .sunday], from: nil, until: nil),
            items: [.queue]),
    ])

    static func on(_ y: Int, _ m: Int, _ d: Int) -> [String] {
        summary(schedule.plannedBlocks(on: CivilDate(year: y, month: m, day: d), zone: vietnam), zone: vietnam)
    }

    @Test func weekdaysAndOrder() {
        #expect(Self.on(2024, 5, 20) == ["sang@06:00", "toi@18:00"])  // Monday
        #expect(Self.on(2024, 5, 18) == ["cuoi-tuan@08:00", "toi@18:00"])  // Saturday
        #expect(Self.on(2024, 5, 19) == ["cuoi-tuan@08:00", "hop-dan@17:30", "toi@18:00"])  // Sunday, one-off
        #expect(Self.on(2024, 5, 26) == ["cuoi-tuan@08:00", "toi@18:00"])  // the one-off is gone
    }

    @Test func fromAndUntilAreInclusive() {
        #expect(Self.on(2024, 1, 1) == ["sang@06:00", "toi@18:00"])  // Monday, first day
        #expect(Self.on(2024, 12, 31) == ["sang@06:00", "toi@18:00"])  // Tuesday, last day
        #expect(Self.on(2023, 12, 29) == ["toi@18:00"])  // Friday before
        #expect(Self.on(2025, 1, 1) == ["toi@18:00"])  // Wednesday after
    }

    @Test func plannedBlocksCarryTheirFields() throws {
        let blocks = Self.schedule.plannedBlocks(on: CivilDate(year: 2024, month: 5, day: 20), zone: Self.vietnam)
        let sang = try #require(blocks.first)
        #expect(sang == PlannedBlock(
            id: "sang", title: "sang", start: WallTime(seconds: 1_716_159_600), lengthMicros: minutes(30),
            items: [.file("jingles/mo-dau.ogg"), .topic("giam-ngheo", count: 2)]))
        #expect(RFC3339.format(sang.start, offsetSeconds: 7 * 3600) == "2024-05-20T06:00:00.000000+07:00")
        #expect(blocks.last?.title == "Buổi tối")
        #expect(blocks.last?.lengthMicros == minutes(30))
    }

    @Test func aRangeOfInstantsCrossesDays() {
        let zone = Self.vietnam
        let from = zone.wallTime(date: CivilDate(year: 2024, month: 5, day: 18), secondOfDay: 12 * 3600)
        let to = zone.wallTime(date: CivilDate(year: 2024, month: 5, day: 20), secondOfDay: 6 * 3600)
        let blocks = Self.schedule.plannedBlocks(from: from, to: to, zone: zone)
        #expect(summary(blocks, zone: zone) == ["toi@18:00", "cuoi-tuan@08:00", "hop-dan@17:30", "toi@18:00"])
        // `to` is excluded, `from` included.
        let later = Self.schedule.plannedBlocks(from: to, to: to + minutes(1), zone: zone)
        #expect(later.map(\.id) == ["sang"])
        #expect(Self.schedule.plannedBlocks(from: to, to: to, zone: zone).isEmpty)
        #expect(blocks.map(\.occurrenceKey).count == Set(blocks.map(\.occurrenceKey)).count)
    }

    @Test func berlinDaysAroundTheClockChange() throws {
        let berlin = try #require(StationTimeZone(identifier: "Europe/Berlin"))
        let daily = Schedule(blocks: [
            ScheduleBlock(id: "night", startSecond: 2 * 3600 + 30 * 60, items: [.queue]),
            ScheduleBlock(id: "morning", startSecond: 6 * 3600, items: [.queue]),
        ])
        let spring = daily.plannedBlocks(on: CivilDate(year: 2024, month: 3, day: 31), zone: berlin)
        #expect(spring.map(\.start) == [StationTimeZoneTests.utc(2024, 3, 31, 1, 30), StationTimeZoneTests.utc(2024, 3, 31, 4, 0)])
        let autumn = daily.plannedBlocks(on: CivilDate(year: 2024, month: 10, day: 27), zone: berlin)
        #expect(autumn.map(\.start) == [StationTimeZoneTests.utc(2024, 10, 27, 0, 30), StationTimeZoneTests.utc(2024, 10, 27, 5, 0)])
        // A 25-hour local day still has each block once.
        let from = berlin.wallTime(date: CivilDate(year: 2024, month: 10, day: 27), secondOfDay: 0)
        let to = berlin.wallTime(date: CivilDate(year: 2024, month: 10, day: 28), secondOfDay: 0)
        #expect(to - from == 25 * 3_600_000_000)
        #expect(daily.plannedBlocks(from: from, to: to, zone: berlin).map(\.id) == ["night", "morning"])
    }
}
