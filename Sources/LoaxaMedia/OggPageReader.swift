import COgg

#if canImport(Glibc)
    import Glibc
#endif

/// The Ogg pages of a file in order, read a chunk at a time through libogg's sync layer,
/// which checks each page's CRC. Memory is one chunk plus the largest page.
final class OggPageReader {
    enum Next {
        /// `page` holds the next page.
        case page
        /// Bytes were skipped that make no valid page (bad checksum, lost sync).
        case damaged
        /// The end of the file; bytes that do not complete a page are left over.
        case end
    }

    /// The largest possible Ogg page: a 27-byte header, 255 lacing values, 255 × 255 bytes.
    static let maxPageBytes = 27 + 255 + 255 * 255
    private static let chunkBytes = 16_384

    private let fd: Int32
    private let sync: UnsafeMutablePointer<ogg_sync_state>
    /// The page the last `next()` returned; its memory is libogg's until the next call.
    let page: UnsafeMutablePointer<ogg_page>
    /// Bytes handed to libogg so far.
    private var fileOffset: Int64 = 0

    /// Opens `path`; nil if it cannot be opened (the caller's fallback reports why).
    init?(path: String) {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        sync = .allocate(capacity: 1)
        sync.initialize(to: ogg_sync_state())
        ogg_sync_init(sync)
        page = .allocate(capacity: 1)
        page.initialize(to: ogg_page())
    }

    deinit {
        ogg_sync_clear(sync)
        sync.deallocate()
        page.deallocate()
        close(fd)
    }

    /// Whether the file begins with an Ogg page whose first packet starts with "OpusHead".
    /// Looks at the first bytes only (no checksum), so a file of another kind costs one read.
    func startsWithOpusHead() -> Bool {
        var head = [UInt8](repeating: 0, count: 27 + 255 + OpusHead.magic.count)
        let n = head.withUnsafeMutableBytes { readFully(into: $0.baseAddress!, count: $0.count, at: 0) }
        guard n >= 27 + OpusHead.magic.count, head[0..<4].elementsEqual("OggS".utf8), head[4] == 0 else {
            return false
        }
        let body = 27 + Int(head[26])
        guard body + OpusHead.magic.count <= n else { return false }
        return head[body..<(body + OpusHead.magic.count)].elementsEqual(OpusHead.magic)
    }

    /// Advances to the next page.
    func next() throws(OggOpusError) -> Next {
        while true {
            let result = ogg_sync_pageout(sync, page)
            if result > 0 { return .page }
            if result < 0 { return .damaged }
            guard let buffer = ogg_sync_buffer(sync, Self.chunkBytes) else {
                throw OggOpusError("out of memory for the Ogg sync buffer")
            }
            let n = pread(fd, buffer, Self.chunkBytes, off_t(fileOffset))
            if n < 0 {
                if errno == EINTR { continue }
                throw OggOpusError("read failed: \(String(cString: strerror(errno)))")
            }
            if n == 0 { return .end }
            ogg_sync_wrote(sync, n)
            fileOffset += Int64(n)
        }
    }

    /// The body of `page`.
    var body: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: page.pointee.body, count: page.pointee.body_len) }

    /// Where in the file the bytes not yet returned as pages begin.
    var position: Int64 { fileOffset - Int64(sync.pointee.fill - sync.pointee.returned) }

    /// Where in the file `page` (the one the last `next()` returned) begins.
    var pageOffset: Int64 { position - Int64(page.pointee.header_len + page.pointee.body_len) }

    /// Makes `next()` go on from byte `offset`, which should begin a page.
    func reposition(to offset: Int64) {
        ogg_sync_reset(sync)
        fileOffset = offset
    }

    /// The file's size in bytes; 0 if it cannot be read.
    var fileSize: Int64 {
        var info = stat()
        return fstat(fd, &info) == 0 ? Int64(info.st_size) : 0
    }

    /// A page found by `scanGranulePages`: where it begins and what its header says.
    struct Mark {
        var offset: Int64
        var number: Int
        var granule: Int64
        var endOfStream: Bool
    }

    /// Calls `visit` with each page of the logical stream `serial` that has a granule
    /// position, in file order from byte `offset` on, until `visit` returns false, a page
    /// begins at or after byte `limit`, or the file ends. Damaged bytes are skipped. Has a
    /// sync state of its own, so it does not move `next()`.
    func scanGranulePages(
        serial: Int32, from offset: Int64, before limit: Int64, _ visit: (Mark) -> Bool
    ) throws(OggOpusError) {
        var scan = ogg_sync_state()
        ogg_sync_init(&scan)
        defer { ogg_sync_clear(&scan) }
        var candidate = ogg_page()
        // `cursor` is where the bytes libogg has not yet looked at begin; `end` where the
        // bytes read so far end.
        var cursor = offset
        var end = offset
        while cursor < limit {
            let skipped = ogg_sync_pageseek(&scan, &candidate)
            if skipped < 0 {
                cursor -= Int64(skipped)
                continue
            }
            if skipped > 0 {
                let mark = Mark(
                    offset: cursor, number: ogg_page_pageno(&candidate), granule: ogg_page_granulepos(&candidate),
                    endOfStream: ogg_page_eos(&candidate) != 0)
                cursor += Int64(skipped)
                if ogg_page_serialno(&candidate) == serial, mark.granule >= 0, !visit(mark) { return }
                continue
            }
            guard let buffer = ogg_sync_buffer(&scan, Self.chunkBytes) else {
                throw OggOpusError("out of memory for the Ogg sync buffer")
            }
            let n = readFully(into: buffer, count: Self.chunkBytes, at: end)
            if n == 0 { return }
            ogg_sync_wrote(&scan, n)
            end += Int64(n)
        }
    }

    /// The granule position of the last page of the logical stream `serial` that has one,
    /// found by reading the file backwards from its end in blocks (usually only the last
    /// one); nil if there is none or the file cannot be read. Does not move `next()`.
    func lastGranulePosition(serial: Int32) -> Int64? {
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        // Consecutive blocks overlap by a whole page, so every page lies whole in one of
        // them; the first block (from the end) with a page of the stream has the last one.
        let blockBytes = 2 * 65_536
        let overlap = 65_536
        precondition(overlap >= Self.maxPageBytes)
        var tail = ogg_sync_state()
        ogg_sync_init(&tail)
        defer { ogg_sync_clear(&tail) }
        var candidate = ogg_page()
        var end = Int64(info.st_size)
        while end > 0 {
            let start = max(0, end - Int64(blockBytes))
            ogg_sync_reset(&tail)
            let count = Int(end - start)
            guard let buffer = ogg_sync_buffer(&tail, count) else { return nil }
            let n = readFully(into: buffer, count: count, at: start)
            guard n == count else { return nil }
            ogg_sync_wrote(&tail, n)
            var found: Int64?
            while true {
                let skipped = ogg_sync_pageseek(&tail, &candidate)
                if skipped == 0 { break }
                if skipped > 0, ogg_page_serialno(&candidate) == serial {
                    let granule = ogg_page_granulepos(&candidate)
                    if granule >= 0 { found = granule }
                }
            }
            if let found { return found }
            if start == 0 { break }
            end = start + Int64(overlap)
        }
        return nil
    }

    /// Reads `count` bytes at `offset` (fewer only at the end of the file or on an error).
    private func readFully(into buffer: UnsafeMutableRawPointer, count: Int, at offset: Int64) -> Int {
        var done = 0
        while done < count {
            let n = pread(fd, buffer + done, count - done, off_t(offset + Int64(done)))
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            done += n
        }
        return done
    }
}
