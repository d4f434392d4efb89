import Foundation
import LoaxaCore
import LoaxaSchedule
import LoaxaStore
import LoaxaXLSX

/// Writes a ``PeriodReport`` as Markdown, CSV, JSON or an Excel workbook. Every format has
/// the same tables, and every one names the log's head, so that whoever keeps the report
/// can later check with `loaxa log verify --head` that the log still holds what it counted.
public struct ReportWriter {
    public enum Format: String, Sendable, CaseIterable {
        /// Headings and tables to read or print.
        case md
        /// UTF-8 with a byte-order mark, for Excel: each table under its title, a blank row
        /// between tables.
        case csv
        /// One object: the period, the head and each section's rows under their keys.
        case json
        /// A workbook with one sheet per table.
        case xlsx
    }

    public var report: PeriodReport
    public var config: StationConfig.Report

    public init(report: PeriodReport, config: StationConfig.Report) {
        self.report = report
        self.config = config
    }

    /// "Kỳ báo cáo: 6 tháng đầu năm 2025 (từ ngày 01/01/2025 đến ngày 30/06/2025)"
    var periodLine: String { "Kỳ báo cáo: \(report.days.title)" }

    /// The lines above the tables after the title: station, period, recipient.
    var subheading: [String] {
        [report.station, periodLine] + (config.recipient.map { ["Kính gửi: \($0)"] } ?? [])
    }

    /// Every line above the tables: issuer, title, then ``subheading``.
    var heading: [String] { (config.issuer.map { [$0] } ?? []) + [config.title] + subheading }

    /// The lines under the tables: when it was made, the head, the signer.
    var footing: [String] {
        var lines = [
            "Số liệu lấy từ nhật ký phát sóng của Loaxa lúc \(VietnameseText.dateTime(report.generatedAt, zone: report.zone)).",
            "Mã xác thực nhật ký: \(report.headText). Kiểm tra bằng lệnh: loaxa log verify --head \"\(report.headText)\"",
        ]
        if let signer = config.signer { lines.append("Người lập báo cáo: \(signer)") }
        return lines
    }

    /// A cell as text: numbers with a decimal comma, as Vietnamese write them, unless
    /// `decimalPoint` (a CSV file, which spreadsheets read as numbers).
    func text(_ cell: ReportCell, decimalPoint: Bool = false) -> String {
        switch cell {
        case .text(let s): return s
        case .integer(let n): return String(n)
        case .number(let v, let decimals):
            let text = NumberText.fixed(v, decimals)
            return decimalPoint ? text : text.replacingOccurrences(of: ".", with: ",")
        case .time(let t): return VietnameseText.dateTime(t, zone: report.zone)
        case .empty: return ""
        }
    }

    /// Writes the report to `path` (standard output when nil). A file is written beside
    /// `path` and renamed into place, so a report half written is never left under its name.
    public func write(_ format: Format, to path: String?) throws {
        if format == .xlsx {
            guard let path else { throw ReportError.cannotWrite(path: "-", reason: "a workbook needs --out FILE.xlsx") }
            try writeXLSX(to: path)
            return
        }
        let target = path.map { LocalPath.fromCurrentDirectory($0) }
        let temporary = target.map { LocalPath.folder(of: $0) + "/." + ($0 as NSString).lastPathComponent + ".part" }
        let handle: FileHandle
        if let temporary {
            guard FileManager.default.createFile(atPath: temporary, contents: nil), let h = FileHandle(forWritingAtPath: temporary) else {
                throw ReportError.cannotWrite(path: path!, reason: "the folder is missing or not writable")
            }
            handle = h
        } else {
            handle = .standardOutput
        }
        do {
            let sink = BufferedOutput(handle: handle)
            switch format {
            case .md: try writeMarkdown(sink)
            case .csv: try writeCSV(sink)
            case .json: try writeJSON(sink)
            case .xlsx: break
            }
            try sink.flush()
            if let temporary, let target {
                try handle.synchronize()
                try handle.close()
                guard rename(temporary, target) == 0 else {
                    throw ReportError.cannotWrite(path: path!, reason: String(cString: strerror(errno)))
                }
            }
        } catch {
            if let temporary { unlink(temporary) }
            throw error
        }
    }

    // MARK: - Markdown

    private func writeMarkdown(_ out: BufferedOutput) throws {
        if let issuer = config.issuer { out.append("**\(escapeMarkdown(issuer))**\n\n") }
        out.append("# \(escapeMarkdown(config.title))\n\n")
        out.append(subheading.map { "**\(escapeMarkdown($0))**" }.joined(separator: "  \n") + "\n\n")
        for table in report.tables(config: config) {
            out.append("## \(table.title)\n\n")
            if let note = table.note { out.append("_\(escapeMarkdown(note))_\n\n") }
            out.append("| " + table.shownColumns.map { escapeMarkdown($0.title) }.joined(separator: " | ") + " |\n")
            out.append("|" + table.shownColumns.map { _ in " --- |" }.joined() + "\n")
            try table.rows { cells in
                out.append("| " + table.shown(cells).map { escapeMarkdown(text($0)) }.joined(separator: " | ") + " |\n")
                try out.flushIfFull()
            }
            out.append("\n")
        }
        for line in footing { out.append(escapeMarkdown(line) + "\n\n") }
    }

