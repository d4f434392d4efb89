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

/// Feeds the clock what a card with `habits` would report over `seconds`, then checks where
/// it places a frame one second after the last report. Returns the error in frames.
func placementError(_ habits: CardHabits, seconds: Int) -> Double {
    let slot = ClockSampleSlot()
    let clock = FrameClock(nominalRate: 48000, slot: slot)
    let trueRate = 48000 * (1 + habits.ppm / 1e6)
    var generator = SystemRandomNumberGenerator()
    let t0: Int64 = 1_000_000_000_000
    var model: FrameClockModel?
    let periodNs = habits.period > 0 ? Double(habits.period) * 1e9 / trueRate : 20e6
    var lastT = t0
    for i in 0..<Int(Double(seconds) * 1e9 / periodNs) {
        // The moment the position is read: just after a period boundary plus the thread's
        // wake-up latency, or anywhere in the period; the timestamp is taken just after.
        var t = t0 + Int64(Double(i) * periodNs) + 1_000
        if habits.wakesOnPeriod {
            t += habits.lateNs > 0 ? Int64.random(in: 0...habits.lateNs, using: &generator) : 0
        } else {
            t += Int64.random(in: 0..<Int64(periodNs), using: &generator)
        }
        let stamp = t + Int64.random(in: 0...20_000, using: &generator)
        var frame = Int64((Double(t - t0) * trueRate / 1e9).rounded(.down))
        if habits.period > 0 { frame = frame / habits.period * habits.period }
        slot.publish(ClockSample(frame: frame, monoNs: stamp, epoch: 0))
        model = clock.update()
        lastT = t
    }
    let target = lastT + 1_000_000_000
    let trueFrame = Double(target - t0) * trueRate / 1e9
    return Double(model!.frame(atMonoNs: target)) - trueFrame
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

/// Two seconds after start the rate is already measured well enough to place a frame a
/// second ahead within a millisecond on a 3000 ppm card.
@Test func twoSecondsOfReportsAreEnough() {
    let error = placementError(CardHabits(ppm: 3000, lateNs: 100_000), seconds: 3)
    #expect(abs(error) < 48, "off by \(error) frames")
}
