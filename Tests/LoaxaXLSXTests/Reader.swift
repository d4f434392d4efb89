import Foundation
import Testing

/// Runs the independent tools the tests judge workbooks with: Debian's openpyxl, and
/// Debian's unzip.
///
/// openpyxl is called through Debian's own interpreter, since a `python3` found first on
/// the PATH may be another one that does not see Debian's packages.
enum Reader {
    /// Debian's Python, which has Debian's python3-openpyxl.
    static let python = "/usr/bin/python3"

    /// What a finished tool run printed.
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `executable` with `arguments` and waits for it.
    static func run(_ executable: String, _ arguments: [String]) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        // Files, not pipes: neither stream can then fill up and stall the tool.
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let stdout = folder.appendingPathComponent("stdout")
        let stderr = folder.appendingPathComponent("stderr")
        try Data().write(to: stdout)
        try Data().write(to: stderr)
        process.standardOutput = try FileHandle(forWritingTo: stdout)
        process.standardError = try FileHandle(forWritingTo: stderr)
        try process.run()
        process.waitUntilExit()
        return Output(
            status: process.terminationStatus,
            stdout: String(decoding: try Data(contentsOf: stdout), as: UTF8.self),
            stderr: String(decoding: try Data(contentsOf: stderr), as: UTF8.self))
    }

    /// Runs the Python `script` with `arguments` and decodes what it prints as JSON.
    ///
    /// Fails the test, rather than skipping it, when openpyxl is missing.
    static func python<Result: Decodable>(_ script: String, _ arguments: [String], as: Result.Type) throws -> Result {
        let check = try run(python, ["-c", "import openpyxl"])
        try #require(
            check.status == 0,
            "openpyxl is missing in \(python) (Debian's python3-openpyxl): run tools/install-deps.sh. \(check.stderr)")
        let output = try run(python, ["-c", script] + arguments)
        try #require(output.status == 0, "the openpyxl reader failed: \(output.stderr)")
        return try JSONDecoder().decode(Result.self, from: Data(output.stdout.utf8))
    }

    /// A new empty folder for one test's files.
    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("loaxa-xlsx-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The names in `folder`, hidden ones included.
    static func contents(of folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    }
}

/// A cell's value as openpyxl read it, with the Python type it came as.
enum ReadValue: Decodable, Equatable, CustomStringConvertible {
    case text(String)
    case integer(Int64)
    case number(Double)
    case none

    private enum Keys: String, CodingKey { case py, value }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        switch try container.decode(String.self, forKey: .py) {
        case "str": self = .text(try container.decode(String.self, forKey: .value))
        case "int": self = .integer(try container.decode(Int64.self, forKey: .value))
        case "float": self = .number(try container.decode(Double.self, forKey: .value))
        case "NoneType": self = .none
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .py, in: container, debugDescription: "type \(other)")
        }
    }

    /// Text compares by its Unicode scalars: Swift's `==` on strings would find NFD equal
    /// to NFC, which is exactly what must be told apart here.
    static func == (lhs: ReadValue, rhs: ReadValue) -> Bool {
        switch (lhs, rhs) {
        case (.text(let a), .text(let b)): return Array(a.unicodeScalars) == Array(b.unicodeScalars)
        case (.integer(let a), .integer(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.none, .none): return true
        default: return false
        }
    }

    var description: String {
        switch self {
        case .text(let text): return "text(\"\(text)\", \(text.unicodeScalars.count) scalars)"
        case .integer(let value): return "integer(\(value))"
        case .number(let value): return "number(\(value))"
        case .none: return "none"
        }
    }
}
