import LoaxaCore
import Testing
@testable import LoaxaSchedule

@Suite struct ScheduleCheckTests {
    /// A block in TOML; `extra` lines go between start and items.
    static func block(_ id: String, _ start: String, _ extra: String = "", items: String = "{ queue = true }") -> String {
        "[[block]]\nid = \"\(id)\"\nstart = \(start)\n" + (extra.isEmpty ? "" : extra + "\n") + "items = [ \(items) ]\n"
    }

    @Test func duplicateIdsAcrossFilesNameTheFirst() {
        let box = Sandbox()
        let a = box.schedule("a.toml", Self.block("sang", "06:00:00", "length = \"10m\""))
        let b = box.schedule("b.toml", "# second\n" + Self.block("sang", "18:00:00", "length = \"10m\""))
        #expect(box.problems() == [
            "\(b):3: block id \"sang\" is already used at \(a):2; ids must be unique across all schedule files",
        ])
    }

    @Test func recurringBlocksOverlapOnlyOnSharedWeekdaysAndDates() {
        let box = Sandbox()
        // Same hour; weekdays share only Wednesday.
        box.schedule("a.toml", Self.block("a", "06:00:00", "length = \"1h\"\ndays = [\"mon\", \"wed\"]"))
        let b = box.schedule("b.toml", Self.block("b", "06:30:00", "length = \"1h\"\ndays = [\"wed\", \"fri\"]"))
        let a = box.schedules + "/a.toml"
        #expect(box.problems() == [
            "\(b):3: block \"b\" (06:30:00–07:30:00) overlaps block \"a\" (06:00:00–07:00:00, \(a):3) on wed; move one of them or shorten it",
        ])

        // No shared weekday: fine.
        box.schedule("b.toml", Self.block("b", "06:30:00", "length = \"1h\"\ndays = [\"tue\", \"fri\"]"))
        #expect(box.problems() == [])
    }

    @Test func dateRangesDecideOverlaps() {
        let box = Sandbox()
        box.schedule("a.toml", Self.block("a", "06:00:00", "length = \"1h\"\nfrom = 2024-01-01\nuntil = 2024-06-30"))
        // Disjoint ranges: fine.
        box.schedule("b.toml", Self.block("b", "06:00:00", "length = \"1h\"\nfrom = 2024-07-01\nuntil = 2024-12-31"))
        #expect(box.problems() == [])
        // Touching on one day (until is inclusive), and that day is a Sunday.
        let b = box.schedule("b.toml", Self.block("b", "06:00:00", "length = \"1h\"\nfrom = 2024-06-30\ndays = [\"sun\"]"))
        #expect(box.problems() == [
            "\(b):3: block \"b\" (06:00:00–07:00:00) overlaps block \"a\" (06:00:00–07:00:00, \(box.schedules)/a.toml:3) on 2024-06-30 (sun); move one of them or shorten it",
        ])
        // The ranges share only 2024-06-28, a Friday; b runs on Saturdays only: no common date.
        box.schedule("a.toml", Self.block("a", "06:00:00", "length = \"1h\"\nfrom = 2024-01-01\nuntil = 2024-06-28\ndays = [\"sat\", \"fri\"]"))
        box.schedule("b.toml", Self.block("b", "06:00:00", "length = \"1h\"\nfrom = 2024-06-28\nuntil = 2024-07-20\ndays = [\"sat\"]"))
        #expect(box.problems() == [])
        // Ten years of daily blocks against a later range: one common week is enough.
        box.schedule("a.toml", Self.block("a", "06:00:00", "length = \"1h\"\nfrom = 2020-01-01\nuntil = 2029-12-31"))
        box.schedule("b.toml", Self.block("b", "06:59:59", "length = \"1h\"\nfrom = 2029-12-25\ndays = [\"thu\"]"))
        #expect(box.problems().first?.hasSuffix("on thu, first on 2029-12-27, until 2029-12-31; move one of them or shorten it") == true)
    }

    @Test func aOneOffBlockOverlapsARecurringOneOnlyOnItsDate() {
        let box = Sandbox()
        box.schedule("a.toml", Self.block("toi", "17:00:00", "length = \"1h\"\ndays = [\"sat\", \"sun\"]"))
        // 2024-05-19 is a Sunday.
        let b = box.schedule("b.toml", Self.block("hop-dan", "17:30:00", "length = \"15m\"\ndate = 2024-05-19"))
        #expect(box.problems() == [
            "\(b):3: block \"hop-dan\" (17:30:00–17:45:00) overlaps block \"toi\" (17:00:00–18:00:00, \(box.schedules)/a.toml:3) on 2024-05-19 (sun); move one of them or shorten it",
        ])
        // On a Monday it does not.
        box.schedule("b.toml", Self.block("hop-dan", "17:30:00", "length = \"15m\"\ndate = 2024-05-20"))
        #expect(box.problems() == [])
    }

    @Test func aBlockPastMidnightOverlapsTheNextMorning() {
        let box = Sandbox()
        let file = box.schedule("a.toml", """
            [[block]]
            id = "dem"
            start = 23:30:00
            length = "1h"
            days = ["fri"]
            items = [ { queue = true } ]

            [[block]]
            id = "som"
            start = 00:15:00
            length = "10m"
            days = ["sat"]
            items = [ { queue = true } ]
            """)
        #expect(box.problems() == [
            "\(file):10: block \"som\" (00:15:00–00:25:00) overlaps block \"dem\" (23:30:00–00:30:00 next day, \(file):3) on sat; move one of them or shorten it",
        ])
        // The night block on Saturday does not reach Saturday morning.
        box.schedule("a.toml", Self.block("dem", "23:30:00", "length = \"1h\"\ndays = [\"sat\"]") + Self.block("som", "00:15:00", "length = \"10m\"\ndays = [\"sat\"]"))
        #expect(box.problems() == [])
    }

    @Test func durationsComeFromFilesWhenNoLengthIsGiven() {
        let box = Sandbox()
        box.media("long.ogg", "short.ogg")
        box.schedule("a.toml", Self.block("a", "06:00:00", items: "{ file = \"long.ogg\" }, { file = \"short.ogg\" }, { queue = true }"))
        let b = box.schedule("b.toml", Self.block("b", "06:20:00"))
        // 15 + 1 minutes: ends 06:16, before b.
        #expect(box.problems(durations: ["long.ogg": minutes(15), "short.ogg": minutes(1)]) == [])
        // 20 + 1 minutes: ends 06:21, after b starts.
        #expect(box.problems(durations: ["long.ogg": minutes(20), "short.ogg": minutes(1)]) == [
            "\(b):3: block \"b\" (06:20:00–06:20:00) overlaps block \"a\" (06:00:00–06:21:00, \(box.schedules)/a.toml:3) every day; move one of them or shorten it",
        ])
    }

    /// A topic item lasts as long as its `count` longest segments (SPEC §4).
    @Test func aTopicItemCountsItsLongestSegments() {
        let box = Sandbox()
        box.media("giam-ngheo/a.opus", "giam-ngheo/b.opus", "giam-ngheo/c.opus")
        box.schedule("a.toml", Self.block("a", "06:00:00", items: "{ topic = \"giam-ngheo\", count = 2 }"))
        let b = box.schedule("b.toml", Self.block("b", "06:20:00"))
        // The two longest, 12 + 9 minutes: ends 06:21, after b starts; the 8-minute one does not count.
        let durations = ["giam-ngheo/a.opus": minutes(9), "giam-ngheo/b.opus": minutes(12), "giam-ngheo/c.opus": minutes(8)]
        #expect(box.problems(durations: durations) == [
            "\(b):3: block \"b\" (06:20:00–06:20:00) overlaps block \"a\" (06:00:00–06:21:00, \(box.schedules)/a.toml:3) every day; move one of them or shorten it",
        ])
        #expect(box.problems(rules: .init(maxBlockMinutes: 20), durations: durations).contains {
            $0.contains("too long: its files last 21m")
        })
    }

    @Test func twoBlocksWithNoDurationAtTheSameTimeOverlap() {
        let box = Sandbox()
        box.schedule("a.toml", Self.block("a", "06:00:00") + Self.block("b", "06:00:00") + Self.block("c", "06:00:01"))
        let problems = box.problems()
        #expect(problems.count == 1)
        #expect(problems.first?.contains("block \"b\"") == true)
    }

    @Test func rulesLimitBlockLength() {
        let box = Sandbox()
        box.media("a.ogg")
        let file = box.schedule("a.toml", """
            [[block]]
            id = "long"
            start = 06:00:00
            length = "50m"
            items = [ { queue = true } ]
            [[block]]
            id = "files"
            start = 08:00:00
            items = [ { file = "a.ogg" }, { file = "a.ogg" } ]
            [[block]]
            id = "fits"
            start = 10:00:00
            length = "45m"
            items = [ { queue = true } ]
            """)
        let rules = StationConfig.Rules(maxBlockMinutes: 45)
        #expect(box.problems(rules: rules, durations: ["a.ogg": minutes(23)]) == [
            "\(file):4: block \"long\" is too long: its length is 50m, more than [rules] max_block_minutes = 45",
            "\(file):8: block \"files\" is too long: its files last 46m, more than [rules] max_block_minutes = 45",
        ])
    }

    @Test func rulesLimitBlocksPerDay() {
        let box = Sandbox()
        box.schedule("a.toml",
            Self.block("sang", "06:00:00", "days = [\"mon\", \"tue\"]")
            + Self.block("trua", "11:00:00", "days = [\"mon\"]")
            + Self.block("chieu", "17:00:00", "days = [\"tue\", \"wed\"]"))
        let rules = StationConfig.Rules(maxBlocksPerDay: 2)
        #expect(box.problems(rules: rules) == [])
        // A one-off block on Monday 2024-05-20 makes three that day.
        let b = box.schedule("b.toml", Self.block("hop", "19:00:00", "date = 2024-05-20"))
        #expect(box.problems(rules: rules) == [
            "\(b):1: 3 blocks run on 2024-05-20 (mon): \"sang\", \"trua\", \"hop\"; [rules] max_blocks_per_day is 2",
        ])
        // Every day on Tuesdays, from a date on.
        box.schedule("b.toml", Self.block("toi", "20:00:00", "days = [\"tue\"]\nfrom = 2024-05-01"))
        #expect(box.problems(rules: rules) == [
            "\(b):1: 3 blocks run on tue, first on 2024-05-07: \"sang\", \"chieu\", \"toi\"; [rules] max_blocks_per_day is 2",
        ])
    }
}
