/// One sheet of a workbook, which takes its rows in order.
///
/// Rows are written as XML to a spool file beside the workbook as they arrive, through a
/// small buffer, so a sheet of a million rows takes no more memory than one of ten. The
/// spool has no name in the folder (it is unlinked as soon as it is opened), so nothing is
/// left behind whatever happens to the process. When the next sheet is added or the
/// workbook closed, the sheet's XML — its header, which needs the final size, then the
/// spooled rows — is deflated into the workbook, and the sheet takes no more rows.
public final class XLSXSheet {
    /// The name the sheet got, which may differ from the one asked for (see
    /// ``XLSXWorkbook/addSheet(name:columns:freezeHeaderRows:)``).
    public let name: String
    /// How many rows have been added, blank ones included: the next row's number minus one.
    public private(set) var rowCount = 0

    /// The sheet's position in the workbook, from 1.
    let number: Int
    private let columns: [XLSXColumn]
    private let freezeHeaderRows: Int
    /// The workbook, which outlives the sheet's use: adding a row to a sheet whose workbook
    /// is gone is an error, not a crash.
    private weak var workbook: XLSXWorkbook?
    private let styles: StyleTable
    private let spool: FileOutput
    /// The row being built, reused from row to row.
    private var row: [UInt8] = []
    /// Column letters as bytes, by column number minus one, filled as wider rows come.
    private var columnNames: [[UInt8]] = []
    /// The last row and the rightmost column that hold a cell: the sheet's dimension.
    private var lastRow = 0
    private var lastColumn = 0
    private(set) var isFinished = false

    init(
        name: String, number: Int, columns: [XLSXColumn], freezeHeaderRows: Int, workbook: XLSXWorkbook,
        styles: StyleTable, spool: FileOutput
    ) {
        self.name = name
        self.number = number
        self.columns = columns
        self.freezeHeaderRows = min(max(freezeHeaderRows, 0), XLSXLimits.rows - 1)
        self.workbook = workbook
        self.styles = styles
        self.spool = spool
    }

    /// Adds the next row, `cells` from column A on, with the look of `style`. An empty list
    /// (or only empty cells in a normal row) is a blank row.
    ///
    /// Like every error of a workbook, an error here discards it: nothing is left at its path.
    public func addRow(_ cells: [XLSXCell], style: XLSXRowStyle = .normal) throws {
        guard let workbook else { throw XLSXError.sheetFinished(sheet: name) }
        try workbook.guarded {
            guard !isFinished else { throw XLSXError.sheetFinished(sheet: name) }
            try write(cells, style: style)
        }
    }

    /// Bytes of row XML written to the spool so far.
    var spooledBytes: UInt64 { spool.size }

    /// Bytes the sheet holds in memory for rows: the spool's buffer and the row being built.
    var bufferedBytes: Int { spool.bufferedBytes + row.capacity }

    // MARK: - Rows

    private func write(_ cells: [XLSXCell], style: XLSXRowStyle) throws {
        guard rowCount < XLSXLimits.rows else { throw XLSXError.tooManyRows(sheet: name) }
        guard cells.count <= XLSXLimits.columns else {
            throw XLSXError.tooManyColumns(sheet: name, row: rowCount + 1, cells: cells.count)
        }
        rowCount += 1
        let rowNumber = Array(String(rowCount).utf8)
        row.removeAll(keepingCapacity: true)
        append("<row r=\"")
        row.append(contentsOf: rowNumber)
        append("\">")
        let start = row.count
        var last = 0
        for (offset, cell) in cells.enumerated() where appendCell(cell, column: offset + 1, rowNumber, style) {
            last = offset + 1
        }
        guard row.count > start else { return }
        append("</row>")
        lastRow = rowCount
        lastColumn = max(lastColumn, last)
        try spool.append(row)
    }

