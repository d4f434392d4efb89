import Foundation
import LoaxaLibrary
import LoaxaStore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The test audio that `make test` generates (tools/make-test-audio.sh).
let testAudio: String = {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    return ProcessInfo.processInfo.environment["LOAXA_TEST_AUDIO"] ?? root + "/.build/test-audio"
}()

/// A station folder of its own: `media/` and a real SQLite database, removed at the end.
final class LibraryFixture {
    let root: String
    let media: String
    let log: AirplayLog
    var settings: LibrarySettings

    init(maxMinutes: Int = 60, folderLanguages: [String: String] = [:]) throws {
        root = NSTemporaryDirectory() + "loaxa-library-" + UUID().uuidString
        media = root + "/media"
        try FileManager.default.createDirectory(atPath: media, withIntermediateDirectories: true)
        log = try AirplayLog(path: root + "/loaxa.sqlite")
        settings = LibrarySettings(mediaFolder: media, maxSegmentMinutes: maxMinutes, folderLanguages: folderLanguages)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    var library: MediaLibrary { MediaLibrary(settings: settings, log: log) }

    /// Copies the test segment `name` to `media/<path>`.
    func add(_ name: String, as path: String) throws {
        let source = testAudio + "/" + name
        try #require(FileManager.default.fileExists(atPath: source), "run `make test-audio` first")
        let target = media + "/" + path
        try FileManager.default.createDirectory(
            atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try? FileManager.default.removeItem(atPath: target)
        try FileManager.default.copyItem(atPath: source, toPath: target)
    }

    /// Runs a command (sox, ffmpeg) and requires it to succeed.
    func run(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "\(arguments.joined(separator: " ")) failed")
    }

    /// Writes `bytes` as a file whose name is the raw bytes `name` in `folder` (under media/).
    func writeRawName(_ name: [UInt8], in folder: String, contentsOf source: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: source))
        let path = Array((media + "/" + folder + "/").utf8) + name + [0]
        try FileManager.default.createDirectory(atPath: media + "/" + folder, withIntermediateDirectories: true)
        let fd = path.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_WRONLY | O_CREAT | O_TRUNC, 0o644) }
        }
        try #require(fd >= 0)
        defer { close(fd) }
        let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        try #require(written == data.count)
    }

    func entry(_ path: String) throws -> LibraryEntry? {
        try log.libraryEntry(path: path)
    }
}
