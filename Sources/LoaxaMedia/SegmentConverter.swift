import CSamples
import CSoxr

#if canImport(Glibc)
import Glibc
#endif

/// Streams one file as interleaved floats at the device's rate and channel count.
///
/// A file that decodes to n frames at rate r yields exactly round(n × R / r) frames at
/// device rate R, n being the frames actually decoded (not the header's claim). The
/// resampler's own output count can differ from that by a few frames, so the last
/// `holdback` frames are kept back until the end of the file is known, then trimmed or
/// padded with silence to the exact count. Memory is a few chunks, whatever the file's
/// length.
///
/// A converter can start part-way through, at output frame k (`startFrame`): it then emits
/// frames k..<total of what a converter from the start would, total − k frames exactly (none
/// when k ≥ total), and decodes little before frame k (see `init`).
public final class SegmentConverter {
    public let reader: AudioFileReader
    public let outputRate: Int
    public let outputChannels: Int
    /// The output frame the converter starts at: the first frame it emits is this frame of
    /// the whole segment's conversion.
    public let startFrame: Int64

    private static let chunkFrames = 4096
    private static let holdback = 256
    /// Source frames a resampler started part-way is fed before the frames that matter,
    /// so that its filter holds the same input there as a conversion from the start;
    /// multiplied by the downsampling ratio (rounded down) when there is one. soxr's
    /// high-quality filters needed fewer than 1,024, measured from 8 to 384 kHz into 48 kHz.
    private static let resamplerPreRoll: Int64 = 2_048

    private let sourceChannels: Int
    private let resampler: soxr_t?
    private let input: UnsafeMutablePointer<Float>
    private let resampled: UnsafeMutablePointer<Float>
    private let resampledCapacity: Int
    /// Converted frames not yet handed out, at the output channel count.
    private let pending: UnsafeMutablePointer<Float>
    private let pendingCapacity: Int
    private var pendingStart = 0
    private var pendingCount = 0

    /// The output frame (of the whole segment's conversion) that follows the last one
    /// converted, kept back or emitted; those before `startFrame` are dropped.
    private var producedFrames: Int64 = 0
    private var inputDone = false
    private var finished = false
    /// Frames handed out so far, from `startFrame` on.
    public private(set) var emittedFrames: Int64 = 0
    /// The whole segment's exact output length (from frame 0, whatever `startFrame`), known
    /// once the file has been decoded to its end.
    public private(set) var totalFrames: Int64?

