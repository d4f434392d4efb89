import Foundation
import LoaxaMedia
import Testing

/// Writes a 16-bit PCM WAV of `frames` frames of deterministic noise.
func writeNoiseWAV(path: String, rate: Int, channels: Int, frames: Int, seed: UInt64 = 1) {
    var data = Data()
    func le32(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { data.append(contentsOf: $0) } }
    func le16(_ v: Int) { withUnsafeBytes(of: UInt16(v).littleEndian) { data.append(contentsOf: $0) } }
    let bytes = frames * channels * 2
    data.append(contentsOf: Array("RIFF".utf8)); le32(36 + bytes)
    data.append(contentsOf: Array("WAVEfmt ".utf8)); le32(16); le16(1); le16(channels)
    le32(rate); le32(rate * channels * 2); le16(channels * 2); le16(16)
    data.append(contentsOf: Array("data".utf8)); le32(bytes)
    var state = seed
    for _ in 0..<(frames * channels) {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        let v = Int16(truncatingIfNeeded: Int64(state >> 33) % 20000 - 10000)
        withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) }
    }
    _ = FileManager.default.createFile(atPath: path, contents: data)
}

func tempDir() -> String {
    let dir = NSTemporaryDirectory() + "loaxa-media-\(UUID().uuidString)"
    try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// Renders a whole file in chunks of `chunk` frames; returns all samples.
func renderAll(_ path: String, rate: Int, channels: Int, chunk: Int) throws -> [Float] {
    let conv = try SegmentConverter(path: path, outputRate: rate, outputChannels: channels)
    var out: [Float] = []
    var buffer = [Float](repeating: 0, count: chunk * channels)
    while true {
        let n = try buffer.withUnsafeMutableBufferPointer { try conv.render(into: $0.baseAddress!, frames: chunk) }
        out.append(contentsOf: buffer[0..<(n * channels)])
        if n < chunk { break }
    }
    #expect(conv.totalFrames == Int64(out.count / channels))
    return out
}

@Test(arguments: [1, 7, 1000, 4095, 4096, 4097, 22050, 100_003])
func resampledLengthIsExactlyRoundedRatio(frames: Int) throws {
    let dir = tempDir()
    let path = dir + "/in.wav"
    writeNoiseWAV(path: path, rate: 22050, channels: 1, frames: frames)
    let out = try renderAll(path, rate: 48000, channels: 2, chunk: 1024)
    let expected = (frames * 48000 * 2 + 22050) / (22050 * 2)
    #expect(out.count == expected * 2)
    // Mono is duplicated to both channels.
    for i in stride(from: 0, to: out.count, by: 2) where out[i] != out[i + 1] {
        Issue.record("channels differ at frame \(i / 2)")
        break
    }
}

@Test func sameRatePassesEveryFrameThroughUnchanged() throws {
    let dir = tempDir()
    let path = dir + "/in.wav"
    writeNoiseWAV(path: path, rate: 48000, channels: 2, frames: 48_017)
    let out = try renderAll(path, rate: 48000, channels: 2, chunk: 999)
    #expect(out.count == 48_017 * 2)
    let reader = try AudioFileReader(path: path)
    var raw = [Float](repeating: 0, count: 48_017 * 2)
    let n = try raw.withUnsafeMutableBufferPointer { try reader.read(into: $0.baseAddress!, frames: 48_017) }
    #expect(n == 48_017)
    #expect(raw == out)
}

@Test func outputDoesNotDependOnHowItIsChunked() throws {
    let dir = tempDir()
    let path = dir + "/in.wav"
    writeNoiseWAV(path: path, rate: 44100, channels: 2, frames: 44100 * 2 + 17)
    let a = try renderAll(path, rate: 48000, channels: 2, chunk: 1)
    let b = try renderAll(path, rate: 48000, channels: 2, chunk: 1024)
    let c = try renderAll(path, rate: 48000, channels: 2, chunk: 50_000)
    #expect(a.count == (88_217 * 48000 * 2 + 44100) / 88200 * 2)
    #expect(a == b)
    #expect(b == c)
}

@Test func stereoToMonoAverages() throws {
    let dir = tempDir()
    let path = dir + "/in.wav"
    writeNoiseWAV(path: path, rate: 48000, channels: 2, frames: 1000)
    let mono = try renderAll(path, rate: 48000, channels: 1, chunk: 256)
    let stereo = try renderAll(path, rate: 48000, channels: 2, chunk: 256)
    #expect(mono.count == 1000)
    for i in 0..<1000 {
        #expect(abs(mono[i] - (stereo[2 * i] + stereo[2 * i + 1]) / 2) < 1e-6)
    }
}

@Test func undecodableAndMissingFilesAreRefusedWithTheReason() throws {
    let dir = tempDir()
    let path = dir + "/broken.wav"
    _ = FileManager.default.createFile(atPath: path, contents: Data((0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 37) }))
    #expect {
        _ = try SegmentConverter(path: path, outputRate: 48000, outputChannels: 2)
    } throws: { error in
        (error as? MediaError)?.description.contains("cannot decode") == true
    }
    #expect(throws: MediaError.self) { _ = try AudioFileReader(path: dir + "/missing.opus") }
}

/// The 16-bit conversion against the plain formula: gain, clipping at ±1, rounding to the
/// nearest with ties to even, over values in and beyond the range.
@Test func floatsBecomeSixteenBitSamplesExactly() {
    var generator = SystemRandomNumberGenerator()
    let count = 100_000
    var source = (0..<count).map { _ in Float.random(in: -1.5...1.5, using: &generator) }
    source += [0, 1, -1, 2, -2, 1e-9]
    let gain: Float = 0.8
    var out = [Int16](repeating: 0, count: source.count)
    source.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { SampleConversion.toInt16(src.baseAddress!, $0.baseAddress!, count: src.count, gain: gain) }
    }
    var wrong = 0
    for (x, y) in zip(source, out) {
        let expected = Int16((max(-1, min(1, x * gain)) * 32767).rounded(.toNearestOrEven))
        if y != expected { wrong += 1 }
    }
    #expect(wrong == 0)
    #expect(out[count + 1] == 26214 && out[count + 2] == -26214 && out[count + 3] == 32767 && out[count + 4] == -32767)
}
