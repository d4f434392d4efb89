/// The outcome of recomputing the log's hash chain (``AirplayLog/verify(anchor:)``).
public enum VerifyResult: Hashable, Sendable, CustomStringConvertible {
    /// Every event is in place and chains to the one before; `head` is nil for an empty log.
    case intact(events: Int64, head: LogHead?)
    /// The chain is broken; `seq` is the first position where it is.
    case broken(seq: Int64, problem: ChainProblem)

    public var isIntact: Bool {
        if case .intact = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .intact(let events, let head):
            guard let head else { return "the airplay log is empty" }
            return "the airplay log is intact: \(events) events, head \(head)"
        case .broken(let seq, let problem):
            return "the airplay log is broken at event \(seq): \(problem)"
        }
    }
}

/// Why the chain is broken at an event.
public enum ChainProblem: Hashable, Sendable, CustomStringConvertible {
    /// The event is missing: the next stored event has seq `found` (nil when the log ends).
    case seqGap(found: Int64?)
    /// The event's `prev_hash` is not the previous event's `hash`.
    case prevHashMismatch
    /// The event's `hash` does not match its content: the row was changed after it was written.
    case hashMismatch
    /// The event names an encoding version this build cannot check.
    case unsupportedEncodingVersion(Int64)
    /// A column does not hold the kind of value Loaxa writes.
    case malformed(column: String, problem: String)
    /// A column holds a value that the event's encoding version does not cover (a version 1
    /// event with an `approved_at_us`): the hash cannot vouch for it, so it was added after
    /// the event was written.
    case uncoveredValue(column: String, encodingVersion: Int64)
    /// The event's hash differs from the head recorded earlier (the anchor).
    case anchorMismatch
    /// The stored record of the segment whose first event this is differs from what its
    /// events say (or is missing, or has no events): `segment_record` was changed outside
    /// Loaxa.
    case recordMismatch(segment: String)

    public var description: String {
        switch self {
        case .seqGap(let found?):
            return "it is missing (the next event present is \(found)); events were deleted"
        case .seqGap(nil):
            return "it is missing (the log ends before it); events were deleted"
        case .prevHashMismatch:
            return "its prev_hash does not match the previous event's hash; events were changed, removed or inserted"
        case .hashMismatch:
            return "its hash does not match its content; the event was changed after it was written"
        case .unsupportedEncodingVersion(let v):
            return "it uses encoding version \(v), unknown to this Loaxa; verify with a newer version"
        case .malformed(let column, let problem):
            return "column \(column): \(problem)"
        case .uncoveredValue(let column, let version):
            return "column \(column) holds a value, but its encoding version \(version) does not cover that column; "
                + "the value was added after the event was written"
        case .anchorMismatch:
            return "its hash differs from the one recorded earlier; the log was rewritten"
        case .recordMismatch(let segment):
            return "the stored record of segment \(segment), which begins there, does not match its events; "
                + "the segment_record table was changed outside Loaxa (exports and reports read it)"
        }
    }
}
