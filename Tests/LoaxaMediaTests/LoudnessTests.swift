import Foundation
import LoaxaMedia
import Testing

@Suite("Loudness measurement")
struct LoudnessAnalyzerTests {
    /// A 1 kHz sine at `peakDBFS` in the channels listed, silence in the others.
    static func sineFile(
        _ dir: String, rate: Int = 48_000, channels: Int, peakDBFS: Double = -20, seconds: Int = 10,
        in playing: Set<Int>? = nil
    ) -> String {
        let path = dir + "/sine-\(rate)-\(channels)-\(peakDBFS)-\(playing.map { $0.sorted().description } ?? "all").wav"
        let tone = sine(hz: 1000, rate: rate, peakDBFS: peakDBFS)
        writeWAV(path: path, rate: rate, channels: channels, frames: rate * seconds) { f, c in
            playing == nil || playing!.contains(c) ? tone(f, c) : 0
        }
        return path
    }

    // BS.1770 calibrates on one channel: a 0 dBFS 997 Hz sine in a single channel reads
    // −3.01 LUFS, and the channels' powers add. So a −20 dBFS sine in both channels of a
    // stereo file reads −20.0 LUFS, and in one channel only −23.0 (EBU Tech 3341 case 1 is
    // the same: a −23 dBFS stereo sine reads −23.0).

    @Test func stereoSineReadsAsBS1770Says() throws {
        let dir = tempDir()
        let both = try LoudnessAnalyzer.measure(path: Self.sineFile(dir, channels: 2))
        #expect(abs(both.integratedLUFS - -20.0) < 0.2)
        let tech3341 = try LoudnessAnalyzer.measure(path: Self.sineFile(dir, channels: 2, peakDBFS: -23))
        #expect(abs(tech3341.integratedLUFS - -23.0) < 0.1)
        let leftOnly = try LoudnessAnalyzer.measure(path: Self.sineFile(dir, channels: 2, in: [0]))
        #expect(abs(leftOnly.integratedLUFS - -23.01) < 0.2)
        print("stereo −20 dBFS sine: \(both), left only: \(leftOnly)")
    }

    @Test func sineTruePeakIsItsSamplePeak() throws {
        let dir = tempDir()
        for rate in [48_000, 44_100] {
            let loudness = try LoudnessAnalyzer.measure(path: Self.sineFile(dir, rate: rate, channels: 2))
            #expect(abs(loudness.truePeakDBTP - -20.0) < 0.1, "at \(rate) Hz: \(loudness)")
        }
    }

    @Test func aMonoFileReadsAsItsSignalOnBothLoudspeakers() throws {
        let dir = tempDir()
        let mono = try LoudnessAnalyzer.measure(path: Self.sineFile(dir, channels: 1))
        let stereo = try LoudnessAnalyzer.measure(path: Self.sineFile(dir, channels: 2))
        // Dual mono: as loud as the same signal in both channels of a stereo file, 3 LU
        // above the single channel it is stored as.
        #expect(abs(mono.integratedLUFS - -20.0) < 0.2)
        #expect(abs(mono.integratedLUFS - stereo.integratedLUFS) < 0.01)
        #expect(abs(mono.truePeakDBTP - -20.0) < 0.1)
    }

    @Test func onlyTheFirstTwoOfManyChannelsAreMeasured() throws {
        let dir = tempDir()
        let front = try LoudnessAnalyzer.measure(path: Self.sineFile(dir, channels: 4, seconds: 3, in: [0, 1]))
        #expect(abs(front.integratedLUFS - -20.0) < 0.2)
        let rearOnly = try LoudnessAnalyzer.measure(path: Self.sineFile(dir, channels: 4, seconds: 3, in: [2, 3]))
        #expect(rearOnly.integratedLUFS == Loudness.floorLUFS)
        #expect(rearOnly.truePeakDBTP == Loudness.floorDBTP)
    }

    @Test func a44100HzFileReadsTheSame() throws {
        let dir = tempDir()
        let loudness = try LoudnessAnalyzer.measure(path: Self.sineFile(dir, rate: 44_100, channels: 2))
        #expect(abs(loudness.integratedLUFS - -20.0) < 0.2)
    }

    @Test func silenceAndTooShortFilesReadAsTheFloor() throws {
        let dir = tempDir()
        let silent = dir + "/silence.wav"
        writeWAV(path: silent, rate: 48_000, channels: 2, frames: 48_000 * 3) { _, _ in 0 }
        let quiet = try LoudnessAnalyzer.measure(path: silent)
        #expect(quiet == Loudness(integratedLUFS: Loudness.floorLUFS, truePeakDBTP: Loudness.floorDBTP))
        #expect(!quiet.hasIntegratedLoudness)

        // 0.3 s: shorter than one 400 ms gating block, so no integrated loudness, but a peak.
        let blip = dir + "/blip.wav"
        let tone = sine(hz: 1000, rate: 48_000, peakDBFS: -6)
        writeWAV(path: blip, rate: 48_000, channels: 2, frames: 14_400, sample: tone)
        let short = try LoudnessAnalyzer.measure(path: blip)
        #expect(short.integratedLUFS == Loudness.floorLUFS)
        #expect(abs(short.truePeakDBTP - -6) < 0.1)

        let empty = dir + "/empty.wav"
        writeWAV(path: empty, rate: 48_000, channels: 1, frames: 0) { _, _ in 0 }
        #expect(try LoudnessAnalyzer.measure(path: empty) == quiet)

        for value in [quiet, short] {
            #expect(value.integratedLUFS.isFinite && value.truePeakDBTP.isFinite)
            let json = try JSONEncoder().encode(value)
            #expect(try JSONDecoder().decode(Loudness.self, from: json) == value)
        }
    }