    private func escapeMarkdown(_ s: String) -> String {
        guard s.utf8.contains(where: { Self.markdownSpecial[Int($0)] }) else { return s }
        var out = ""
        for c in s {
            switch c {
            case "|", "\\", "*", "_", "`", "<", ">", "[", "]": out.append("\\"); out.append(c)
            case "\n", "\r": out.append(" ")
            default: out.append(c)
            }
        }
        return out
    }

    /// The bytes ``escapeMarkdown(_:)`` must look at.
    private static let markdownSpecial: [Bool] = (0..<256).map { b in
        "|\\*_`<>[]\n\r".utf8.contains(UInt8(b))
    }

    // MARK: - CSV

    private func writeCSV(_ out: BufferedOutput) throws {
        out.append([0xEF, 0xBB, 0xBF])
        func line(_ cells: [String]) {
            var row = CSVFields(sink: out)
            for cell in cells { row.text(cell) }
            out.append("\r\n")
        }
        for text in heading { line([text]) }
        line([])
        for table in report.tables(config: config) {
            line([table.title])
            if let note = table.note { line([note]) }
            line(table.shownColumns.map(\.title))
            try table.rows { cells in
                line(table.shown(cells).map { text($0, decimalPoint: true) })
                try out.flushIfFull()
            }
            line([])
        }
        for text in footing { line([text]) }
    }

    // MARK: - JSON

    private func writeJSON(_ out: BufferedOutput) throws {
        func string(_ s: String?) -> String { s.map(JSONText.quoted) ?? "null" }
        out.append("{\n")
        out.append("\"station\":\(string(report.station)),\n")
        out.append("\"period\":{\"title\":\(string(report.days.name ?? report.days.title)),\"from\":\"\(report.days.first)\",\"to\":\"\(report.days.last)\"},\n")
        out.append("\"generated_at\":\"")
        out.appendTime(report.generatedAt, offsetSeconds: report.zone(report.generatedAt))
        out.append("\",\n\"log_head\":\(string(report.head?.description)),\n")
        out.append("\"headings\":{\"title\":\(string(config.title)),\"issuer\":\(string(config.issuer)),\"recipient\":\(string(config.recipient)),\"signer\":\(string(config.signer))}")
        for table in report.tables(config: config) {
            out.append(",\n\(JSONText.quoted(table.section.rawValue)):{\"title\":\(string(table.title)),\"note\":\(string(table.note)),\"rows\":[")
            var first = true
            let keys = JSONFields.Keys(table.columns.map(\.key))
            try table.rows { cells in
                out.append(first ? "\n{" : ",\n{")
                first = false
                var fields = JSONFields(sink: out, keys: keys)
                for cell in cells {
                    switch cell {
                    case .text(let s): fields.text(s)
                    case .integer(let n): fields.integer(n)
                    case .number(let v, let decimals): fields.number(v, decimals: decimals)
                    case .time(let t): fields.time(t, offsetSeconds: report.zone(t))
                    case .empty: fields.null()
                    }
                }
                out.append("}")
                try out.flushIfFull()
            }
            out.append("]}")
        }
        out.append("\n}\n")
    }

    // MARK: - XLSX

    private func writeXLSX(to path: String) throws {
        let workbook = try XLSXWorkbook(path: LocalPath.fromCurrentDirectory(path), title: config.title)
        for table in report.tables(config: config) {
            let sheet = try workbook.addSheet(
                name: table.section.sheetName, columns: table.shownColumns.map { XLSXColumn(width: $0.width) },
                freezeHeaderRows: table.section == .summary ? 0 : 4 + (table.note == nil ? 0 : 1))
            try sheet.addRow([.text(config.title)], style: .title)
            try sheet.addRow([.text(report.station + " — " + periodLine)])
            try sheet.addRow([.text(table.title)], style: .total)
            if let note = table.note { try sheet.addRow([.text(note)]) }
            try sheet.addRow(table.shownColumns.map { .text($0.title) }, style: .header)
            try table.rows { cells in
                try sheet.addRow(table.shown(cells).map { cell in
                    switch cell {
                    case .text(let s): return .text(s)
                    case .integer(let n): return .integer(n)
                    case .number(let v, let decimals): return .number(v, decimals: decimals)
                    case .time(let t): return .text(VietnameseText.dateTime(t, zone: report.zone))
                    case .empty: return .empty
                    }
                })
            }
            if table.section == .summary {
                try sheet.addRow([])
                for line in footing { try sheet.addRow([.text(line)]) }
            }
        }
        try workbook.close()
    }
}
