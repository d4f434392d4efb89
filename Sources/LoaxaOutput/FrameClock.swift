import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A position report from the audio thread: frame `frame` was leaving the card at
/// CLOCK_MONOTONIC `monoNs`, within stream epoch `epoch` (a new epoch starts whenever the
/// stream restarts: after an underrun or a reopen, the old mapping no longer holds).
public struct ClockSample: Sendable, Hashable {
    public var frame: Int64
    public var monoNs: Int64
    public var epoch: Int64
}

/// The latest clock sample, passed from the audio thread without locks (a sequence lock:
/// the writer makes the sequence odd while it writes, readers retry on a change).
final class ClockSampleSlot: @unchecked Sendable {
    private let sequence = Atomic<Int64>(0)
    private let frame = Atomic<Int64>(0)
    private let monoNs = Atomic<Int64>(0)
    private let epoch = Atomic<Int64>(0)

    /// Audio thread only.
    @inline(__always)
    func publish(_ s: ClockSample) {
        let seq = sequence.load(ordering: .relaxed)
        sequence.store(seq + 1, ordering: .sequentiallyConsistent)
        frame.store(s.frame, ordering: .sequentiallyConsistent)
        monoNs.store(s.monoNs, ordering: .sequentiallyConsistent)
        epoch.store(s.epoch, ordering: .sequentiallyConsistent)
        sequence.store(seq + 2, ordering: .sequentiallyConsistent)
    }

    /// The latest sample and its sequence number, or nil before the first.
    func read() -> (ClockSample, Int64)? {
        while true {
            let s1 = sequence.load(ordering: .sequentiallyConsistent)
            if s1 == 0 { return nil }
            if s1 & 1 == 1 { continue }
            let s = ClockSample(
                frame: frame.load(ordering: .sequentiallyConsistent),
                monoNs: monoNs.load(ordering: .sequentiallyConsistent),
                epoch: epoch.load(ordering: .sequentiallyConsistent))
            if sequence.load(ordering: .sequentiallyConsistent) == s1 { return (s, s1) }
        }
    }
}

/// Maps the card's frames to CLOCK_MONOTONIC: a line through the card's recent position
/// reports, whose slope is the card's true rate against the system clock.
public struct FrameClockModel: Sendable, Hashable {
    /// A frame on the fitted line, and its time.
    public var frame: Int64
    public var monoNs: Int64
    /// Nanoseconds per frame (1e9 / the card's true rate).
    public var nsPerFrame: Double
    public var epoch: Int64

    /// When `f` leaves (or left) the card, on CLOCK_MONOTONIC.
    public func monoNs(atFrame f: Int64) -> Int64 {
        monoNs + Int64((Double(f - frame) * nsPerFrame).rounded())
    }

    /// The frame that leaves the card at CLOCK_MONOTONIC `t`, rounded to the nearest.
    public func frame(atMonoNs t: Int64) -> Int64 {
        frame + Int64((Double(t - monoNs) / nsPerFrame).rounded())
    }

    /// The card's rate as measured against CLOCK_MONOTONIC.
    public var measuredRate: Double { 1e9 / nsPerFrame }
}

/// Fits the frame clock from the audio thread's samples. Owned by one thread (which calls
/// `update()`); others read the current model through `model`.
///
/// The card's crystal runs fast or slow against the system clock by tens to thousands of
/// ppm, so the rate is measured, never assumed: the slope is the least-squares fit of report
/// times against frames over the last minute or so of one stream epoch. A position
/// report can only be late, never early: many cards move their position once a period, and
/// the report is read some time after the position moved. So the line is not laid through
/// the middle of the reports but along their lower edge: the slope is refitted on the
/// earliest fifth of the reports, and the intercept is the mean of the earliest one percent,
/// which discards the lateness while averaging out timestamp jitter. The audio thread reads
/// the position as soon as it wakes at a period boundary, which is when a once-a-period
/// position has just moved, so the earliest reports are close to the truth. Until the
/// reports span two seconds the nominal rate is used.
public final class FrameClock: @unchecked Sendable {
    public let nominalRate: Int
    private let slot: ClockSampleSlot
    private var lastSequence: Int64 = 0
    private var epoch: Int64 = -1
    private var frames: [Int64] = []
    private var times: [Int64] = []
    private var residuals: [Double] = []
    /// Reports kept: one every 50 ms at most, the last 600 (a minute and a half at the
    /// audio thread's six or so wake-ups a second).
    private static let window = 600
    private static let spacingNs: Int64 = 50_000_000
    private static let refitNs: Int64 = 1_000_000_000
    private var lastFitNs: Int64 = 0
    private static let minFitSpanNs: Int64 = 2_000_000_000
    /// The share of earliest residuals that places the line.
    private static let edgeShare = 0.01
    /// How far back the reports that place the line reach while the rate is assumed.
    private static let nominalEdgeSpanNs: Int64 = 500_000_000
    private let current = Mutex<FrameClockModel?>(nil)

