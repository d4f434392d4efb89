@testable import LoaxaOutput
import Testing

@Test func theConsumerGetsWhatWasWrittenThenSilenceAndCountsTheShortfall() {
    let ring = FrameRing(capacityFrames: 64, channels: 2)
    #expect(ring.capacity == 64)
    let frames = (0..<100).map { Int16($0 + 1) }
    // 50 frames (100 samples) written, 75 consumed.
    frames.withUnsafeBufferPointer { ring.write($0.baseAddress!, frames: 50) }
    var out = [Int16](repeating: -1, count: 150)
    out.withUnsafeMutableBufferPointer { ring.consume(into: $0.baseAddress!, at: 0, frames: 75) }
    #expect(Array(out[0..<100]) == frames)
    #expect(out[100..<150].allSatisfy { $0 == 0 })
    #expect(ring.starvedFrames.load(ordering: .relaxed) == 25)
    #expect(ring.consumedPosition == 75)
}

@Test func positionsWrapAroundTheStorage() {
    let ring = FrameRing(capacityFrames: 64, channels: 1)
    var next: Int16 = 0
    var position: Int64 = 0
    var chunk = [Int16](repeating: 0, count: 48)
    var out = [Int16](repeating: 0, count: 48)
    for _ in 0..<20 {
        for i in 0..<48 { chunk[i] = next; next &+= 1 }
        chunk.withUnsafeBufferPointer { ring.write($0.baseAddress!, frames: 48) }
        out.withUnsafeMutableBufferPointer { ring.consume(into: $0.baseAddress!, at: position, frames: 48) }
        #expect(out == chunk)
        position += 48
    }
    #expect(ring.starvedFrames.load(ordering: .relaxed) == 0)
    #expect(ring.writableEnd == position + 64)
}
