import CZlib
import Foundation

/// Writes a ZIP archive whose entries are deflated as they are streamed in.
///
/// An XLSX file is a ZIP archive of XML parts. Each entry's local header is written first
/// with its checksum and sizes left at zero, the data is deflated chunk by chunk straight
/// into the file, and the header is then completed in place: the archive needs no data
/// descriptors and no entry is ever held whole in memory. ZIP64 is not written; a part
/// that passes 4 GiB is an error (a million rows of eight short columns is about 400 MB of
/// XML).
final class ZipWriter {
    private let output: FileOutput
    private let dosTime: UInt16
    private let dosDate: UInt16
    private var entries: [CentralEntry] = []
    private var finished = false

    /// What the central directory records of one entry.
    private struct CentralEntry {
        var name: [UInt8]
        var crc: UInt32
        var compressedSize: UInt32
        var size: UInt32
        var headerOffset: UInt32
    }

    /// Writes to `output`, stamping each entry with `modified` (read as UTC: ZIP times carry
    /// no time zone).
    init(output: FileOutput, modified: Date) {
        self.output = output
        let parts = PackageParts.utc(modified)
        // DOS dates start in 1980.
        let year = max(Int(parts.tm_year) + 1900, 1980)
        dosTime = UInt16(parts.tm_hour << 11 | parts.tm_min << 5 | parts.tm_sec / 2)
        dosDate = UInt16((year - 1980) << 9 | Int(parts.tm_mon + 1) << 5 | Int(parts.tm_mday))
    }

    /// Adds a part whose whole content is `text`.
    func add(_ name: String, text: String) throws {
        try add(name) { sink in try sink.write(text) }
    }

    /// Adds the part `name`, whose content `produce` writes into the sink it is given.
    func add(_ name: String, produce: (EntrySink) throws -> Void) throws {
        precondition(!finished, "entry added to a finished archive")
        let headerOffset = output.size
        try checkSize(headerOffset, part: name)
        let nameBytes = Array(name.utf8)
        var header = ByteWriter()
        header.u32(0x0403_4B50)
        header.u16(20)  // version needed: deflate
        header.u16(0x0800)  // names are UTF-8
        header.u16(8)  // deflate
        header.u16(dosTime)
        header.u16(dosDate)
        header.u32(0)  // CRC-32, completed below
        header.u32(0)  // compressed size, completed below
        header.u32(0)  // size, completed below
        header.u16(UInt16(nameBytes.count))
        header.u16(0)  // no extra field
        header.bytes(nameBytes)
        try output.append(header.data)

        let sink = try EntrySink(output: output)
        try produce(sink)
        try sink.finish()
        try checkSize(sink.size, part: name)
        try checkSize(sink.compressedSize, part: name)

        var sizes = ByteWriter()
        sizes.u32(sink.crc)
        sizes.u32(UInt32(sink.compressedSize))
        sizes.u32(UInt32(sink.size))
        try output.overwrite(sizes.data, at: headerOffset + 14)
        entries.append(
            CentralEntry(
                name: nameBytes, crc: sink.crc, compressedSize: UInt32(sink.compressedSize),
                size: UInt32(sink.size), headerOffset: UInt32(headerOffset)))
    }

    /// Writes the central directory and its end record; the archive is then complete.
    func finish() throws {
        precondition(!finished, "archive finished twice")
        finished = true
        let directoryOffset = output.size
        try checkSize(directoryOffset, part: "central directory")
        for entry in entries {
            var record = ByteWriter()
            record.u32(0x0201_4B50)
            record.u16(0x0314)  // made by: Unix, ZIP 2.0, so that the mode below is read
            record.u16(20)
            record.u16(0x0800)
            record.u16(8)
            record.u16(dosTime)
            record.u16(dosDate)
            record.u32(entry.crc)
            record.u32(entry.compressedSize)
            record.u32(entry.size)
            record.u16(UInt16(entry.name.count))
            record.u16(0)  // extra field
            record.u16(0)  // comment
            record.u16(0)  // disk
            record.u16(0)  // internal attributes
            record.u32(0o100644 << 16)  // a regular file, rw-r--r--
            record.u32(entry.headerOffset)
            record.bytes(entry.name)
            try output.append(record.data)
        }
        let directorySize = output.size - directoryOffset
        var end = ByteWriter()
        end.u32(0x0605_4B50)
        end.u16(0)  // this disk
        end.u16(0)  // the directory's disk
        end.u16(UInt16(entries.count))
        end.u16(UInt16(entries.count))
        end.u32(UInt32(directorySize))
        end.u32(UInt32(directoryOffset))
        end.u16(0)  // comment
        try output.append(end.data)
    }

