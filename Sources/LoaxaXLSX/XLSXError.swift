/// Why a workbook could not be written.
///
/// Every case names the workbook's path or the sheet concerned, so that an operator who
/// sees only the message knows which report failed and where. After any of these the
/// workbook is discarded: nothing is left at its path and no temporary file remains.
public enum XLSXError: Error, Sendable, CustomStringConvertible {
    /// The workbook's temporary file could not be created beside `path`.
    case cannotCreate(path: String, reason: String)
    /// Writing, flushing or renaming the workbook failed part way.
    case writeFailed(path: String, reason: String)
    /// A sheet already holds the 1,048,576 rows that Excel opens.
    case tooManyRows(sheet: String)
    /// A row has more cells than the 16,384 columns that Excel opens.
    case tooManyColumns(sheet: String, row: Int, cells: Int)
    /// A part of the workbook passed the 4 GiB that a ZIP file without ZIP64 holds.
    case tooLarge(path: String, part: String)
    /// `close()` was called on a workbook without sheets, which Excel refuses to open.
    case noSheets(path: String)
    /// The workbook was already closed, or discarded after an error.
    case closed(path: String)
    /// Rows were added to a sheet after the next sheet was added or the workbook closed.
    case sheetFinished(sheet: String)
    /// zlib refused to compress (it reports this only for a bug or when out of memory).
    case compressionFailed(path: String, code: Int32)

    public var description: String {
        switch self {
        case .cannotCreate(let path, let reason):
            return "cannot create the workbook \(path): \(reason). "
                + "Check that the folder exists and that the user running Loaxa can write to it."
        case .writeFailed(let path, let reason):
            return "could not write the workbook \(path): \(reason). Check free space on its disk."
        case .tooManyRows(let sheet):
            return "sheet '\(sheet)' is full: Excel opens at most \(XLSXLimits.rows) rows in a sheet"
        case .tooManyColumns(let sheet, let row, let cells):
            return "sheet '\(sheet)', row \(row) has \(cells) cells: "
                + "Excel opens at most \(XLSXLimits.columns) columns"
        case .tooLarge(let path, let part):
            return "the workbook \(path) is too large: its part \(part) passed 4 GiB"
        case .noSheets(let path):
            return "the workbook \(path) has no sheet: Excel needs at least one"
        case .closed(let path):
            return "the workbook \(path) is already closed or was discarded after an error"
        case .sheetFinished(let sheet):
            return "sheet '\(sheet)' is finished: rows can only be added to the workbook's newest sheet"
        case .compressionFailed(let path, let code):
            return "could not compress the workbook \(path): zlib error \(code)"
        }
    }
}

/// The sizes Excel opens, which the writer enforces so that it never writes a file that
/// Excel would refuse or cut short.
enum XLSXLimits {
    /// Rows in one sheet.
    static let rows = 1_048_576
    /// Columns in one sheet (A to XFD).
    static let columns = 16_384
    /// UTF-16 code units in one cell's text.
    static let cellText = 32_767
    /// UTF-16 code units in a sheet's name.
    static let sheetName = 31
}
