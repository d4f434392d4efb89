import Foundation
import Testing

@testable import LoaxaOutput

/// A signal whose samples name their frame: frame p carries ±(p mod 16384 + 1) in both
/// channels, + for the programme before a cut and − for what replaces it, never 0, so that
/// a capture shows which signal each frame came from and whether any frame was lost,
/// repeated or filled with silence.
struct NumberedSignal {
    static func value(_ frame: Int64, sign: Int16) -> Int16 { Int16(frame % 16384 + 1) * sign }

    let samples: [Int16]

    init(frames: Int, sign: Int16) {
        var s = [Int16](repeating: 0, count: frames * 2)
        for p in 0..<frames {
            let v = Self.value(Int64(p), sign: sign)
            s[2 * p] = v
            s[2 * p + 1] = v
        }
        samples = s
    }

    /// Stands in for the renderer: fills the ring up to a second ahead of the card, a period
    /// at a time, each published as soon as it is written.
    func feed(_ output: ALSAOutput) {
        let ring = output.ring
        var pos = max(ring.publishedPosition, ring.consumedPosition)
        ring.advancePublished(to: pos)
        let end = min(ring.consumedPosition + Int64(output.settings.rate), ring.writableEnd, Int64(samples.count / 2))
        samples.withUnsafeBufferPointer { buf in
            while pos < end {
                let n = Int(min(Int64(output.granted.period), end - pos))
                ring.write(buf.baseAddress! + Int(pos) * 2, frames: n)
                pos += Int64(n)
            }
        }
    }
}

/// What the virtual card played: `<prefix>.raw` (16-bit stereo here) and `<prefix>.runs`.
struct Capture {
    var samples: [Int16]
    /// Per run: first frame in the capture, CLOCK_MONOTONIC of its first frame at the DAC,
    /// frames played.
    var runs: [(offset: Int64, startNs: Int64, frames: Int64)]

    init(prefix: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: prefix + ".raw"))
        samples = data.withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }
        let text = try String(contentsOfFile: prefix + ".runs", encoding: .utf8)
        runs = text.split(separator: "\n").map { line in
            let f = line.split(separator: " ")
            return (Int64(f[1])!, Int64(f[2])!, Int64(f[7])!)
        }
    }

    var frames: Int { samples.count / 2 }

    /// The first frame in `range` whose two samples are not `expected(frame)`, if any.
    func firstMismatch(in range: Range<Int64>, _ expected: (Int64) -> Int16) -> Int64? {
        range.first { p in
            let i = Int(p) * 2
            return samples[i] != expected(p) || samples[i + 1] != expected(p)
        }
    }
}

/// Nanoseconds as milliseconds, to two decimals.
func ms(_ ns: Int64) -> String { String(format: "%.2f", Double(ns) / 1e6) }

