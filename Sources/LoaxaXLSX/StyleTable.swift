/// The cell formats a workbook uses, gathered while its sheets are written.
///
/// Each cell names a format by index into styles.xml; the workbook writes that part last,
/// so only the combinations of row style and number format actually used are listed, and
/// a sheet never has to know the others in advance.
final class StyleTable {
    /// How a number cell is shown.
    enum NumberFormat: Hashable {
        /// With this many decimals.
        case decimals(Int)
        /// Times 100 with a percent sign, with this many decimals.
        case percent(Int)

        /// The format code, as Excel's "Custom" number format shows it.
        var code: String {
            switch self {
            case .decimals(let places): return places == 0 ? "0" : "0." + String(repeating: "0", count: places)
            case .percent(let places): return NumberFormat.decimals(places).code + "%"
            }
        }
    }

    /// One cell format: the row's look and how its number is shown.
    private struct Format: Hashable {
        var row: XLSXRowStyle
        var number: NumberFormat?
    }

    /// The formats in index order; the first, plain text in a normal row, is Excel's default.
    private var formats: [Format] = [Format(row: .normal, number: nil)]
    private var indices: [Format: Int] = [Format(row: .normal, number: nil): 0]
    /// The number formats in use; the first gets id 164, the first id Excel leaves to files.
    private var numberFormats: [NumberFormat] = []

    /// What every workbook's styles hold: fonts 0 normal, 1 bold, 2 the title's; fills 0 and 1
    /// the two Excel requires, 2 the header's; borders 0 none, 1 the header's line below; and
    /// the one base style the cell formats derive from.
    private static let fontsFillsAndBorders = PackageParts.compact(
        #"""
        <fonts count="3">
        <font><sz val="11"/><name val="Calibri"/><family val="2"/></font>
        <font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>
        <font><b/><sz val="14"/><name val="Calibri"/><family val="2"/></font>
        </fonts>
        <fills count="3">
        <fill><patternFill patternType="none"/></fill>
        <fill><patternFill patternType="gray125"/></fill>
        <fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/><bgColor indexed="64"/></patternFill></fill>
        </fills>
        <borders count="2">
        <border><left/><right/><top/><bottom/><diagonal/></border>
        <border><left/><right/><top/><bottom style="thin"><color auto="1"/></bottom><diagonal/></border>
        </borders>
        <cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
        """#)

    /// The index of the cell format for a cell of `row` style shown as `number`.
    func index(row: XLSXRowStyle, number: NumberFormat?) -> Int {
        let format = Format(row: row, number: number)
        if let index = indices[format] { return index }
        if let number, !numberFormats.contains(number) { numberFormats.append(number) }
        formats.append(format)
        indices[format] = formats.count - 1
        return formats.count - 1
    }

    /// xl/styles.xml: fonts, fills and borders for the row styles, and the formats used.
    func xml() -> String {
        var xml = PackageParts.declaration
        xml += "<styleSheet xmlns=\"\(PackageParts.mainNamespace)\">"
        if !numberFormats.isEmpty {
            xml += "<numFmts count=\"\(numberFormats.count)\">"
            for (offset, format) in numberFormats.enumerated() {
                xml += "<numFmt numFmtId=\"\(164 + offset)\" formatCode=\"\(format.code)\"/>"
            }
            xml += "</numFmts>"
        }
        xml += Self.fontsFillsAndBorders
        xml += "<cellXfs count=\"\(formats.count)\">"
        for format in formats { xml += xfElement(format) }
        xml += "</cellXfs>"
        xml += "<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>"
        xml += "</styleSheet>"
        return xml
    }

    /// The `<xf>` of one cell format.
    private func xfElement(_ format: Format) -> String {
        let font: Int
        let fill: Int
        let border: Int
        switch format.row {
        case .normal: (font, fill, border) = (0, 0, 0)
        case .title: (font, fill, border) = (2, 0, 0)
        case .header: (font, fill, border) = (1, 2, 1)
        case .total: (font, fill, border) = (1, 0, 0)
        }
        let numberFormat = format.number.map { 164 + numberFormats.firstIndex(of: $0)! } ?? 0
        var xf =
            "<xf numFmtId=\"\(numberFormat)\" fontId=\"\(font)\" fillId=\"\(fill)\" borderId=\"\(border)\" xfId=\"0\""
        if numberFormat != 0 { xf += " applyNumberFormat=\"1\"" }
        if font != 0 { xf += " applyFont=\"1\"" }
        if fill != 0 { xf += " applyFill=\"1\"" }
        if border != 0 { xf += " applyBorder=\"1\"" }
        return xf + "/>"
    }
}
