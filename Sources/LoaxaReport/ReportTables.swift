import Foundation
import LoaxaCore
import LoaxaSchedule
import LoaxaStore

/// One value of a report table.
public enum ReportCell: Sendable {
    case text(String)
    case integer(Int64)
    /// A number shown with `decimals` places (minutes of airtime).
    case number(Double, decimals: Int)
    /// An instant, shown in station time.
    case time(WallTime)
    case empty
}

/// A column: the key it has in JSON and the Vietnamese heading it has elsewhere.
public struct ReportColumn: Sendable {
    public var key: String
    public var title: String
    /// Width in characters, for the workbook.
    public var width: Double
}

/// One table of the report, its rows produced on demand so that long lists stream.
public struct ReportTable {
    public var section: ReportSection
    /// "I. Tổng hợp"
    public var title: String
    public var columns: [ReportColumn]
    /// A line under the title, if any.
    public var note: String?
    public var rows: (_ row: ([ReportCell]) throws -> Void) throws -> Void

    /// The columns a reader sees: all but the summary's keys, which only JSON carries.
    public var shownColumns: [ReportColumn] { section == .summary ? Array(columns.dropFirst()) : columns }

    /// A row's cells as a reader sees them (see ``shownColumns``).
    public func shown(_ cells: [ReportCell]) -> [ReportCell] { section == .summary ? Array(cells.dropFirst()) : cells }
}