/// Cutting the timeline for a break-in: through the real libasound and the virtual card,
/// which rewinds like a real one and records what it played.
@Suite(.serialized)
struct ALSAOutputCutTests {
    /// The card plays the programme up to the frame before the cut and the new signal from
    /// the cut on, with no frame lost, repeated or silent, and the new signal is heard within
    /// the frames kept plus a period of the call. With `keep` a period, the card gives back
    /// all it held but that; with `keep` the whole buffer, it gives back nothing and the cut
    /// comes after what it holds. The frame clock carries on through the cut: no new epoch,
    /// no jump.
    @Test(arguments: zip(["cuta", "cutb"], [1, 16]))
    func theCardPlaysTheProgrammeUpToTheCutAndTheNewSignalFromIt(device: String, keepPeriods: Int) throws {
        let dir = virtualCardConfig
        let output = try ALSAOutput(settings: OutputSettings(device: device, rate: 48000, channels: 2))
        let rate = Int64(output.settings.rate)
        let period = output.granted.period
        let keep = period * keepPeriods
        let programme = NumberedSignal(frames: 5 * 48000, sign: 1)
        let breakIn = NumberedSignal(frames: 5 * 48000, sign: -1)

        programme.feed(output)
        output.start()
        let until = SystemClocks.monotonicNs() + 1_500_000_000
        while SystemClocks.monotonicNs() < until {
            programme.feed(output)
            output.clock.update()
            usleep(20_000)
        }
        let before = try #require(output.clock.update())

        let called = SystemClocks.monotonicNs()
        let cut = output.cut(keepingFrames: keep)
        let returned = SystemClocks.monotonicNs()
        // The renderer's part: the first period, a wake-up, then the rest.
        let first = breakIn.samples.withUnsafeBufferPointer { buf in
            output.ring.write(buf.baseAddress! + Int(cut) * 2, frames: period)
            return SystemClocks.monotonicNs()
        }
        output.wake()
        breakIn.feed(output)
        let after = SystemClocks.monotonicNs() + 1_000_000_000
        while SystemClocks.monotonicNs() < after {
            breakIn.feed(output)
            output.clock.update()
            usleep(20_000)
        }
        let model = try #require(output.clock.update())
        let reports = (max(0, output.clockReports.count - 64)..<output.clockReports.count).compactMap {
            output.clockReports.sample($0)
        }
        output.stop()

        #expect(output.underruns.load(ordering: .relaxed) == 0)
        #expect(output.ring.starvedFrames.load(ordering: .relaxed) == 0)
        #expect(output.cuts.load(ordering: .relaxed) == 1)
        #expect(output.rewindFailures.load(ordering: .relaxed) == 0)
        let rewound = output.framesRewound.load(ordering: .relaxed)
        if keepPeriods == 1 {
            #expect(rewound > 0 && rewound % Int64(period) == 0, "rewound \(rewound)")
        } else {
            #expect(rewound == 0)
        }

        // One run, so capture frame = timeline frame.
        let capture = try Capture(prefix: dir + "/" + device)
        try #require(capture.runs.count == 1, "runs: \(capture.runs)")
        let run = capture.runs[0]
        #expect(run.offset == 0 && Int(run.frames) == capture.frames)
        let played = Int64(capture.frames)
        try #require(played > cut + rate / 2, "played \(played), cut at \(cut)")
        let wrongBefore = capture.firstMismatch(in: 0..<cut) { NumberedSignal.value($0, sign: 1) }
        #expect(wrongBefore == nil, "frame \(wrongBefore ?? -1) before the cut at \(cut) is not the programme's")
        let wrongAfter = capture.firstMismatch(in: cut..<played) { NumberedSignal.value($0, sign: -1) }
        #expect(wrongAfter == nil, "frame \(wrongAfter ?? -1) from the cut at \(cut) on is not the new signal")

        // Where the card was: frame f reached the DAC at run.startNs + f / rate.
        func playing(at t: Int64) -> Int64 { (t - run.startNs) * rate / 1_000_000_000 }
        let serveFrames = (returned - called) * rate / 1_000_000_000 + 1
        #expect(cut > playing(at: first), "the cut frame \(cut) had played when its first frame was written")
        #expect(
            cut - playing(at: called) < Int64(keep + period) + serveFrames,
            "cut \(cut - playing(at: called)) frames ahead of the card, keeping \(keep)")

        // The clock: same epoch, and it places the frames before and after the cut where the
        // card played them.
        #expect(model.epoch == before.epoch)
        let drift = model.frame(atMonoNs: called) - before.frame(atMonoNs: called)
        #expect(abs(drift) <= 24, "the clock moved by \(drift) frames across the cut")
        #expect(abs(model.frame(atMonoNs: called) - playing(at: called)) <= 48)
        #expect(reports.contains { $0.monoNs < called } && reports.contains { $0.monoNs > returned })
        for r in reports {
            #expect(r.epoch == before.epoch)
            #expect(abs(r.frame - playing(at: r.monoNs)) <= 48, "report \(r) against the capture")
        }