    /// Appends one cell's XML to the row; false if the cell is left out as empty.
    private func appendCell(_ cell: XLSXCell, column: Int, _ rowNumber: [UInt8], _ style: XLSXRowStyle) -> Bool {
        switch cell {
        case .text(let raw):
            let text = XMLText.cellText(raw)
            if text.isEmpty { return appendEmpty(column, rowNumber, style) }
            openCell(column, rowNumber, styles.index(row: style, number: nil), type: "inlineStr")
            append(XMLText.needsPreserve(text) ? "<is><t xml:space=\"preserve\">" : "<is><t>")
            XMLText.appendEscaped(text, in: .cell, to: &row)
            append("</t></is></c>")
        case .integer(let value):
            openCell(column, rowNumber, styles.index(row: style, number: nil))
            appendValue(String(value))
        case .number(let value, let decimals):
            guard value.isFinite else { return appendEmpty(column, rowNumber, style) }
            openCell(column, rowNumber, styles.index(row: style, number: .decimals(Self.places(decimals))))
            appendValue(String(value))
        case .percent(let value, let decimals):
            guard value.isFinite else { return appendEmpty(column, rowNumber, style) }
            openCell(column, rowNumber, styles.index(row: style, number: .percent(Self.places(decimals))))
            appendValue(String(value))
        case .empty:
            return appendEmpty(column, rowNumber, style)
        }
        return true
    }

    /// An empty cell: written only to carry a styled row's look.
    private func appendEmpty(_ column: Int, _ rowNumber: [UInt8], _ style: XLSXRowStyle) -> Bool {
        guard style != .normal else { return false }
        openCell(column, rowNumber, styles.index(row: style, number: nil))
        row.removeLast()  // ">" becomes "/>"
        append("/>")
        return true
    }

    /// Appends `<c r="B7" s="3" t="type">`, leaving out the default format and type.
    private func openCell(_ column: Int, _ rowNumber: [UInt8], _ format: Int, type: String? = nil) {
        while columnNames.count < column { columnNames.append(Array(ColumnName.of(columnNames.count + 1).utf8)) }
        append("<c r=\"")
        row.append(contentsOf: columnNames[column - 1])
        row.append(contentsOf: rowNumber)
        append("\"")
        if format != 0 {
            append(" s=\"")
            append(String(format))
            append("\"")
        }
        if let type {
            append(" t=\"")
            append(type)
            append("\"")
        }
        append(">")
    }

    private func appendValue(_ value: String) {
        append("<v>")
        append(value)
        append("</v></c>")
    }

    private func append(_ text: String) { row.append(contentsOf: text.utf8) }

    /// `decimals` within the places a double can show.
    private static func places(_ decimals: Int) -> Int { min(max(decimals, 0), 15) }

    // MARK: - Finishing

    /// Writes the sheet's whole XML into `sink` and closes the spool: the sheet then takes
    /// no more rows.
    func finish(into sink: EntrySink) throws {
        isFinished = true
        try sink.write(head())
        try spool.readBack { try sink.write($0) }
        try sink.write(Self.tail)
        try spool.close()
    }

    /// The XML after the rows: Excel's usual page margins, for when the sheet is printed.
    private static let tail = PackageParts.compact(
        #"""
        </sheetData>
        <pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>
        </worksheet>
        """#)

    /// Closes the spool without writing the sheet, when the workbook is discarded.
    func abandon() {
        isFinished = true
        try? spool.close()
    }

    /// The XML before the rows: dimension, view (with the frozen rows), column widths.
    private func head() -> String {
        let dimension = lastRow == 0 ? "A1" : "A1:\(ColumnName.of(lastColumn))\(lastRow)"
        let selected = number == 1 ? #" tabSelected="1""# : ""
        var view = #"<sheetView workbookViewId="0"\#(selected)/>"#
        if freezeHeaderRows > 0 {
            let firstFree = "A\(freezeHeaderRows + 1)"
            view = PackageParts.compact(
                #"""
                <sheetView workbookViewId="0"\#(selected)>
                <pane ySplit="\#(freezeHeaderRows)" topLeftCell="\#(firstFree)" activePane="bottomLeft" state="frozen"/>
                <selection pane="bottomLeft" activeCell="\#(firstFree)" sqref="\#(firstFree)"/>
                </sheetView>
                """#)
        }
        let widths = columns.enumerated().compactMap { offset, column in
            column.storedWidth.map {
                #"<col min="\#(offset + 1)" max="\#(offset + 1)" width="\#($0)" customWidth="1"/>"#
            }
        }
        return PackageParts.declaration
            + PackageParts.compact(
                #"""
                <worksheet xmlns="\#(PackageParts.mainNamespace)" xmlns:r="\#(PackageParts.relationshipsNamespace)">
                <dimension ref="\#(dimension)"/>
                <sheetViews>\#(view)</sheetViews>
                <sheetFormatPr defaultRowHeight="15"/>
                \#(widths.isEmpty ? "" : "<cols>" + widths.joined() + "</cols>")
                <sheetData>
                """#)
    }
}
