import Foundation
import Testing

@testable import LoaxaMedia

/// A file in `format` (wav, flac, vorbis, mp3 or opus) holding `seconds` of noise at `rate`
/// and `channels`, encoded with the usual command-line encoders; its path.
private func makeNoiseFile(
    _ format: String, rate: Int, channels: Int, seconds: Double, in dir: String = tempDir()
) throws -> String {
    let wav = dir + "/noise-\(rate)-\(channels).wav"
    writeNoiseWAV(path: wav, rate: rate, channels: channels, frames: Int(Double(rate) * seconds), seed: 7)
    let path = dir + "/noise-\(rate)-\(channels).\(format)"
    switch format {
    case "wav": return wav
    case "flac": try runTool("flac", ["--silent", "--force", "-o", path, wav])
    case "vorbis": try runTool("oggenc", ["--quiet", "-q", "5", "-o", path, wav])
    case "mp3": try runTool("lame", ["--quiet", "-b", "192", wav, path])
    case "opus": try runTool("opusenc", ["--quiet", "--bitrate", "96", wav, path])
    default: Issue.record("no encoder for \(format)")
    }
    return path
}

/// Every sample from frame `frame` on, through a reader sought there.
private func decode(
    _ path: String, from frame: Int64, chunk: Int = 4096
) throws -> (reader: AudioFileReader, samples: [Float]) {
    let reader = try AudioFileReader(path: path)
    try reader.seek(toFrame: frame)
    var samples: [Float] = []
    var buffer = [Float](repeating: 0, count: chunk * reader.info.channels)
    while true {
        let n = try buffer.withUnsafeMutableBufferPointer { try reader.read(into: $0.baseAddress!, frames: chunk) }
        if n == 0 { break }
        samples.append(contentsOf: buffer[0..<(n * reader.info.channels)])
    }
    return (reader, samples)
}

/// Every sample a converter started at output frame `frame` emits.
private func convert(
    _ path: String, rate: Int, channels: Int, from frame: Int64, chunk: Int = 4096
) throws -> (converter: SegmentConverter, samples: [Float]) {
    let converter = try SegmentConverter(path: path, outputRate: rate, outputChannels: channels, startingAtFrame: frame)
    var samples: [Float] = []
    var buffer = [Float](repeating: 0, count: chunk * channels)
    while true {
        let n = try buffer.withUnsafeMutableBufferPointer { try converter.render(into: $0.baseAddress!, frames: chunk) }
        samples.append(contentsOf: buffer[0..<(n * channels)])
        if n < chunk { break }
    }
    return (converter, samples)
}

/// How far `samples`, read from frame `frame` on, stray from the same frames of `whole`:
/// the largest difference in their first `settle` frames, and after them.
private func deviation(
    _ samples: [Float], from whole: [Float], at frame: Int, channels: Int, settle: Int
) -> (settling: Float, settled: Float) {
    let start = min(frame * channels, whole.count)
    let reference = Array(whole[start...])
    let split = min(settle * channels, samples.count, reference.count)
    return (
        maxAbsDifference(Array(samples[..<split]), Array(reference[..<split])),
        maxAbsDifference(Array(samples[split...]), Array(reference[split...]))
    )
}

/// The frames to seek to in a file of `total` frames: the start and the first frames, 80
/// and 500 ms in (an Opus pre-roll's length from the start), a page or so in, the middle,
/// the last frames, the end and beyond it.
private func offsets(total: Int) -> [Int] {
    [
        0, 1, 479, 3840, 23_999, 24_000, 24_001, 48_000 + 17, total / 2, total - 4000, total - 1, total, total + 1,
        2 * total,
    ]
}

/// How closely each format's samples after a seek follow a reading from the start: in the
/// first 10 ms after the frame, and from there on. WAV and FLAC land on the exact sample.
/// libsndfile decodes MP3 (mpg123) and Ogg Vorbis from a point before the frame, and both
/// measured exactly equal here; the bounds leave them a little room. Opus decodes from a
/// reset decoder at least 500 ms ahead, which measured within 3.3e-7 (float rounding).
private let tolerances: [String: (settling: Float, settled: Float)] = [
    "wav": (0, 0), "flac": (0, 0), "vorbis": (1e-5, 1e-5), "mp3": (1e-5, 1e-5), "opus": (1e-5, 1e-5),
]

/// Frames of an Ogg Opus file where the page a seek starts from changes: just before, at
/// and after the pre-roll's distance from the end of a few of its pages.
private func pageEdges(_ path: String) throws -> [Int] {
    let ogg = try OggBytes(path: path)
    let pages = ogg.pages
    return [pages.count / 3, pages.count / 2, pages.count - 3].flatMap { index in
        let edge = ogg.granulePosition(page: pages[index].offset) - preSkip(ogg) + Int(OggOpusReader.seekPreRoll)
        return [edge - 1, edge, edge + 1]
    }
}

