import Foundation
@testable import LoaxaOutput
import Testing

/// Feeds the clock what a card at `ppm` off nominal would report every 20 ms, with
/// timestamps late by up to `jitterNs`, and checks where it places a frame a second ahead.
func placementError(ppm: Double, jitterNs: Int64, seconds: Int) -> Double {
    let slot = ClockSampleSlot()
    let clock = FrameClock(nominalRate: 48000, slot: slot)
    let trueRate = 48000 * (1 + ppm / 1e6)
    var generator = SystemRandomNumberGenerator()
    let t0: Int64 = 1_000_000_000_000
    var model: FrameClockModel?
    for i in 0..<(seconds * 50) {
        let t = t0 + Int64(i) * 20_000_000
        let frame = Int64((Double(t - t0) * trueRate / 1e9).rounded(.down))
        let stamp = t + (jitterNs > 0 ? Int64.random(in: 0...jitterNs, using: &generator) : 0)
        slot.publish(ClockSample(frame: frame, monoNs: stamp, epoch: 0))
        model = clock.update()
    }
    let lastT = t0 + Int64(seconds * 50 - 1) * 20_000_000
    let target = lastT + 1_000_000_000
    let trueFrame = Double(target - t0) * trueRate / 1e9
    return Double(model!.frame(atMonoNs: target)) - trueFrame
}

@Test func aCardAtItsNominalRateIsPlacedToTheFrame() {
    #expect(abs(placementError(ppm: 0, jitterNs: 0, seconds: 10)) <= 1)
}

@Test(arguments: [3000.0, -3000.0, 250.0])
func aDriftingCardIsFollowed(ppm: Double) {
    // Within 1 ms (48 frames) a second ahead, with 100 µs of timestamp noise.
    let error = placementError(ppm: ppm, jitterNs: 100_000, seconds: 12)
    #expect(abs(error) < 48, "placement off by \(error) frames at \(ppm) ppm")
}

@Test func aNewEpochStartsAFreshFit() {
    let slot = ClockSampleSlot()
    let clock = FrameClock(nominalRate: 48000, slot: slot)
    slot.publish(ClockSample(frame: 48000, monoNs: 2_000_000_000, epoch: 0))
    _ = clock.update()
    // After an underrun the same frame numbers continue, 0.5 s later than before.
    slot.publish(ClockSample(frame: 96000, monoNs: 3_500_000_000, epoch: 1))
    let model = clock.update()!
    #expect(model.epoch == 1)
    #expect(model.monoNs(atFrame: 96000) == 3_500_000_000)
    #expect(model.frame(atMonoNs: 4_500_000_000) == 144_000)
}
