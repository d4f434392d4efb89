import Foundation
import Testing

@testable import LoaxaMedia

/// The Ogg Opus files of the test audio and of the example station.
let opusFiles: [String] = {
    let fm = FileManager.default
    var files = [testAudio + "/noise-speech.opus"]
    let media = repositoryRoot + "/media"
    for case let relative as String in fm.enumerator(atPath: media)?.allObjects ?? [] where relative.hasSuffix(".opus")
    {
        files.append(media + "/" + relative)
    }
    return files.sorted()
}()

/// Every Opus file decodes to the frame count ffmpeg gets (after pre-skip and end trimming),
/// which the header already announced, with libsndfile's samples.
@Test(arguments: opusFiles)
func opusFileMatchesFFmpegCountAndLibsndfileSamples(path: String) throws {
    try #require(FileManager.default.fileExists(atPath: path), "run `make test-audio` first")
    let (info, samples) = try decodeAll(path)
    #expect(info.format == "opus")
    #expect(info.sampleRate == 48000)
    let frames = samples.count / info.channels
    #expect(frames == (try ffmpegFrames(path, channels: info.channels)))
    #expect(info.headerFrames == Int64(frames))
    #expect(info.title == (try ffprobeTitle(path)))

    let reference = try decodeWithSndFile(path)
    #expect(reference.info.sampleRate == 48000)
    #expect(reference.info.channels == info.channels)
    #expect(reference.samples.count == samples.count)
    #expect(reference.info.title == info.title)
    #expect(maxAbsDifference(samples, reference.samples) < 1e-4)
}

@Test func theExampleStationIsMonoWithTitles() throws {
    let path = repositoryRoot + "/media/giao-duc/khong-bo-hoc.opus"
    let (info, samples) = try decodeAll(path, chunk: 333)
    #expect(info.channels == 1)
    #expect(info.title == "Không để trẻ em nào phải bỏ học")
    #expect(samples.count > 30 * 48000)
}

@Test func howTheOutputIsChunkedDoesNotMatter() throws {
    let path = testAudio + "/noise-speech.opus"
    try #require(FileManager.default.fileExists(atPath: path), "run `make test-audio` first")
    let whole = try decodeAll(path, chunk: 1_000_000).samples
    #expect(try decodeAll(path, chunk: 1).samples == whole)
    #expect(try decodeAll(path, chunk: 961).samples == whole)
}

/// A copy of a file with its OpusHead output gain set to `gain` (Q7.8 dB).
private func withOutputGain(_ path: String, _ gain: Int16, to copy: String) throws {
    var ogg = try OggBytes(path: path)
    let first = ogg.pages[0]
    let body = ogg.bodyOffset(page: first.offset)
    ogg.bytes[body + 16] = UInt8(truncatingIfNeeded: UInt16(bitPattern: gain))
    ogg.bytes[body + 17] = UInt8(truncatingIfNeeded: UInt16(bitPattern: gain) >> 8)
    ogg.fixChecksum(page: first.offset, length: first.length)
    ogg.write(to: copy)
}

@Test(arguments: [Int16(-6 * 256), Int16(3 * 256 + 128)])
func outputGainIsApplied(gain: Int16) throws {
    let path = testAudio + "/noise-speech.opus"
    try #require(FileManager.default.fileExists(atPath: path), "run `make test-audio` first")
    let copy = tempDir() + "/gain.opus"
    try withOutputGain(path, gain, to: copy)
    let plain = try decodeAll(path).samples
    let gained = try decodeAll(copy).samples
    #expect(gained.count == plain.count)
    let dB = Double(gain) / 256
    let ratio = rms(gained) / rms(plain)
    #expect(abs(20 * log10(ratio) - dB) < 0.001)
    // opusdec applies the gain inside libopus; the result must agree.
    let reference = try opusdecSamples(copy)
    #expect(reference.count == gained.count)
    #expect(maxAbsDifference(gained, reference) < 1e-3)
}

@Test func titleIsReadAsUTF8WithAnyKeyCase() throws {
    let dir = tempDir()
    let wav = dir + "/tone.wav"
    writeNoiseWAV(path: wav, rate: 48000, channels: 2, frames: 24_000)
    let title = "Ti\u{1EBF}ng Vi\u{1EC7}t"  // "Tiếng Việt", precomposed (NFC)
    try runTool("opusenc", ["--quiet", "--title", title, wav, dir + "/a.opus"])
    try runTool("opusenc", ["--quiet", "--comment", "TiTlE=" + title, "--artist", "x", wav, dir + "/b.opus"])
    try runTool("opusenc", ["--quiet", "--comment", "TITLE=", "--artist", "x", wav, dir + "/c.opus"])
    for name in ["a", "b"] {
        let info = try AudioFileReader(path: dir + "/\(name).opus").info
        #expect(info.title.map { Array($0.utf8) } == Array(title.utf8))
    }
    #expect(try AudioFileReader(path: dir + "/c.opus").info.title == nil)

    // A comment header too big for one page (cover art does that) spans several.
    let padding = String(repeating: "x", count: 70_000)
    try runTool("opusenc", ["--quiet", "--comment", "PADDING=" + padding, "--title", title, wav, dir + "/d.opus"])
    let (info, samples) = try decodeAll(dir + "/d.opus")
    #expect(info.title.map { Array($0.utf8) } == Array(title.utf8))
    #expect(samples.count == 24_000 * 2)
}

