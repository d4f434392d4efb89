/// What the daemon does with a block whose start time has passed when it could begin
/// (after a restart, or a block freed late): `[playout] on_late_start`.
public enum LateStartPolicy: String, Sendable, Hashable, Codable, CaseIterable {
    /// Air the block from where it would be now, as if it had started on time.
    case join
    /// Do not air it; log it as missed.
    case skip
    /// Air it from its first item, late.
    case restart
}
