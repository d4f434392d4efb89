/// What happens to the block an emergency broadcast interrupted, once the emergency ends:
/// `[playout] resume_after_emergency`.
public enum EmergencyResumePolicy: String, Sendable, Hashable, Codable, CaseIterable {
    /// Continue the interrupted item where it was cut.
    case resume
    /// Play the interrupted item again from its start.
    case restart
    /// Drop the interrupted item and go on with the next.
    case skip
}
