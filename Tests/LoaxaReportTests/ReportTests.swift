import Foundation
import LoaxaCore
import LoaxaReport
import LoaxaSchedule
import LoaxaStore
import Testing

/// A station's log written event by event, in UTC+7, for the reports to read.
struct LogScript {
    let log: AirplayLog
    var n = 0

    init() throws { log = try AirplayLog.inMemory() }

    /// 2025-MM-DD hh:mm station time.
    static func at(_ month: Int, _ day: Int, _ hour: Int, _ minute: Int = 0) -> WallTime {
        let date = CivilDate(year: 2025, month: month, day: day)
        return WallTime(seconds: date.daysSinceEpoch * 86_400 + Int64(hour * 3600 + minute * 60 - 7 * 3600))
    }

    mutating func block(_ id: String, _ start: WallTime, title: String = "Buổi sáng") throws {
        try log.append(AirplayEvent(kind: .blockStarted, at: start, blockID: id, scheduledAt: start, detail: title))
    }

    mutating func missed(_ id: String, _ start: WallTime) throws {
        try log.append(AirplayEvent(kind: .blockMissed, at: start + 86_400_000_000, blockID: id, scheduledAt: start))
    }

    /// One airing: `minutes` long, of which `played` minutes aired, ending `outcome`.
    @discardableResult
    mutating func airing(
        _ media: String, topic: String?, at start: WallTime, minutes: Double, played: Double? = nil,
        outcome: SegmentOutcome = .completed, source: SegmentSource = .schedule, block: String = "sang",
        reason: String? = nil
    ) throws -> String {
        n += 1
        let key = "s\(n)"
        let planned = Int64(minutes * 60_000)
        let aired = Int64((played ?? minutes) * 60_000)
        let base = AirplayEvent(
            kind: .segmentQueued, at: start, blockID: block, scheduledAt: start, segment: key, source: source, media: media,
            title: "Tiêu đề " + media, topic: topic, sha256: String((NumberText.hex(media.utf8) + String(repeating: "0", count: 64)).prefix(64)),
            plannedMs: planned, deviceRate: 48_000)
        var events = [base]
        if outcome == .skipped {
            var skipped = base
            skipped.kind = .segmentSkipped
            skipped.reason = reason ?? "file missing"
            events = [skipped]
        } else {
            var started = base
            started.kind = .segmentStarted
            var ended = base
            ended.kind = .segmentEnded
            ended.at = start + aired * 1000
            ended.outcome = outcome
            ended.reason = reason
            ended.playedFrames = aired * 48
            ended.underruns = 0
            events += [started, ended]
        }
        try log.append(events)
        return key
    }
}

@Suite struct PeriodReportTests {
    let zone = StationTimeZone(identifier: "Asia/Ho_Chi_Minh")!

    func config(_ extra: String = "") throws -> StationConfig {
        let text = "[station]\nname = \"Đài xã thử\"\ntimezone = \"Asia/Ho_Chi_Minh\"\n" + extra
        switch StationConfig.parse(text, file: "loaxa.toml") {
        case .success(let c): return c
        case .failure(let problems): throw problems
        }
    }

    func plan(_ text: String) throws -> [Plan] {
        let folder = NSTemporaryDirectory() + "loaxa-plans-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try text.write(toFile: folder + "/ke-hoach.toml", atomically: true, encoding: .utf8)
        let (plans, problems) = Plan.loadAll(folder: folder)
        if !problems.isEmpty { throw DiagnosticList(problems) }
        return plans
    }

