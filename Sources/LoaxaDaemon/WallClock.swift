import Foundation
import LoaxaCore
import LoaxaOutput
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The daemon's wall clock: the system clock, plus an offset that tests may inject to act
/// out a clock step (NTP correcting a wrong clock) without touching the host's clock.
///
/// Everything that turns a schedule time into a card frame, or a card frame into a log
/// time, goes through `offsetNs()`, read fresh each time: after a step, blocks not yet
/// placed follow the corrected clock.
public final class WallClock: Sendable {
    private let injectedMicros = Atomic<Int64>(0)

    public init(injectedMicros: Int64 = 0) {
        self.injectedMicros.store(injectedMicros, ordering: .relaxed)
    }

    /// Wall time now.
    public func now() -> WallTime {
        WallTime(microseconds: SystemClocks.realtimeNs() / 1000 + injectedMicros.load(ordering: .relaxed))
    }

    /// Wall time minus CLOCK_MONOTONIC, in nanoseconds.
    public func offsetNs() -> Int64 {
        SystemClocks.wallOffsetNs() + injectedMicros.load(ordering: .relaxed) * 1000
    }

    /// Moves the wall clock by `micros` (positive: forward). For tests.
    public func inject(stepMicros micros: Int64) {
        injectedMicros.wrappingAdd(micros, ordering: .relaxed)
    }

    /// The current injected offset.
    public var injected: Int64 { injectedMicros.load(ordering: .relaxed) }
}