/// opusenc keeps a 48 kHz input's exact length through pre-skip and end trimming, also
/// when all the audio is on one page, the first and last.
@Test(arguments: [1, 311, 960, 961, 20_000, 100_001])
func exactLengthThroughPreSkipAndEndTrimming(frames: Int) throws {
    let path = try encodeNoise(in: tempDir(), channels: 1, frames: frames)
    let (info, samples) = try decodeAll(path)
    #expect(samples.count == frames)
    #expect(samples.count == (try ffmpegFrames(path, channels: 1)))
    #expect(info.headerFrames == Int64(frames))
}

@Test func threeChannelsUseMappingFamilyOne() throws {
    let path = try encodeNoise(in: tempDir(), channels: 3, frames: 100_000)
    let ogg = try OggBytes(path: path)
    #expect(ogg.bytes[ogg.bodyOffset(page: 0) + 18] == 1)  // mapping family
    let (info, samples) = try decodeAll(path)
    #expect(info.channels == 3)
    #expect(samples.count / 3 == 100_000)
    #expect(samples.count / 3 == (try ffmpegFrames(path, channels: 3)))
    #expect(info.headerFrames == 100_000)
    let reference = try decodeWithSndFile(path)
    #expect(reference.samples.count == samples.count)
    #expect(maxAbsDifference(samples, reference.samples) < 1e-4)
}

@Test func unsupportedMappingFamilyIsRefusedClearly() throws {
    var ogg = try OggBytes(path: testAudio + "/noise-speech.opus")
    let first = ogg.pages[0]
    ogg.bytes[ogg.bodyOffset(page: first.offset) + 18] = 255
    ogg.fixChecksum(page: first.offset, length: first.length)
    let path = tempDir() + "/family255.opus"
    ogg.write(to: path)
    #expect {
        _ = try AudioFileReader(path: path)
    } throws: { error in
        let message = (error as? MediaError)?.message ?? ""
        return message.hasPrefix("cannot decode:") && message.contains("mapping family 255")
    }
}

/// Decoding is always at 48 kHz, whatever rate the encoder was given (libsndfile decodes
/// at that rate when Opus supports it).
@Test func inputSampleRateIsInformationOnly() throws {
    let path = try encodeNoise(in: tempDir(), channels: 1, frames: 20_800, rate: 16000)
    let (info, samples) = try decodeAll(path)
    #expect(info.sampleRate == 48000)
    #expect(samples.count == 62_400)
    #expect(samples.count == (try ffmpegFrames(path, channels: 1)))
    #expect(info.headerFrames == 62_400)
    let reference = try decodeWithSndFile(path)
    #expect(reference.info.sampleRate == 16000 && reference.samples.count == 20_800)
}

/// A file cut off in the middle of a page (an interrupted copy) plays up to its last
/// complete packet, as libsndfile does, and its header says so in advance.
@Test func truncatedFileEndsCleanlyAfterItsLastCompletePacket() throws {
    let ogg = try OggBytes(path: testAudio + "/noise-speech.opus")
    let pages = ogg.pages
    let cut = pages[pages.count / 2]
    let path = tempDir() + "/truncated.opus"
    _ = FileManager.default.createFile(atPath: path, contents: Data(ogg.bytes[0..<(cut.offset + cut.length / 2)]))
    let (info, samples) = try decodeAll(path)
    let frames = samples.count / info.channels
    // Up to the end of the last complete page, less the pre-skip.
    let preSkip = Int(ogg.bytes[ogg.bodyOffset(page: 0) + 10]) | Int(ogg.bytes[ogg.bodyOffset(page: 0) + 11]) << 8
    #expect(frames == ogg.granulePosition(page: pages[pages.count / 2 - 1].offset) - preSkip)
    #expect(info.headerFrames == Int64(frames))
    let reference = try decodeWithSndFile(path)
    #expect(reference.samples.count == samples.count)
    #expect(maxAbsDifference(samples, reference.samples) < 1e-4)
}

@Test func vorbisStillGoesToLibsndfile() throws {
    let info = try AudioFileReader(path: testAudio + "/noise-vorbis-32k.ogg").info
    #expect(info.format == "vorbis")
    #expect(info.sampleRate == 32000)
}

@Test func garbageNamedOpusCannotBeDecoded() throws {
    let path = tempDir() + "/garbage.opus"
    _ = FileManager.default.createFile(
        atPath: path, contents: Data((0..<9000).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }))
    #expect {
        _ = try AudioFileReader(path: path)
    } throws: { error in
        (error as? MediaError)?.message.hasPrefix("cannot decode:") == true
    }
}

