import Foundation
import Testing

@testable import LoaxaXLSX

@Suite("XLSX streaming")
struct XLSXStreamingTests {
    static let rows = 200_000

    /// Counts the rows in read-only mode (which streams, as the writer does) and prints the
    /// header, the last row, and the last row's number.
    static let countScript = #"""
        import json, sys
        import openpyxl

        book = openpyxl.load_workbook(sys.argv[1], read_only=True)
        ws = book.worksheets[0]
        count = 0
        first = last = None
        for row in ws.iter_rows(values_only=True):
            count += 1
            if first is None:
                first = row
            last = row
        print(json.dumps({
            "sheets": book.sheetnames,
            "rows": count,
            "dimension": ws.calculate_dimension(),
            "first": [{"py": type(v).__name__, "value": v} for v in first],
            "last": [{"py": type(v).__name__, "value": v} for v in last],
        }))
        """#

    struct Count: Decodable {
        var sheets: [String]
        var rows: Int
        var dimension: String
        var first: [ReadValue]
        var last: [ReadValue]
    }

    /// The eight cells of data row `n`.
    static func row(_ n: Int) -> [XLSXCell] {
        [
            .integer(Int64(n)), .text("Chương trình \(n)"), .number(Double(n) / 8, decimals: 3), .text("nông nghiệp"),
            .integer(Int64(n) * 2), .percent(Double(n % 100) / 100, decimals: 0), .text("file-\(n).mp3"),
            .number(Double(n) + 0.5, decimals: 1),
        ]
    }

    @Test func twoHundredThousandRowsStreamThroughFiles() throws {
        let folder = try Reader.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("lớn.xlsx").path
        let book = try XLSXWorkbook(path: path, title: "Nhật ký phát sóng")
        let sheet = try book.addSheet(
            name: "Nhật ký", columns: Array(repeating: XLSXColumn(width: 14), count: 8), freezeHeaderRows: 1)
        try sheet.addRow((1...8).map { .text("Cột \($0)") }, style: .header)

        // The rows go to disk as they come: the spool grows with them while what the sheet
        // holds in memory stays within its buffers, whatever the count.
        var mostBuffered = 0
        var spooledAtHalf: UInt64 = 0
        for n in 1...Self.rows {
            try sheet.addRow(Self.row(n))
            if n % 1000 == 0 { mostBuffered = max(mostBuffered, sheet.bufferedBytes) }
            if n == Self.rows / 2 { spooledAtHalf = sheet.spooledBytes }
        }
        #expect(sheet.rowCount == Self.rows + 1)
        #expect(spooledAtHalf > 10_000_000)
        #expect(sheet.spooledBytes > spooledAtHalf * 19 / 10)
        #expect(mostBuffered < 2 * FileOutput.chunk + 4096, "\(mostBuffered) bytes held for rows")

        // Until close, the workbook exists only as a hidden file beside the path (the spool
        // has no name in the folder).
        #expect(FileManager.default.fileExists(atPath: book.temporaryPath))
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(try Reader.contents(of: folder) == [URL(fileURLWithPath: book.temporaryPath).lastPathComponent])
        try book.close()
        #expect(try Reader.contents(of: folder) == ["lớn.xlsx"])

        let count = try Reader.python(Self.countScript, [path], as: Count.self)
        #expect(count.sheets == ["Nhật ký"])
        #expect(count.rows == Self.rows + 1)
        #expect(count.dimension == "A1:H\(Self.rows + 1)")
        #expect(count.first == (1...8).map { .text("Cột \($0)") })
        let n = Self.rows
        #expect(
            count.last == [
                .integer(Int64(n)), .text("Chương trình \(n)"), .number(Double(n) / 8), .text("nông nghiệp"),
                .integer(Int64(n) * 2), .number(0), .text("file-\(n).mp3"), .number(Double(n) + 0.5),
            ])
    }
}