    private func checkSize(_ value: UInt64, part: String) throws {
        guard value <= UInt64(UInt32.max) else { throw XLSXError.tooLarge(path: output.reportedPath, part: part) }
    }
}

/// Takes one ZIP entry's bytes, checksums and deflates them into the archive.
final class EntrySink {
    private let output: FileOutput
    private let stream: UnsafeMutablePointer<z_stream>
    private var compressed: [UInt8]
    /// CRC-32 of the bytes written so far.
    private(set) var crc: UInt32 = 0
    /// Bytes written so far, before compression.
    private(set) var size: UInt64 = 0
    /// Bytes the compressed form took, once finished.
    private(set) var compressedSize: UInt64 = 0

    init(output: FileOutput) throws {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // Raw deflate (negative window bits): ZIP stores no zlib header or trailer. The
        // fastest level: sheet XML is so repetitive that it still shrinks several times over,
        // for much less processor time than the default level on a box that is also airing.
        let status = deflateInit2_(
            stream, Z_BEST_SPEED, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
            Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            stream.deallocate()
            throw XLSXError.compressionFailed(path: output.reportedPath, code: status)
        }
        self.stream = stream
        self.output = output
        compressed = [UInt8](repeating: 0, count: FileOutput.chunk)
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
    }

    /// Adds `bytes` to the entry.
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        // zlib takes lengths as 32-bit counts; chunks here are far smaller.
        precondition(bytes.count <= Int(UInt32.max))
        let start = base.assumingMemoryBound(to: Bytef.self)
        crc = UInt32(crc32(uLong(crc), start, uInt(bytes.count)))
        size += UInt64(bytes.count)
        stream.pointee.next_in = UnsafeMutablePointer(mutating: start)
        stream.pointee.avail_in = uInt(bytes.count)
        try deflateAvailable(flush: Z_NO_FLUSH)
    }

    /// Adds `text` as UTF-8.
    func write(_ text: String) throws {
        var text = text
        try text.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
    }

    /// Compresses what remains and ends the stream.
    func finish() throws {
        stream.pointee.next_in = nil
        stream.pointee.avail_in = 0
        try deflateAvailable(flush: Z_FINISH)
    }

    /// Runs deflate until it has taken all input (or, finishing, written its last block),
    /// appending what it produces to the archive.
    private func deflateAvailable(flush: Int32) throws {
        while true {
            let status = compressed.withUnsafeMutableBufferPointer { out -> Int32 in
                stream.pointee.next_out = out.baseAddress
                stream.pointee.avail_out = uInt(out.count)
                return deflate(stream, flush)
            }
            let produced = compressed.count - Int(stream.pointee.avail_out)
            if produced > 0 {
                try output.append(compressed[..<produced])
                compressedSize += UInt64(produced)
            }
            switch status {
            case Z_STREAM_END:
                return
            case Z_OK, Z_BUF_ERROR:
                // Without Z_FINISH, done once the input is used up and the output had room.
                if flush != Z_FINISH && stream.pointee.avail_in == 0 && stream.pointee.avail_out > 0 { return }
            default:
                throw XLSXError.compressionFailed(path: output.reportedPath, code: status)
            }
        }
    }
}

/// Little-endian fields of a ZIP header.
struct ByteWriter {
    private(set) var data: [UInt8] = []

    mutating func u16(_ value: UInt16) {
        data.append(UInt8(value & 0xFF))
        data.append(UInt8(value >> 8))
    }

    mutating func u32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { data.append(UInt8((value >> UInt32(shift)) & 0xFF)) }
    }

    mutating func bytes(_ value: [UInt8]) { data.append(contentsOf: value) }
}
