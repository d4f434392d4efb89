import Foundation
@testable import LoaxaOutput
import Testing

/// How a simulated card reports its position.
struct CardHabits {
    var ppm: Double = 0
    /// Timestamps late by up to this (preemption, wake-up latency).
    var lateNs: Int64 = 0
    /// The position moves only at period boundaries (frames); 0 for a smooth position.
    var period: Int64 = 0
    /// Reports are read at the period boundaries (the thread wakes on the interrupt)
    /// rather than at arbitrary moments.
    var wakesOnPeriod = true
}

/// A simulated card reporting its position to a frame clock.
struct SimulatedCard {
    let habits: CardHabits
    let reports = ClockSampleQueue()
    let clock: FrameClock
    let trueRate: Double
    let t0: Int64 = 1_000_000_000_000
    /// Simulated time since t0, and the frame the timeline had reached at t0 + elapsed.
    var elapsedNs: Double = 0
    /// Frames the timeline is ahead of the card's own count (an underrun's restart moves it).
    var frameOffset: Int64 = 0
    var epoch: Int64 = 0
    var model: FrameClockModel?
    var generator = SystemRandomNumberGenerator()
    /// The clock looks at the reports after every this many (the renderer sleeps between).
    var updateEvery = 1

    init(_ habits: CardHabits) {
        self.habits = habits
        clock = FrameClock(nominalRate: 48000, reports: reports)
        trueRate = 48000 * (1 + habits.ppm / 1e6)
    }

    var periodNs: Double { habits.period > 0 ? Double(habits.period) * 1e9 / trueRate : 20e6 }

    /// Reports once a period for `seconds`.
    mutating func report(seconds: Double) {
        let first = Int((elapsedNs / periodNs).rounded(.up))
        let count = Int(seconds * 1e9 / periodNs)
        for i in first..<(first + count) {
            // The moment the position is read: just after a period boundary plus the thread's
            // wake-up latency, or anywhere in the period; the timestamp is taken just after.
            var t = Int64(Double(i) * periodNs) + 1_000
            if habits.wakesOnPeriod {
                t += habits.lateNs > 0 ? Int64.random(in: 0...habits.lateNs, using: &generator) : 0
            } else {
                t += Int64.random(in: 0..<Int64(periodNs), using: &generator)
            }
            let stamp = t0 + t + Int64.random(in: 0...20_000, using: &generator)
            var frame = Int64((Double(t) * trueRate / 1e9).rounded(.down))
            if habits.period > 0 { frame = frame / habits.period * habits.period }
            reports.publish(ClockSample(frame: frame + frameOffset, monoNs: stamp, epoch: epoch))
            if (i + 1) % updateEvery == 0 { model = clock.update() }
            elapsedNs = Double(t)
        }
        model = clock.update()
    }

    /// The stream restarts: a new epoch, with the timeline moved on by `frames`.
    mutating func restart(skipping frames: Int64) {
        epoch += 1
        frameOffset += frames
    }

    /// Where the clock places the frame `seconds` after the last report, less where it
    /// truly is, in frames.
    func placementError(ahead seconds: Double) -> Double {
        let target = elapsedNs + seconds * 1e9
        let trueFrame = target * trueRate / 1e9 + Double(frameOffset)
        return Double(model!.frame(atMonoNs: t0 + Int64(target))) - trueFrame
    }
}

/// Feeds the clock what a card with `habits` would report over `seconds`, then checks where
/// it places a frame one second after the last report. Returns the error in frames.
func placementError(_ habits: CardHabits, seconds: Int) -> Double {
    var card = SimulatedCard(habits)
    card.report(seconds: Double(seconds))
    return card.placementError(ahead: 1)
}

@Test func aCardAtItsNominalRateIsPlacedToTheFrame() {
    #expect(abs(placementError(CardHabits(), seconds: 10)) <= 1)
}

/// ±3000 ppm crystals, positions that move once a 20 ms period, read up to 300 µs late:
/// a frame a second ahead is placed within 1 ms (48 frames), on average far closer.
@Test(arguments: [3000.0, -3000.0, 250.0])
func aDriftingCardIsFollowed(ppm: Double) {
    let smooth = placementError(CardHabits(ppm: ppm, lateNs: 300_000), seconds: 12)
    #expect(abs(smooth) < 48, "smooth position: off by \(smooth) frames at \(ppm) ppm")
    let quantized = placementError(CardHabits(ppm: ppm, lateNs: 300_000, period: 960), seconds: 12)
    #expect(abs(quantized) < 48, "position once per period: off by \(quantized) frames at \(ppm) ppm")
}

/// The worst case: the position moves once per period and is read at random moments, not at
/// the period wake-up, so a report may be up to a whole period (20 ms) late. The loaxad audio
/// thread does not read that way, but the clock degrades gracefully: within 2 ms.
@Test func reportsLateByUpToAPeriodAreMostlyDiscounted() {
    for ppm in [3000.0, -3000.0] {
        let error = placementError(CardHabits(ppm: ppm, period: 960, wakesOnPeriod: false), seconds: 30)
        #expect(abs(error) < 96, "off by \(error) frames at \(ppm) ppm")
    }
}

/// Little more than a second after the stream starts, reporting every period, the rate is
/// measured well enough to place a frame two seconds ahead (a block's start is fixed a
/// second before it airs, from a fit up to a second old) within a millisecond.
@Test(arguments: [3000.0, -3000.0])
func aSecondOfReportsIsEnough(ppm: Double) {
    var card = SimulatedCard(CardHabits(ppm: ppm, lateNs: 300_000, period: 960))
    card.report(seconds: 1.1)
    let error = card.placementError(ahead: 2)
    #expect(abs(error) < 48, "off by \(error) frames at \(ppm) ppm")
}

/// The renderer looks at the clock twice a second: it still fits every report made since.
@Test func reportsMadeWhileTheReaderSleptAreAllUsed() {
    var card = SimulatedCard(CardHabits(ppm: -3000, lateNs: 300_000, period: 960))
    card.updateEvery = 25
    card.report(seconds: 1.1)
    let error = card.placementError(ahead: 2)
    #expect(abs(error) < 48, "off by \(error) frames")
}

/// After an underrun the stream restarts in a new epoch, which the clock fits afresh; until
/// it has a second of its own reports, the rate measured before stands in.
@Test(arguments: [3000.0, -3000.0])
func aRestartedStreamKeepsTheMeasuredRate(ppm: Double) {
    var card = SimulatedCard(CardHabits(ppm: ppm, lateNs: 300_000, period: 960))
    card.report(seconds: 20)
    card.restart(skipping: 19_200)
    card.report(seconds: 0.3)
    let error = card.placementError(ahead: 2)
    #expect(abs(error) < 48, "off by \(error) frames at \(ppm) ppm")
}