    /// Opens `path` to convert it to `outputRate` and `outputChannels`, from output frame
    /// `startFrame` on (0: the whole segment).
    ///
    /// At the file's own rate the reader seeks to source frame `startFrame`, and the frames
    /// are those of a conversion from the start (as exactly as the reader's seek lands: see
    /// `AudioFileReader.seek(toFrame:)`).
    ///
    /// When resampling from rate r to R, the rates reduce to p source frames for every q
    /// output frames (p = r / gcd(r, R), q = R / gcd(r, R); 147 and 160 for 44.1 to 48 kHz).
    /// A fresh resampler started at a source frame s that is a multiple of p puts out
    /// frames s × q / p onwards on the same sample grid as one started at 0. The reader
    /// therefore seeks to s = p × (⌊startFrame / q⌋ − n), n being the fewest blocks of p
    /// that make up the pre-roll (`resamplerPreRoll`; s is at least 0), and the output
    /// before `startFrame` is dropped. By then the resampler's filter holds the same input
    /// as in a conversion from the start, so there is no warm-up: the samples match it to
    /// float rounding (within 3e-7 measured at 22.05, 32 and 44.1 kHz). At rates with a
    /// small common divisor p can reach r (44,101 Hz), so up to a second more is decoded,
    /// and soxr's inexact phase then leaves differences of about 3e-5.
    public init(
        path: String, outputRate: Int, outputChannels: Int, startingAtFrame startFrame: Int64 = 0
    ) throws(MediaError) {
        precondition(startFrame >= 0, "SegmentConverter started at a negative frame")
        let reader = try AudioFileReader(path: path)
        self.reader = reader
        self.outputRate = outputRate
        self.outputChannels = outputChannels
        self.startFrame = startFrame
        self.sourceChannels = reader.info.channels
        let ratio = Double(outputRate) / Double(reader.info.sampleRate)
        if reader.info.sampleRate == outputRate {
            resampler = nil
        } else {
            var error: soxr_error_t?
            let r = loaxa_soxr_create_hq(
                Double(reader.info.sampleRate), Double(outputRate), UInt32(sourceChannels), &error)
            guard let r, error == nil else {
                let why = error.map { String(cString: $0) } ?? "unknown error"
                throw MediaError(path: path, message: "cannot resample \(reader.info.sampleRate) Hz to \(outputRate) Hz: \(why)")
            }
            resampler = r
        }
        input = .allocate(capacity: Self.chunkFrames * sourceChannels)
        resampledCapacity = Int((Double(Self.chunkFrames) * ratio).rounded(.up)) + 1024
        resampled = .allocate(capacity: resampledCapacity * sourceChannels)
        pendingCapacity = resampledCapacity + Self.holdback + 1024
        pending = .allocate(capacity: pendingCapacity * outputChannels)

        guard startFrame > 0 else { return }
        let sourceFrame: Int64
        if resampler == nil {
            sourceFrame = startFrame
            producedFrames = startFrame
        } else {
            let rate = Int64(reader.info.sampleRate)
            let divisor = Self.greatestCommonDivisor(rate, Int64(outputRate))
            let p = rate / divisor
            let q = Int64(outputRate) / divisor
            let preRoll = Self.resamplerPreRoll * max(1, rate / Int64(outputRate))
            let blocks = max(0, startFrame / q - (preRoll + p - 1) / p)
            sourceFrame = blocks * p
            producedFrames = blocks * q
        }
        // Deinitialisation frees the buffers if this throws.
        try reader.seek(toFrame: sourceFrame)
    }

    deinit {
        if let resampler { soxr_delete(resampler) }
        input.deallocate()
        resampled.deallocate()
        pending.deallocate()
    }

    /// The expected output length from the header (exact only after the end is reached).
    public var estimatedFrames: Int64 {
        totalFrames ?? Self.converted(reader.info.headerFrames, from: reader.info.sampleRate, to: outputRate)
    }

    private static func greatestCommonDivisor(_ a: Int64, _ b: Int64) -> Int64 {
        var (a, b) = (a, b)
        while b != 0 { (a, b) = (b, a % b) }
        return a
    }

    /// round(n × to / from), in integers.
    public static func converted(_ n: Int64, from: Int, to: Int) -> Int64 {
        (n * Int64(to) * 2 + Int64(from)) / (Int64(from) * 2)
    }

    /// Fills up to `frames` frames into `out` (room for frames × outputChannels floats).
    /// Returns the frames written; fewer than asked only at the end, 0 once finished.
    public func render(into out: UnsafeMutablePointer<Float>, frames: Int) throws(MediaError) -> Int {
        try drain(frames: frames) { source, offset, n in
            (out + offset).update(from: source, count: n)
        }
    }

    /// Like `render(into:frames:)`, but scales by `gain` and writes 16-bit samples (see
    /// `SampleConversion.toInt16`): the renderer's path, one pass from the decoded frames
    /// to the output ring.
    public func render(intoInt16 out: UnsafeMutablePointer<Int16>, frames: Int, gain: Float) throws(MediaError) -> Int {
        try drain(frames: frames) { source, offset, n in
            SampleConversion.toInt16(source, out + offset, count: n, gain: gain)
        }
    }

    /// Hands out up to `frames` converted frames through `emit(source, sampleOffset,
    /// sampleCount)`, decoding more as needed.
    @inline(__always)
    private func drain(
        frames: Int, _ emit: (UnsafeMutablePointer<Float>, Int, Int) -> Void
    ) throws(MediaError) -> Int {
        var written = 0
        while written < frames {
            let releasable = finished ? pendingCount : max(0, pendingCount - Self.holdback)
            if releasable > 0 {
                let n = min(releasable, frames - written)
                emit(pending + pendingStart * outputChannels, written * outputChannels, n * outputChannels)
                pendingStart += n
                pendingCount -= n
                written += n
                emittedFrames += Int64(n)
                continue
            }
            if finished { break }
            try refill()
        }
        return written
    }

