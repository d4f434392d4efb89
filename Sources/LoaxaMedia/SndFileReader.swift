import CSndFile

#if canImport(Glibc)
    import Glibc
#endif

/// Decodes a file through libsndfile: every format Loaxa takes except Ogg Opus, which
/// `OggOpusReader` decodes. A regular file is read through `SndFileSource`'s buffer.
final class SndFileReader {
    let path: String
    let info: AudioFileInfo
    private let handle: OpaquePointer
    /// What libsndfile reads the file through (nil: its own I/O, for a pipe); released
    /// after the handle is closed.
    private let source: SndFileSource?
    /// Whether libsndfile can seek in the file: it can in every regular file of the formats
    /// Loaxa takes, not in a pipe.
    private let seekable: Bool

    init(path: String) throws(MediaError) {
        var sfinfo = SF_INFO()
        let source = try SndFileSource(path: path)
        let opened = if let source { source.openWithSndFile(&sfinfo) } else { sf_open(path, Int32(SFM_READ), &sfinfo) }
        guard let handle = opened else {
            let reason = String(cString: sf_strerror(nil))
            throw MediaError(path: path, message: "cannot decode: \(reason)")
        }
        guard sfinfo.samplerate > 0, sfinfo.channels > 0 else {
            sf_close(handle)
            throw MediaError(path: path, message: "cannot decode: no sample rate or channels in the header")
        }
        self.handle = handle
        self.source = source
        self.path = path
        seekable = sfinfo.seekable != 0
        var title: [UInt8]?
        if let t = sf_get_string(handle, Int32(SF_STR_TITLE)) {
            let bytes = Array(UnsafeBufferPointer(start: t, count: strlen(t))).map { UInt8(bitPattern: $0) }
            title = bytes.isEmpty ? nil : bytes
        }
        self.info = AudioFileInfo(
            sampleRate: Int(sfinfo.samplerate), channels: Int(sfinfo.channels),
            headerFrames: Int64(sfinfo.frames), format: Self.formatName(sfinfo.format), titleBytes: title)
    }

    deinit { sf_close(handle) }

    /// Reads up to `frames` frames into `buffer`; 0 at the end of the file.
    func read(into buffer: UnsafeMutablePointer<Float>, frames: Int) throws(MediaError) -> Int {
        let n = sf_readf_float(handle, buffer, sf_count_t(frames))
        if n < 0 || (n == 0 && sf_error(handle) != 0) {
            throw MediaError(path: path, message: "decode error: \(String(cString: sf_strerror(handle)))")
        }
        // A failed read looks like the end of the file to libsndfile.
        if n < frames, let reason = source?.readError {
            throw MediaError(path: path, message: "decode error: \(reason)")
        }
        return Int(n)
    }

    /// Moves to frame `frame` with `sf_seek`, as far as libsndfile allows, so that the next
    /// `read` returns that frame; returns the frame reached. That is `frame`, or less when
    /// the file cannot seek (0: it has not moved) or `frame` lies past the header's frame
    /// count, which libsndfile refuses (the header's count, then); the caller decodes and
    /// discards the rest. WAV and FLAC land on the exact sample; libsndfile decodes MP3
    /// (mpg123) and Ogg Vorbis from a nearby frame or page up to it. For MP3 mpg123 walks
    /// through the headers of every frame before it, which `SndFileSource` makes cheap.
    func seek(toFrame frame: Int64) throws(MediaError) -> Int64 {
        let target = min(frame, info.headerFrames)
        guard seekable, target > 0 else { return 0 }
        let reached = sf_seek(handle, sf_count_t(target), Int32(SF_SEEK_SET))
        guard reached < 0 else { return Int64(reached) }
        // Where it stopped is unknown: start again from the first frame.
        let reason = String(cString: sf_strerror(handle))
        guard sf_seek(handle, 0, Int32(SF_SEEK_SET)) == 0 else {
            throw MediaError(path: path, message: "cannot seek to frame \(frame): \(reason)")
        }
        return 0
    }

    static func formatName(_ format: Int32) -> String {
        let major = loaxa_sf_major_format(format)
        let minor = loaxa_sf_minor_format(format)
        switch Int(major) {
        case SF_FORMAT_WAV, SF_FORMAT_WAVEX, SF_FORMAT_RF64: return "wav"
        case SF_FORMAT_FLAC: return "flac"
        case SF_FORMAT_MPEG: return "mp3"
        case SF_FORMAT_OGG: return Int(minor) == SF_FORMAT_OPUS ? "opus" : "vorbis"
        case SF_FORMAT_AIFF: return "aiff"
        default: return "other"
        }
    }
}
