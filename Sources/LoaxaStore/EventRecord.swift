import Foundation
import GRDB
import LoaxaCore

/// One row of the `event` table: an airplay event as stored, with its place in the chain.
///
/// Enumerations are kept as their stored text so that a row can be read back and verified
/// even when this build does not know its values; ``airplayEvent()`` converts to the typed
/// ``AirplayEvent``.
public struct EventRecord: Hashable, Sendable {
    /// Position in the log: 1, 2, 3, ... with no gaps.
    public var seq: Int64
    public var kind: String
    public var atUs: Int64
    public var blockID: String?
    public var scheduledAtUs: Int64?
    public var segment: String?
    public var source: String?
    public var media: String?
    public var title: String?
    public var topic: String?
    public var sha256: String?
    public var plannedMs: Int64?
    public var playedFrames: Int64?
    public var deviceRate: Int64?
    public var outcome: String?
    public var reason: String?
    public var underruns: Int64?
    public var approvedBy: String?
    /// When the approval named by `approvedBy` was given. Encoding version 1 does not
    /// cover it, so a version 1 event must have none.
    public var approvedAtUs: Int64?
    public var clockSynchronized: Bool?
    public var detail: String?
    /// The system time when the event was written to the log.
    public var recordedAtUs: Int64
    /// Which ``CanonicalEncoding`` version `hash` was computed with.
    public var encodingVersion: Int64
    /// The previous event's `hash`; 32 zero bytes for seq 1.
    public var prevHash: Data
    /// `SHA-256(prevHash || canonical encoding)`.
    public var hash: Data

    /// Builds the row for `event` at position `seq`, chained after `prevHash`, and computes
    /// its hash with the current encoding version.
    ///
    /// Text is kept byte for byte (no Unicode normalization), except that NUL characters,
    /// which SQLite text cannot carry intact, are stored as U+FFFD.
    public init(seq: Int64, event: AirplayEvent, recordedAt: WallTime, prevHash: Data) {
        self.seq = seq
        kind = event.kind.rawValue
        atUs = event.at.microseconds
        blockID = Self.storable(event.blockID)
        scheduledAtUs = event.scheduledAt?.microseconds
        segment = Self.storable(event.segment)
        source = event.source?.rawValue
        media = Self.storable(event.media)
        title = Self.storable(event.title)
        topic = Self.storable(event.topic)
        sha256 = Self.storable(event.sha256)
        plannedMs = event.plannedMs
        playedFrames = event.playedFrames
        deviceRate = event.deviceRate.map(Int64.init)
        outcome = event.outcome?.rawValue
        reason = Self.storable(event.reason)
        underruns = event.underruns.map(Int64.init)
        approvedBy = Self.storable(event.approvedBy)
        approvedAtUs = event.approvedAt?.microseconds
        clockSynchronized = event.clockSynchronized
        detail = Self.storable(event.detail)
        recordedAtUs = recordedAt.microseconds
        encodingVersion = CanonicalEncoding.currentVersion
        self.prevHash = prevHash
        hash = Data()
        hash = CanonicalEncoding.hash(of: self, prevHash: prevHash)!
    }