    /// Decodes and converts one more chunk, or flushes the resampler at the end of input.
    private func refill() throws(MediaError) {
        if !inputDone {
            let n = try reader.read(into: input, frames: Self.chunkFrames)
            if n == 0 {
                inputDone = true
            } else if let resampler {
                var offset = 0
                while offset < n {
                    var consumed = 0
                    var made = 0
                    let err = soxr_process(
                        resampler, input + offset * sourceChannels, n - offset, &consumed,
                        resampled, resampledCapacity, &made)
                    if let err { throw MediaError(path: reader.path, message: "resampler error: \(String(cString: err))") }
                    append(resampled, frames: made)
                    offset += consumed
                    if consumed == 0 && made == 0 { break }
                }
            } else {
                append(input, frames: n)
            }
            return
        }
        if let resampler {
            var consumed = 0
            var made = 0
            let err = soxr_process(resampler, nil, 0, &consumed, resampled, resampledCapacity, &made)
            if let err { throw MediaError(path: reader.path, message: "resampler error: \(String(cString: err))") }
            if made > 0 {
                append(resampled, frames: made)
                return
            }
        }
        finish()
    }

    /// Sets the exact length: trims the held-back tail or pads it with silence, so that
    /// the last frame is frame total − 1 of the whole segment.
    private func finish() {
        let total = Self.converted(reader.position, from: reader.info.sampleRate, to: outputRate)
        // Nothing before `startFrame` is kept, so a segment that ends before it emits nothing.
        let target = max(total, startFrame)
        let excess = max(producedFrames, startFrame) - target
        if excess > 0 {
            let drop = Int(min(excess, Int64(pendingCount)))
            pendingCount -= drop
        } else if excess < 0 {
            compact(room: Int(-excess))
            let start = pending + (pendingStart + pendingCount) * outputChannels
            start.update(repeating: 0, count: Int(-excess) * outputChannels)
            pendingCount += Int(-excess)
        }
        producedFrames = target
        totalFrames = total
        finished = true
    }

    /// Appends converted frames to `pending`, mapping the source channels to the output's;
    /// those before `startFrame` are dropped.
    private func append(_ source: UnsafeMutablePointer<Float>, frames: Int) {
        var source = source
        var frames = frames
        if producedFrames < startFrame {
            let drop = Int(min(Int64(frames), startFrame - producedFrames))
            source += drop * sourceChannels
            frames -= drop
            producedFrames += Int64(drop)
        }
        guard frames > 0 else { return }
        compact(room: frames)
        let dst = pending + (pendingStart + pendingCount) * outputChannels
        let sc = sourceChannels, oc = outputChannels
        if sc == oc {
            dst.update(from: source, count: frames * oc)
        } else if sc == 1 {
            for f in 0..<frames {
                let v = source[f]
                for c in 0..<oc { dst[f * oc + c] = v }
            }
        } else if oc == 1 {
            let scale = 1 / Float(sc)
            for f in 0..<frames {
                var sum: Float = 0
                for c in 0..<sc { sum += source[f * sc + c] }
                dst[f] = sum * scale
            }
        } else {
            for f in 0..<frames {
                for c in 0..<oc { dst[f * oc + c] = c < sc ? source[f * sc + c] : 0 }
            }
        }
        pendingCount += frames
        producedFrames += Int64(frames)
    }

    /// Moves the pending frames to the front when `room` more would not fit behind them.
    private func compact(room: Int) {
        if pendingStart + pendingCount + room <= pendingCapacity { return }
        precondition(pendingCount + room <= pendingCapacity, "converter buffer overflow")
        memmove(pending, pending + pendingStart * outputChannels, pendingCount * outputChannels * MemoryLayout<Float>.size)
        pendingStart = 0
    }
}

/// Float samples to the card's 16-bit format.
public enum SampleConversion {
    /// Writes `count` samples of `source` × `gain`, clipped to ±1, as 16-bit integers
    /// rounded to the nearest (ties to even).
    @inline(__always)
    public static func toInt16(_ source: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Int16>, count: Int, gain: Float) {
        loaxa_float_to_s16(source, out, count, gain)
    }
}
