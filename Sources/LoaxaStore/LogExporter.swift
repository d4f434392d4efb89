import Foundation
import LoaxaCore

/// Writes segment records, the airplay evidence, as CSV or JSON for the district.
///
/// Records are read from the log and written out one at a time through a small buffer, so
/// exporting a million records takes little memory. Times are RFC 3339 with microseconds,
/// at the station's UTC offset for each instant. Both formats have the same fields, named
/// ``columns``; absent values are an empty CSV field or JSON `null`.
///
/// Every record carries, as `log_head`, the log's head at the moment the export read it
/// ("seq N sha256 HEX"), so the file itself says what it was made from: whoever keeps a
/// copy can later check with `loaxa log verify --head` that the log still holds that event
/// unchanged, which catches a log cut short. The export also returns the head, for the
/// caller to show (an export of a period with no record has no row to carry it).
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

    /// The field names, in order: the CSV header and the JSON object keys. The last,
    /// `log_head`, is the same on every record.
    public static let columns = [
        "block_id", "source", "media", "title", "topic", "sha256", "scheduled_at", "started_at",
        "ended_at", "planned_ms", "played_ms", "outcome", "reason", "underruns", "approved_by",
        "approved_at", "clock_synchronized", "log_head",
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
        let sink = BufferedOutput(handle: output)
        let summary: Summary
        switch format {
        case .csv:
            // UTF-8 with a byte-order mark and a header row; CRLF after every row.
            sink.append([0xEF, 0xBB, 0xBF])
            sink.append(Self.columns.joined(separator: ",") + "\r\n")
            summary = try writeRecords(sink, from: from, to: to, rowStart: { _ in "" }, rowEnd: "\r\n") {
                CSVFields(sink: sink)
            }
        case .json:
            // One array, one object a line.
            let keys = JSONFields.Keys(Self.columns)
            sink.append("[")
            summary = try writeRecords(sink, from: from, to: to, rowStart: { $0 == 0 ? "\n{" : ",\n{" }, rowEnd: "}") {
                JSONFields(sink: sink, keys: keys)
            }
            sink.append("\n]\n")
        }
        try sink.flush()
        return summary
    }

    /// Writes each record as a row made by `fields`, between `rowStart(n)` and `rowEnd`,
    /// with the head the export was read at as its last value.
    private func writeRecords<Fields: RecordFields>(
        _ sink: BufferedOutput, from: WallTime?, to: WallTime?, rowStart: (Int) -> String, rowEnd: String,
        fields: () -> Fields
    ) throws -> Summary {
        var count = 0
        var headText = ""
        let head = try log.forEachSegmentRecord(from: from, to: to, head: { headText = $0?.description ?? "" }) { record in
            sink.append(rowStart(count))
            var row = fields()
            write(record, to: &row)
            row.text(headText)
            sink.append(rowEnd)
            count += 1
            try sink.flushIfFull()
        }
        return Summary(records: count, head: head)
    }

    // MARK: - Fields

    /// Writes the record's values in ``columns`` order.
    func write(_ r: SegmentRecord, to fields: inout some RecordFields) {
        func time(_ t: WallTime?) {
            if let t { fields.time(t, offsetSeconds: utcOffset(t)) } else { fields.null() }
        }
        fields.text(r.blockID)
        fields.text(r.source.rawValue)
        fields.text(r.media)
        fields.text(r.title)
        fields.text(r.topic)
        fields.text(r.sha256)
        time(r.scheduledAt)
        time(r.startedAt)
        time(r.endedAt)
        fields.integer(r.plannedMs)
        fields.integer(r.playedMs)
        fields.text(r.outcome?.rawValue)
        fields.text(r.reason)
        fields.integer(Int64(r.underruns))
        fields.text(r.approvedBy)
        time(r.approvedAt)
        if let b = r.clockSynchronized { fields.boolean(b) } else { fields.null() }
    }
}

/// Receives one row's values, in order, and writes them out in some format. A format says
/// what goes before each value, how text is written and what an absent value is; writing
/// numbers, booleans and times is the same for all.
public protocol RecordFields {
    var sink: BufferedOutput { get }
    /// Writes what goes before the next value: a separator, a member's name.
    mutating func nextField()
    /// Writes `value` as this format's text.
    func appendText(_ value: String)
    /// What an absent value is written as.
    static var nullText: String { get }
    /// What surrounds a time.
    static var timeQuote: [UInt8] { get }
}

extension RecordFields {
    public mutating func null() {
        nextField()
        sink.append(Self.nullText)
    }

    public mutating func text(_ value: String) {
        nextField()
        appendText(value)
    }

    public mutating func integer(_ value: Int64) {
        nextField()
        sink.append(String(value))
    }

    /// A number with `decimals` places; absent when it is not finite.
    public mutating func number(_ value: Double, decimals: Int) {
        guard value.isFinite else { return null() }
        nextField()
        sink.append(NumberText.fixed(value, decimals))
    }