extension PeriodReport {
    /// The tables of the sections `config` asks for, in its order, numbered I, II, ...
    public func tables(config: StationConfig.Report) -> [ReportTable] {
        let numerals = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]
        return config.sections.enumerated().map { n, section in
            var table = self.table(section, config: config)
            table.title = numerals[n] + ". " + table.title
            return table
        }
    }

    /// How the log's head is written for a reader to keep: as `loaxa log verify --head` takes it.
    public var headText: String { head?.description ?? "nhật ký trống" }

    func table(_ section: ReportSection, config: StationConfig.Report) -> ReportTable {
        func column(_ key: String, _ title: String, _ width: Double = 14) -> ReportColumn {
            ReportColumn(key: key, title: title, width: width)
        }
        func minutes(_ ms: Int64) -> ReportCell { .number(VietnameseText.minutes(ms: ms), decimals: 1) }
        let countColumns = [
            column("airings", "Số lượt phát", 12), column("completed", "Phát trọn vẹn", 12),
            column("programmes", "Số chương trình", 14), column("airtime_minutes", "Thời lượng (phút)", 14),
        ]
        func countCells(_ c: Counts) -> [ReportCell] {
            [.integer(Int64(c.airings)), .integer(Int64(c.completed)), .integer(Int64(c.programmeCount)), minutes(c.airtimeMs)]
        }
        /// Broadcasts held and missed, then the counts of airings.
        func blockColumns(held: String, missed: String) -> [ReportColumn] {
            [column("blocks_held", held, 12), column("blocks_missed", missed, 12)] + countColumns
        }
        func blockCells(_ c: Counts) -> [ReportCell] {
            [.integer(Int64(c.blocksHeld)), .integer(Int64(c.blocksMissed))] + countCells(c)
        }
        switch section {
        case .summary:
            let rows: [(String, String, ReportCell)] = [
                ("blocks_held", "Số buổi phát thanh đã thực hiện", .integer(Int64(total.blocksHeld))),
                ("blocks_missed", "Số buổi phát thanh bị lỡ (không phát)", .integer(Int64(total.blocksMissed))),
                ("airings", "Số lượt phát", .integer(Int64(total.airings))),
                ("completed", "Số lượt phát trọn vẹn", .integer(Int64(total.completed))),
                ("incomplete", "Số lượt phát không trọn vẹn hoặc không phát được", .integer(Int64(incompleteCount))),
                ("airtime_minutes", "Tổng thời lượng phát (phút)", minutes(total.airtimeMs)),
                ("airtime", "Tổng thời lượng phát (giờ:phút:giây)", .text(VietnameseText.duration(ms: total.airtimeMs))),
                ("programmes", "Số chương trình khác nhau đã phát", .integer(Int64(total.programmeCount))),
                ("emergencies", "Số lượt phát khẩn cấp", .integer(Int64(emergencyAirings))),
                ("log_head", "Mã xác thực nhật ký (sự kiện cuối)", .text(headText)),
            ]
            return ReportTable(
                section: section, title: "Tổng hợp",
                columns: [column("key", "Mã", 16), column("item", "Nội dung", 52), column("value", "Kết quả", 30)],
                note: nil
            ) { row in
                for (key, label, value) in rows { try row([.text(key), .text(label), value]) }
            }
        case .targets:
            return ReportTable(
                section: section, title: "Kết quả thực hiện so với kế hoạch",
                columns: [
                    column("plan", "Kế hoạch", 36), column("target", "Chỉ tiêu", 40), column("topic", "Chủ đề", 20),
                    column("wanted", "Kế hoạch", 10), column("achieved", "Đạt", 10), column("shortfall", "Còn thiếu", 10),
                    column("unit", "Đơn vị", 14), column("counted", "Thời gian tính", 26),
                ],
                note: targets.isEmpty
                    ? "Không có kế hoạch nào (thư mục plans/) áp dụng cho kỳ báo cáo này."
                    : "Chỉ tính các lượt phát trọn vẹn; chỉ tiêu theo tuần, theo tháng tính trên các tuần (thứ Hai đến Chủ nhật), các tháng trọn vẹn."
            ) { row in
                for t in self.targets {
                    try row([
                        .text(t.plan.title), .text(Self.describe(t)),
                        .text(t.target.topic.map(config.title(ofTopic:)) ?? "Tất cả"),
                        .integer(Int64(t.wanted)), .integer(Int64(t.achieved)), .integer(Int64(t.shortfall)),
                        .text(Self.unit(t.measure)),
                        .text(VietnameseText.date(t.first) + " – " + VietnameseText.date(t.last)),
                    ])
                }
            }
        case .topics:
            return ReportTable(
                section: section, title: "Theo chủ đề", columns: [column("topic", "Chủ đề", 32)] + countColumns, note: nil
            ) { row in
                for (topic, c) in self.byTopic.sorted(by: { $0.key < $1.key }) {
                    try row([.text(topic.isEmpty ? "(không thuộc chủ đề)" : config.title(ofTopic: topic))] + countCells(c))
                }
            }
        case .months:
            return ReportTable(
                section: section, title: "Theo tháng",
                columns: [column("month", "Tháng", 10)] + blockColumns(held: "Buổi đã phát", missed: "Buổi bị lỡ"),
                note: nil
            ) { row in
                for (key, c) in self.byMonth.sorted(by: { $0.key < $1.key }) {
                    try row([.text(VietnameseText.month(year: key / 100, month: key % 100))] + blockCells(c))
                }
            }
        case .blocks:
            return ReportTable(
                section: section, title: "Theo buổi phát thanh",
                columns: [column("block_id", "Mã buổi", 14), column("block_title", "Tên buổi", 32)]
                    + blockColumns(held: "Số buổi đã phát", missed: "Số buổi bị lỡ"),
                note: nil
            ) { row in
                for (id, c) in self.byBlock.sorted(by: { $0.key < $1.key }) {
                    let title = id == "emergency" ? "Phát thanh khẩn cấp" : (self.blockTitles[id] ?? "")
                    try row([.text(id.isEmpty ? "(ngoài buổi)" : id), .text(title)] + blockCells(c))
                }
            }
        case .programmes:
            return ReportTable(
                section: section, title: "Danh sách chương trình đã phát",
                columns: [
                    column("number", "STT", 6), column("title", "Tên chương trình", 40), column("topic", "Chủ đề", 20),
                    column("media", "Tệp", 30), column("length", "Thời lượng", 10), column("airings", "Số lần phát", 10),
                    column("completed", "Phát trọn vẹn", 10), column("first_aired", "Phát lần đầu", 20),
                    column("last_aired", "Phát lần cuối", 20), column("sha256", "Mã SHA-256 nội dung", 66),
                ],
                note: "Mỗi chương trình là một nội dung riêng (theo mã SHA-256 của tệp)."
            ) { row in
                for (n, p) in self.programmesByAirings.enumerated() {
                    try row([
                        .integer(Int64(n + 1)), .text(p.title ?? p.media), .text(p.topic.map(config.title(ofTopic:)) ?? ""),
                        .text(p.media), .text(p.plannedMs.map { VietnameseText.duration(ms: $0) } ?? ""),
                        .integer(Int64(p.airings)), .integer(Int64(p.completed)), p.first.map(ReportCell.time) ?? .empty,
                        p.last.map(ReportCell.time) ?? .empty, .text(p.sha256),
                    ])
                }
            }
        case .emergencies:
            return recordTable(
                section, title: "Phát thanh khẩn cấp", note: emergencies.count == 0 ? "Không có lượt phát khẩn cấp." : nil,
                config: config, forEach: forEachEmergency)
        case .incomplete:
            return recordTable(
                section, title: "Lượt phát không trọn vẹn hoặc không phát được",
                note: incomplete.count == 0 ? "Mọi lượt phát đều trọn vẹn." : nil, config: config, forEach: forEachIncomplete)
        }
    }

    private func recordTable(
        _ section: ReportSection, title: String, note: String?, config: StationConfig.Report,
        forEach: @escaping ((SegmentRecord) throws -> Void) throws -> Void
    ) -> ReportTable {
        ReportTable(
            section: section, title: title,
            columns: [
                ReportColumn(key: "number", title: "STT", width: 6),
                ReportColumn(key: "time", title: "Thời gian", width: 20),
                ReportColumn(key: "block_id", title: "Buổi", width: 12),
                ReportColumn(key: "source", title: "Nguồn", width: 10),
                ReportColumn(key: "title", title: "Tên chương trình", width: 36),
                ReportColumn(key: "media", title: "Tệp", width: 28),
                ReportColumn(key: "played", title: "Đã phát", width: 10),
                ReportColumn(key: "outcome", title: "Kết quả", width: 20),
                ReportColumn(key: "reason", title: "Lý do", width: 50),
            ],
            note: note
        ) { row in
            var n: Int64 = 0
            try forEach { r in
                n += 1
                let time = r.startedAt ?? r.scheduledAt ?? r.endedAt
                try row([
                    .integer(n), time.map(ReportCell.time) ?? .empty, .text(r.blockID ?? ""), .text(VietnameseText.source(r.source)),
                    .text(r.title ?? r.media), .text(r.media), .text(VietnameseText.duration(ms: r.playedMs)),
                    .text(VietnameseText.outcome(r.outcome)), .text(r.reason.map(VietnameseText.reason) ?? ""),
                ])
            }
        }
    }

    /// "15 chương trình dài 10–15 phút", "phát ít nhất 2 lần mỗi tuần", with the target's title first.
    static func describe(_ t: TargetResult) -> String {
        var length = ""
        switch (t.target.minMinutes, t.target.maxMinutes) {
        case let (low?, high?): length = " (chương trình dài \(fmt(low))–\(fmt(high)) phút)"
        case let (low?, nil): length = " (chương trình dài từ \(fmt(low)) phút)"
        case let (nil, high?): length = " (chương trình dài đến \(fmt(high)) phút)"
        case (nil, nil): break
        }
        let what: String
        switch t.measure {
        case .programmes(let n): what = "Ít nhất \(n) chương trình khác nhau" + length.replacingOccurrences(of: "(chương trình dài", with: "(dài")
        case .airings(let n): what = "Ít nhất \(n) lượt phát\(length)"
        case .minutes(let n): what = "Ít nhất \(n) phút phát sóng"
        case .perWeek(let n): what = "Phát ít nhất \(n) lần mỗi tuần\(length)"
        case .perMonth(let n): what = "Phát ít nhất \(n) lần mỗi tháng\(length)"
        }
        return t.target.title.map { "\($0): \(what.prefix(1).lowercased() + what.dropFirst())" } ?? what
    }

    static func unit(_ m: PlanMeasure) -> String {
        switch m {
        case .programmes: return "chương trình"
        case .airings: return "lượt phát"
        case .minutes: return "phút"
        case .perWeek: return "tuần đạt"
        case .perMonth: return "tháng đạt"
        }
    }

    private static func fmt(_ v: Double) -> String {
        v == v.rounded() ? String(Int(v)) : NumberText.fixed(v, 1)
    }
}

extension ReportSection {
    /// The workbook sheet's name (Excel allows 31 characters).
    public var sheetName: String {
        switch self {
        case .summary: return "Tổng hợp"
        case .targets: return "Kế hoạch"
        case .topics: return "Theo chủ đề"
        case .months: return "Theo tháng"
        case .blocks: return "Theo buổi"
        case .programmes: return "Chương trình"
        case .emergencies: return "Khẩn cấp"
        case .incomplete: return "Không trọn vẹn"
        }
    }
}