    /// `text` with any NUL character replaced by U+FFFD; other text is returned unchanged.
    static func storable(_ text: String?) -> String? {
        guard let text, text.utf8.contains(0) else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.map { $0 == "\0" ? "\u{FFFD}" : $0 }))
    }

    /// The hash as lower-case hexadecimal text.
    public var hashHex: String { hash.lowercaseHex }

    /// When the event was written to the log.
    public var recordedAt: WallTime { WallTime(microseconds: recordedAtUs) }

    /// The typed event. Throws when a stored value is unknown to this build (a log written
    /// by a newer Loaxa) or out of range.
    public func airplayEvent() throws -> AirplayEvent {
        guard let kind = AirplayEventKind(rawValue: kind) else {
            throw unknown("kind", kind)
        }
        var source: SegmentSource?
        if let text = self.source {
            guard let value = SegmentSource(rawValue: text) else { throw unknown("source", text) }
            source = value
        }
        var outcome: SegmentOutcome?
        if let text = self.outcome {
            guard let value = SegmentOutcome(rawValue: text) else { throw unknown("outcome", text) }
            outcome = value
        }
        return AirplayEvent(
            kind: kind, at: WallTime(microseconds: atUs), blockID: blockID,
            scheduledAt: scheduledAtUs.map(WallTime.init(microseconds:)), segment: segment,
            source: source, media: media, title: title, topic: topic, sha256: sha256,
            plannedMs: plannedMs, playedFrames: playedFrames,
            deviceRate: try deviceRate.map { try int($0, "device_rate") }, outcome: outcome,
            reason: reason, underruns: try underruns.map { try int($0, "underruns") },
            approvedBy: approvedBy, approvedAt: approvedAtUs.map(WallTime.init(microseconds:)),
            clockSynchronized: clockSynchronized, detail: detail)
    }

    private func unknown(_ column: String, _ value: String) -> AirplayLogError {
        .malformedEvent(
            seq: seq, column: column,
            problem: "unknown value \"\(value)\"; the log may have been written by a newer Loaxa")
    }

    private func int(_ value: Int64, _ column: String) throws -> Int {
        guard let v = Int(exactly: value) else {
            throw AirplayLogError.malformedEvent(seq: seq, column: column, problem: "\(value) is out of range")
        }
        return v
    }
}

extension EventRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "event"

    /// The table's columns, in the order ``init(row:)`` reads them (the table's order:
    /// `approved_at_us`, added by migration v5, comes last).
    static let columnNames = [
        "seq", "kind", "at_us", "block_id", "scheduled_at_us", "segment", "source", "media",
        "title", "topic", "sha256", "planned_ms", "played_frames", "device_rate", "outcome",
        "reason", "underruns", "approved_by", "clock_synchronized", "detail", "recorded_at_us",
        "encoding_version", "prev_hash", "hash", "approved_at_us",
    ]

    /// `seq, kind, ...` — for SELECT statements, optionally with a table alias.
    ///
    /// - Parameter approvedAt: false for a table without `approved_at_us` (a log opened
    ///   read-only before migration v5 ran on it): NULL is selected in its place.
    static func selection(alias: String? = nil, approvedAt: Bool = true) -> String {
        let prefix = alias.map { "\($0)." } ?? ""
        return columnNames.map { name in
            name == "approved_at_us" && !approvedAt ? "NULL" : prefix + name
        }.joined(separator: ", ")
    }

    public static var databaseSelection: [any SQLSelectable] {
        columnNames.map { Column($0) }
    }

    /// Reads a row selected with ``databaseSelection``.
    public init(row: Row) throws {
        try self.init(row: row, startingAt: 0)
    }

    /// Reads the 25 event columns starting at column `start`, checking each value's storage
    /// class strictly: a row altered outside Loaxa fails with ``AirplayLogError/malformedEvent``
    /// instead of being silently converted.
    init(row: Row, startingAt start: Int) throws {
        var reader = StrictRowReader(row: row, index: start)
        seq = try reader.requiredInt64("seq", seq: nil)
        let s = seq
        kind = try reader.requiredText("kind", seq: s)
        atUs = try reader.requiredInt64("at_us", seq: s)
        blockID = try reader.text("block_id", seq: s)
        scheduledAtUs = try reader.int64("scheduled_at_us", seq: s)
        segment = try reader.text("segment", seq: s)
        source = try reader.text("source", seq: s)
        media = try reader.text("media", seq: s)
        title = try reader.text("title", seq: s)
        topic = try reader.text("topic", seq: s)
        sha256 = try reader.text("sha256", seq: s)
        plannedMs = try reader.int64("planned_ms", seq: s)
        playedFrames = try reader.int64("played_frames", seq: s)
        deviceRate = try reader.int64("device_rate", seq: s)
        outcome = try reader.text("outcome", seq: s)
        reason = try reader.text("reason", seq: s)
        underruns = try reader.int64("underruns", seq: s)
        approvedBy = try reader.text("approved_by", seq: s)
        switch try reader.int64("clock_synchronized", seq: s) {
        case nil: clockSynchronized = nil
        case 0: clockSynchronized = false
        case 1: clockSynchronized = true
        case let other?:
            throw AirplayLogError.malformedEvent(
                seq: s, column: "clock_synchronized", problem: "\(other) is neither 0 nor 1")
        }
        detail = try reader.text("detail", seq: s)
        recordedAtUs = try reader.requiredInt64("recorded_at_us", seq: s)
        encodingVersion = try reader.requiredInt64("encoding_version", seq: s)
        prevHash = try reader.hash("prev_hash", seq: s)
        hash = try reader.hash("hash", seq: s)
        approvedAtUs = try reader.int64("approved_at_us", seq: s)
    }

    public func encode(to container: inout PersistenceContainer) throws {
        container["seq"] = seq
        container["kind"] = kind
        container["at_us"] = atUs
        container["block_id"] = blockID
        container["scheduled_at_us"] = scheduledAtUs
        container["segment"] = segment
        container["source"] = source
        container["media"] = media
        container["title"] = title
        container["topic"] = topic
        container["sha256"] = sha256
        container["planned_ms"] = plannedMs
        container["played_frames"] = playedFrames
        container["device_rate"] = deviceRate
        container["outcome"] = outcome
        container["reason"] = reason
        container["underruns"] = underruns
        container["approved_by"] = approvedBy
        container["clock_synchronized"] = clockSynchronized
        container["detail"] = detail
        container["recorded_at_us"] = recordedAtUs
        container["encoding_version"] = encodingVersion
        container["prev_hash"] = prevHash
        container["hash"] = hash
        container["approved_at_us"] = approvedAtUs
    }
}