    /// January 2025: Mondays are the 6th, 13th, 20th, 27th.
    func januaryLog() throws -> LogScript {
        var s = try LogScript()
        try s.block("sang", LogScript.at(1, 6, 6))
        try s.airing("giam-ngheo/a.opus", topic: "giam-ngheo", at: LogScript.at(1, 6, 6), minutes: 12)
        try s.airing("giam-ngheo/b.opus", topic: "giam-ngheo", at: LogScript.at(1, 6, 6, 12), minutes: 11)
        try s.airing("y-te/c.opus", topic: "y-te", at: LogScript.at(1, 6, 6, 23), minutes: 5, played: 2, outcome: .interrupted, reason: "stopped by vhxh")
        try s.block("sang", LogScript.at(1, 7, 6))
        try s.airing("giam-ngheo/a.opus", topic: "giam-ngheo", at: LogScript.at(1, 7, 6), minutes: 12)
        try s.airing("giam-ngheo/short.opus", topic: "giam-ngheo", at: LogScript.at(1, 7, 6, 12), minutes: 3)
        try s.airing("y-te/d.opus", topic: "y-te", at: LogScript.at(1, 7, 6, 15), minutes: 4, outcome: .skipped)
        try s.missed("chieu", LogScript.at(1, 7, 17))
        try s.block("sang", LogScript.at(1, 14, 6))
        try s.airing("giam-ngheo/b.opus", topic: "giam-ngheo", at: LogScript.at(1, 14, 6), minutes: 11)
        try s.airing("thong-bao/bao.wav", topic: "thong-bao", at: LogScript.at(1, 14, 9), minutes: 1, source: .emergency, block: "emergency")
        // February: outside a January report.
        try s.block("sang", LogScript.at(2, 3, 6))
        try s.airing("giam-ngheo/a.opus", topic: "giam-ngheo", at: LogScript.at(2, 3, 6), minutes: 12)
        return s
    }

    @Test func countsBroadcastsAiringsTopicsAndProgrammes() throws {
        let s = try januaryLog()
        let report = try ReportBuilder(log: s.log, config: try config(), plans: [])
            .build(days: ReportDays(first: CivilDate(year: 2025, month: 1, day: 1), last: CivilDate(year: 2025, month: 1, day: 31)))
        #expect(report.total.blocksHeld == 3)
        #expect(report.total.blocksMissed == 1)
        #expect(report.total.airings == 7, "every airing that started, the emergency included")
        #expect(report.total.completed == 6)
        let minutes: Int64 = 12 + 11 + 2 + 12 + 3 + 11 + 1
        #expect(report.total.airtimeMs == minutes * 60_000)
        #expect(report.incompleteCount == 2)
        #expect(report.emergencyAirings == 1)
        #expect(report.byTopic["giam-ngheo"]?.airings == 5)
        #expect(report.byTopic["giam-ngheo"]?.programmeCount == 3)
        #expect(report.byMonth[202501]?.blocksHeld == 3)
        #expect(report.byMonth[202502] == nil)
        let a = try #require(report.programmesByAirings.first)
        #expect(a.media == "giam-ngheo/a.opus" || a.media == "giam-ngheo/b.opus")
        #expect(a.airings == 2)
        #expect(a.first! < a.last!)
        var incomplete: [String] = []
        try report.forEachIncomplete { incomplete.append("\($0.media) \($0.outcome!.rawValue)") }
        #expect(incomplete == ["y-te/c.opus interrupted", "y-te/d.opus skipped"])
        #expect(report.head == (try s.log.head()))
    }

    @Test func targetsShowWantedAchievedAndShortfall() throws {
        let s = try januaryLog()
        let plans = try plan("""
            [plan]
            title = "Kế hoạch tháng 1"
            from = 2025-01-01
            to = 2025-03-31

            [[target]]
            topic = "giam-ngheo"
            min_minutes = 10
            max_minutes = 15
            programmes = 3
            airings = 10
            per_week = 2
            """)
        let report = try ReportBuilder(log: s.log, config: try config(), plans: plans)
            .build(days: ReportDays(first: CivilDate(year: 2025, month: 1, day: 1), last: CivilDate(year: 2025, month: 1, day: 31)))
        let results = Dictionary(uniqueKeysWithValues: report.targets.map { ("\($0.measure)", $0) })
        // a and b are 10–15 minutes; short.opus is not, the February airing is after the period.
        #expect(results["programmes(3)"].map { ($0.wanted, $0.achieved, $0.shortfall) }! == (3, 2, 1))
        #expect(results["airings(10)"].map { ($0.wanted, $0.achieved, $0.shortfall) }! == (10, 4, 6))
        // Whole weeks in 1–31 January: from Monday the 6th to Sunday the 26th, three. Only the
        // week of the 6th has two qualifying airings (6th and 7th).
        #expect(results["perWeek(2)"].map { ($0.wanted, $0.achieved, $0.shortfall) }! == (3, 1, 2))
        #expect(results["perWeek(2)"]?.last == CivilDate(year: 2025, month: 1, day: 31))
    }

