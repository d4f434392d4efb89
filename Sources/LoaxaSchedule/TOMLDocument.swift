import Foundation
import TOMLKit

/// A TOML file read and parsed, with the line index that places its keys.
struct TOMLDocument {
    /// The file's path as it appears in diagnostics.
    let file: String
    let table: TOMLTable
    let index: TOMLLineIndex

    /// Reads and parses the file at `path`; on failure, the one diagnostic that says why.
    static func load(path: String, file: String, what: String) -> Result<TOMLDocument, Diagnostic> {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            return .failure(Diagnostic(file: file, line: 0, message: "cannot read the \(what): \(readFailure(path: path))"))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return .failure(Diagnostic(
                file: file, line: 0, message: "the \(what) is not UTF-8 text; save it as UTF-8"))
        }
        return parse(text: text, file: file)
    }

    /// Parses `text`; on a syntax error, the diagnostic at the line TOMLKit reports.
    static func parse(text: String, file: String) -> Result<TOMLDocument, Diagnostic> {
        if let nul = text.unicodeScalars.firstIndex(of: "\0") {
            let line = text.unicodeScalars[..<nul].reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
            return .failure(Diagnostic(file: file, line: line, message: "invalid TOML: the text holds a NUL character"))
        }
        do {
            let table = try TOMLTable(string: text)
            return .success(TOMLDocument(file: file, table: table, index: TOMLLineIndex(text: text)))
        } catch let error as TOMLParseError {
            return .failure(Diagnostic(
                file: file, line: max(error.source.begin.line, 1),
                message: "invalid TOML: \(syntaxMessage(error.description))"))
        } catch {
            return .failure(Diagnostic(file: file, line: 1, message: "invalid TOML: \(error)"))
        }
    }

    /// toml++ says "Error while parsing time: expected ..."; lower-case the first word.
    private static func syntaxMessage(_ text: String) -> String {
        guard let first = text.first else { return "syntax error" }
        return first.lowercased() + text.dropFirst()
    }

    /// Why a file could not be read, in words an operator can act on.
    static func readFailure(path: String) -> String {
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            return "no such file"
        }
        if isDirectory.boolValue { return "it is a folder, not a file" }
        if !FileManager.default.isReadableFile(atPath: path) { return "permission denied" }
        return "read error"
    }
}
