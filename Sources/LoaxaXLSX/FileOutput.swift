import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A file written through a fixed-size buffer, by file descriptor.
///
/// The workbook needs what `FileHandle` does not give simply: exclusive creation with the
/// process's umask applied, overwriting bytes already written (the ZIP local headers),
/// fsync before the rename, and reading a spool file back from its start. The buffer is
/// written out whenever it holds ``chunk`` bytes, so memory does not grow with the file.
final class FileOutput {
    /// The path errors name: the workbook's, even for its spool files, since that is the
    /// file the caller asked for.
    let reportedPath: String
    private var fd: Int32
    private var buffer: [UInt8] = []
    /// Bytes appended so far, written or still buffered: the offset of the next byte.
    private(set) var size: UInt64 = 0
    /// How many bytes the buffer gathers before it is written out.
    static let chunk = 64 * 1024

    /// Creates the file at `path`, which must not exist yet, readable by whoever the umask
    /// lets read the caller's new files. An `unlinked` file loses its name at once: it lives
    /// until closed and is never left behind.
    init(creating path: String, reportedPath: String, unlinked: Bool = false) throws {
        self.reportedPath = reportedPath
        fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw XLSXError.cannotCreate(path: reportedPath, reason: Self.lastError()) }
        if unlinked && unlink(path) != 0 {
            let reason = Self.lastError()
            _ = Glibc.close(fd)
            fd = -1
            throw XLSXError.cannotCreate(path: reportedPath, reason: reason)
        }
        buffer.reserveCapacity(Self.chunk)
    }

    deinit {
        if fd >= 0 { _ = Glibc.close(fd) }
    }

    /// The bytes held in memory, which stay under ``chunk`` plus one append.
    var bufferedBytes: Int { buffer.count }

    /// Appends `bytes` and writes the buffer out once it holds a chunk.
    func append<Bytes: Sequence<UInt8>>(_ bytes: Bytes) throws {
        let before = buffer.count
        buffer.append(contentsOf: bytes)
        size += UInt64(buffer.count - before)
        if buffer.count >= Self.chunk { try flush() }
    }

    /// Appends `text` as UTF-8.
    func append(_ text: String) throws { try append(text.utf8) }

    /// Writes out everything buffered.
    func flush() throws {
        var done = 0
        while done < buffer.count {
            let written = buffer.withUnsafeBytes { raw in
                Glibc.write(fd, raw.baseAddress! + done, raw.count - done)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw failure()
            }
            done += written
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes `bytes` at `offset`, over bytes already flushed, leaving the end of the file
    /// where it was.
    func overwrite(_ bytes: [UInt8], at offset: UInt64) throws {
        try flush()
        var done = 0
        while done < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                pwrite(fd, raw.baseAddress! + done, raw.count - done, off_t(offset) + off_t(done))
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw failure()
            }
            done += written
        }
    }

    /// Flushes and reads the whole file back from its start, `chunk` bytes at a time.
    func readBack(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        try flush()
        var chunk = [UInt8](repeating: 0, count: Self.chunk)
        var offset: off_t = 0
        while true {
            let count = chunk.withUnsafeMutableBytes { raw in pread(fd, raw.baseAddress!, raw.count, offset) }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure()
            }
            if count == 0 { return }
            try chunk.withUnsafeBytes { raw in try body(UnsafeRawBufferPointer(rebasing: raw[..<count])) }
            offset += off_t(count)
        }
    }

    /// Flushes and waits until the file's bytes are on the disk.
    func sync() throws {
        try flush()
        guard fsync(fd) == 0 else { throw failure() }
    }

    /// Closes the file; later writes fail.
    func close() throws {
        guard fd >= 0 else { return }
        let result = Glibc.close(fd)
        fd = -1
        guard result == 0 else { throw failure() }
    }

    private func failure() -> XLSXError {
        .writeFailed(path: reportedPath, reason: Self.lastError())
    }

    /// The text of the last system call's error.
    static func lastError() -> String { String(cString: strerror(errno)) }
}
