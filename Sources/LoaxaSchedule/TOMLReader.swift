import Foundation
import TOMLKit

/// Reads typed values out of a parsed TOML document and collects a diagnostic, at the right
/// line, for every key that is unknown, missing or of the wrong type.
struct TOMLReader {
    let file: String
    let index: TOMLLineIndex
    private(set) var diagnostics: [Diagnostic] = []
    /// Put before every message, e.g. `block "sang": `.
    var prefix = ""

    init(document: TOMLDocument) {
        file = document.file
        index = document.index
    }

    /// The line of `path`, or of the nearest enclosing key or table.
    func line(_ path: TOMLKeyPath) -> Int { index.nearestLine(of: path) }

    mutating func report(_ path: TOMLKeyPath, _ message: String) {
        report(line: line(path), message)
    }

    mutating func report(line: Int, _ message: String) {
        diagnostics.append(Diagnostic(file: file, line: line, message: prefix + message))
    }

    /// Reports a media file or folder that does not exist (see `Diagnostic.isMissingMedia`).
    mutating func reportMissingMedia(_ path: TOMLKeyPath, _ message: String) {
        diagnostics.append(Diagnostic(file: file, line: line(path), message: prefix + message, isMissingMedia: true))
    }

    /// Reports every key of `table` not in `allowed`, suggesting a close match.
    /// `place` names the table in the message, e.g. `[station]` or `this item`.
    mutating func checkKeys(_ table: TOMLTable, at path: TOMLKeyPath, allowed: [String], place: String) {
        for key in table.keys where !allowed.contains(key) {
            var message = "unknown key \(quoted(key)) in \(place)"
            if let close = closestMatch(key, in: allowed) {
                message += "; did you mean \(quoted(close))?"
            } else {
                message += "; expected one of: " + allowed.joined(separator: ", ")
            }
            report(path.appending(key), message)
        }
    }

    // MARK: Typed values

    /// The value kinds a key may be required to have, with the words that describe them.
    enum Kind {
        case string, integer, number, bool, date, time, array, table

        var expectation: String {
            switch self {
            case .string: return "text in double quotes"
            case .integer: return "a whole number"
            case .number: return "a number"
            case .bool: return "true or false"
            case .date: return "a date such as 2024-05-19 (without quotes)"
            case .time: return "a TOML local time such as 06:00:00 (without quotes)"
            case .array: return "an array [ ... ]"
            case .table: return "a table"
            }
        }

        func accepts(_ type: TOMLType) -> Bool {
            switch self {
            case .string: return type == .string
            case .integer: return type == .int
            case .number: return type == .int || type == .double
            case .bool: return type == .bool
            case .date: return type == .date
            case .time: return type == .time
            case .array: return type == .array
            case .table: return type == .table
            }
        }
    }

    /// The value at `key` when it has the `kind` wanted; reports a wrong type (and, when
    /// `required`, a missing key) and returns nil otherwise.
    mutating func value(
        _ table: TOMLTable, _ key: String, at path: TOMLKeyPath, _ kind: Kind,
        label: String? = nil, required: Bool = false
    ) -> TOMLValueConvertible? {
        let keyPath = path.appending(key)
        let name = label ?? keyPath.description
        guard let value = table[key] else {
            if required { report(path, "\(name) is missing; it must be \(kind.expectation)") }
            return nil
        }
        guard kind.accepts(value.type) else {
            report(keyPath, "\(name) must be \(kind.expectation), not \(Self.describe(value))")
            return nil
        }
        return value
    }

    mutating func string(
        _ table: TOMLTable, _ key: String, at path: TOMLKeyPath, label: String? = nil, required: Bool = false
    ) -> String? {
        value(table, key, at: path, .string, label: label, required: required)?.string
    }

    mutating func bool(_ table: TOMLTable, _ key: String, at path: TOMLKeyPath, label: String? = nil) -> Bool? {
        value(table, key, at: path, .bool, label: label)?.bool
    }

    mutating func table(_ table: TOMLTable, _ key: String, at path: TOMLKeyPath, label: String? = nil) -> TOMLTable? {
        value(table, key, at: path, .table, label: label)?.table
    }

    /// A whole number within `range`; reports one out of range.
    mutating func integer(
        _ table: TOMLTable, _ key: String, at path: TOMLKeyPath, in range: ClosedRange<Int>,
        unit: String = "", label: String? = nil
    ) -> Int? {
        guard let number = value(table, key, at: path, .integer, label: label)?.int else { return nil }
        let name = label ?? path.appending(key).description
        guard range.contains(number) else {
            report(
                path.appending(key),
                "\(name) = \(number) is out of range; use \(range.lowerBound)\(unit) to \(range.upperBound)\(unit)")
            return nil
        }
        return number
    }

    /// An integer or floating-point number within `range`.
    mutating func number(
        _ table: TOMLTable, _ key: String, at path: TOMLKeyPath, in range: ClosedRange<Double>, label: String? = nil
    ) -> Double? {
        guard let value = value(table, key, at: path, .number, label: label) else { return nil }
        guard let number = value.double ?? value.int.map(Double.init) else { return nil }
        let name = label ?? path.appending(key).description
        guard range.contains(number), number.isFinite else {
            let (low, high) = (Self.format(range.lowerBound), Self.format(range.upperBound))
            report(path.appending(key), "\(name) = \(Self.format(number)) is out of range; use \(low) to \(high)")
            return nil
        }
        return number
    }

    /// One of the raw values of `T`; reports any other text with the allowed ones.
    mutating func choice<T: RawRepresentable & CaseIterable>(
        _ table: TOMLTable, _ key: String, at path: TOMLKeyPath, as type: T.Type, label: String? = nil
    ) -> T? where T.RawValue == String {
        guard let text = string(table, key, at: path, label: label) else { return nil }
        if let choice = T(rawValue: text) { return choice }
        let name = label ?? path.appending(key).description
        let allowed = T.allCases.map { quoted($0.rawValue) }.joined(separator: ", ")
        report(path.appending(key), "\(name) = \(quoted(text)) is not allowed; use one of \(allowed)")
        return nil
    }

    // MARK: Words

    /// How a value found in the file is named in a message.
    static func describe(_ value: TOMLValueConvertible) -> String {
        switch value.type {
        case .string: return "text (\(quoted(value.string ?? "")))"
        case .int: return "the whole number \(value.int.map(String.init) ?? "")"
        case .double: return "the number \(value.double.map { format($0) } ?? "")"
        case .bool: return value.bool == true ? "true" : "false"
        case .date: return "a date"
        case .time: return "a time"
        case .dateTime: return "a date-time"
        case .array: return "an array"
        case .table: return "a table"
        }
    }

    static func format(_ number: Double) -> String {
        number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
    }
}

/// `text` in double quotes, the way TOML writes it.
func quoted(_ text: String) -> String {
    "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
}

/// The allowed word closest to `word` (a typo of one or two letters), if any.
func closestMatch(_ word: String, in candidates: [String]) -> String? {
    var best: (String, Int)?
    for candidate in candidates {
        let d = editDistance(Array(word.lowercased()), Array(candidate))
        let limit = max(1, min(2, candidate.count / 3))
        if d <= limit, best == nil || d < best!.1 { best = (candidate, d) }
    }
    return best?.0
}

private func editDistance(_ a: [Character], _ b: [Character]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var row = [i] + Array(repeating: 0, count: b.count)
        for j in 1...b.count {
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = row
    }
    return previous[b.count]
}