    @Test func undecodableAndMissingFilesAreMediaErrors() throws {
        let dir = tempDir()
        let path = dir + "/broken.wav"
        _ = FileManager.default.createFile(
            atPath: path, contents: Data((0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 37) }))
        #expect {
            _ = try LoudnessAnalyzer.measure(path: path)
        } throws: { error in
            (error as? MediaError)?.description.contains("cannot decode") == true
        }
        #expect(throws: MediaError.self) { _ = try LoudnessAnalyzer.measure(path: dir + "/missing.flac") }
    }

    @Test(arguments: [
        "speech-noise-22k.wav", "bursts-44k.mp3", "chirp-48k.flac", "noise-speech.opus", "noise-vorbis-32k.ogg",
    ])
    func everyFormatIsMeasured(file: String) throws {
        let path = testAudio + "/" + file
        try #require(FileManager.default.fileExists(atPath: path), "run `make test-audio` first")
        let loudness = try LoudnessAnalyzer.measure(path: path)
        print("\(file): \(loudness)")
        #expect(loudness.hasIntegratedLoudness && loudness.integratedLUFS < 0)
        #expect(loudness.truePeakDBTP > -30 && loudness.truePeakDBTP < 3)
    }

    /// The evidence for applying the ceiling without a margin (see `LoudnessGain`): after
    /// conversion to 48 kHz, band-limited and hard-clipped material peaks less than 1 dB
    /// (the room between a −1 dBTP ceiling and full scale) above the true peak measured on
    /// the source. The worst seen here is the aliased 3 kHz square at 32 kHz, +0.86 dB;
    /// full-band white noise at 22.05–32 kHz, not included, rises about 1.2 dB.
    @Test(arguments: [22_050, 32_000, 44_100, 96_000])
    func resampledPeaksStayWithinTheCeilingsRoom(rate: Int) throws {
        let dir = tempDir()
        var noise: UInt64 = 7
        var low = 0.0
        let signals: [(String, (Int, Int) -> Double)] = [
            // Hard-clipped, square-like material: the strongest Gibbs overshoot.
            ("square 1 kHz", { f, _ in (f * 2000 / rate) % 2 == 0 ? 0.5 : -0.5 }),
            ("square 3 kHz", { f, _ in (f * 6000 / rate) % 2 == 0 ? 0.5 : -0.5 }),
            ("sine 0.45 fs", { f, _ in 0.5 * sin(2 * .pi * 0.45 * Double(f) + 0.3) }),
            ("clicks", { f, _ in f % 4410 < 2 ? 0.5 : 0 }),
            // Noise low-passed at about a quarter of the rate, like speech and most music.
            (
                "band-limited noise",
                { _, _ in
                    noise = noise &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                    low += 0.5 * (Double(Int64(noise >> 33) % 20000 - 10000) / 10000 - low)
                    return low * 0.8
                }
            ),
        ]
        for (name, signal) in signals {
            let path = dir + "/\(rate).wav"
            writeWAV(path: path, rate: rate, channels: 1, frames: rate, float: true, sample: signal)
            let source = try LoudnessAnalyzer.measure(path: path)
            let out = try renderAll(path, rate: 48_000, channels: 1, chunk: 4096)
            let samplePeak = 20 * log10(Double(out.map { abs($0) }.max() ?? 0))
            let rise = samplePeak - source.truePeakDBTP
            print(
                String(
                    format: "%@ at %d Hz: true peak %.2f dBTP, after conversion %.2f dBFS (%+.2f dB)",
                    name, rate, source.truePeakDBTP, samplePeak, rise))
            #expect(rise < 1.0, "\(name) at \(rate) Hz")
        }
    }
}

@Suite("Loudness gain")
struct LoudnessGainTests {
    static func gain(_ integrated: Double, _ truePeak: Double) -> Double {
        LoudnessGain.gainDB(for: Loudness(integratedLUFS: integrated, truePeakDBTP: truePeak), targetLUFS: -16)
    }

    @Test func reachesTheTargetWhenPeaksAllow() {
        #expect(Self.gain(-23, -20) == 7)
    }

    @Test func theCeilingLimitsTheBoost() {
        #expect(Self.gain(-40, -3) == 2)
        #expect(abs(Self.gain(-16, 0.5) - -1.5) < 1e-12)  // over the ceiling already: cut
    }

    @Test func theBoostIsCapped() {
        #expect(Self.gain(-50, -40) == 20)
        #expect(
            LoudnessGain.gainDB(
                for: Loudness(integratedLUFS: -50, truePeakDBTP: -40), targetLUFS: -16, maxBoostDB: 6) == 6)
    }

    @Test func loudFilesAreCutWithoutLimit() {
        #expect(Self.gain(-8, -0.5) == -8)
        #expect(Self.gain(0, 3) == -16)
    }

    @Test func aFileWithoutIntegratedLoudnessIsLeftAlone() {
        #expect(Self.gain(Loudness.floorLUFS, Loudness.floorDBTP) == 0)
        #expect(Self.gain(Loudness.floorLUFS, 0) == -1)  // a loud blip: only the ceiling
        #expect(Self.gain(-69.9, -50) == 20)
    }

    @Test func gainsAreAlwaysFinite() {
        #expect(Self.gain(.nan, -10) == 0)
        #expect(Self.gain(-20, .nan).isFinite)
        #expect(Self.gain(-.infinity, -.infinity) == 0)
    }

    @Test func linearFactors() {
        #expect(LoudnessGain.linear(0) == 1)
        #expect(abs(LoudnessGain.linear(-20) - 0.1) < 1e-7)
        #expect(abs(LoudnessGain.linear(6.0206) - 2) < 1e-4)
    }
}
