import Foundation
import LoaxaMedia
import Testing

/// The content hash must stay SHA-256 bit for bit: segments are identified by it in every
/// existing airplay log and loudness cache.
@Suite("MediaHasher")
struct MediaHasherTests {
    /// Writes `contents` to a new file and returns its SHA-256 as MediaHasher computes it.
    func hash(of contents: Data) throws -> String {
        let path = tempDir() + "/file"
        #expect(FileManager.default.createFile(atPath: path, contents: contents))
        return try MediaHasher.sha256(path: path)
    }

    /// The examples of FIPS 180-2 (appendix B) and its empty message.
    @Test func standardTestVectors() throws {
        #expect(try hash(of: Data()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(try hash(of: Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            try hash(of: Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(
            try hash(of: Data(repeating: UInt8(ascii: "a"), count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// A file read in many chunks (about 3 MB, not a whole number of them) hashes as
    /// `sha256sum` does.
    @Test func agreesWithSha256sum() throws {
        let path = tempDir() + "/noise.wav"
        writeNoiseWAV(path: path, rate: 48000, channels: 2, frames: 800_001)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sha256sum", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let expected = String(decoding: output, as: UTF8.self).prefix(64)
        #expect(try MediaHasher.sha256(path: path) == String(expected))
    }

    @Test func aMissingFileIsAnError() {
        #expect(throws: MediaError.self) { _ = try MediaHasher.sha256(path: tempDir() + "/missing") }
    }
}
