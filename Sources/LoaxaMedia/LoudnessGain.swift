#if canImport(Glibc)
    import Glibc
#endif

/// The gain that brings a file to the station's loudness target without pushing its peaks
/// over a ceiling.
///
/// The gain is `target − integrated`, then lowered so that `truePeak + gain ≤ ceiling`, and
/// never above `+maxBoost`; cuts are not limited. A file with no integrated loudness
/// (silence, or shorter than one 400 ms gating block: ``Loudness/hasIntegratedLoudness``)
/// has nothing to normalize and starts from 0 dB, still subject to the ceiling.
///
/// The ceiling is checked against the true peak measured on the source at its own rate,
/// with no further margin. The playout resamples most files, and the resampled samples can
/// peak above libebur128's estimate: its 4× interpolator under-reads content close to the
/// source's Nyquist frequency, and the resampler's longer filter shows more of the
/// waveform's overshoot (Gibbs ripple of hard-clipped or square-like material). Measured on
/// synthetic material from 22.05, 32 and 44.1 kHz to 48 kHz (see the tests) the rise is
/// 0.1–0.5 dB for band-limited signals, up to 0.9 dB for aliased square waves, and about
/// 1.2 dB only for full-band white noise at low rates. A 0.1 dB margin would cover little
/// of that, and one large enough to cover it all would cost every peak-limited file a
/// decibel. The −1 dBTP ceiling is itself R128's allowance for true-peak meters' under-read
/// and for later conversions: the 1 dB between it and full scale keeps everything but
/// full-band noise below digital clipping. The material whose gain the ceiling limits has
/// a wide peak-to-loudness ratio (over 15 dB at a −16 LUFS target), typically speech with
/// little energy near the top of the band, where the rise is smallest.
public enum LoudnessGain {
    /// The gain in dB for a file of `loudness`, to reach `targetLUFS` with its true peak at
    /// or below `ceilingDBTP` and at most `maxBoostDB` of boost. Always finite.
    public static func gainDB(
        for loudness: Loudness, targetLUFS: Double, ceilingDBTP: Double = -1, maxBoostDB: Double = 20
    ) -> Double {
        let wanted = loudness.hasIntegratedLoudness ? targetLUFS - loudness.integratedLUFS : 0
        let peakRoom = ceilingDBTP - loudness.truePeakDBTP
        let gain = min(wanted, peakRoom, maxBoostDB)
        return gain.isFinite ? gain : 0
    }

    /// The linear factor of a gain in dB: 10^(dB/20).
    public static func linear(_ db: Double) -> Float {
        Float(pow(10, db / 20))
    }
}
