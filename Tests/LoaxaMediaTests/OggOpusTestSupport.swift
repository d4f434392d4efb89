import Foundation
import Testing

@testable import LoaxaMedia

/// The repository's root folder.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// Runs a tool found on PATH and returns its standard output; fails unless it exits with 0.
@discardableResult
func runTool(_ tool: String, _ arguments: [String]) throws -> Data {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [tool] + arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    try #require(process.terminationStatus == 0, "\(tool) \(arguments.joined(separator: " ")) failed")
    return data
}

/// The frames ffmpeg decodes from the first audio stream of `path`, counted from its
/// 16-bit output.
func ffmpegFrames(_ path: String, channels: Int) throws -> Int {
    let pcm = try runTool(
        "ffmpeg", ["-v", "error", "-i", path, "-map", "0:a:0", "-f", "s16le", "-ac", "\(channels)", "-"])
    return pcm.count / (2 * channels)
}

/// opusdec's 48 kHz float decoding of `path` (pre-skip, end trimming and output gain applied).
func opusdecSamples(_ path: String) throws -> [Float] {
    let raw = path + ".opusdec.raw"
    try runTool("opusdec", ["--quiet", "--rate", "48000", "--float", path, raw])
    let data = try Data(contentsOf: URL(fileURLWithPath: raw))
    return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
}

/// ffprobe's TITLE tag of the first audio stream, nil if none.
func ffprobeTitle(_ path: String) throws -> String? {
    let out = try runTool(
        "ffprobe",
        [
            "-v", "error", "-select_streams", "a:0", "-show_entries", "stream_tags=title", "-of", "default=nw=1:nk=1",
            path,
        ])
    let title = String(decoding: out, as: UTF8.self).trimmingCharacters(in: .newlines)
    return title.isEmpty ? nil : title
}

/// Every sample of a file through `AudioFileReader`, read `chunk` frames at a time.
func decodeAll(_ path: String, chunk: Int = 4096) throws -> (info: AudioFileInfo, samples: [Float]) {
    let reader = try AudioFileReader(path: path)
    let samples = try readAll(channels: reader.info.channels, chunk: chunk) { buffer, frames throws(MediaError) in
        try reader.read(into: buffer, frames: frames)
    }
    #expect(reader.framesRead == Int64(samples.count / reader.info.channels))
    return (reader.info, samples)
}

/// Every sample of a file through libsndfile, the decoder used before Ogg Opus had its own.
func decodeWithSndFile(_ path: String) throws -> (info: AudioFileInfo, samples: [Float]) {
    let reader = try SndFileReader(path: path)
    let samples = try readAll(channels: reader.info.channels, chunk: 4096) { buffer, frames throws(MediaError) in
        try reader.read(into: buffer, frames: frames)
    }
    return (reader.info, samples)
}

private func readAll(
    channels: Int, chunk: Int,
    _ read: (UnsafeMutablePointer<Float>, Int) throws(MediaError) -> Int
) throws(MediaError) -> [Float] {
    var samples: [Float] = []
    let buffer = UnsafeMutablePointer<Float>.allocate(capacity: chunk * channels)
    defer { buffer.deallocate() }
    while true {
        let n = try read(buffer, chunk)
        if n == 0 { break }
        samples.append(contentsOf: UnsafeBufferPointer(start: buffer, count: n * channels))
    }
    return samples
}

func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

func rms(_ x: [Float]) -> Double {
    (x.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(1, x.count))).squareRoot()
}

/// An Ogg file as bytes, with the page-level edits the tests make: every page's offset,
/// and the CRC recomputed after a change.
struct OggBytes {
    var bytes: [UInt8]

    init(path: String) throws {
        bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    func write(to path: String) {
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    }

    /// Offset and length of every page, in order.
    var pages: [(offset: Int, length: Int)] {
        var result: [(Int, Int)] = []
        var offset = 0
        while offset + 27 <= bytes.count, bytes[offset..<(offset + 4)].elementsEqual("OggS".utf8) {
            let segments = Int(bytes[offset + 26])
            guard offset + 27 + segments <= bytes.count else { break }
            let body = bytes[(offset + 27)..<(offset + 27 + segments)].reduce(0) { $0 + Int($1) }
            let length = 27 + segments + body
            guard offset + length <= bytes.count else { break }
            result.append((offset, length))
            offset += length
        }
        return result
    }

    /// Where the body of the page at `offset` begins.
    func bodyOffset(page offset: Int) -> Int { offset + 27 + Int(bytes[offset + 26]) }

    /// The granule position of the page at `offset`.
    func granulePosition(page offset: Int) -> Int {
        (0..<8).reduce(0) { $0 | Int(bytes[offset + 6 + $1]) << (8 * $1) }
    }

    /// Recomputes the CRC of the page at `offset` (the Ogg CRC-32: polynomial 0x04c11db7,
    /// not reflected, initial value 0, computed with the CRC field zeroed).
    mutating func fixChecksum(page offset: Int, length: Int) {
        for i in 22..<26 { bytes[offset + i] = 0 }
        var crc: UInt32 = 0
        for byte in bytes[offset..<(offset + length)] {
            crc ^= UInt32(byte) << 24
            for _ in 0..<8 { crc = crc & 0x8000_0000 != 0 ? (crc << 1) ^ 0x04c1_1db7 : crc << 1 }
        }
        for i in 0..<4 { bytes[offset + 22 + i] = UInt8(truncatingIfNeeded: crc >> (8 * i)) }
    }
}
