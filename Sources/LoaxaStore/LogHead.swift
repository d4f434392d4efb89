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
}
