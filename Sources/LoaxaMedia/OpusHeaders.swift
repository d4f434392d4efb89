#if canImport(Glibc)
    import Glibc
#endif

/// Why an Ogg Opus file cannot be decoded (or decoded further), without the path and the
/// "cannot decode"/"decode error" prefix, which `OggOpusReader` adds.
struct OggOpusError: Error {
    var reason: String

    init(_ reason: String) { self.reason = reason }
}

/// The identification header of an Ogg Opus stream (RFC 7845 §5.1).
struct OpusHead: Equatable {
    static let magic = Array("OpusHead".utf8)

    var version: Int
    var channels: Int
    /// Samples at 48 kHz to discard from the start of the decoded stream.
    var preSkip: Int
    /// The encoder's input rate, for information only: Opus is decoded at 48 kHz.
    var inputSampleRate: Int
    /// The gain to apply to the decoded samples, in dB as Q7.8 (1/256 dB).
    var outputGain: Int16
    var mappingFamily: Int
    var streamCount: Int
    var coupledCount: Int
    /// Output channel → decoded channel (255 for silence); only for family 1.
    var mapping: [UInt8]

    /// The output gain as a factor on the samples.
    var gainFactor: Float { Float(pow(10, Double(outputGain) / (20 * 256))) }

    /// Whether `bytes` begin with the OpusHead magic signature.
    static func hasMagic(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= magic.count && bytes.prefix(magic.count).elementsEqual(magic)
    }

    init(packet bytes: UnsafeRawBufferPointer) throws(OggOpusError) {
        guard Self.hasMagic(bytes) else { throw OggOpusError("no OpusHead header") }
        guard bytes.count >= 19 else { throw OggOpusError("OpusHead header too short (\(bytes.count) bytes)") }
        version = Int(bytes[8])
        // The upper four bits are the major version: a change there is incompatible.
        guard version < 16 else { throw OggOpusError("unsupported Ogg Opus version \(version)") }
        channels = Int(bytes[9])
        guard channels > 0 else { throw OggOpusError("OpusHead header with 0 channels") }
        preSkip = Int(littleEndian16(bytes, 10))
        inputSampleRate = Int(littleEndian16(bytes, 12)) | Int(littleEndian16(bytes, 14)) << 16
        outputGain = Int16(bitPattern: littleEndian16(bytes, 16))
        mappingFamily = Int(bytes[18])
        switch mappingFamily {
        case 0:
            guard channels <= 2 else {
                throw OggOpusError("OpusHead header with \(channels) channels in mapping family 0 (at most 2)")
            }
            streamCount = 1
            coupledCount = channels - 1
            mapping = []
        case 1:
            guard channels <= 8 else {
                throw OggOpusError("OpusHead header with \(channels) channels in mapping family 1 (at most 8)")
            }
            guard bytes.count >= 21 + channels else {
                throw OggOpusError("OpusHead header too short for its channel mapping table")
            }
            streamCount = Int(bytes[19])
            coupledCount = Int(bytes[20])
            guard streamCount > 0, coupledCount <= streamCount, streamCount + coupledCount <= 255 else {
                throw OggOpusError("OpusHead header with \(streamCount) streams of which \(coupledCount) coupled")
            }
            mapping = Array(bytes[21..<(21 + channels)])
            let decoded = streamCount + coupledCount
            if let bad = mapping.first(where: { Int($0) >= decoded && $0 != 255 }) {
                throw OggOpusError("OpusHead channel mapping names channel \(bad) of \(decoded)")
            }
        default:
            throw OggOpusError(
                "Ogg Opus channel mapping family \(mappingFamily) is not supported"
                    + " (only 0, mono or stereo, and 1, up to 8 channels)")
        }
    }
}

/// The comment header of an Ogg Opus stream (RFC 7845 §5.2).
enum OpusTags {
    static let magic = Array("OpusTags".utf8)

    /// The bytes of the first non-empty TITLE comment (key in any case), nil if there is none.
    ///
    /// The magic signature is required; a comment list cut short by a wrong length is read
    /// as far as it goes, since a damaged tag is no reason to refuse the audio.
    static func title(packet bytes: UnsafeRawBufferPointer) throws(OggOpusError) -> [UInt8]? {
        guard bytes.count >= 8, bytes.prefix(8).elementsEqual(magic) else {
            throw OggOpusError("the second packet is not an OpusTags header")
        }
        var offset = 8
        /// The next length-prefixed field, or nil when it does not fit in the packet.
        func field() -> UnsafeRawBufferPointer? {
            guard offset + 4 <= bytes.count else { return nil }
            let length = Int(littleEndian32(bytes, offset))
            guard length <= bytes.count - offset - 4 else { return nil }
            defer { offset += 4 + length }
            return UnsafeRawBufferPointer(rebasing: bytes[(offset + 4)..<(offset + 4 + length)])
        }
        guard field() != nil, offset + 4 <= bytes.count else { return nil }  // vendor string
        let count = Int(littleEndian32(bytes, offset))
        offset += 4
        let key = Array("title=".utf8)
        for _ in 0..<count {
            guard let comment = field() else { return nil }
            guard comment.count > key.count else { continue }
            let matches = zip(comment.prefix(key.count), key).allSatisfy { byte, expected in
                byte | (byte >= 0x41 && byte <= 0x5A ? 0x20 : 0) == expected  // ASCII case-insensitive
            }
            if matches {
                return Array(comment.dropFirst(key.count))
            }
        }
        return nil
    }
}

private func littleEndian16(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt16 {
    UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
}

private func littleEndian32(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
    UInt32(littleEndian16(bytes, offset)) | UInt32(littleEndian16(bytes, offset + 2)) << 16
}