/// Decodes until the reader throws; the frames handed out before, and the error, which a
/// further read must throw again.
private func decodeUntilError(_ path: String) throws -> (frames: Int, error: MediaError?) {
    let reader = try AudioFileReader(path: path)
    var buffer = [Float](repeating: 0, count: 4096 * reader.info.channels)
    func read() throws(MediaError) -> Int {
        try buffer.withUnsafeMutableBufferPointer { (b) throws(MediaError) in
            try reader.read(into: b.baseAddress!, frames: 4096)
        }
    }
    do {
        while try read() > 0 {}
    } catch {
        #expect(throws: MediaError.self) { _ = try read() }
        #expect(reader.framesRead > 0)
        return (Int(reader.framesRead), error)
    }
    return (Int(reader.framesRead), nil)
}

/// Damage in the middle of the stream is a decode error, after the frames before it; a
/// second read after the error fails the same way.
@Test(arguments: [
    ("lost page", "Ogg page 3 is missing"), ("bad checksum", "bad checksum"), ("invalid packet", "corrupted stream"),
])
func damageIsADecodeErrorNotConcealed(damage: String, reason: String) throws {
    var ogg = try OggBytes(path: testAudio + "/noise-speech.opus")
    let pages = ogg.pages
    let victim = pages[pages.count / 2]
    switch damage {
    case "lost page":
        ogg.bytes.removeSubrange(victim.offset..<(victim.offset + victim.length))
    case "bad checksum":
        ogg.bytes[victim.offset + victim.length - 10] ^= 0x5A
    default:
        // The page's first packet becomes a code-3 packet of zero frames, which RFC 6716
        // forbids; the page's checksum stays right, so only libopus can object.
        #expect(ogg.bytes[victim.offset + 5] & 1 == 0)  // no packet continued from before
        let packet = ogg.bodyOffset(page: victim.offset)
        ogg.bytes[packet] |= 0x03
        ogg.bytes[packet + 1] = 0
        ogg.fixChecksum(page: victim.offset, length: victim.length)
    }
    let path = tempDir() + "/damaged.opus"
    ogg.write(to: path)
    let (frames, error) = try decodeUntilError(path)
    #expect(frames > 0)
    let message = try #require(error?.message)
    #expect(message.hasPrefix("decode error:") && message.contains(reason))
}

/// Encodes `frames` frames of noise with opusenc; the Ogg Opus file's path.
private func encodeNoise(
    in dir: String, channels: Int, frames: Int, rate: Int = 48000, seed: UInt64 = 1, serial: Int = 1
) throws -> String {
    let wav = dir + "/noise-\(seed).wav"
    writeNoiseWAV(path: wav, rate: rate, channels: channels, frames: frames, seed: seed)
    let path = dir + "/noise-\(seed).opus"
    try runTool("opusenc", ["--quiet", "--serial", "\(serial)", wav, path])
    return path
}

/// The test audio's stereo Opus file with `second` appended: a chain of two streams.
private func chainedAfterTestAudio(_ second: String) throws -> String {
    var chained = try Data(contentsOf: URL(fileURLWithPath: testAudio + "/noise-speech.opus"))
    chained.append(try Data(contentsOf: URL(fileURLWithPath: second)))
    let path = second + ".chained.opus"
    _ = FileManager.default.createFile(atPath: path, contents: chained)
    return path
}

@Test func chainedStreamsWithTheSameChannelsPlayInTurn() throws {
    let second = try encodeNoise(in: tempDir(), channels: 2, frames: 30_011, seed: 9, serial: 77)
    let (info, samples) = try decodeAll(try chainedAfterTestAudio(second))
    let a = try decodeAll(testAudio + "/noise-speech.opus").samples
    let b = try decodeAll(second).samples
    #expect(b.count == 30_011 * 2)
    #expect(samples == a + b)
    #expect(info.headerFrames == Int64(a.count / 2))  // the first stream only
}

@Test func chainedStreamWithOtherChannelsIsAnError() throws {
    let second = try encodeNoise(in: tempDir(), channels: 1, frames: 10_000, serial: 78)
    let (frames, error) = try decodeUntilError(try chainedAfterTestAudio(second))
    #expect(frames == 168_000)
    let message = try #require(error?.message)
    #expect(message.hasPrefix("decode error:") && message.contains("1 channels"))
}

/// Of two Opus streams multiplexed in one file, the first is decoded.
@Test func multiplexedStreamsDecodeTheFirstOnly() throws {
    let dir = tempDir()
    let other = try encodeNoise(in: dir, channels: 2, frames: 200_000, seed: 5, serial: 79)
    let path = dir + "/muxed.opus"
    try runTool(
        "ffmpeg",
        [
            "-v", "error", "-i", testAudio + "/noise-speech.opus", "-i", other, "-map", "0", "-map", "1",
            "-c", "copy", path,
        ])
    let pages = try OggBytes(path: path)
    #expect(pages.bytes[pages.bodyOffset(page: 0)..<(pages.bodyOffset(page: 0) + 8)].elementsEqual("OpusHead".utf8))
    let (info, samples) = try decodeAll(path)
    #expect(samples.count / info.channels == (try ffmpegFrames(path, channels: 2)))
    let alone = try decodeAll(testAudio + "/noise-speech.opus").samples
    #expect(samples.count == alone.count)
    #expect(maxAbsDifference(samples, alone) < 1e-6)
}
