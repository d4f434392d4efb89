import Foundation

/// Writes a WAV file of `frames` frames whose samples `sample(frame, channel)` gives, in
/// -1...1: 16-bit PCM, or 32-bit IEEE float when `float` is set.
func writeWAV(
    path: String, rate: Int, channels: Int, frames: Int, float: Bool = false,
    sample: (_ frame: Int, _ channel: Int) -> Double
) {
    let width = float ? 4 : 2
    var data = Data()
    data.reserveCapacity(44 + frames * channels * width)
    func le32(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { data.append(contentsOf: $0) } }
    func le16(_ v: Int) { withUnsafeBytes(of: UInt16(v).littleEndian) { data.append(contentsOf: $0) } }
    let bytes = frames * channels * width
    data.append(contentsOf: Array("RIFF".utf8))
    le32(36 + bytes)
    data.append(contentsOf: Array("WAVEfmt ".utf8))
    le32(16)
    le16(float ? 3 : 1)
    le16(channels)
    le32(rate)
    le32(rate * channels * width)
    le16(channels * width)
    le16(width * 8)
    data.append(contentsOf: Array("data".utf8))
    le32(bytes)
    if float {
        var samples = [UInt32](repeating: 0, count: frames * channels)
        for f in 0..<frames {
            for c in 0..<channels { samples[f * channels + c] = Float(sample(f, c)).bitPattern.littleEndian }
        }
        samples.withUnsafeBytes { data.append(contentsOf: $0) }
    } else {
        var samples = [Int16](repeating: 0, count: frames * channels)
        for f in 0..<frames {
            for c in 0..<channels {
                samples[f * channels + c] = Int16((max(-1, min(1, sample(f, c))) * 32767).rounded()).littleEndian
            }
        }
        samples.withUnsafeBytes { data.append(contentsOf: $0) }
    }
    _ = FileManager.default.createFile(atPath: path, contents: data)
}

/// A sine of `hz` whose peak is `peakDBFS`, starting at phase 0.
func sine(hz: Double, rate: Int, peakDBFS: Double) -> (Int, Int) -> Double {
    let amplitude = pow(10, peakDBFS / 20)
    return { frame, _ in amplitude * sin(2 * Double.pi * hz * Double(frame) / Double(rate)) }
}
