import Foundation

/// The last event of the log: its sequence number and hash.
///
/// Whoever keeps a copy of a head (printed with every export) can later check that the log
/// still contains that event unchanged, which also shows that nothing before it changed.
public struct LogHead: Hashable, Sendable, CustomStringConvertible {
    public var seq: Int64
    /// The event's 32-byte SHA-256 chain hash.
    public var hash: Data

    public init(seq: Int64, hash: Data) {
        self.seq = seq
        self.hash = hash
    }

    /// The hash as lower-case hexadecimal text.
    public var hashHex: String { hash.lowercaseHex }

    /// `seq 1234 sha256 0a1b...`.
    public var description: String { "seq \(seq) sha256 \(hashHex)" }

    /// A head as people copy it: `seq 1234 sha256 <64 hex digits>` (as printed), or
    /// `1234:<64 hex digits>`; nil for anything else.
    public init?(text: String) {
        let words = text.split(whereSeparator: { $0 == " " || $0 == ":" || $0 == "\t" }).map(String.init)
        let parts = words.count == 4 && words[0] == "seq" && words[2] == "sha256" ? [words[1], words[3]] : words
        guard parts.count == 2, let seq = Int64(parts[0]), seq >= 1, parts[1].count == 64,
            parts[1].allSatisfy(\.isHexDigit)
        else { return nil }
        var bytes = Data()
        var digits = parts[1].lowercased().makeIterator()
        while let high = digits.next(), let low = digits.next() {
            guard let byte = UInt8(String([high, low]), radix: 16) else { return nil }
            bytes.append(byte)
        }
        self.init(seq: seq, hash: bytes)
    }
}
