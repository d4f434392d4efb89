import CSndFile

#if canImport(Glibc)
    import Glibc
#endif

/// A regular file read for libsndfile through its virtual I/O, 128 KiB at a time.
///
/// libsndfile's own I/O makes a system call for every read it needs, and mpg123 reads each
/// MP3 frame's header and body apart, a few hundred bytes each. Seeking 55 minutes into an
/// MP3 file, which walks through every frame before the target, took about 160 ms of such
/// calls (250,000 of them), and takes about 16 ms through this buffer.
final class SndFileSource {
    private static let bufferBytes = 131_072

    private let fd: Int32
    /// The file's size when it was opened.
    private let length: Int64
    /// Where libsndfile reads next.
    private var position: Int64 = 0
    /// The bytes of the file from `bufferStart`, `bufferCount` of them.
    private let buffer: UnsafeMutableRawPointer
    private var bufferStart: Int64 = 0
    private var bufferCount = 0
    /// Why a read failed, if one did: libsndfile sees only fewer bytes than it asked for.
    private(set) var readError: String?

    /// Opens `path`; nil if it is not a regular file (a pipe), which libsndfile then opens
    /// itself.
    init?(path: String) throws(MediaError) {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw MediaError(path: path, message: "cannot decode: \(String(cString: strerror(errno)))")
        }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            return nil
        }
        length = Int64(info.st_size)
        buffer = .allocate(byteCount: Self.bufferBytes, alignment: 16)
    }

    deinit {
        close(fd)
        buffer.deallocate()
    }

    /// Opens the file with libsndfile, which reads it through this source; the source must
    /// outlive the handle.
    func openWithSndFile(_ info: inout SF_INFO) -> OpaquePointer? {
        var io = SF_VIRTUAL_IO(
            get_filelen: { SndFileSource.source($0).length },
            seek: { offset, whence, source in SndFileSource.source(source).seek(offset, whence) },
            read: { bytes, count, source in
                guard let bytes else { return 0 }
                return SndFileSource.source(source).read(into: bytes, count: count)
            },
            write: { _, _, _ in 0 },
            tell: { SndFileSource.source($0).position })
        return sf_open_virtual(&io, Int32(SFM_READ), &info, Unmanaged.passUnretained(self).toOpaque())
    }

    private static func source(_ pointer: UnsafeMutableRawPointer?) -> SndFileSource {
        Unmanaged<SndFileSource>.fromOpaque(pointer!).takeUnretainedValue()
    }

    private func seek(_ offset: sf_count_t, _ whence: Int32) -> sf_count_t {
        let base: Int64
        switch whence {
        case Int32(SF_SEEK_SET): base = 0
        case Int32(SF_SEEK_CUR): base = position
        case Int32(SF_SEEK_END): base = length
        default: return -1
        }
        guard base + offset >= 0 else { return -1 }
        position = base + offset
        return position
    }

    /// Copies up to `count` bytes from `position` on, refilling the buffer from the file as
    /// needed (reads of a buffer's size or more go straight to `bytes`). Fewer only at the
    /// end of the file or on an error, which `readError` then keeps.
    private func read(into bytes: UnsafeMutableRawPointer, count: sf_count_t) -> sf_count_t {
        var done = 0
        let count = Int(count)
        while done < count {
            let offset = position - bufferStart
            if offset >= 0 && offset < Int64(bufferCount) {
                let n = min(count - done, bufferCount - Int(offset))
                (bytes + done).copyMemory(from: buffer + Int(offset), byteCount: n)
                done += n
                position += Int64(n)
                continue
            }
            let direct = count - done >= Self.bufferBytes
            let n =
                if direct {
                    pread(fd, bytes + done, count - done, off_t(position))
                } else {
                    pread(fd, buffer, Self.bufferBytes, off_t(position))
                }
            if n < 0 {
                if errno == EINTR { continue }
                readError = "read failed: \(String(cString: strerror(errno)))"
                break
            }
            if n == 0 { break }
            if direct {
                done += n
                position += Int64(n)
            } else {
                bufferStart = position
                bufferCount = n
            }
        }
        return sf_count_t(done)
    }
}
