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

/// Maps the card's frames to CLOCK_MONOTONIC and to wall-clock time.
///
/// It keeps the recent position reports of one stream epoch and fits a line through them
/// (least squares of time against frame), so the card's true rate is followed as its
/// crystal drifts against the system clock. Until the reports span a few seconds the
/// nominal rate is used.
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
public final class FrameClock: @unchecked Sendable {
    public let nominalRate: Int
    private let slot: ClockSampleSlot
    private var lastSequence: Int64 = 0
    private var epoch: Int64 = -1
    private var frames: [Int64] = []
    private var times: [Int64] = []
    private static let window = 400
    private static let minFitSpanNs: Int64 = 3_000_000_000
    private let current = Mutex<FrameClockModel?>(nil)

    init(nominalRate: Int, slot: ClockSampleSlot) {
        self.nominalRate = nominalRate
        self.slot = slot
        frames.reserveCapacity(Self.window)
        times.reserveCapacity(Self.window)
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
        if let last = frames.last, sample.frame <= last { return model }
        if frames.count == Self.window {
            frames.removeFirst()
            times.removeFirst()
        }
        frames.append(sample.frame)
        times.append(sample.monoNs)
        let fitted = fit()
        current.withLock { $0 = fitted }
        return fitted
    }

    private func fit() -> FrameClockModel {
        let nominal = 1e9 / Double(nominalRate)
        let n = frames.count
        let f0 = frames[0], t0 = times[0]
        var slope = nominal
        if n >= 8, times[n - 1] - t0 >= Self.minFitSpanNs {
            var sx = 0.0, sy = 0.0
            for i in 0..<n {
                sx += Double(frames[i] - f0)
                sy += Double(times[i] - t0)
            }
            let mx = sx / Double(n), my = sy / Double(n)
            var sxx = 0.0, sxy = 0.0
            for i in 0..<n {
                let dx = Double(frames[i] - f0) - mx
                sxx += dx * dx
                sxy += dx * (Double(times[i] - t0) - my)
            }
            if sxx > 0 {
                // A real card is within a fraction of a percent of its nominal rate.
                slope = min(max(sxy / sxx, nominal * 0.99), nominal * 1.01)
            }
        }
        // The line through the mean point with that slope.
        var sr = 0.0
        for i in 0..<n { sr += Double(times[i] - t0) - slope * Double(frames[i] - f0) }
        let last = frames[n - 1]
        let intercept = Double(t0) + sr / Double(n)
        let monoAtLast = intercept + slope * Double(last - f0)
        return FrameClockModel(frame: last, monoNs: Int64(monoAtLast.rounded()), nsPerFrame: slope, epoch: epoch)
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
