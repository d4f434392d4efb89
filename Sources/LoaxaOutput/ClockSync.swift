import CLinux
import Foundation
import Synchronization

/// Whether the system clock can be trusted: synchronized by NTP (or PTP), as the kernel
/// reports it (adjtimex's unsynchronized flag).
///
/// A board without a clock chip comes back from a power cut at a stale time and keeps it
/// until NTP answers; until then its idea of "now" may be hours or years off. The station
/// neither marks blocks missed nor joins one late while the clock is not synchronized.
public final class ClockSync: Sendable {
    public enum State: String, Sendable {
        case synchronized, unsynchronized
        /// adjtimex failed (not expected on Linux).
        case unknown
    }

    /// A file whose content ("synchronized" / "unsynchronized") stands in for the kernel's
    /// flag, read at every check: for tests, which cannot unsynchronize the host's clock.
    /// Set with the environment variable `LOAXA_TEST_CLOCK_SYNC_FILE`.
    let overrideFile: String?
    private let last = Atomic<Int>(-1)

    public init(overrideFile: String? = ProcessInfo.processInfo.environment["LOAXA_TEST_CLOCK_SYNC_FILE"]) {
        self.overrideFile = overrideFile
    }

    /// Reads the state now.
    public func read() -> State {
        if let overrideFile {
            let text = (try? String(contentsOfFile: overrideFile, encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
            return text == "unsynchronized" ? .unsynchronized : .synchronized
        }
        switch loaxa_clock_synchronized() {
        case 1: return .synchronized
        case 0: return .unsynchronized
        default: return .unknown
        }
    }

    /// Reads the state; returns it when it differs from the previous call's (always on the
    /// first call), else nil.
    public func change() -> State? {
        let state = read()
        let code = state == .synchronized ? 1 : state == .unsynchronized ? 0 : 2
        return last.exchange(code, ordering: .acquiringAndReleasing) == code ? nil : state
    }

    /// The state at the last `change()`: true unless known to be unsynchronized.
    public var trusted: Bool { last.load(ordering: .acquiring) != 0 }
}