        let heardNs = run.startNs + cut * 1_000_000_000 / rate
        print(
            "measured: cut keeping \(keep) frames: answered in \(ms(returned - called)) ms,",
            "C \(cut - playing(at: called)) frames ahead of the card at the call,",
            "new signal on air \(ms(heardNs - called)) ms after the call",
            "(\(ms(model.monoNs(atFrame: cut) - called)) ms by the frame clock), \(rewound) frames rewound")
    }

    /// A renderer that writes the new signal 60 ms after the cut, when the card holds
    /// 20–40 ms: the audio thread keeps the card playing a period of silence at a time, so
    /// the new signal starts a few periods late instead of a buffer late, and the card never
    /// runs dry.
    @Test func aLateRendererCostsPeriodsOfSilenceNotABuffer() throws {
        let dir = virtualCardConfig
        let output = try ALSAOutput(settings: OutputSettings(device: "cutc", rate: 48000, channels: 2))
        let period = output.granted.period
        let programme = NumberedSignal(frames: 5 * 48000, sign: 1)
        let breakIn = NumberedSignal(frames: 5 * 48000, sign: -1)
        programme.feed(output)
        output.start()
        for _ in 0..<50 {
            programme.feed(output)
            usleep(20_000)
        }
        let cut = output.cut(keepingFrames: period)
        usleep(60_000)
        for _ in 0..<40 {
            breakIn.feed(output)
            usleep(20_000)
        }
        output.stop()

        #expect(output.underruns.load(ordering: .relaxed) == 0)
        let capture = try Capture(prefix: dir + "/cutc")
        try #require(capture.runs.count == 1, "runs: \(capture.runs)")
        let played = Int64(capture.frames)
        #expect(capture.firstMismatch(in: 0..<cut) { NumberedSignal.value($0, sign: 1) } == nil)
        let resumed = try #require(capture.firstMismatch(in: cut..<played) { _ in 0 })
        let silence = resumed - cut
        #expect(
            silence > 0 && silence % Int64(period) == 0 && silence <= 4 * Int64(period),
            "\(silence) frames of silence")
        #expect(output.ring.starvedFrames.load(ordering: .relaxed) == silence)
        #expect(capture.firstMismatch(in: resumed..<played) { NumberedSignal.value($0, sign: -1) } == nil)
        print("measured: a renderer 60 ms late after a cut: \(silence / Int64(period)) periods of silence")
    }

    /// While the device is gone nothing is in a card to take back: the cut is at the
    /// position the timeline has reached, served at once from the reopening loop.
    @Test func aCutWhileTheDeviceIsLostIsAtTheTimelinesPosition() throws {
        let dir = virtualCardConfig
        let unplugged = dir + "/unplugged"
        let output = try ALSAOutput(settings: OutputSettings(device: "unplugging", rate: 48000, channels: 2))
        let programme = NumberedSignal(frames: 20 * 48000, sign: 1)
        programme.feed(output)
        output.start()
        defer {
            output.stop()
            try? FileManager.default.removeItem(atPath: unplugged)
        }
        for _ in 0..<25 {
            programme.feed(output)
            usleep(20_000)
        }
        _ = FileManager.default.createFile(atPath: unplugged, contents: nil)
        var waited = 0
        while output.state != .lost && waited < 200 {
            programme.feed(output)
            usleep(10_000)
            waited += 1
        }
        try #require(output.state == .lost)
        // Into the first backoff (250 ms), past the first reopen attempt.
        usleep(100_000)

        let called = SystemClocks.monotonicNs()
        let cut = output.cut(keepingFrames: output.granted.period)
        let answeredNs = SystemClocks.monotonicNs() - called
        let published = output.ring.publishedPosition
        let consumed = output.ring.consumedPosition
        print("measured: cut while the device is lost: answered in \(ms(answeredNs)) ms")
        #expect(answeredNs < 100_000_000)
        #expect(output.cuts.load(ordering: .relaxed) == 1)
        #expect(output.framesRewound.load(ordering: .relaxed) == 0)
        #expect(published == cut)
        // The timeline moves on meanwhile, 20 ms at a time.
        #expect(consumed >= cut && consumed - cut <= 48000 / 10, "consumed \(consumed), cut \(cut)")
        #expect(output.state == .lost)

        // Back again, the next cut rewinds the reopened card.
        try FileManager.default.removeItem(atPath: unplugged)
        waited = 0
        while output.state != .running && waited < 300 {
            usleep(10_000)
            waited += 1
        }
        try #require(output.state == .running)
        for _ in 0..<25 {
            programme.feed(output)
            usleep(20_000)
        }
        _ = output.cut(keepingFrames: output.granted.period)
        #expect(output.cuts.load(ordering: .relaxed) == 2)
        #expect(output.framesRewound.load(ordering: .relaxed) > 0)
    }

    /// No audio thread to answer: the request is withdrawn after the timeout and nothing
    /// is cut; the renderer carries on where it was. Once the thread runs, cuts are served.
    @Test func aCutNobodyAnswersIsWithdrawn() throws {
        _ = virtualCardConfig
        let output = try ALSAOutput(settings: OutputSettings(device: "plain", rate: 48000, channels: 2))
        let programme = NumberedSignal(frames: 48000, sign: 1)
        programme.feed(output)
        let published = output.ring.publishedPosition

        let called = SystemClocks.monotonicNs()
        let cut = output.cut(keepingFrames: 960, timeout: .milliseconds(30))
        let tookMs = Double(SystemClocks.monotonicNs() - called) / 1e6
        #expect(cut == published)
        #expect(output.ring.publishedPosition == published)
        #expect(tookMs >= 30 && tookMs < 1000, "took \(tookMs) ms")
        #expect(output.cuts.load(ordering: .relaxed) == 0)

        output.start()
        defer { output.stop() }
        usleep(100_000)
        let served = output.cut(keepingFrames: 960)
        #expect(output.cuts.load(ordering: .relaxed) == 1)
        #expect(output.ring.publishedPosition == served)
    }
}

