import Foundation
import Testing

@testable import LoaxaXLSX

/// Workbooks written here are read back by openpyxl and checked by unzip, neither of which
/// shares any code with the writer.
@Suite("XLSXWorkbook")
struct XLSXWorkbookTests {
    /// 2024-05-19T10:30:00Z.
    static let created = Date(timeIntervalSince1970: 1_716_114_600)
    /// A long sheet name with characters Excel forbids, asked for twice.
    static let longName = "Chương trình: tháng 5/2024 [bản nháp] rất dài"
    /// Text given decomposed (NFD), as macOS file names hold it.
    static let decomposed = "Thời sự sáng".decomposedStringWithCanonicalMapping
    static let precomposed = "Thời sự sáng".precomposedStringWithCanonicalMapping

    /// Writes the sample report: a summary sheet with every kind of cell and row style, a
    /// 30-column sheet, and sheets whose names need mending.
    func writeSample(at path: String) throws -> [String] {
        let book = try XLSXWorkbook(path: path, title: "Báo cáo\ntháng 5/2024", created: Self.created)
        let summary = try book.addSheet(
            name: "Tổng hợp",
            columns: [XLSXColumn(width: 30), XLSXColumn(width: 20), XLSXColumn(), XLSXColumn(width: 12)],
            freezeHeaderRows: 3)
        try summary.addRow([.text("Báo cáo phát sóng tháng 5/2024")], style: .title)
        try summary.addRow([])
        try summary.addRow(
            [
                .text("Chương trình"), .text("Chủ đề"), .text("Số lần"), .text("Thời lượng (giờ)"), .text("Tỷ lệ"),
                .empty,
            ],
            style: .header)
        try summary.addRow([
            .text(Self.decomposed), .text("Nông nghiệp"), .integer(12), .number(3.14159, decimals: 2),
            .percent(0.256, decimals: 1), .empty,
        ])
        try summary.addRow([
            .text("  cách đều  "), .text("<b>&\"x\"</b> 'y'"), .integer(-7), .number(2, decimals: 0),
            .percent(1), .text("a\u{01}b\u{07}c\u{FFFE}d"),
        ])
        try summary.addRow([
            .text("dòng 1\ndòng 2\r\nhết\tcột"), .text("tên_x0041_tệp"), .integer(1_234_567_890_123),
            .number(.nan, decimals: 2), .text(""), .empty,
        ])
        try summary.addRow(
            [.text("Tổng cộng"), .empty, .integer(5), .number(5.14159, decimals: 2), .empty, .empty], style: .total)

        let wide = try book.addSheet(name: "Theo chủ đề".decomposedStringWithCanonicalMapping, columns: [])
        try wide.addRow((1...30).map { .text("Cột \($0)") }, style: .header)
        try wide.addRow((1...30).map { .integer(Int64($0)) })
        // 32,766 units of "a" and an emoji of two: the emoji does not fit whole.
        try wide.addRow([.text(String(repeating: "a", count: 32_766) + "😀" + String(repeating: "b", count: 100))])

        var names = [summary.name, wide.name]
        for name in [Self.longName, "'Phát khẩn cấp'", "TỔNG HỢP", Self.longName, "History", " ' ' "] {
            let sheet = try book.addSheet(name: name)
            try sheet.addRow([.text(sheet.name)])
            names.append(sheet.name)
        }
        try book.close()
        return names
    }

    /// What the openpyxl script prints.
    struct Dump: Decodable {
        var damaged: String?
        var entries: [String]
        var title: String?
        var creator: String?
        var created: String?
        var sheets: [Sheet]

        struct Sheet: Decodable {
            var name: String
            var freeze: String?
            var dimension: String
            var widths: [String: Double]
            var cells: [Cell]

            /// The cell at `ref`, which must have been read.
            func cell(_ ref: String) throws -> Cell {
                try #require(cells.first { $0.ref == ref }, "no cell \(ref) in sheet \(name)")
            }
        }

        /// A cell: where it is, what it holds (and openpyxl's type letter for it), and how
        /// it looks.
        struct Cell: Decodable {
            var ref: String
            var value: ReadValue
            var type: String
            var look: Look
        }

