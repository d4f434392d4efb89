import CNettle
import Foundation

/// The canonical byte encoding of one airplay log event, from which the hash chain is built.
///
/// Each stored event carries `hash = SHA-256(prev_hash || encoding)`, where `prev_hash` is
/// the previous event's `hash` (32 zero bytes for seq 1) and `encoding` is the event's
/// canonical encoding in the version named by its `encoding_version` column.
///
/// ## Version 1
///
/// Integers are big-endian, fixed width, two's complement. Strings (`str`) are a `u32`
/// byte count followed by the UTF-8 bytes exactly as stored — no Unicode normalization, no
/// terminator. Enumerations (kind, source, outcome) are encoded as their stored text
/// (`segment_started`, `schedule`, `not_aired`, ...). Times are integer microseconds since
/// the Unix epoch (UTC); nothing is ever formatted.
///
/// ```text
/// u32  encoding version (= 1)
/// i64  seq
/// str  kind
/// i64  at_us
/// i64  recorded_at_us
/// then the 17 optional fields, in this order, each as one presence byte
/// (0x00 = NULL, nothing follows; 0x01 = present, the value follows):
///   1  block_id            str
///   2  scheduled_at_us     i64
///   3  segment             str
///   4  source              str
///   5  media               str
///   6  title               str
///   7  topic               str
///   8  sha256              str
///   9  planned_ms          i64
///  10  played_frames       i64
///  11  device_rate         i64
///  12  outcome             str
///  13  reason              str
///  14  underruns           i64
///  15  approved_by         str
///  16  clock_synchronized  u8 (0x00 = false, 0x01 = true)
///  17  detail              str
/// ```
///
/// ## Version 2
///
/// Version 1's layout with the version number 2 and one more optional field at the end,
/// encoded the same way:
///
/// ```text
/// u32  encoding version (= 2)
/// i64  seq
/// str  kind
/// i64  at_us
/// i64  recorded_at_us
/// then the 18 optional fields, in this order, each as one presence byte
/// (0x00 = NULL, nothing follows; 0x01 = present, the value follows):
///   1  block_id            str
///   2  scheduled_at_us     i64
///   3  segment             str
///   4  source              str
///   5  media               str
///   6  title               str
///   7  topic               str
///   8  sha256              str
///   9  planned_ms          i64
///  10  played_frames       i64
///  11  device_rate         i64
///  12  outcome             str
///  13  reason              str
///  14  underruns           i64
///  15  approved_by         str
///  16  clock_synchronized  u8 (0x00 = false, 0x01 = true)
///  17  detail              str
///  18  approved_at_us      i64
/// ```
///
/// Every field has a fixed position and every variable-length value is length-prefixed,
/// so two different events never share an encoding. A later version may add fields; it
/// gets a new number, and rows keep the version they were written with. A row must hold
/// nothing in a column its version does not encode (``uncoveredColumn(of:)``): such a
/// value is outside its hash, so it was added after the event was written.
public enum CanonicalEncoding {
    /// The encoding version new events are written with.
    public static let currentVersion: Int64 = 2

    /// The versions this build can verify.
    public static let supportedVersions: Set<Int64> = [1, 2]

    /// The `prev_hash` of the first event: 32 zero bytes.
    public static let genesisHash = Data(repeating: 0, count: 32)

    /// The version 1 encoding of `event` (its `prevHash` and `hash` are not part of it, nor
    /// is `approvedAtUs`, which version 1 does not have).
    public static func v1(_ event: EventRecord) -> [UInt8] {
        var out = Encoder()
        out.u32(1)
        appendVersion1Fields(of: event, to: &out)
        return out.bytes
    }

    /// The version 2 encoding of `event` (its `prevHash` and `hash` are not part of it).
    public static func v2(_ event: EventRecord) -> [UInt8] {
        var out = Encoder()
        out.u32(2)
        appendVersion1Fields(of: event, to: &out)
        out.optI64(event.approvedAtUs)
        return out.bytes
    }

    /// The encoding of `event` in the version it names; nil when this build does not know
    /// that version.
    public static func encoding(of event: EventRecord) -> [UInt8]? {
        switch event.encodingVersion {
        case 1: return v1(event)
        case 2: return v2(event)
        default: return nil
        }
    }

    /// The first column of `event` that holds a value its encoding version does not
    /// encode, or nil when there is none. Only ``supportedVersions`` are checked.
    public static func uncoveredColumn(of event: EventRecord) -> String? {
        if event.encodingVersion == 1, event.approvedAtUs != nil { return "approved_at_us" }
        return nil
    }

    /// `SHA-256(prevHash || encoding)` for `event`, in the encoding version it names; nil
    /// when this build does not know that version.
    public static func hash(of event: EventRecord, prevHash: Data) -> Data? {
        guard let encoding = encoding(of: event) else { return nil }
        let message = [UInt8](prevHash) + encoding
        var context = sha256_ctx()
        nettle_sha256_init(&context)
        nettle_sha256_update(&context, message.count, message)
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_SIZE))
        nettle_sha256_digest(&context, digest.count, &digest)
        return Data(digest)
    }

    /// Everything version 1 encodes after the version number: seq, kind, the two times and
    /// the 17 optional fields. Version 2 starts the same way.
    private static func appendVersion1Fields(of event: EventRecord, to out: inout Encoder) {
        out.i64(event.seq)
        out.str(event.kind)
        out.i64(event.atUs)
        out.i64(event.recordedAtUs)
        out.optStr(event.blockID)
        out.optI64(event.scheduledAtUs)
        out.optStr(event.segment)
        out.optStr(event.source)
        out.optStr(event.media)
        out.optStr(event.title)
        out.optStr(event.topic)
        out.optStr(event.sha256)
        out.optI64(event.plannedMs)
        out.optI64(event.playedFrames)
        out.optI64(event.deviceRate)
        out.optStr(event.outcome)
        out.optStr(event.reason)
        out.optI64(event.underruns)
        out.optStr(event.approvedBy)
        if let synchronized = event.clockSynchronized {
            out.bytes.append(1)
            out.bytes.append(synchronized ? 1 : 0)
        } else {
            out.bytes.append(0)
        }
        out.optStr(event.detail)
    }

    /// Appends big-endian integers and length-prefixed strings to a byte buffer.
    private struct Encoder {
        var bytes: [UInt8] = []

        init() { bytes.reserveCapacity(256) }

        mutating func u32(_ v: UInt32) {
            withUnsafeBytes(of: v.bigEndian) { bytes.append(contentsOf: $0) }
        }

        mutating func i64(_ v: Int64) {
            withUnsafeBytes(of: v.bigEndian) { bytes.append(contentsOf: $0) }
        }

        mutating func str(_ s: String) {
            let utf8 = s.utf8
            precondition(utf8.count <= Int(UInt32.max), "airplay log text field longer than 4 GiB")
            u32(UInt32(utf8.count))
            bytes.append(contentsOf: utf8)
        }

        mutating func optStr(_ s: String?) {
            guard let s else { return bytes.append(0) }
            bytes.append(1)
            str(s)
        }

        mutating func optI64(_ v: Int64?) {
            guard let v else { return bytes.append(0) }
            bytes.append(1)
            i64(v)
        }
    }
}

extension Data {
    /// Lower-case hexadecimal text of the bytes.
    var lowercaseHex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(count * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
