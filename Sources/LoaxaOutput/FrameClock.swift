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

/// Position reports passed from the audio thread without locks: a ring of the last 64, each
/// entry under its own sequence lock (the writer makes it odd while it writes). The reader
/// sleeps up to half a second between looks and still sees every report made meanwhile.
final class ClockSampleQueue: @unchecked Sendable {
    static let capacity = 64
    /// Reports published so far; report `n` lives in entry `n % capacity`.
    private let published = Atomic<Int64>(0)
    private let sequences: InlineArray<64, Atomic<Int64>>
    private let frames: InlineArray<64, Atomic<Int64>>
    private let times: InlineArray<64, Atomic<Int64>>
    private let epochs: InlineArray<64, Atomic<Int64>>

    init() {
        sequences = InlineArray { _ in Atomic(0) }
        frames = InlineArray { _ in Atomic(0) }
        times = InlineArray { _ in Atomic(0) }
        epochs = InlineArray { _ in Atomic(0) }
    }

    /// Audio thread only.
    @inline(__always)
    func publish(_ s: ClockSample) {
        let n = published.load(ordering: .relaxed)
        let i = Int(n % Int64(Self.capacity))
        sequences[i].store(2 * n + 1, ordering: .sequentiallyConsistent)
        frames[i].store(s.frame, ordering: .sequentiallyConsistent)
        times[i].store(s.monoNs, ordering: .sequentiallyConsistent)
        epochs[i].store(s.epoch, ordering: .sequentiallyConsistent)
        sequences[i].store(2 * n + 2, ordering: .sequentiallyConsistent)
        published.store(n + 1, ordering: .sequentiallyConsistent)
    }

    /// How many reports have been published.
    var count: Int64 { published.load(ordering: .sequentiallyConsistent) }

    /// Report `n`, or nil if it is not (or no longer) in the ring.
    func sample(_ n: Int64) -> ClockSample? {
        let i = Int(n % Int64(Self.capacity))
        let before = sequences[i].load(ordering: .sequentiallyConsistent)
        guard before == 2 * n + 2 else { return nil }
        let s = ClockSample(
            frame: frames[i].load(ordering: .sequentiallyConsistent),
            monoNs: times[i].load(ordering: .sequentiallyConsistent),
            epoch: epochs[i].load(ordering: .sequentiallyConsistent))
        return sequences[i].load(ordering: .sequentiallyConsistent) == before ? s : nil
    }

    /// The newest report, or nil before the first.
    func latest() -> ClockSample? {
        while true {
            let n = count
            if n == 0 { return nil }
            if let s = sample(n - 1) { return s }
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
/// position has just moved, so the earliest reports are close to the truth.
///
/// A new epoch (the stream restarted) starts a new fit. Until its reports span a second,
/// the rate measured in an earlier epoch stands in (the crystal is the same), or the nominal
/// rate if there is none yet; the audio thread reports every period in those first seconds.
public final class FrameClock: @unchecked Sendable {
    public let nominalRate: Int
    private let reports: ClockSampleQueue
    /// Reports taken in so far (the queue's count when last looked at).
    private var taken: Int64 = 0
    private var epoch: Int64 = -1
    private var frames: [Int64] = []
    private var times: [Int64] = []
    private var residuals: [Double] = []
    /// Reports kept: one every 50 ms at most, the last 600 (a minute and a half at the
    /// audio thread's six or so wake-ups a second).
    private static let window = 600
    private static let spacingNs: Int64 = 50_000_000
    private static let refitNs: Int64 = 2_000_000_000
    private var lastFitNs: Int64 = 0
    private static let minFitSpanNs: Int64 = 1_000_000_000
    private static let minFitReports = 12
    /// Whether the current epoch's own reports have measured the rate yet.
    private var measuredThisEpoch = false
    /// The rate (ns per frame) last measured, in this epoch or an earlier one.
    private var knownSlope: Double?
    /// The share of earliest residuals that places the line.
    private static let edgeShare = 0.01
    /// How far back the reports that place the line reach while the rate is assumed.
    private static let nominalEdgeSpanNs: Int64 = 500_000_000
    private let current = Mutex<FrameClockModel?>(nil)

    init(nominalRate: Int, reports: ClockSampleQueue) {
        self.nominalRate = nominalRate
        self.reports = reports
        frames.reserveCapacity(Self.window)
        times.reserveCapacity(Self.window)
        residuals.reserveCapacity(Self.window)
    }

    /// The current model; nil until the stream has reported its position.
    public var model: FrameClockModel? { current.withLock { $0 } }

    /// Takes in the audio thread's reports made since the last call, if any, and refits.
    /// Returns the model.
    @discardableResult
    public func update() -> FrameClockModel? {
        let end = reports.count
        guard end > taken else { return model }
        var added = false
        for n in max(taken, end - Int64(ClockSampleQueue.capacity))..<end {
            if let sample = reports.sample(n) { added = take(sample) || added }
        }
        taken = end
        guard added, let newest = times.last else { return model }
        // Until the rate is measured, refit whenever reports come in (there are few); then
        // once a second while the window fills, and every 2 s once it is half full: the line
        // moves slowly, and the fit (three sorts of up to 600 residuals) is the costly part.
        let interval = frames.count < Self.window / 2 ? Self.refitNs / 2 : Self.refitNs
        if measuredThisEpoch, let current = model, current.epoch == epoch, newest - lastFitNs < interval {
            return current
        }
        lastFitNs = newest
        let fitted = fit()
        current.withLock { $0 = fitted }
        return fitted
    }

    /// Adds a report to the window (a new epoch empties it); false if it is skipped.
    private func take(_ sample: ClockSample) -> Bool {
        if sample.epoch != epoch {
            epoch = sample.epoch
            frames.removeAll(keepingCapacity: true)
            times.removeAll(keepingCapacity: true)
            measuredThisEpoch = false
        }
        if let last = frames.last {
            if sample.frame <= last { return false }
            if sample.monoNs - times[times.count - 1] < Self.spacingNs { return false }
        }
        if frames.count == Self.window {
            frames.removeFirst()
            times.removeFirst()
        }
        frames.append(sample.frame)
        times.append(sample.monoNs)
        return true
    }

    private func fit() -> FrameClockModel {
        let nominal = 1e9 / Double(nominalRate)
        let n = frames.count
        let f0 = frames[0], t0 = times[0]
        var slope = knownSlope ?? nominal
        var measured = false
        if n >= Self.minFitReports, times[n - 1] - t0 >= Self.minFitSpanNs {
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
                measuredThisEpoch = true
                knownSlope = slope
            }
        }
        // Lay the line along the earliest reports: over the whole window once the rate is
        // measured; over the last half second while it is only assumed (a nominal rate
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
