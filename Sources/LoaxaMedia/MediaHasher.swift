import Crypto
import LoaxaCore
import Foundation

/// The content hash that identifies a segment (SPEC §5): SHA-256 of the file's bytes.
public enum MediaHasher {
    /// Lower-case hex SHA-256 of the file at `path`, read in chunks.
    public static func sha256(path: String) throws(MediaError) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw MediaError(path: path, message: "cannot open for reading")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        do {
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                hasher.update(data: chunk)
            }
        } catch {
            throw MediaError(path: path, message: "read error: \(error.localizedDescription)")
        }
        return NumberText.hex(hasher.finalize())
    }
}
