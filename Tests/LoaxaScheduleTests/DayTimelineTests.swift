import LoaxaCore
import Testing

@testable import LoaxaSchedule

/// `Schedule.timeline(on:...)`, the expanded day behind `loaxa schedule show`: with made-up
/// media (lengths by name) and explicit dates, so nothing depends on today or on files.
@Suite struct DayTimelineTests {
    static let vietnam = StationTimeZone(identifier: "Asia/Ho_Chi_Minh")!
    static let day = CivilDate(year: 2024, month: 5, day: 20)  // a Monday

    static func seconds(_ s: Int64) -> Int64 { s * 1_000_000 }

    /// Media from tables: files by name (absent ones are missing), topics by name.
    static func media(files: [String: TimelineMedia.FileLength] = [:], topics: [String: [TopicSegment]] = [:])
        -> TimelineMedia
    {
        TimelineMedia(file: { files[$0] ?? .missing }, topic: { topics[$0] ?? [] })
    }

    /// Segments `topic/name` with lengths in seconds.
    static func segments(_ topic: String, _ lengths: [String: Int64?]) -> [TopicSegment] {
        lengths.map { TopicSegment(media: "\(topic)/\($0.key)", durationMicros: $0.value.map { $0 * 1_000_000 }) }
    }

    static let files: [String: TimelineMedia.FileLength] = [
        "jingles/mo-dau.ogg": .micros(seconds(12)), "thong-bao/dai.wav": .micros(minutes(5)),
        "thong-bao/hong.wav": .unknown,
    ]
    static let topics = [
        "giam-ngheo": segments("giam-ngheo", ["a.mp3": 300, "b.mp3": 200, "c.mp3": 250, "hong.mp3": nil])
    ]

    /// `HH:MM:SS` on the local clock, `+1d` when on the day after `day`.
    static func clock(_ t: WallTime, zone: StationTimeZone = vietnam, day: CivilDate = day) -> String {
        let s = zone.localSecondOfDay(of: t)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let days = zone.localDate(of: t).daysSinceEpoch - day.daysSinceEpoch
        return "\(two(s / 3600)):\(two(s % 3600 / 60)):\(two(s % 60))" + (days == 0 ? "" : "+\(days)d")
    }

    /// One line per entry: `start-end kind what [note]`.
    static func lines(_ block: TimelineBlock, zone: StationTimeZone = vietnam, day: CivilDate = day) -> [String] {
        block.entries.map { e in
            "\(clock(e.start, zone: zone, day: day))-\(clock(e.end, zone: zone, day: day)) \(e.kind) "
                + (e.media ?? e.topic ?? "-") + (e.note.map { " [\($0)]" } ?? "")
        }
    }