@Test func aCutRewindsBothEndsOfTheRing() {
    let ring = FrameRing(capacityFrames: 64, channels: 1)
    let frames = (0..<40).map { Int16($0 + 1) }
    frames.withUnsafeBufferPointer { ring.write($0.baseAddress!, frames: 40) }
    var out = [Int16](repeating: 0, count: 40)
    out.withUnsafeMutableBufferPointer { ring.consume(into: $0.baseAddress!, at: 0, frames: 30) }
    ring.rewind(to: 20)
    #expect(ring.consumedPosition == 20 && ring.publishedPosition == 20)
    // The producer writes on from the cut, over what it had written there.
    let new = [Int16](repeating: -7, count: 10)
    new.withUnsafeBufferPointer { ring.write($0.baseAddress!, frames: 10) }
    out.withUnsafeMutableBufferPointer { ring.consume(into: $0.baseAddress!, at: 20, frames: 10) }
    #expect(out.prefix(10).allSatisfy { $0 == -7 })
    #expect(ring.starvedFrames.load(ordering: .relaxed) == 0)
}

/// After a cut the audio thread writes only what the renderer has published, in whole
/// periods, until it has caught up; a late renderer gets a period of silence at a time when
/// the card runs down to half a period, and after a buffer of it the card is topped up.
@Test func refillingWritesOnlyPublishedPeriodsUntilTheRendererCatchesUp() {
    var refill = Refill(period: 960, rate: 48000, silenceLimit: 2 * 960)
    refill.start(queued: 1500, nowNs: 1_000_000_000)
    #expect(refill.active)
    // (1500 - 480) frames above the mark: 21.25 ms, so it looks again in 2 ms.
    #expect(refill.timeoutMs(nowNs: 1_000_000_000) == 2)
    #expect(refill.timeoutMs(nowNs: 1_021_000_000) == 1)
    #expect(refill.timeoutMs(nowNs: 1_022_000_000) == 0)
    // Nothing published yet: nothing written.
    #expect(refill.frames(room: 13440, queued: 1500, ready: 0, nowNs: 1_000_000_000) == 0)
    #expect(refill.active)
    // A period and a half published: one period written.
    #expect(refill.frames(room: 13440, queued: 1500, ready: 1440, nowNs: 1_001_000_000) == 960)
    #expect(refill.active)
    // Caught up: the card is topped up as usual.
    #expect(refill.frames(room: 12480, queued: 2460, ready: 48000, nowNs: 1_002_000_000) == 12480)
    #expect(!refill.active)

    // The renderer is late: a period of silence whenever the card runs low, twice, then the
    // card is topped up.
    refill.start(queued: 1500, nowNs: 0)
    #expect(refill.frames(room: 14400, queued: 480, ready: 0, nowNs: 21_000_000) == 960)
    #expect(refill.active && refill.timeoutMs(nowNs: 21_000_000) == 2)
    #expect(refill.frames(room: 14400, queued: 480, ready: 0, nowNs: 41_000_000) == 960)
    #expect(refill.frames(room: 14400, queued: 480, ready: 0, nowNs: 61_000_000) == 14400)
    #expect(!refill.active)
}
