import CNettle
import Foundation
import LoaxaCore

/// The content hash that identifies a segment (SPEC §5): SHA-256 of the file's bytes.
public enum MediaHasher {
    /// Lower-case hex SHA-256 of the file at `path`, read 64 KiB at a time: megabyte chunks
    /// ended up kept in the preparing thread's malloc arena, about 1 MB resident for the
    /// daemon's whole life.
    public static func sha256(path: String) throws(MediaError) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw MediaError(path: path, message: "cannot open for reading")
        }
        defer { try? handle.close() }
        var context = sha256_ctx()
        nettle_sha256_init(&context)
        do {
            while let chunk = try handle.read(upToCount: 1 << 16), !chunk.isEmpty {
                chunk.withUnsafeBytes { bytes in
                    nettle_sha256_update(&context, bytes.count, bytes.bindMemory(to: UInt8.self).baseAddress)
                }
            }
        } catch {
            throw MediaError(path: path, message: "read error: \(error.localizedDescription)")
        }
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_SIZE))
        nettle_sha256_digest(&context, digest.count, &digest)
        return NumberText.hex(digest)
    }
}
