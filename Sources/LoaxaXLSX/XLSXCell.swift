/// One cell's value, as a report hands it over.
///
/// Numbers stay numbers in the workbook (the district office sums and charts them), and
/// how many decimals they show is a format, not a rounding of the stored value.
public enum XLSXCell: Sendable, Hashable {
    /// Text. It is stored in NFC, without the characters XML 1.0 forbids, and cut to the
    /// 32,767 characters (UTF-16 units) a cell holds; leading and trailing spaces are kept.
    /// Empty text is an empty cell.
    case text(String)
    /// A whole number. Excel keeps 15 significant digits: beyond ±999,999,999,999,999 the
    /// last digits are lost when the file is opened.
    case integer(Int64)
    /// A number shown with `decimals` places (0 to 15; values outside are clamped). The
    /// full value is stored. NaN and infinities, which Excel cannot hold, leave the cell empty.
    case number(Double, decimals: Int)
    /// A fraction shown as a percentage with `decimals` places: 0.256 shows as 25.6% with
    /// one decimal. NaN and infinities leave the cell empty.
    case percent(Double, decimals: Int = 0)
    /// No value. In a styled row the cell still takes the row's look (the header's fill and
    /// line continue across it).
    case empty
}

/// How a whole row looks. A report writes a title row, a blank row, a header row, data rows
/// and perhaps a total row, so the look belongs to the row rather than to each cell.
public enum XLSXRowStyle: Sendable, Hashable, CaseIterable {
    /// Plain text in the default font.
    case normal
    /// The report's title: bold and larger.
    case title
    /// Column headings: bold, on a light fill, with a line below.
    case header
    /// A total or summary row: bold.
    case total
}

/// A column's layout.
public struct XLSXColumn: Sendable, Hashable {
    /// The width in characters of the default font's digits, as Excel's "Column Width"
    /// dialog shows it; nil leaves Excel's default width.
    public var width: Double?

    public init(width: Double? = nil) {
        self.width = width
    }

    /// The width as stored in the file, which adds the cell's padding to the characters
    /// (5 pixels on 7-pixel digits) in 1/256ths of a character, as Excel does, up to the
    /// 255 Excel takes.
    var storedWidth: Double? {
        guard let width else { return nil }
        let characters = max(width, 0)
        return min(((characters * 7 + 5) / 7 * 256).rounded(.down) / 256, 255)
    }
}