    init(nominalRate: Int, slot: ClockSampleSlot) {
        self.nominalRate = nominalRate
        self.slot = slot
        frames.reserveCapacity(Self.window)
        times.reserveCapacity(Self.window)
        residuals.reserveCapacity(Self.window)
    }

    /// The current model; nil until the stream has reported its position.
    public var model: FrameClockModel? { current.withLock { $0 } }

    /// Takes in the audio thread's latest sample, if new, and refits. Returns the model.
    @discardableResult
    public func update() -> FrameClockModel? {
        guard let (sample, seq) = slot.read() else { return model }
        if seq == lastSequence { return model }
        lastSequence = seq
        if sample.epoch != epoch {
            epoch = sample.epoch
            frames.removeAll(keepingCapacity: true)
            times.removeAll(keepingCapacity: true)
        }
        if let last = frames.last {
            if sample.frame <= last { return model }
            if sample.monoNs - times[times.count - 1] < Self.spacingNs { return model }
        }
        if frames.count == Self.window {
            frames.removeFirst()
            times.removeFirst()
        }
        frames.append(sample.frame)
        times.append(sample.monoNs)
        // Refit once a second: the line moves slowly, and the fit is the costly part.
        if let current = model, current.epoch == epoch, sample.monoNs - lastFitNs < Self.refitNs {
            return current
        }
        lastFitNs = sample.monoNs
        let fitted = fit()
        current.withLock { $0 = fitted }
        return fitted
    }

    private func fit() -> FrameClockModel {
        let nominal = 1e9 / Double(nominalRate)
        let n = frames.count
        let f0 = frames[0], t0 = times[0]
        var slope = nominal
        var measured = false
        if n >= 8, times[n - 1] - t0 >= Self.minFitSpanNs {
            // Least squares over all reports, then twice more over the earliest fifth of
            // them (relative to the last line): late reports scatter the slope, early ones
            // lie close to the truth.
            if var s = leastSquaresSlope(below: nil, slope: nominal) {
                for _ in 0..<2 {
                    let cut = quantile(of: residualsSorted(slope: s), 0.2)
                    s = leastSquaresSlope(below: cut, slope: s) ?? s
                }
                // A real card is within a fraction of a percent of its nominal rate.
                slope = min(max(s, nominal * 0.99), nominal * 1.01)
                measured = true
            }
        }
        // Lay the line along the earliest reports: over the whole window once the rate is
        // measured; over the last half second while it is only assumed (an assumed rate
        // 3000 ppm off drifts 3 ms in a second).
        let sorted = residualsSorted(slope: slope, since: measured ? nil : times[n - 1] - Self.nominalEdgeSpanNs)
        let k = max(1, Int((Double(sorted.count) * Self.edgeShare).rounded()))
        var edge = 0.0
        for i in 0..<k { edge += sorted[i] }
        edge /= Double(k)
        let last = frames[n - 1]
        let monoAtLast = Double(t0) + edge + slope * Double(last - f0)
        return FrameClockModel(frame: last, monoNs: Int64(monoAtLast.rounded()), nsPerFrame: slope, epoch: epoch)
    }

    /// Residuals (report time minus the line through the first report with `slope`),
    /// sorted, of the reports at or after `since`.
    private func residualsSorted(slope: Double, since: Int64? = nil) -> [Double] {
        let f0 = frames[0], t0 = times[0]
        residuals.removeAll(keepingCapacity: true)
        for i in 0..<frames.count where since.map({ times[i] >= $0 }) ?? true {
            residuals.append(Double(times[i] - t0) - slope * Double(frames[i] - f0))
        }
        residuals.sort()
        return residuals
    }

    private func quantile(of sorted: [Double], _ q: Double) -> Double {
        sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))]
    }

    /// The least-squares slope (ns per frame) of the reports whose residual against the
    /// line with `slope` is at most `below` (all reports when nil); nil if too few.
    private func leastSquaresSlope(below cut: Double?, slope: Double) -> Double? {
        let f0 = frames[0], t0 = times[0]
        var count = 0.0, sx = 0.0, sy = 0.0, sxx = 0.0, sxy = 0.0
        for i in 0..<frames.count {
            let x = Double(frames[i] - f0), y = Double(times[i] - t0)
            if let cut, y - slope * x > cut { continue }
            count += 1
            sx += x
            sy += y
            sxx += x * x
            sxy += x * y
        }
        guard count >= 4 else { return nil }
        let denominator = count * sxx - sx * sx
        guard denominator > 0 else { return nil }
        return (count * sxy - sx * sy) / denominator
    }
}

/// Converts between CLOCK_MONOTONIC and the wall clock (CLOCK_REALTIME).
public enum SystemClocks {
    public static func monotonicNs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    public static func realtimeNs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// CLOCK_REALTIME − CLOCK_MONOTONIC now, in nanoseconds (read between two monotonic
    /// readings, to halve the error of being preempted in between).
    public static func wallOffsetNs() -> Int64 {
        let a = monotonicNs()
        let r = realtimeNs()
        let b = monotonicNs()
        return r - (a + (b - a) / 2)
    }
}
