import CEbur128

#if canImport(Glibc)
    import Glibc
#endif

/// A file's loudness as EBU R128 measures it.
///
/// Values are always finite. A file with nothing above R128's absolute gate (silence, or
/// shorter than one 400 ms gating block) has `integratedLUFS == Loudness.floorLUFS`; a
/// file of digital zeros has `truePeakDBTP == Loudness.floorDBTP`.
public struct Loudness: Sendable, Hashable, Codable {
    /// Integrated (programme) loudness in LUFS, ITU-R BS.1770-4 with R128 gating.
    public var integratedLUFS: Double
    /// The highest true peak over all measured channels, in dBTP.
    public var truePeakDBTP: Double

    public init(integratedLUFS: Double, truePeakDBTP: Double) {
        self.integratedLUFS = integratedLUFS
        self.truePeakDBTP = truePeakDBTP
    }

    /// Stands for "no integrated loudness": R128's absolute gate is −70 LUFS and every gated
    /// result lies above it, so a measurement never produces this value by itself.
    public static let floorLUFS = -70.0
    /// Stands for a true peak of zero (digital silence): below the resolution of any
    /// 24-bit source, and small enough that no gain limit is ever derived from it.
    public static let floorDBTP = -200.0

    /// False when nothing rose above the absolute gate, so there is no loudness to
    /// normalize to.
    public var hasIntegratedLoudness: Bool { integratedLUFS > Self.floorLUFS }
}

/// Measures the EBU R128 integrated loudness and true peak of whole files with libebur128.
///
/// The file is decoded in chunks at its own sample rate and channel count, so memory does
/// not grow with its length. Channels are weighted as the playout will put them on the
/// loudspeakers (`SegmentConverter`):
/// - a mono file is measured as dual mono (`EBUR128_DUAL_MONO`): the converter copies it to
///   both output channels, and BS.1770 sums the channels' power, so a mono file reads 3 LU
///   louder than one channel alone would, exactly as loud as the same signal stored as
///   identical stereo. Measured as a plain single channel, every mono file would be
///   normalized 3 dB too loud next to stereo ones;
/// - a stereo file is measured as left and right;
/// - in a file with more channels only the first two are measured: a stereo output plays
///   channels 1 and 2 and drops the others.
/// A mono output device averages stereo files, which changes the loudness of material
/// whose channels differ; identical-channel and mono material stays consistent.
public enum LoudnessAnalyzer {
    /// Frames decoded and fed to libebur128 at a time. libebur128 buffers internally, so
    /// the size does not change the result; 4096 stereo frames stay under malloc's mmap
    /// threshold (128 KiB), which measured about 0.5 MB less at the daemon's peak memory
    /// than 16,384 frames did.
    static let chunkFrames = 4096

    /// Decodes the whole file at `path` and returns its integrated loudness and true peak.
    public static func measure(path: String) throws(MediaError) -> Loudness {
        try measure(AudioFileReader(path: path)).loudness
    }

    /// Decodes what is left of `reader` and returns its loudness and the frames decoded.
    ///
    /// - Parameter limit: stop once more than this many frames were decoded (the loudness
    ///   is then of the part read, and `frames` is over the limit): a file too long to air
    ///   is not decoded to its end only to be refused.
    static func measure(
        _ reader: AudioFileReader, stoppingAfter limit: Int64 = .max
    ) throws(MediaError) -> (loudness: Loudness, frames: Int64) {
        let path = reader.path
        let channels = reader.info.channels
        let mode = Int32(EBUR128_MODE_I.rawValue | EBUR128_MODE_TRUE_PEAK.rawValue)
        guard let state = ebur128_init(UInt32(channels), UInt(reader.info.sampleRate), mode) else {
            let format = "\(channels) channels at \(reader.info.sampleRate) Hz"
            throw MediaError(path: path, message: "cannot measure loudness: ebur128_init refused \(format)")
        }
        defer {
            var released: UnsafeMutablePointer<ebur128_state>? = state
            ebur128_destroy(&released)
        }

        let measured = channelMap(channels: channels)
        for (index, kind) in measured.enumerated() {
            let code = ebur128_set_channel(state, UInt32(index), Int32(kind.rawValue))
            if code != Int32(EBUR128_SUCCESS.rawValue) {
                throw failure(path, "ebur128_set_channel", code)
            }
        }

        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: chunkFrames * channels)
        defer { buffer.deallocate() }
        var frames: Int64 = 0
        while frames <= limit {
            let n = try reader.read(into: buffer, frames: chunkFrames)
            if n == 0 { break }
            frames += Int64(n)
            let code = ebur128_add_frames_float(state, buffer, n)
            if code != Int32(EBUR128_SUCCESS.rawValue) {
                throw failure(path, "ebur128_add_frames_float", code)
            }
        }

        var integrated = -Double.infinity
        var code = ebur128_loudness_global(state, &integrated)
        if code != Int32(EBUR128_SUCCESS.rawValue) { throw failure(path, "ebur128_loudness_global", code) }
        var peak = 0.0
        for (index, kind) in measured.enumerated() where kind != EBUR128_UNUSED {
            var channelPeak = 0.0
            code = ebur128_true_peak(state, UInt32(index), &channelPeak)
            if code != Int32(EBUR128_SUCCESS.rawValue) { throw failure(path, "ebur128_true_peak", code) }
            if channelPeak > peak { peak = channelPeak }
        }
        let loudness = Loudness(
            integratedLUFS: integrated.isFinite ? max(integrated, Loudness.floorLUFS) : Loudness.floorLUFS,
            truePeakDBTP: peak > 0 && peak.isFinite ? max(20 * log10(peak), Loudness.floorDBTP) : Loudness.floorDBTP)
        return (loudness, frames)
    }

    /// libebur128's channel types for a file of `channels` channels, as the playout hears it.
    static func channelMap(channels: Int) -> [channel] {
        switch channels {
        case 1: return [EBUR128_DUAL_MONO]
        default: return [EBUR128_LEFT, EBUR128_RIGHT] + Array(repeating: EBUR128_UNUSED, count: channels - 2)
        }
    }

    static func failure(_ path: String, _ function: String, _ code: Int32) -> MediaError {
        let reason: String
        switch UInt32(bitPattern: code) {
        case EBUR128_ERROR_NOMEM.rawValue: reason = "out of memory"
        case EBUR128_ERROR_INVALID_MODE.rawValue: reason = "invalid mode"
        case EBUR128_ERROR_INVALID_CHANNEL_INDEX.rawValue: reason = "invalid channel index"
        default: reason = "error \(code)"
        }
        return MediaError(path: path, message: "cannot measure loudness: \(function) failed: \(reason)")
    }
}