/// Reads consecutive columns of a row, accepting only the storage class each column was
/// written with (INTEGER, TEXT, BLOB) or NULL where the column is optional.
private struct StrictRowReader {
    let row: Row
    var index: Int

    mutating func next() -> DatabaseValue {
        defer { index += 1 }
        return row[index]
    }

    func malformed(_ column: String, _ seq: Int64?, _ problem: String) -> AirplayLogError {
        .malformedEvent(seq: seq ?? 0, column: column, problem: problem)
    }

    func describe(_ value: DatabaseValue) -> String {
        switch value.storage {
        case .null: return "NULL"
        case .int64: return "an integer"
        case .double: return "a real number"
        case .string: return "text"
        case .blob: return "a blob"
        }
    }

    mutating func int64(_ column: String, seq: Int64?) throws -> Int64? {
        let value = next()
        switch value.storage {
        case .null: return nil
        case .int64(let v): return v
        default: throw malformed(column, seq, "expected an integer, found \(describe(value))")
        }
    }

    mutating func requiredInt64(_ column: String, seq: Int64?) throws -> Int64 {
        guard let v = try int64(column, seq: seq) else {
            throw malformed(column, seq, "expected an integer, found NULL")
        }
        return v
    }

    mutating func text(_ column: String, seq: Int64?) throws -> String? {
        let value = next()
        switch value.storage {
        case .null: return nil
        case .string(let v): return v
        default: throw malformed(column, seq, "expected text, found \(describe(value))")
        }
    }

    mutating func requiredText(_ column: String, seq: Int64?) throws -> String {
        guard let v = try text(column, seq: seq) else {
            throw malformed(column, seq, "expected text, found NULL")
        }
        return v
    }

    mutating func hash(_ column: String, seq: Int64?) throws -> Data {
        let value = next()
        guard case .blob(let data) = value.storage else {
            throw malformed(column, seq, "expected a 32-byte blob, found \(describe(value))")
        }
        guard data.count == 32 else {
            throw malformed(column, seq, "expected a 32-byte blob, found \(data.count) bytes")
        }
        return data
    }
}