    @Test func itemsFollowEachOtherAndWhatWouldNotAirIsMarked() throws {
        let schedule = Schedule(blocks: [
            ScheduleBlock(
                id: "sang", title: "Buổi sáng", startSecond: 6 * 3600, lengthMicros: minutes(10),
                items: [
                    .file("jingles/mo-dau.ogg"), .queue, .topic("giam-ngheo", count: 2), .file("jingles/mat.ogg"),
                    .file("thong-bao/hong.wav"), .file("thong-bao/dai.wav"), .file("jingles/mo-dau.ogg"),
                    .topic("trong", count: 1),
                ])
        ])
        let timeline = schedule.timeline(
            on: Self.day, zone: Self.vietnam, media: Self.media(files: Self.files, topics: Self.topics))
        #expect(timeline.date == Self.day)
        let block = try #require(timeline.blocks.first)
        #expect(block.id == "sang" && block.title == "Buổi sáng" && block.lengthMicros == minutes(10))
        #expect(Self.clock(block.start) == "06:00:00" && Self.clock(block.end) == "06:10:00")
        #expect(
            Self.lines(block) == [
                "06:00:00-06:00:12 file jingles/mo-dau.ogg",
                "06:00:12-06:00:12 queue - [operator queue]",
                // Never aired: by path; the segment of unknown length is left out of the rotation.
                "06:00:12-06:05:12 topic giam-ngheo/a.mp3",
                "06:05:12-06:08:32 topic giam-ngheo/b.mp3",
                "06:08:32-06:08:32 file jingles/mat.ogg [missing]",
                "06:08:32-06:08:32 file thong-bao/hong.wav [length unknown]",
                // 5 minutes would end at 06:13:32: not started; the jingle after it still fits.
                "06:08:32-06:08:32 file thong-bao/dai.wav [block full]",
                "06:08:32-06:08:44 file jingles/mo-dau.ogg",
                "06:08:44-06:08:44 topic trong [no segments]",
            ])
        #expect(block.entries[2].topic == "giam-ngheo" && block.entries[0].topic == nil)
        #expect(block.entries.map(\.airs) == [true, false, true, true, false, false, false, true, false])
        #expect(timeline.queueLeft.isEmpty)
    }

    @Test func aTopicSegmentThatDoesNotFitIsSkippedAndAShorterOneMayFollow() throws {
        let schedule = Schedule(blocks: [
            ScheduleBlock(
                id: "ngan", startSecond: 6 * 3600, lengthMicros: Self.seconds(280),
                items: [.topic("giam-ngheo", count: 3)])
        ])
        let timeline = schedule.timeline(on: Self.day, zone: Self.vietnam, media: Self.media(topics: Self.topics))
        #expect(
            Self.lines(try #require(timeline.blocks.first)) == [
                "06:00:00-06:00:00 topic giam-ngheo/a.mp3 [block full]",
                "06:00:00-06:03:20 topic giam-ngheo/b.mp3",
                "06:03:20-06:03:20 topic giam-ngheo/c.mp3 [block full]",
            ])
        // Only what would air counts for the rotation.
        #expect(
            timeline.lastAired(after: [:]) == [
                "giam-ngheo/b.mp3": Self.vietnam.wallTime(date: Self.day, secondOfDay: 6 * 3600)
            ])
    }

    /// With no `length`, a block lasts the sum of its items, a topic item counting as its
    /// longest `count` segments, whichever the rotation picks; nothing is ever "block full".
    @Test func aBlockWithoutLengthLastsItsItems() throws {
        let schedule = Schedule(blocks: [
            ScheduleBlock(
                id: "toi", startSecond: 18 * 3600,
                items: [
                    .file("jingles/mo-dau.ogg"), .topic("giam-ngheo", count: 2), .file("thong-bao/dai.wav"),
                    .file("x.ogg"),
                ])
        ])
        let lastAired = ["giam-ngheo/a.mp3": WallTime(seconds: 5)]
        let timeline = schedule.timeline(
            on: Self.day, zone: Self.vietnam, media: Self.media(files: Self.files, topics: Self.topics),
            lastAired: lastAired)
        let block = try #require(timeline.blocks.first)
        #expect(block.lengthMicros == nil)
        #expect(
            Self.lines(block) == [
                "18:00:00-18:00:12 file jingles/mo-dau.ogg",
                "18:00:12-18:03:32 topic giam-ngheo/b.mp3",
                "18:03:32-18:07:42 topic giam-ngheo/c.mp3",
                "18:07:42-18:12:42 file thong-bao/dai.wav",
                "18:12:42-18:12:42 file x.ogg [missing]",
            ])
        // 12 s + (300 + 250) s + 5 min.
        #expect(block.end - block.start == Self.seconds(12 + 550 + 300))
    }

    @Test func theEveningPicksAfterTheMorningAndTheNextDayAfterBoth() throws {
        let schedule = Schedule(blocks: [
            ScheduleBlock(
                id: "toi", startSecond: 18 * 3600, lengthMicros: minutes(30), items: [.topic("giam-ngheo", count: 2)]),
            ScheduleBlock(
                id: "sang", startSecond: 6 * 3600, lengthMicros: minutes(30), items: [.topic("giam-ngheo", count: 2)]),
        ])
        let media = Self.media(topics: Self.topics)
        let first = schedule.timeline(on: Self.day, zone: Self.vietnam, media: media)
        #expect(first.blocks.map(\.id) == ["sang", "toi"])
        #expect(
            first.blocks.map { $0.entries.compactMap(\.media) } == [
                ["giam-ngheo/a.mp3", "giam-ngheo/b.mp3"], ["giam-ngheo/c.mp3", "giam-ngheo/a.mp3"],
            ])
        let aired = first.lastAired(after: ["giam-ngheo/z.mp3": WallTime(seconds: 1)])
        #expect(aired["giam-ngheo/a.mp3"] == first.blocks[1].entries[1].start)
        #expect(aired["giam-ngheo/b.mp3"] == first.blocks[0].entries[1].start)
        #expect(aired["giam-ngheo/z.mp3"] == WallTime(seconds: 1))
        let second = schedule.timeline(on: Self.day.adding(days: 1), zone: Self.vietnam, media: media, lastAired: aired)
        #expect(
            second.blocks.map { $0.entries.compactMap(\.media) } == [
                ["giam-ngheo/b.mp3", "giam-ngheo/c.mp3"], ["giam-ngheo/a.mp3", "giam-ngheo/b.mp3"],
            ])
        // Airing times passed in count the same way: `lastAired` keys are NFC paths.
        let earlier = schedule.timeline(
            on: Self.day, zone: Self.vietnam, media: media,
            lastAired: ["giam-ngheo/a.mp3": WallTime(seconds: 2), "giam-ngheo/c.mp3": WallTime(seconds: 1)])
        #expect(earlier.blocks[0].entries.compactMap(\.media) == ["giam-ngheo/b.mp3", "giam-ngheo/c.mp3"])
    }

    @Test func queuedSegmentsFillQueueItemsAndWhatDoesNotFitWaits() throws {
        let schedule = Schedule(blocks: [
            ScheduleBlock(
                id: "sang", startSecond: 6 * 3600, lengthMicros: minutes(10),
                items: [.file("jingles/mo-dau.ogg"), .queue, .file("jingles/mo-dau.ogg")]),
            ScheduleBlock(
                id: "trua", startSecond: 11 * 3600, lengthMicros: minutes(10), items: [.file("jingles/mo-dau.ogg")]),
            ScheduleBlock(id: "toi", startSecond: 18 * 3600, items: [.queue]),
        ])
        let queue = [
            QueuedSegment(media: "tin/1.mp3", title: "Tin một", durationMicros: minutes(2)),
            QueuedSegment(media: "tin/dai.mp3", durationMicros: minutes(20)),
            QueuedSegment(media: "tin/toi.mp3", durationMicros: minutes(1), blockID: "toi"),
            QueuedSegment(media: "tin/trua.mp3", durationMicros: minutes(1), blockID: "trua"),
            QueuedSegment(media: "tin/3.mp3", durationMicros: minutes(3)),
        ]
        let timeline = schedule.timeline(
            on: Self.day, zone: Self.vietnam, media: Self.media(files: Self.files), queue: queue)
        #expect(
            Self.lines(timeline.blocks[0]) == [
                "06:00:00-06:00:12 file jingles/mo-dau.ogg",
                "06:00:12-06:02:12 queue tin/1.mp3",
                "06:02:12-06:05:12 queue tin/3.mp3",
                "06:05:12-06:05:24 file jingles/mo-dau.ogg",
            ])
        #expect(timeline.blocks[0].entries[1].title == "Tin một")
        // A block with no queue item takes nothing, even what was queued for it.
        #expect(Self.lines(timeline.blocks[1]) == ["11:00:00-11:00:12 file jingles/mo-dau.ogg"])
        // Without a length the block grows to hold its queue.
        #expect(
            Self.lines(timeline.blocks[2]) == [
                "18:00:00-18:20:00 queue tin/dai.mp3", "18:20:00-18:21:00 queue tin/toi.mp3",
            ])
        #expect(timeline.blocks[2].end - timeline.blocks[2].start == minutes(21))
        #expect(timeline.queueLeft.map(\.media) == ["tin/trua.mp3"])
    }

    /// A block belongs to the date it starts on; its entries after midnight are at times of
    /// the next date, and that date's timeline does not have it.
    @Test func aBlockThatRunsPastMidnightBelongsToItsStartDate() throws {
        let long = ["giam-ngheo": Self.segments("giam-ngheo", ["a.mp3": 40 * 60, "b.mp3": 40 * 60])]
        let schedule = Schedule(blocks: [
            ScheduleBlock(
                id: "dem", startSecond: 23 * 3600 + 30 * 60, lengthMicros: minutes(90),
                recurrence: .once(Self.day), items: [.topic("giam-ngheo", count: 2)]),
            ScheduleBlock(id: "sang", startSecond: 6 * 3600, lengthMicros: minutes(30), items: [.queue]),
        ])
        let media = Self.media(topics: long)
        let timeline = schedule.timeline(on: Self.day, zone: Self.vietnam, media: media)
        #expect(timeline.blocks.map(\.id) == ["sang", "dem"])
        let dem = timeline.blocks[1]
        #expect(
            Self.lines(dem) == [
                "23:30:00-00:10:00+1d topic giam-ngheo/a.mp3",
                "00:10:00+1d-00:50:00+1d topic giam-ngheo/b.mp3",
            ])
        #expect(Self.clock(dem.end) == "01:00:00+1d")
        let next = schedule.timeline(on: Self.day.adding(days: 1), zone: Self.vietnam, media: media)
        #expect(next.blocks.map(\.id) == ["sang"])
    }

    /// Europe/Berlin springs forward at 02:00 on 2024-03-31 and falls back at 03:00 on
    /// 2024-10-27. A block keeps its length in elapsed time across the change; one set in
    /// the skipped hour starts after the jump by as much as it was set after 02:00; one set
    /// in the repeated hour airs once, at the first 02:30.
    @Test func berlinAroundTheClockChanges() throws {
        let berlin = try #require(StationTimeZone(identifier: "Europe/Berlin"))
        let topics = ["giam-ngheo": Self.segments("giam-ngheo", ["a.mp3": 90 * 60])]
        let night = Schedule(blocks: [
            ScheduleBlock(
                id: "dem", startSecond: 1 * 3600 + 30 * 60, lengthMicros: minutes(120),
                items: [.topic("giam-ngheo", count: 1)])
        ])
        let gap = Schedule(blocks: [
            ScheduleBlock(id: "khuya", startSecond: 2 * 3600 + 30 * 60, lengthMicros: minutes(20), items: [.queue])
        ])
        let media = Self.media(topics: topics)
        let spring = CivilDate(year: 2024, month: 3, day: 31)
        let s = try #require(night.timeline(on: spring, zone: berlin, media: media).blocks.first)
        #expect(Self.lines(s, zone: berlin, day: spring) == ["01:30:00-04:00:00 topic giam-ngheo/a.mp3"])
        #expect(Self.clock(s.end, zone: berlin, day: spring) == "04:30:00")
        #expect(s.end - s.start == minutes(120))
        let skipped = try #require(gap.timeline(on: spring, zone: berlin, media: media).blocks.first)
        #expect(skipped.start == StationTimeZoneTests.utc(2024, 3, 31, 1, 30))
        #expect(Self.clock(skipped.start, zone: berlin, day: spring) == "03:30:00")

        let autumn = CivilDate(year: 2024, month: 10, day: 27)
        let a = try #require(night.timeline(on: autumn, zone: berlin, media: media).blocks.first)
        #expect(Self.lines(a, zone: berlin, day: autumn) == ["01:30:00-02:00:00 topic giam-ngheo/a.mp3"])
        #expect(a.entries[0].end == StationTimeZoneTests.utc(2024, 10, 27, 1, 0))  // the second 02:00
        #expect(Self.clock(a.end, zone: berlin, day: autumn) == "02:30:00" && a.end - a.start == minutes(120))
        let repeated = gap.timeline(on: autumn, zone: berlin, media: media).blocks
        #expect(repeated.map(\.start) == [StationTimeZoneTests.utc(2024, 10, 27, 0, 30)])
    }

    // MARK: Years of days

    /// A station's schedule over a plan period: weekday mornings until mid-2023, daily
    /// evenings, weekends without a length, two one-off meetings, a late block that runs past
    /// midnight, and a short Sunday block too small for one of its files.
    static let period = Schedule(blocks: [
        ScheduleBlock(
            id: "sang", startSecond: 6 * 3600, lengthMicros: minutes(30),
            recurrence: .weekly(
                days: [.monday, .tuesday, .wednesday, .thursday, .friday],
                from: CivilDate(year: 2021, month: 3, day: 1),
                until: CivilDate(year: 2023, month: 6, day: 30)),
            items: [.file("jingles/mo-dau.ogg"), .topic("giam-ngheo", count: 2), .queue]),
        ScheduleBlock(
            id: "toi", startSecond: 18 * 3600, lengthMicros: minutes(20),
            items: [.topic("giam-ngheo", count: 2), .file("jingles/mat.ogg"), .file("jingles/mo-dau.ogg")]),
        ScheduleBlock(
            id: "cuoi-tuan", startSecond: 9 * 3600,
            recurrence: .weekly(days: [.saturday, .sunday], from: nil, until: nil),
            items: [.topic("nong-nghiep", count: 1), .file("thong-bao/dai.wav")]),
        ScheduleBlock(
            id: "hop-dan", startSecond: 17 * 3600, recurrence: .once(CivilDate(year: 2022, month: 5, day: 19)),
            items: [.file("thong-bao/dai.wav"), .topic("nong-nghiep", count: 1)]),
        ScheduleBlock(
            id: "bau-cu", startSecond: 7 * 3600, recurrence: .once(CivilDate(year: 2021, month: 5, day: 23)),
            items: [.topic("nong-nghiep", count: 1)]),
        ScheduleBlock(
            id: "dem", startSecond: 23 * 3600 + 30 * 60, lengthMicros: minutes(60),
            items: [.topic("suc-khoe", count: 3)]),
        ScheduleBlock(
            id: "chu-nhat", startSecond: 12 * 3600, lengthMicros: minutes(4),
            recurrence: .weekly(days: [.sunday], from: nil, until: nil),
            items: [.file("thong-bao/dai.wav"), .file("jingles/mo-dau.ogg")]),
    ])

    /// Topics and their segment counts; each segment fits wherever it is picked.
    static let periodTopics: [String: [TopicSegment]] = [
        // Upper case and a Vietnamese name: ties go by code point.
        "giam-ngheo": segments(
            "giam-ngheo", ["e.mp3": 240, "B.mp3": 300, "a.mp3": 420, "d.mp3": 360, "\u{0103}n.mp3": 270]),
        "nong-nghiep": segments("nong-nghiep", ["3.ogg": 100, "1.ogg": 200, "2.ogg": 150]),
        "suc-khoe": segments("suc-khoe", (1...7).reduce(into: [:]) { $0["\($1).opus"] = Int64(900 + 30 * $1) }),
    ]

    /// Walks every day from 2021-01-01 to 2025-12-31 in `zone`, carrying the rotation from
    /// day to day, and checks what must hold on every one of them.
    static func walk(zone: StationTimeZone) -> (picks: [String: [[String]]], occurrences: [String: Int]) {
        let media = media(files: files, topics: periodTopics)
        var lastAired: [String: WallTime] = [:]
        var picks: [String: [[String]]] = [:]
        var occurrences: [String: Int] = [:]
        var date = CivilDate(year: 2021, month: 1, day: 1)
        while date <= CivilDate(year: 2025, month: 12, day: 31) {
            let timeline = period.timeline(on: date, zone: zone, media: media, lastAired: lastAired)
            let weekday = Weekday(of: date)
            var expected = ["toi", "dem"]
            if weekday.rawValue < 5, date >= CivilDate(year: 2021, month: 3, day: 1),
                date <= CivilDate(year: 2023, month: 6, day: 30)
            {
                expected.append("sang")
            }
            if weekday.rawValue >= 5 { expected.append("cuoi-tuan") }
            if weekday == .sunday { expected.append("chu-nhat") }
            if date == CivilDate(year: 2022, month: 5, day: 19) { expected.append("hop-dan") }
            if date == CivilDate(year: 2021, month: 5, day: 23) { expected.append("bau-cu") }
            #expect(
                Set(timeline.blocks.map(\.id)) == Set(expected) && timeline.blocks.count == expected.count, "\(date)")
            #expect(timeline.blocks.map(\.start) == timeline.blocks.map(\.start).sorted(), "\(date)")

            for block in timeline.blocks {
                occurrences[block.id, default: 0] += 1
                #expect(zone.localDate(of: block.start) == date, "\(block.id) \(date)")
                if let length = block.lengthMicros { #expect(block.end - block.start == length, "\(block.id) \(date)") }
                var cursor = block.start
                for entry in block.entries {
                    #expect(entry.start == cursor && entry.end >= entry.start, "\(block.id) \(date)")
                    #expect(entry.end <= block.end, "\(block.id) \(date): an entry ends after its block")
                    if entry.note != nil { #expect(entry.end == entry.start) }
                    cursor = entry.end
                }
                for entry in block.entries where entry.kind == .topic {
                    // Every segment fits, so every pick airs and the rotation moves on.
                    #expect(entry.note == nil, "\(block.id) \(date)")
                }
                for item in block.entries.filter({ $0.kind == .topic }).reduce(
                    into: [String: [String]](), { $0[$1.topic!, default: []].append($1.media!) })
                {
                    picks[item.key, default: []].append(item.value)
                }
                switch block.id {
                case "toi":
                    #expect(block.entries.map(\.note) == [nil, nil, .missing, nil], "\(date)")
                case "chu-nhat":
                    #expect(block.entries.map(\.note) == [.blockFull, nil], "\(date)")
                case "dem":
                    // 23:30 plus two segments of over 15 minutes: the third is on the next date.
                    #expect(
                        block.entries.map { zone.localDate(of: $0.start) } == [date, date, date.adding(days: 1)],
                        "\(date)")
                    #expect(zone.localDate(of: block.end) == date.adding(days: 1))
                case "cuoi-tuan":
                    #expect(block.lengthMicros == nil && block.end - block.start == seconds(200) + minutes(5))
                default:
                    break
                }
            }
            lastAired = timeline.lastAired(after: lastAired)
            date = date.adding(days: 1)
        }
        return (picks, occurrences)
    }

    /// Over N picks of k segments from a topic of m, every segment airs in every run of
    /// ceil(m / k) consecutive picks; the very first picks go by path.
    static func checkRotation(_ picks: [String: [[String]]]) {
        for (topic, segments) in periodTopics {
            let history = picks[topic] ?? []
            let k = history.first?.count ?? 0
            let m = segments.count
            let turn = (m + k - 1) / max(k, 1)
            #expect(history.count > 100 && history.allSatisfy { $0.count == k }, "\(topic)")
            for start in 0...(history.count - turn) {
                let seen = Set(history[start..<(start + turn)].joined())
                #expect(seen.count == m, "\(topic): picks \(start)..<\(start + turn) miss a segment")
                if seen.count != m { break }
            }
            let byPath = segments.map(\.media).sorted { TopicRotation.importOrder($0, $1) }
            #expect(Array(history.joined().prefix(m)) == byPath, "\(topic)")
        }
    }

    @Test func fiveYearsOfDaysInVietnam() {
        let (picks, occurrences) = Self.walk(zone: Self.vietnam)
        Self.checkRotation(picks)
        #expect(occurrences["toi"] == 1826 && occurrences["dem"] == 1826)
        #expect(occurrences["hop-dan"] == 1 && occurrences["bau-cu"] == 1)
        // Weekdays from 2021-03-01 to 2023-06-30.
        #expect(occurrences["sang"] == 610)
        #expect(occurrences["cuoi-tuan"] == 522 && occurrences["chu-nhat"] == 261)
        #expect(
            picks["giam-ngheo"]?.prefix(2) == [
                ["giam-ngheo/B.mp3", "giam-ngheo/a.mp3"], ["giam-ngheo/d.mp3", "giam-ngheo/e.mp3"],
            ])
    }

    /// The same years where clocks change twice a year: the same blocks on the same dates.
    @Test func fiveYearsOfDaysInBerlin() throws {
        let berlin = try #require(StationTimeZone(identifier: "Europe/Berlin"))
        let (picks, occurrences) = Self.walk(zone: berlin)
        Self.checkRotation(picks)
        #expect(occurrences["toi"] == 1826 && occurrences["sang"] == 610)
    }
}
