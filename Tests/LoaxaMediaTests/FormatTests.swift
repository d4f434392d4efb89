import Foundation
import LoaxaMedia
import Testing

/// The test audio that `make test` generates (tools/make-test-audio.sh).
let testAudio: String = {
    ProcessInfo.processInfo.environment["LOAXA_TEST_AUDIO"] ?? repositoryRoot + "/.build/test-audio"
}()

/// The five formats a station receives, at their own rates and channel counts.
@Test(arguments: [
    ("speech-noise-22k.wav", "wav", 22050, 1),
    ("bursts-44k.mp3", "mp3", 44100, 2),
    ("chirp-48k.flac", "flac", 48000, 2),
    ("noise-speech.opus", "opus", 48000, 2),
    ("noise-vorbis-32k.ogg", "vorbis", 32000, 1),
])
func everyFormatDecodesAndConvertsToTheExactLength(file: String, format: String, rate: Int, channels: Int) throws {
    let path = testAudio + "/" + file
    try #require(FileManager.default.fileExists(atPath: path), "run `make test-audio` first")
    let converter = try SegmentConverter(path: path, outputRate: 48000, outputChannels: 2)
    #expect(converter.reader.info.format == format)
    #expect(converter.reader.info.sampleRate == rate)
    #expect(converter.reader.info.channels == channels)
    var buffer = [Float](repeating: 0, count: 4096 * 2)
    var total = 0
    var peak: Float = 0
    while true {
        let n = try buffer.withUnsafeMutableBufferPointer { try converter.render(into: $0.baseAddress!, frames: 4096) }
        for i in 0..<(n * 2) { peak = max(peak, abs(buffer[i])) }
        total += n
        if n < 4096 { break }
    }
    let decoded = converter.reader.framesRead
    #expect(decoded > 0)
    #expect(Int64(total) == SegmentConverter.converted(decoded, from: rate, to: 48000))
    #expect(converter.totalFrames == Int64(total))
    #expect(peak > 0.05 && peak <= 1)
}