@Test(arguments: [
    ("wav", 44100, 2), ("flac", 48000, 2), ("vorbis", 32000, 1), ("mp3", 44100, 2), ("opus", 48000, 2),
])
func seekingReadsWhatReadingFromTheStartReadsThere(format: String, rate: Int, channels: Int) throws {
    let path = try makeNoiseFile(format, rate: rate, channels: channels, seconds: 12)
    let (info, whole) = try decodeAll(path)
    #expect(info.channels == channels)
    let total = whole.count / channels
    let tolerance = try #require(tolerances[format])
    var worst: (settling: Float, settled: Float) = (0, 0)
    for frame in offsets(total: total) + (format == "opus" ? try pageEdges(path) : []) {
        let (reader, samples) = try decode(path, from: Int64(frame))
        #expect(reader.startFrame == Int64(min(frame, total)), "\(format) at \(frame)")
        #expect(reader.position == Int64(total), "\(format) at \(frame)")
        #expect(samples.count == max(0, total - frame) * channels, "\(format) at \(frame)")
        let error = deviation(samples, from: whole, at: frame, channels: channels, settle: rate / 100)
        #expect(error.settling <= tolerance.settling, "\(format) at \(frame)")
        #expect(error.settled <= tolerance.settled, "\(format) at \(frame)")
        worst = (max(worst.settling, error.settling), max(worst.settled, error.settled))
    }
    print("\(format): largest difference after a seek \(worst.settling) in the first 10 ms, \(worst.settled) after")
}

/// A converter started at frame k emits frames k..<total of a conversion from the start,
/// total − k of them, whatever the rates and channels; none when k ≥ total.
@Test(arguments: [
    ("wav", 48000, 2, 2, Float(0), Float(0)),  // same rate, same channels: the very samples
    ("wav", 44100, 2, 2, 1e-6, 1e-6),  // resampled
    ("wav", 22050, 1, 2, 1e-6, 1e-6),  // resampled, mono to stereo
    ("flac", 48000, 2, 1, 0, 0),  // stereo to mono
    ("vorbis", 32000, 1, 2, 1e-5, 1e-5),
    ("mp3", 44100, 2, 2, 1e-5, 1e-5),
    ("opus", 48000, 2, 2, 1e-5, 1e-5),
])
func aConverterStartedPartWayEmitsTheRestOfTheSegment(
    format: String, rate: Int, channels: Int, outputChannels: Int, settling: Float, settled: Float
) throws {
    let path = try makeNoiseFile(format, rate: rate, channels: channels, seconds: 6)
    let whole = try renderAll(path, rate: 48000, channels: outputChannels, chunk: 4096)
    let total = whole.count / outputChannels
    let estimate = try SegmentConverter(path: path, outputRate: 48000, outputChannels: outputChannels).estimatedFrames
    var worst: (settling: Float, settled: Float) = (0, 0)
    for frame in offsets(total: total) + [total - 160, total - 161, 12_345] {
        let (converter, samples) = try convert(
            path, rate: 48000, channels: outputChannels, from: Int64(frame), chunk: 1000)
        #expect(converter.startFrame == Int64(frame))
        #expect(samples.count == max(0, total - frame) * outputChannels, "\(format) \(rate) Hz at \(frame)")
        #expect(converter.emittedFrames == Int64(samples.count / outputChannels))
        #expect(converter.totalFrames == Int64(total))
        let error = deviation(samples, from: whole, at: frame, channels: outputChannels, settle: 480)
        #expect(error.settling <= settling, "\(format) \(rate) Hz at \(frame)")
        #expect(error.settled <= settled, "\(format) \(rate) Hz at \(frame)")
        worst = (max(worst.settling, error.settling), max(worst.settled, error.settled))
    }
    // The estimate is still the whole segment's, from the header.
    let started = try SegmentConverter(
        path: path, outputRate: 48000, outputChannels: outputChannels, startingAtFrame: Int64(total / 2))
    #expect(started.estimatedFrames == estimate)
    print(
        "\(format) \(rate) Hz → 48 kHz: largest difference from frame k \(worst.settling) in 10 ms,"
            + " \(worst.settled) after")
}

/// The preSkip field of an Ogg Opus file's OpusHead.
private func preSkip(_ ogg: OggBytes) -> Int {
    let head = ogg.bodyOffset(page: 0)
    return Int(ogg.bytes[head + 10]) | Int(ogg.bytes[head + 11]) << 8
}