    @Test func workbookOpensInAnIndependentReader() throws {
        let s = try januaryLog()
        let c = try config("[report]\nissuer = \"UBND XÃ THỬ\"\n[report.topics]\ngiam-ngheo = \"Giảm nghèo bền vững\"\n")
        let report = try ReportBuilder(log: s.log, config: c, plans: [])
            .build(days: try ReportDays.parse("2025-01", periods: c.report.periods).get())
        let path = NSTemporaryDirectory() + "loaxa-report-\(UUID().uuidString).xlsx"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try ReportWriter(report: report, config: c.report).write(.xlsx, to: path)
        let script = """
            import json, sys, openpyxl
            wb = openpyxl.load_workbook(sys.argv[1])
            out = {name: [[c for c in row] for row in wb[name].iter_rows(values_only=True)] for name in wb.sheetnames}
            print(json.dumps({"names": wb.sheetnames, "sheets": out}, ensure_ascii=False, default=str))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", script, path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "openpyxl (python3-openpyxl, tools/install-deps.sh) must read the workbook")
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let names = try #require(json["names"] as? [String])
        #expect(names == ReportSection.allCases.map(\.sheetName))
        let sheets = try #require(json["sheets"] as? [String: [[Any]]])
        let summary = try #require(sheets["Tổng hợp"])
        func value(_ label: String) -> Any? { summary.first { ($0.first as? String) == label }?[1] }
        #expect(value("Số buổi phát thanh đã thực hiện") as? Int == 3)
        #expect(value("Số buổi phát thanh bị lỡ (không phát)") as? Int == 1)
        #expect(value("Mã xác thực nhật ký (sự kiện cuối)") as? String == report.head?.description)
        let topics = try #require(sheets["Theo chủ đề"])
        #expect(topics.contains { ($0.first as? String) == "Giảm nghèo bền vững" && ($0[1] as? Int) == 5 })
        let incomplete = try #require(sheets["Không trọn vẹn"])
        #expect(incomplete.contains { ($0[7] as? String) == "Bị ngắt giữa chừng" && ($0[8] as? String) == "stopped by vhxh" })
    }

    @Test func textFormatsCarryTheHeadAndParse() throws {
        let s = try januaryLog()
        let c = try config()
        let report = try ReportBuilder(log: s.log, config: c, plans: [])
            .build(days: try ReportDays.parse("2025-01", periods: c.report.periods).get())
        let head = try #require(report.head?.description)
        for format in [ReportWriter.Format.md, .csv, .json] {
            let path = NSTemporaryDirectory() + "loaxa-report-\(UUID().uuidString).\(format.rawValue)"
            defer { try? FileManager.default.removeItem(atPath: path) }
            try ReportWriter(report: report, config: c.report).write(format, to: path)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(text.contains(head), "\(format)")
            #expect(text.contains("Số lượt phát"), "\(format)")
            if format == .csv { #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF]) }
            if format == .json {
                let object = try #require(try JSONSerialization.jsonObject(with: bytes) as? [String: Any])
                #expect(object["log_head"] as? String == head)
                let rows = try #require((object["incomplete"] as? [String: Any])?["rows"] as? [[String: Any]])
                #expect(rows.count == 2)
                #expect(rows.first?["time"] as? String == "2025-01-06T06:23:00.000000+07:00")
            }
        }
    }

    /// The reasons the daemon writes read in Vietnamese, names and numbers kept; others
    /// stay as recorded.
    @Test func reasonsReadInVietnamese() {
        let cases = [
            ("skipped by vhxh", "Người vận hành vhxh cho bỏ qua"),
            ("the block was stopped by Nguyễn Văn An", "Người vận hành Nguyễn Văn An dừng buổi phát"),
            ("the daemon was stopped", "Chương trình phát được tắt"),
            ("the block's length was reached", "Hết thời lượng của buổi phát"),
            ("its start passed 12 s before it could air", "Đã quá giờ phát 12 giây khi chưa kịp phát"),
            ("the sound card hw:1,0 was lost (No such device)", "Mất card âm thanh hw:1,0 (No such device)"),
            ("expired: queue entry 7 was not aired before its expiry", "Hết hạn: mục 7 trong hàng chờ chưa được phát trước giờ hết hạn"),
            ("replaced before it aired: skipped by vhxh", "Bị thay trước khi phát: Người vận hành vhxh cho bỏ qua"),
            ("file not found: y-te/bai-1.opus", "Không tìm thấy tệp y-te/bai-1.opus"),
            ("not approved", "Chưa được duyệt nội dung"),
            ("cut by an emergency broadcast (thong-bao/bao-lu.wav, queued by vhxh)",
             "Bị ngắt để phát tin khẩn cấp (thong-bao/bao-lu.wav, do vhxh đưa vào hàng chờ)"),
            ("block full", "Buổi phát đã hết thời lượng"),
            ("opus: corrupted stream at frame 1200", "opus: corrupted stream at frame 1200"),
        ]
        for (english, vietnamese) in cases { #expect(VietnameseText.reason(english) == vietnamese) }
        #expect(VietnameseText.reason("the daemon stopped without closing it (killed, crashed or a power cut); closed at the next start")
            .hasPrefix("Chương trình phát dừng đột ngột"))
    }

    @Test func periodsByNameAndFromTheConfig() throws {
        let c = try config("[report.periods]\nh1 = { title = \"6 tháng đầu năm\", from = \"12-15\", to = \"06-14\" }\n")
        let h1 = try ReportDays.parse("2025-h1", periods: c.report.periods).get()
        #expect(h1.first == CivilDate(year: 2024, month: 12, day: 15))
        #expect(h1.last == CivilDate(year: 2025, month: 6, day: 14))
        #expect(h1.name == "6 tháng đầu năm 2025")
        #expect(h1.title == "6 tháng đầu năm 2025 (từ ngày 15/12/2024 đến ngày 14/06/2025)")
        let q3 = try ReportDays.parse("2025-q3", periods: c.report.periods).get()
        #expect((q3.first, q3.last) == (CivilDate(year: 2025, month: 7, day: 1), CivilDate(year: 2025, month: 9, day: 30)))
        let feb = try ReportDays.parse("2024-02", periods: c.report.periods).get()
        #expect(feb.last == CivilDate(year: 2024, month: 2, day: 29))
        let year = try ReportDays.parse("2025", periods: c.report.periods).get()
        #expect(year.name == "năm 2025")
        for bad in ["25-h1", "2025-h9", "2025-13", "nam"] {
            guard case .failure(let error) = ReportDays.parse(bad, periods: c.report.periods) else {
                Issue.record("\(bad) was accepted")
                continue
            }
            #expect("\(error)".contains("--period \(bad)"))
        }
    }

    @Test func badPlansAndReportSettingsAreNamedWithTheirLines() throws {
        #expect(throws: DiagnosticList.self) { try plan("[plan]\ntitle = \"x\"\nfrom = 2025-01-01\nto = 2024-12-31\n[[target]]\nprogrammes = 1\n") }
        do {
            _ = try plan("[plan]\ntitle = \"K\"\nfrom = 2025-01-01\nto = 2025-12-31\n\n[[target]]\ntopic = \"giam-ngheo\"\nprogrames = 15\n")
            Issue.record("a misspelt key was accepted")
        } catch let problems as DiagnosticList {
            #expect(problems.description.contains("ke-hoach.toml:8: unknown key \"programes\""), "\(problems)")
            #expect(problems.description.contains("did you mean \"programmes\"?"), "\(problems)")
        }
        do {
            _ = try plan("[plan]\ntitle = \"K\"\nfrom = 2025-01-01\nto = 2025-12-31\n[[target]]\nmin_minutes = 15\nmax_minutes = 10\nairings = 3\n")
            Issue.record("max below min was accepted")
        } catch let problems as DiagnosticList {
            #expect(problems.description.contains(":7: max_minutes (10.0) is less than min_minutes (15.0)"), "\(problems)")
        }
        do {
            _ = try config("[report]\nsections = [\"summary\", \"topic\"]\n[report.periods]\nh1 = { title = \"x\", from = \"13-01\", to = \"06-30\" }\n")
            Issue.record("bad [report] was accepted")
        } catch let problems as DiagnosticList {
            #expect(problems.description.contains("loaxa.toml:5: report.sections: \"topic\" is not a section"), "\(problems)")
            #expect(problems.description.contains("loaxa.toml:7: report.periods.h1.from = \"13-01\" is not a day of the year"), "\(problems)")
        }
    }
}
