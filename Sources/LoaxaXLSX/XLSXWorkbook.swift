import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An Excel workbook (.xlsx) written as it is filled, for reports of any length.
///
/// The district office opens the period reports in Excel, so the file must be one Excel
/// accepts without a repair prompt, whatever titles the station's media carry. Sheets are
/// written one after another: adding a sheet, or closing, finishes the one before, and rows
/// are streamed to disk, so memory stays flat from ten rows to a million.
///
/// The workbook is written to a hidden temporary file beside `path` and renamed into place
/// by ``close()`` once it is complete and on the disk, so a reader (or a copy made mid-way)
/// never sees half a workbook, and an earlier file at `path` stays whole until then. After
/// an error, ``discard()``, or when the workbook is released without being closed, the
/// temporary file is removed and `path` is left as it was.
///
/// A workbook is used from one thread at a time.
public final class XLSXWorkbook {
    /// Where the finished workbook goes.
    public let path: String
    /// The hidden file the workbook is written to until ``close()`` renames it to ``path``.
    let temporaryPath: String
    /// The folder of ``path`` and the file's name in it, which the hidden files are named after.
    private let folder: String
    private let fileName: String
    private let output: FileOutput
    private let zip: ZipWriter
    private let styles = StyleTable()
    private var names = SheetNames()
    private var sheetNames: [String] = []
    private var current: XLSXSheet?
    private var state = State.open

    /// Where the workbook is in its life.
    private enum State {
        /// Taking sheets and rows.
        case open
        /// Renamed into place; done.
        case closed
        /// Abandoned after an error or on request; its temporary file is gone.
        case discarded
    }

    /// Starts a workbook that ``close()`` will put at `path`, with `title` and `creator` as
    /// its document properties and `created` as its creation time.
    ///
    /// Throws ``XLSXError/cannotCreate(path:reason:)`` when the folder of `path` does not
    /// exist or cannot be written.
    public init(path: String, title: String? = nil, creator: String = "Loaxa", created: Date = Date()) throws {
        let url = URL(fileURLWithPath: path)
        self.path = path
        folder = url.deletingLastPathComponent().path
        fileName = url.lastPathComponent
        temporaryPath = Self.hiddenPath(in: folder, named: fileName, suffix: "tmp")
        output = try FileOutput(creating: temporaryPath, reportedPath: path)
        zip = ZipWriter(output: output, modified: created)
        // The package relationships first, then a part under docProps/ and, third, the first
        // sheet under xl/: the order by which file-type tools recognise an Excel workbook.
        try guarded {
            try zip.add("_rels/.rels", text: PackageParts.rootRelationships)
            try zip.add(
                "docProps/core.xml",
                text: PackageParts.coreProperties(title: title, creator: creator, created: created))
        }
    }

    deinit {
        discard()
    }

    /// Adds a sheet, which then takes the rows, and finishes the sheet before it.
    ///
    /// The name is mended rather than refused: it is put in NFC, the characters Excel
    /// forbids in sheet names (`[ ] : * ? / \`) become hyphens, apostrophes and spaces are
    /// dropped from its ends, it is cut to 31 characters (UTF-16 units, as Excel counts), and
    /// " (2)", " (3)"... is added if an earlier sheet has the same name in any case, or for
    /// Excel's reserved "History". A name left empty becomes "Sheet" and the sheet's number.
    /// The sheet's ``XLSXSheet/name`` is the name it got.
    ///
    /// - Parameters:
    ///   - columns: the widths of the first columns, from A; columns beyond keep Excel's.
    ///   - freezeHeaderRows: how many rows at the top stay in view while scrolling (for a
    ///     report: its title, the blank row and the header, 3).
    public func addSheet(name: String, columns: [XLSXColumn] = [], freezeHeaderRows: Int = 0) throws -> XLSXSheet {
        try guarded {
            try finishCurrentSheet()
            let number = sheetNames.count + 1
            let spool = try FileOutput(
                creating: Self.hiddenPath(in: folder, named: fileName, suffix: "rows"), reportedPath: path,
                unlinked: true)
            let sheet = XLSXSheet(
                name: names.claim(name, number: number), number: number, columns: columns,
                freezeHeaderRows: freezeHeaderRows, workbook: self, styles: styles, spool: spool)
            sheetNames.append(sheet.name)
            current = sheet
            return sheet
        }
    }

    /// Finishes the last sheet, completes the workbook, writes it to the disk and renames it
    /// to ``path``, replacing any file there.
    ///
    /// Throws ``XLSXError/noSheets(path:)`` for a workbook without sheets, which Excel
    /// would refuse; after any error nothing is left at ``path`` or beside it.
    public func close() throws {
        try guarded {
            try finishCurrentSheet()
            guard !sheetNames.isEmpty else { throw XLSXError.noSheets(path: path) }
            try zip.add("xl/workbook.xml", text: PackageParts.workbook(sheetNames: sheetNames))
            try zip.add(
                "xl/_rels/workbook.xml.rels", text: PackageParts.workbookRelationships(sheetCount: sheetNames.count))
            try zip.add("xl/styles.xml", text: styles.xml())
            try zip.add("docProps/app.xml", text: PackageParts.appProperties(sheetNames: sheetNames))
            try zip.add("[Content_Types].xml", text: PackageParts.contentTypes(sheetCount: sheetNames.count))
            try zip.finish()
            try output.sync()
            try output.close()
            guard rename(temporaryPath, path) == 0 else {
                throw XLSXError.writeFailed(path: path, reason: "cannot rename into place: \(FileOutput.lastError())")
            }
            state = .closed
            syncFolder()
        }
    }

    /// Abandons the workbook: its temporary file is removed and ``path`` is left as it was.
    /// Nothing happens to a workbook already closed or discarded.
    public func discard() {
        guard state == .open else { return }
        state = .discarded
        current?.abandon()
        current = nil
        try? output.close()
        unlink(temporaryPath)
    }

    /// Runs `body` on an open workbook; if it throws, the workbook is discarded before the
    /// error goes on to the caller.
    func guarded<Result>(_ body: () throws -> Result) throws -> Result {
        guard state == .open else { throw XLSXError.closed(path: path) }
        do {
            return try body()
        } catch {
            discard()
            throw error
        }
    }

    /// Deflates the current sheet, if any, into the workbook.
    private func finishCurrentSheet() throws {
        guard let sheet = current else { return }
        current = nil
        try zip.add(PackageParts.sheetPath(sheet.number)) { sink in try sheet.finish(into: sink) }
    }

    /// Makes the rename durable: a power cut just after close() then leaves the new file at
    /// ``path``, not the old one or none. The file itself is already on the disk, so a
    /// failure here is not reported.
    private func syncFolder() {
        let descriptor = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        _ = Glibc.close(descriptor)
    }

    /// A new hidden path in `folder` named after the file `name`, e.g. `.report.xlsx.3f9a….tmp`.
    private static func hiddenPath(in folder: String, named name: String, suffix: String) -> String {
        let random = String(UInt64.random(in: .min ... .max), radix: 16)
        return URL(fileURLWithPath: folder).appendingPathComponent(".\(name).\(random).\(suffix)").path
    }
}