    public mutating func boolean(_ value: Bool) {
        nextField()
        sink.append(value ? "true" : "false")
    }

    public mutating func time(_ value: WallTime, offsetSeconds: Int) {
        nextField()
        sink.append(Self.timeQuote)
        sink.appendTime(value, offsetSeconds: offsetSeconds)
        sink.append(Self.timeQuote)
    }

    public mutating func text(_ value: String?) {
        if let value { text(value) } else { null() }
    }

    public mutating func integer(_ value: Int64?) {
        if let value { integer(value) } else { null() }
    }
}

/// One CSV row (RFC 4180): fields separated by commas, quoted with quotes doubled when they
/// hold a comma, a quote, CR or LF; an absent value is an empty field.
public struct CSVFields: RecordFields {
    public let sink: BufferedOutput
    private var first = true
    public static let nullText = ""
    public static let timeQuote: [UInt8] = []

    public init(sink: BufferedOutput) { self.sink = sink }

    public mutating func nextField() {
        if !first { sink.append(UInt8(ascii: ",")) }
        first = false
    }

    public func appendText(_ value: String) { sink.appendCSVField(value) }
}

/// The members of one JSON object, named in order by `keys`; an absent value is `null`.
public struct JSONFields: RecordFields {
    public let sink: BufferedOutput
    private let keys: Keys
    private var index = 0
    public static let nullText = "null"
    public static let timeQuote: [UInt8] = [UInt8(ascii: "\"")]

    /// The members' names as written before their values (`"name":`, then `,"name":`), made
    /// once for all the objects of an export.
    public struct Keys: Sendable {
        let prefixes: [[UInt8]]

        public init(_ names: [String]) {
            prefixes = names.enumerated().map { n, name in Array(((n > 0 ? "," : "") + JSONText.quoted(name) + ":").utf8) }
        }
    }

    public init(sink: BufferedOutput, keys: Keys) {
        self.sink = sink
        self.keys = keys
    }

    public mutating func nextField() {
        sink.append(keys.prefixes[index])
        index += 1
    }

    public func appendText(_ value: String) { sink.appendJSONString(value) }
}

/// JSON string literals.
public enum JSONText {
    /// `text` as a JSON string literal. Non-ASCII text is written as UTF-8, unchanged.
    public static func quoted(_ text: String) -> String {
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
}

/// Collects bytes and writes them to a file handle in large chunks. A class, so that the
/// writers of a row's fields share the one buffer instead of copying it.
public final class BufferedOutput {
    let handle: FileHandle
    // Appended to for every byte written: without the run-time exclusivity check each access
    // would cost (this class is used from one thread and never lends its buffer out).
    @exclusivity(unchecked) private var buffer: [UInt8] = []
    private static let chunk = 64 * 1024

    public init(handle: FileHandle) {
        self.handle = handle
        buffer.reserveCapacity(Self.chunk + 4096)
    }

    public func append(_ bytes: [UInt8]) { buffer.append(contentsOf: bytes) }

    public func append(_ byte: UInt8) { buffer.append(byte) }

    public func append(_ text: String) { buffer.append(contentsOf: text.utf8) }

    /// `text` as one RFC 4180 field: quoted, with quotes doubled, when it holds a comma, a
    /// quote, CR or LF; as it is otherwise.
    public func appendCSVField(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            guard bytes.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0D || $0 == 0x0A }) else {
                buffer.append(contentsOf: bytes)
                return
            }
            buffer.append(0x22)
            for byte in bytes {
                if byte == 0x22 { buffer.append(byte) }
                buffer.append(byte)
            }
            buffer.append(0x22)
        }
    }

    /// `text` as a JSON string literal, as ``JSONText/quoted(_:)`` writes it, without
    /// making a string of it first.
    public func appendJSONString(_ text: String) {
        var text = text
        let plain = text.withUTF8 { bytes in
            // Quote, backslash, control characters, U+2028 and U+2029 (E2 80 A8, E2 80 A9) need care.
            for i in bytes.indices {
                let b = bytes[i]
                if b < 0x20 || b == 0x22 || b == 0x5C { return false }
                if b == 0xE2, i + 2 < bytes.count, bytes[i + 1] == 0x80, bytes[i + 2] & 0xFE == 0xA8 { return false }
            }
            buffer.append(0x22)
            buffer.append(contentsOf: bytes)
            buffer.append(0x22)
            return true
        }
        if !plain { append(JSONText.quoted(text)) }
    }

    public func appendTime(_ time: WallTime, offsetSeconds: Int) {
        RFC3339.append(time, offsetSeconds: offsetSeconds, to: &buffer)
    }

    /// Writes the buffer out once it holds a chunk.
    public func flushIfFull() throws {
        if buffer.count >= Self.chunk { try flush() }
    }

    /// Writes out everything buffered.
    public func flush() throws {
        guard !buffer.isEmpty else { return }
        do {
            try handle.write(contentsOf: buffer)
        } catch {
            throw AirplayLogError.outputFailed(reason: "\(error)")
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
