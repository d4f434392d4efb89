import LoaxaCore
import Testing
@testable import LoaxaSchedule

@Suite struct ScheduleLoadingTests {
    @Test func theExampleScheduleLoads() throws {
        let box = Sandbox()
        box.media("jingles/mo-dau.ogg", "jingles/ket-thuc.ogg", "thong-bao/hop-dan.wav", "giam-ngheo/")
        let file = box.schedule("chinh.toml", """
            [[block]]
            id = "sang"                                  # required; unique across all schedule files
            title = "Chương trình phát thanh buổi sáng"  # optional, default = id
            start = 06:00:00                             # TOML local time (required)
            length = "30m"
            days = ["mon", "tue", "wed", "thu", "fri"]
            from = 2024-01-01
            until = 2025-12-31
            items = [
              { file = "jingles/mo-dau.ogg" },
              { queue = true },
              { topic = "giam-ngheo", count = 2 },
              { file = "jingles/ket-thuc.ogg" },
            ]

            [[block]]
            id = "hop-dan-2024-05-19"
            date = 2024-05-19
            start = 17:30:00
            items = [ { file = "thong-bao/hop-dan.wav" } ]
            """)
        let schedule = try box.load().get()
        #expect(schedule.blocks.count == 2)
        let sang = try #require(schedule.block(id: "sang"))
        #expect(sang.title == "Chương trình phát thanh buổi sáng")
        #expect(sang.startSecond == 6 * 3600)
        #expect(sang.lengthMicros == minutes(30))
        #expect(sang.recurrence == .weekly(
            days: [.monday, .tuesday, .wednesday, .thursday, .friday],
            from: CivilDate(year: 2024, month: 1, day: 1), until: CivilDate(year: 2025, month: 12, day: 31)))
        #expect(sang.items == [.file("jingles/mo-dau.ogg"), .queue, .topic("giam-ngheo", count: 2), .file("jingles/ket-thuc.ogg")])
        #expect(sang.file == file)
        #expect(sang.line == 1)
        let hop = try #require(schedule.block(id: "hop-dan-2024-05-19"))
        #expect(hop.title == "hop-dan-2024-05-19")
        #expect(hop.recurrence == .once(CivilDate(year: 2024, month: 5, day: 19)))
        #expect(hop.lengthMicros == nil)
        #expect(hop.line == 16)
    }

    @Test func aBadStartReportsItsLine() {
        let box = Sandbox()
        box.media("a.ogg")
        let file = box.schedule("a.toml", """
            # morning

            [[block]]
            id = "sang"
            title = "x"

            start = "06:00"
            items = [ { file = "a.ogg" } ]
            """)
        #expect(box.problems() == [
            "\(file):7: block \"sang\": start must be a TOML local time such as 06:00:00 (without quotes), not text (\"06:00\")",
        ])
    }

    @Test func anOutOfRangeTimeIsASyntaxErrorOnItsLine() {
        let box = Sandbox()
        let file = box.schedule("a.toml", "[[block]]\nid = \"a\"\n\nstart = 25:00:00\nitems = [ { queue = true } ]\n")
        let problems = box.problems()
        #expect(problems.count == 1)
        #expect(problems.first?.hasPrefix("\(file):4: invalid TOML: ") == true)
    }

    @Test func itemProblemsPointAtTheItemsLine() {
        let box = Sandbox()
        box.media("a.ogg", "dir/", "topic/", "plain.ogg")
        let file = box.schedule("a.toml", """
            [[block]]
            id = "sang"
            start = 06:00:00
            items = [
              { file = "a.ogg" },
              { file = "a.ogg", volume = 3 },
              { },
              { file = "a.ogg", queue = true },
              { file = "missing.ogg" },
              { file = "dir" },
              { file = "../loaxa.toml" },
              { file = "/etc/passwd" },
              { topic = "topic", count = 0 },
              { topic = "nope" },
              { topic = "plain.ogg" },
              { queue = false },
              { file = "a.ogg", count = 2 },
              "a.ogg",
              { topic = "topic", count = 3 },
            ]
            """)
        #expect(box.problems() == [
            "\(file):6: block \"sang\": unknown key \"volume\" in item 2; expected one of: file, queue, topic, count",
            "\(file):7: block \"sang\": item 3 has none of file, queue or topic; give exactly one",
            "\(file):8: block \"sang\": item 4 has file and queue; give exactly one of file, queue or topic per item",
            "\(file):9: block \"sang\": file \"missing.ogg\" not found in the media folder (\(box.media)/missing.ogg)",
            "\(file):10: block \"sang\": file \"dir\" is a folder; name an audio file, or use { topic = \"dir\" }",
            "\(file):11: block \"sang\": file \"../loaxa.toml\" is outside the media folder; give a path relative to \(box.media)",
            "\(file):12: block \"sang\": file \"/etc/passwd\" is outside the media folder; give a path relative to \(box.media)",
            "\(file):13: block \"sang\": count = 0 must be at least 1",
            "\(file):14: block \"sang\": topic \"nope\" has no folder \(box.media)/nope; create it and put the topic's segments in it",
            "\(file):15: block \"sang\": topic \"plain.ogg\" is a file, not a folder (\(box.media)/plain.ogg); a topic is a folder of segments",
            "\(file):16: block \"sang\": queue = false does nothing; write { queue = true } where queued segments air, or remove the item",
            "\(file):17: block \"sang\": count applies only to topic items; remove it",
            "\(file):18: block \"sang\": item 14 must be a table such as { file = \"...\" }, not text (\"a.ogg\")",
        ])
    }

    @Test func itemsMayBeWrittenAsArraysOfTables() throws {
        let box = Sandbox()
        box.media("a.ogg")
        let file = box.schedule("a.toml", """
            [[block]]
            id = "a"
            start = 06:00:00
            [[block.items]]
            file = "a.ogg"
            [[block.items]]
            queue = true
            loud = true
            """)
        #expect(box.problems() == ["\(file):8: block \"a\": unknown key \"loud\" in item 2; expected one of: file, queue, topic, count"])
        box.schedule("a.toml", "[[block]]\nid = \"a\"\nstart = 06:00:00\n[[block.items]]\nfile = \"a.ogg\"\n[[block.items]]\nqueue = true\n")
        #expect(try box.load().get().blocks.first?.items == [.file("a.ogg"), .queue])
    }

    @Test func blockKeyProblemsTogether() {
        let box = Sandbox()
        box.media("a.ogg")
        let file = box.schedule("a.toml", """
            [[block]]
            id = "x y"
            start = 06:00:00.5
            length = "30 minutes"
            days = ["mon", "Tue", "funday", 3]
            from = 2025-01-01
            until = 2024-12-31
            items = []
            colour = "red"

            [[block]]
            title = "no id"
            date = 2024-05-19
            days = ["mon"]
            from = 2024-05-01

            [[block]]
            id = "late"
            start = 07:00:00
            length = "25h"
            date = 2024-05-19T10:00:00
            items = { file = "a.ogg" }

            [[block]]
            id = "ok-dates"
            start = 08:00:00
            length = "1h1h"
            from = "2024-01-01"
            items = [ { queue = true } ]
            """)
        #expect(box.problems() == [
            "\(file):2: id \"x y\" may hold only letters, digits, \"-\", \"_\" and \".\"",
            "\(file):3: start must be whole seconds, such as 06:00:00",
            "\(file):4: length \"30 minutes\" is not a length; write hours, minutes and seconds such as \"45m\", \"1h30m\" or \"90s\"",
            "\(file):5: \"funday\" is not a day; use \"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\" or \"sun\"",
            "\(file):5: the whole number 3 is not a day; use \"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\" or \"sun\"",
            "\(file):6: from (2025-01-01) is after until (2024-12-31); the block would never run",
            "\(file):8: items is empty; list what the block airs, such as { file = \"jingles/mo-dau.ogg\" }",
            "\(file):9: unknown key \"colour\" in a block; expected one of: id, title, start, length, days, from, until, date, items",
            "\(file):11: id is missing; it must be text in double quotes",
            "\(file):11: start is missing; it must be a TOML local time such as 06:00:00 (without quotes)",
            "\(file):11: items is missing; it must be an array [ ... ]",
            "\(file):13: date makes a one-off block, so it cannot go with days, from; remove one or the other",
            "\(file):20: block \"late\": length \"25h\" is longer than a day; a block lasts at most 24h",
            "\(file):21: block \"late\": date must be a date such as 2024-05-19 (without quotes), not a date-time",
            "\(file):22: block \"late\": items must be an array [ ... ], not a table",
            "\(file):27: block \"ok-dates\": length \"1h1h\" is not a length; write hours, minutes and seconds such as \"45m\", \"1h30m\" or \"90s\"",
            "\(file):28: block \"ok-dates\": from must be a date such as 2024-05-19 (without quotes), not text (\"2024-01-01\")",
        ])
    }

    @Test func filesAreReadInNameOrderAndOnlyTomlOnes() throws {
        let box = Sandbox()
        box.schedule("b.toml", "[[block]]\nid = \"b\"\nstart = 08:00:00\nitems = [ { queue = true } ]\n")
        box.schedule("a.toml", "[[block]]\nid = \"a\"\nstart = 09:00:00\nitems = [ { queue = true } ]\n")
        box.schedule("notes.txt", "not toml at all [[[")
        box.schedule(".hidden.toml", "broken = [")
        box.schedule("empty.toml", "# nothing yet\n")
        let schedule = try box.load().get()
        #expect(schedule.blocks.map(\.id) == ["a", "b"])
    }

    @Test func problemsAcrossFilesComeInFileThenLineOrder() {
        let box = Sandbox()
        let b = box.schedule("b.toml", "[[block]]\nid = \"b\"\nstart = 08:00:00\nitems = [ { quue = true } ]\n")
        let a = box.schedule("a.toml", "\n\n[[block]]\nid = \"a\"\nstart = 9\nitems = [ { queue = true } ]\n")
        let c = box.schedule("c.toml", "[block]\nid = \"c\"\n")
        let d = box.schedule("d.toml", "[[block]]\nid = \"d\"\nitems = [ { queue = true } ]\nstart = 10:00:00\nbroken = \n")
        #expect(box.problems() == [
            "\(a):5: block \"a\": start must be a TOML local time such as 06:00:00 (without quotes), not the whole number 9",
            "\(b):4: block \"b\": unknown key \"quue\" in item 1; did you mean \"queue\"?",
            "\(b):4: block \"b\": item 1 has none of file, queue or topic; give exactly one",
            "\(c):1: block must be an array [ ... ], not a table",
            "\(c):1: write each block as [[block]], with two brackets",
            "\(d):5: invalid TOML: error while parsing key-value pair: expected value, saw '\\n'",
        ])
    }

    @Test func missingFoldersAreReportedOnce() {
        let box = Sandbox()
        let result = Schedule.load(folder: box.root + "/nope", mediaFolder: box.media) { _ in nil }
        #expect(result.failureText == ["\(box.root)/nope: the schedules folder does not exist; create it, or set [paths] schedules in the config"])

        box.schedule("a.toml", "[[block]]\nid = \"a\"\nstart = 08:00:00\nitems = [ { file = \"x.ogg\" }, { topic = \"t\" } ]\n")
        let noMedia = Schedule.load(folder: box.schedules, mediaFolder: box.root + "/nomedia") { _ in nil }
        #expect(noMedia.failureText == [
            "\(box.root)/nomedia: the media folder does not exist; create it, or set [paths] media in the config (media files were not checked)",
        ])
    }

    @Test func blockLengthText() {
        #expect(BlockLength.parse("45m") == minutes(45))
        #expect(BlockLength.parse("1h30m") == minutes(90))
        #expect(BlockLength.parse("90s") == 90_000_000)
        #expect(BlockLength.parse("1h") == minutes(60))
        #expect(BlockLength.parse("2h15m30s") == Int64(2 * 3600 + 15 * 60 + 30) * 1_000_000)
        for bad in ["", "45", "m", "0m", "1m1h", "1h1h", "1.5h", "-5m", "45 m", "45M", "1d"] {
            #expect(BlockLength.parse(bad) == nil, "\(bad)")
        }
        #expect(BlockLength.format(micros: minutes(90)) == "1h30m")
        #expect(BlockLength.format(micros: 5_000_000) == "5s")
    }
}