/// A frame in the last page, or at its end, is found and the end trimmed as from the start.
@Test func opusSeekIntoTheLastPageEndsWhereTheStreamEnds() throws {
    let path = try makeNoiseFile("opus", rate: 48000, channels: 2, seconds: 8.01)
    let ogg = try OggBytes(path: path)
    let pages = ogg.pages
    let whole = try decodeAll(path).samples
    let total = whole.count / 2
    // Frames from here on are decoded from packets that end on the last page.
    let lastPageStart = ogg.granulePosition(page: pages[pages.count - 2].offset) - preSkip(ogg)
    #expect(lastPageStart > 0 && lastPageStart < total)
    #expect(ogg.granulePosition(page: pages[pages.count - 1].offset) - preSkip(ogg) == total)
    for frame in [lastPageStart, lastPageStart + 1, (lastPageStart + total) / 2, total - 1] {
        let (reader, samples) = try decode(path, from: Int64(frame), chunk: 100)
        #expect(samples.count == (total - frame) * 2, "at \(frame)")
        #expect(reader.position == Int64(total))
        let error = deviation(samples, from: whole, at: frame, channels: 2, settle: 480)
        #expect(error.settling < 1e-5 && error.settled < 1e-5, "at \(frame)")
    }
}

/// Through the multistream decoder (three channels, mapping family 1), and across the
/// whole file at frames that fall anywhere in their pages.
@Test func opusSeekWithThreeChannelsAnywhereInTheFile() throws {
    let path = try makeNoiseFile("opus", rate: 48000, channels: 3, seconds: 10)
    let whole = try decodeAll(path).samples
    let total = whole.count / 3
    var frame = 0
    while frame < total {
        let reader = try AudioFileReader(path: path)
        try reader.seek(toFrame: Int64(frame))
        var window = [Float](repeating: 0, count: 4800 * 3)
        let n = try window.withUnsafeMutableBufferPointer { try reader.read(into: $0.baseAddress!, frames: 4800) }
        #expect(n == min(4800, total - frame))
        let error = deviation(Array(window[..<(n * 3)]), from: whole, at: frame, channels: 3, settle: 480)
        #expect(error.settling < 1e-5 && error.settled < 1e-5, "at \(frame)")
        frame += 7_919
    }
}

/// Past the first of two chained streams, the second is decoded and discarded up to the
/// frame, so the frames are exactly those read from the start.
@Test func opusSeekIntoAChainedStream() throws {
    let dir = tempDir()
    let first = try makeNoiseFile("opus", rate: 48000, channels: 2, seconds: 3, in: dir)
    let secondDir = dir + "/second"
    try FileManager.default.createDirectory(atPath: secondDir, withIntermediateDirectories: true)
    let second = try makeNoiseFile("opus", rate: 48000, channels: 2, seconds: 2, in: secondDir)
    var chained = try Data(contentsOf: URL(fileURLWithPath: first))
    chained.append(try Data(contentsOf: URL(fileURLWithPath: second)))
    let path = dir + "/chained.opus"
    _ = FileManager.default.createFile(atPath: path, contents: chained)
    let whole = try decodeAll(path).samples
    let firstFrames = try decodeAll(first).samples.count / 2
    let total = whole.count / 2
    #expect(total > firstFrames)
    for frame in [firstFrames, firstFrames + 1_000, total - 1] {
        let (_, samples) = try decode(path, from: Int64(frame))
        #expect(samples == Array(whole[(frame * 2)...]), "at \(frame)")
    }
    // From within the first stream into the second: the second is decoded from its start.
    let (_, samples) = try decode(path, from: Int64(firstFrames - 10_000))
    #expect(samples.count == (total - firstFrames + 10_000) * 2)
    #expect(samples[(10_000 * 2)...] == whole[(firstFrames * 2)...])
}

/// The test audio (speech, bursts, a chirp: no plain noise), started 1.3 s in and 100
/// frames before its end, at 48 kHz stereo.
@Test(arguments: [
    "speech-noise-22k.wav", "bursts-44k.mp3", "chirp-48k.flac", "noise-speech.opus", "noise-vorbis-32k.ogg",
])
func theTestAudioStartsPartWayAsItPlaysThrough(file: String) throws {
    let path = testAudio + "/" + file
    try #require(FileManager.default.fileExists(atPath: path), "run `make test-audio` first")
    let whole = try renderAll(path, rate: 48000, channels: 2, chunk: 4096)
    let total = whole.count / 2
    for frame in [62_400, total - 100] {
        let (converter, samples) = try convert(path, rate: 48000, channels: 2, from: Int64(frame))
        #expect(samples.count == (total - frame) * 2, "\(file) at \(frame)")
        #expect(converter.totalFrames == Int64(total))
        #expect(maxAbsDifference(samples, Array(whole[(frame * 2)...])) < 1e-5, "\(file) at \(frame)")
    }
}