        /// What the row styles and number formats set: font, number format, fill colour and
        /// the line below (nil where there is none).
        struct Look: Decodable {
            var bold: Bool
            var size: Double?
            var format: String
            var fill: String?
            var bottom: String?
        }
    }

    /// Loads the workbook with openpyxl (and again in read-only mode, which reads the
    /// dimension the file declares) and prints what a test needs to check.
    static let dumpScript = #"""
        import json, sys, zipfile
        import openpyxl

        path = sys.argv[1]
        with zipfile.ZipFile(path) as archive:
            damaged = archive.testzip()
            entries = archive.namelist()
        book = openpyxl.load_workbook(path)
        declared = openpyxl.load_workbook(path, read_only=True)
        sheets = []
        for ws in book.worksheets:
            cells = []
            for row in ws.iter_rows():
                for c in row:
                    if c.value is None and not c.has_style:
                        continue
                    cells.append({
                        "ref": c.coordinate,
                        "value": {"py": type(c.value).__name__, "value": c.value},
                        "type": c.data_type,
                        "look": {
                            "bold": bool(c.font.b),
                            "size": c.font.sz,
                            "format": c.number_format,
                            "fill": c.fill.fgColor.rgb if c.fill.fill_type == "solid" else None,
                            "bottom": c.border.bottom.style,
                        },
                    })
            sheets.append({
                "name": ws.title,
                "freeze": ws.freeze_panes,
                "dimension": declared[ws.title].calculate_dimension(),
                "widths": {k: d.width for k, d in ws.column_dimensions.items() if d.customWidth},
                "cells": cells,
            })
        props = book.properties
        print(json.dumps({
            "damaged": damaged,
            "entries": entries,
            "title": props.title,
            "creator": props.creator,
            "created": props.created.isoformat() if props.created else None,
            "sheets": sheets,
        }))
        """#

    @Test func openpyxlReadsWhatWasWritten() throws {
        #expect(Array(Self.decomposed.unicodeScalars) != Array(Self.precomposed.unicodeScalars))
        let folder = try Reader.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("Báo cáo.xlsx").path
        let names = try writeSample(at: path)
        #expect(try Reader.contents(of: folder) == ["Báo cáo.xlsx"])

        let dump = try Reader.python(Self.dumpScript, [path], as: Dump.self)
        #expect(dump.damaged == nil)
        #expect(dump.title == "Báo cáo\ntháng 5/2024")
        #expect(dump.creator == "Loaxa")
        #expect(dump.created == "2024-05-19T10:30:00")

        // Names: NFC, forbidden characters replaced, cut to 31, apostrophes dropped, made
        // unique without regard to case, and Excel's reserved "History" avoided.
        let expectedNames = [
            "Tổng hợp", "Theo chủ đề", "Chương trình- tháng 5-2024 -bản", "Phát khẩn cấp", "TỔNG HỢP (2)",
            "Chương trình- tháng 5-2024 (2)", "History (2)", "Sheet8",
        ]
        #expect(
            dump.sheets.map { $0.name.unicodeScalars.map(\.value) }
                == expectedNames.map { $0.unicodeScalars.map(\.value) })
        #expect(names.map { $0.unicodeScalars.map(\.value) } == expectedNames.map { $0.unicodeScalars.map(\.value) })
        #expect(names.allSatisfy { $0.utf16.count <= 31 })

        let summary = dump.sheets[0]
        #expect(summary.freeze == "A4")
        #expect(summary.dimension == "A1:F7")
        #expect(summary.widths == ["A": 30.7109375, "B": 20.7109375, "D": 12.7109375])

        // Every cell read, and nothing else: the NaN, the empty text and the unstyled empty
        // cells are absent.
        let refs = summary.cells.map(\.ref)
        #expect(
            refs == [
                "A1", "A3", "B3", "C3", "D3", "E3", "F3", "A4", "B4", "C4", "D4", "E4", "A5", "B5", "C5", "D5", "E5",
                "F5", "A6", "B6", "C6", "A7", "B7", "C7", "D7", "E7", "F7",
            ])
        let values: [String: ReadValue] = [
            "A1": .text("Báo cáo phát sóng tháng 5/2024"), "A3": .text("Chương trình"), "F3": .none,
            "A4": .text(Self.precomposed), "C4": .integer(12), "D4": .number(3.14159), "E4": .number(0.256),
            "A5": .text("  cách đều  "), "B5": .text("<b>&\"x\"</b> 'y'"), "C5": .integer(-7),
            "D5": .number(2), "E5": .number(1), "F5": .text("abcd"),
            "A6": .text("dòng 1\ndòng 2\r\nhết\tcột"), "C6": .integer(1_234_567_890_123),
            "A7": .text("Tổng cộng"), "B7": .none, "D7": .number(5.14159),
        ]
        for (ref, value) in values {
            #expect(try summary.cell(ref).value == value, "cell \(ref)")
        }
        #expect(try summary.cell("A4").type == "s")
        #expect(try summary.cell("C4").type == "n")

        let formats = ["C4": "General", "D4": "0.00", "E4": "0.0%", "D5": "0", "E5": "0%", "D7": "0.00"]
        for (ref, format) in formats {
            #expect(try summary.cell(ref).look.format == format, "cell \(ref)")
        }

        // Row styles: the title bold and larger, the header bold on a fill with a line below
        // (its empty last cell too), the total bold, data plain.
        let title = try summary.cell("A1").look
        #expect(title.bold && title.size == 14)
        for ref in ["A3", "E3", "F3"] {
            let header = try summary.cell(ref).look
            #expect(header.bold && header.fill == "FFDDEBF7" && header.bottom == "thin", "cell \(ref)")
        }
        for ref in ["A7", "B7", "D7"] {
            #expect(try summary.cell(ref).look.bold, "cell \(ref)")
        }
        for ref in ["A4", "D4", "A5"] {
            let data = try summary.cell(ref).look
            #expect(!data.bold && data.fill == nil && data.bottom == nil && data.size == 11, "cell \(ref)")
        }

        // Beyond Z: AA is the 27th column, AD the 30th.
        let wide = dump.sheets[1]
        #expect(wide.freeze == nil)
        #expect(wide.dimension == "A1:AD3")
        #expect(try wide.cell("Z2").value == .integer(26))
        #expect(try wide.cell("AA2").value == .integer(27))
        #expect(try wide.cell("AD2").value == .integer(30))
        #expect(try wide.cell("AD1").value == .text("Cột 30"))
        #expect(try wide.cell("A3").value == .text(String(repeating: "a", count: 32_766)))

        for sheet in dump.sheets.dropFirst(2) {
            #expect(try sheet.cell("A1").value == .text(sheet.name))
            #expect(sheet.dimension == "A1:A1")
        }
    }

    @Test func theArchivePassesUnzipAndHoldsTheParts() throws {
        let folder = try Reader.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("report.xlsx").path
        _ = try writeSample(at: path)

        let test = try Reader.run("/usr/bin/unzip", ["-t", path])
        #expect(test.status == 0, "unzip -t: \(test.stdout) \(test.stderr)")
        #expect(test.stdout.contains("No errors detected"))

        // The package's relationships first and a part under xl/ third, the order by which
        // file-type tools recognise a workbook.
        let list = try Reader.run("/usr/bin/unzip", ["-Z1", path])
        let entries = list.stdout.split(separator: "\n").map(String.init)
        #expect(
            entries == [
                "_rels/.rels", "docProps/core.xml",
                "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "xl/worksheets/sheet3.xml",
                "xl/worksheets/sheet4.xml", "xl/worksheets/sheet5.xml", "xl/worksheets/sheet6.xml",
                "xl/worksheets/sheet7.xml", "xl/worksheets/sheet8.xml",
                "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml", "docProps/app.xml",
                "[Content_Types].xml",
            ])

        // What openpyxl does not show: the escapes in the XML itself.
        let sheet = try Reader.run("/usr/bin/unzip", ["-p", path, "xl/worksheets/sheet1.xml"])
        #expect(sheet.stdout.contains("<t>tên_x005F_x0041_tệp</t>"), "an underscore Excel would read as an escape")
        #expect(sheet.stdout.contains("<t xml:space=\"preserve\">  cách đều  </t>"))
        #expect(sheet.stdout.contains("dòng 2&#13;\nhết\tcột"))
        #expect(sheet.stdout.contains("&lt;b&gt;&amp;&quot;x&quot;&lt;/b&gt; 'y'"))
        #expect(
            sheet.stdout.contains("<pane ySplit=\"3\" topLeftCell=\"A4\" activePane=\"bottomLeft\" state=\"frozen\"/>"))
        let core = try Reader.run("/usr/bin/unzip", ["-p", path, "docProps/core.xml"])
        #expect(
            core.stdout.contains("<dcterms:created xsi:type=\"dcterms:W3CDTF\">2024-05-19T10:30:00Z</dcterms:created>"))
    }

    @Test func aMissingFolderIsAnErrorNamingThePath() throws {
        let folder = try Reader.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("no-such-folder/report.xlsx").path
        let error = #expect(throws: XLSXError.self) { try XLSXWorkbook(path: path) }
        #expect(error?.description.contains(path) == true, "\(String(describing: error))")
        #expect(try Reader.contents(of: folder) == [])
    }

    @Test func anErrorMidWayLeavesNothingAndKeepsTheOldFile() throws {
        let folder = try Reader.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("report.xlsx").path
        try Data("last month's report".utf8).write(to: URL(fileURLWithPath: path))

        let book = try XLSXWorkbook(path: path)
        let sheet = try book.addSheet(name: "Tổng hợp")
        for number in 1...1000 { try sheet.addRow([.integer(Int64(number)), .text("hàng \(number)")]) }
        #expect(FileManager.default.fileExists(atPath: book.temporaryPath))
        let error = #expect(throws: XLSXError.self) {
            try sheet.addRow(Array(repeating: .integer(1), count: XLSXLimits.columns + 1))
        }
        #expect(error?.description.contains("Tổng hợp") == true)

        // Discarded at once: the temporary file is gone, the old report untouched, and the
        // workbook refuses more work.
        #expect(try Reader.contents(of: folder) == ["report.xlsx"])
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "last month's report")
        #expect(throws: XLSXError.self) { try sheet.addRow([.integer(1)]) }
        #expect(throws: XLSXError.self) { _ = try book.addSheet(name: "Khác") }
        #expect(throws: XLSXError.self) { try book.close() }
        #expect(try Reader.contents(of: folder) == ["report.xlsx"])
    }

    @Test func aWorkbookLeftUnclosedLeavesNothing() throws {
        let folder = try Reader.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("report.xlsx").path

        /// Stands for a report whose own query fails part way.
        struct QueryFailed: Error {}
        func report() throws {
            let book = try XLSXWorkbook(path: path)
            let sheet = try book.addSheet(name: "Tổng hợp")
            try sheet.addRow([.text("Chương trình")], style: .header)
            #expect(try Reader.contents(of: folder).count == 1)
            throw QueryFailed()
        }
        #expect(throws: QueryFailed.self) { try report() }
        #expect(try Reader.contents(of: folder) == [])

        // Closing a workbook without sheets is refused, and leaves nothing either.
        let empty = try XLSXWorkbook(path: path)
        let error = #expect(throws: XLSXError.self) { try empty.close() }
        #expect(error?.description.contains(path) == true)
        #expect(try Reader.contents(of: folder) == [])
    }

    @Test func rowsGoOnlyToTheNewestSheet() throws {
        let folder = try Reader.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("report.xlsx").path
        let book = try XLSXWorkbook(path: path)
        let first = try book.addSheet(name: "Một")
        try first.addRow([.integer(1)])
        let second = try book.addSheet(name: "Hai")
        try second.addRow([.integer(2)])
        // A row for a finished sheet would be lost: the error discards the workbook.
        let error = #expect(throws: XLSXError.self) { try first.addRow([.integer(3)]) }
        #expect(error?.description.contains("Một") == true)
        #expect(throws: XLSXError.self) { try book.close() }
        #expect(try Reader.contents(of: folder) == [])
    }
}
