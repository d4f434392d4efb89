import Foundation
import LoaxaCore

/// Writes segment records, the airplay evidence, as CSV or JSON for the district.
///
/// Records are read from the log and written out one at a time through a small buffer, so
/// exporting a million records takes little memory. Times are RFC 3339 with microseconds,
/// at the station's UTC offset for each instant. Both formats have the same fields, named
/// ``columns``; absent values are an empty CSV field or JSON `null`.
///
/// Each export returns the log's head at the moment it was read, which the caller shows
/// beside the file (for example on stderr): whoever keeps it can later check with
/// ``AirplayLog/verify(anchor:)`` that the log still holds the events it was made from.
public struct LogExporter: Sendable {
    /// The export formats.
    public enum Format: String, Sendable, CaseIterable {
        /// UTF-8 with a byte-order mark, a header row, RFC 4180 quoting and CRLF line ends,
        /// which Excel opens correctly.
        case csv
        /// One JSON array of objects, one object per line.
        case json
    }

    /// What an export wrote.
    public struct Summary: Hashable, Sendable {
        /// How many records were written.
        public var records: Int
        /// The log's head when the export read it; nil for an empty log.
        public var head: LogHead?
    }

    /// The field names, in order: the CSV header and the JSON object keys.
    public static let columns = [
        "block_id", "source", "media", "title", "topic", "sha256", "scheduled_at", "started_at",
        "ended_at", "planned_ms", "played_ms", "outcome", "reason", "underruns", "approved_by",
        "approved_at", "clock_synchronized",
    ]

    public let log: AirplayLog
    /// The station's offset from UTC in seconds at an instant (its time zone).
    public let utcOffset: @Sendable (WallTime) -> Int

    public init(log: AirplayLog, utcOffset: @escaping @Sendable (WallTime) -> Int) {
        self.log = log
        self.utcOffset = utcOffset
    }

    /// Writes the records whose airing falls in `[from, to)` to `output` in `format`.
    @discardableResult
    public func export(
        _ format: Format, from: WallTime? = nil, to: WallTime? = nil, into output: FileHandle
    ) throws -> Summary {
        var sink = BufferedOutput(handle: output)
        let summary: Summary
        switch format {
        case .csv: summary = try writeCSV(from: from, to: to, into: &sink)
        case .json: summary = try writeJSON(from: from, to: to, into: &sink)
        }
        try sink.flush()
        return summary
    }

    // MARK: - CSV

    private func writeCSV(from: WallTime?, to: WallTime?, into sink: inout BufferedOutput) throws -> Summary {
        sink.append([0xEF, 0xBB, 0xBF])
        sink.append(Self.columns.joined(separator: ","))
        sink.append("\r\n")
        var count = 0
        let head = try log.forEachSegmentRecord(from: from, to: to) { record in
            var first = true
            for value in fields(of: record) {
                if !first { sink.append(",") }
                first = false
                sink.append(Self.csvField(value.csvText))
            }
            sink.append("\r\n")
            count += 1
            try sink.flushIfFull()
        }
        return Summary(records: count, head: head)
    }

    /// `text` as one RFC 4180 field: quoted, with quotes doubled, when it holds a comma, a
    /// quote, CR or LF.
    static func csvField(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0D || $0 == 0x0A }) else {
            return text
        }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    // MARK: - JSON

    private func writeJSON(from: WallTime?, to: WallTime?, into sink: inout BufferedOutput) throws -> Summary {
        sink.append("[")
        var count = 0
        let head = try log.forEachSegmentRecord(from: from, to: to) { record in
            sink.append(count == 0 ? "\n{" : ",\n{")
            for (index, value) in fields(of: record).enumerated() {
                if index > 0 { sink.append(",") }
                sink.append("\"")
                sink.append(Self.columns[index])
                sink.append("\":")
                sink.append(value.jsonText)
            }
            sink.append("}")
            count += 1
            try sink.flushIfFull()
        }
        sink.append("\n]\n")
        return Summary(records: count, head: head)
    }

    /// `text` as a JSON string literal. Non-ASCII text is written as UTF-8, unchanged.
    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    // MARK: - Fields

    /// One exported value.
    enum Value {
        case null
        case text(String)
        case integer(Int64)
        case boolean(Bool)

        var csvText: String {
            switch self {
            case .null: return ""
            case .text(let s): return s
            case .integer(let n): return String(n)
            case .boolean(let b): return b ? "true" : "false"
            }
        }

        var jsonText: String {
            switch self {
            case .null: return "null"
            case .text(let s): return LogExporter.jsonString(s)
            case .integer(let n): return String(n)
            case .boolean(let b): return b ? "true" : "false"
            }
        }
    }

    /// The record's values in ``columns`` order.
    func fields(of r: SegmentRecord) -> [Value] {
        func text(_ s: String?) -> Value { s.map(Value.text) ?? .null }
        func time(_ t: WallTime?) -> Value {
            guard let t else { return .null }
            return .text(RFC3339.format(t, offsetSeconds: utcOffset(t)))
        }
        func int(_ n: Int64?) -> Value { n.map(Value.integer) ?? .null }
        return [
            text(r.blockID), .text(r.source.rawValue), .text(r.media), text(r.title), text(r.topic),
            text(r.sha256), time(r.scheduledAt), time(r.startedAt), time(r.endedAt),
            int(r.plannedMs), .integer(r.playedMs), text(r.outcome?.rawValue), text(r.reason),
            .integer(Int64(r.underruns)), text(r.approvedBy), time(r.approvedAt),
            r.clockSynchronized.map(Value.boolean) ?? .null,
        ]
    }
}

/// Collects bytes and writes them to a file handle in large chunks.
struct BufferedOutput {
    let handle: FileHandle
    private var buffer: [UInt8] = []
    private static let chunk = 64 * 1024

    init(handle: FileHandle) {
        self.handle = handle
        buffer.reserveCapacity(Self.chunk + 4096)
    }

    mutating func append(_ bytes: [UInt8]) { buffer.append(contentsOf: bytes) }

    mutating func append(_ text: String) { buffer.append(contentsOf: text.utf8) }

    /// Writes the buffer out once it holds a chunk.
    mutating func flushIfFull() throws {
        if buffer.count >= Self.chunk { try flush() }
    }

    /// Writes out everything buffered.
    mutating func flush() throws {
        guard !buffer.isEmpty else { return }
        do {
            try handle.write(contentsOf: buffer)
        } catch {
            throw AirplayLogError.outputFailed(reason: "\(error)")
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
