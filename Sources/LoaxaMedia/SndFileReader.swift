import CSndFile

/// Decodes a file through libsndfile: every format Loaxa takes except Ogg Opus, which
/// `OggOpusReader` decodes.
final class SndFileReader {
    let path: String
    let info: AudioFileInfo
    private let handle: OpaquePointer

    init(path: String) throws(MediaError) {
        var sfinfo = SF_INFO()
        guard let handle = sf_open(path, Int32(SFM_READ), &sfinfo) else {
            let reason = String(cString: sf_strerror(nil))
            throw MediaError(path: path, message: "cannot decode: \(reason)")
        }
        guard sfinfo.samplerate > 0, sfinfo.channels > 0 else {
            sf_close(handle)
            throw MediaError(path: path, message: "cannot decode: no sample rate or channels in the header")
        }
        self.handle = handle
        self.path = path
        var title: String?
        if let t = sf_get_string(handle, Int32(SF_STR_TITLE)) {
            let s = String(cString: t)
            title = s.isEmpty ? nil : s
        }
        self.info = AudioFileInfo(
            sampleRate: Int(sfinfo.samplerate), channels: Int(sfinfo.channels),
            headerFrames: Int64(sfinfo.frames), format: Self.formatName(sfinfo.format), title: title)
    }

    deinit { sf_close(handle) }

    /// Reads up to `frames` frames into `buffer`; 0 at the end of the file.
    func read(into buffer: UnsafeMutablePointer<Float>, frames: Int) throws(MediaError) -> Int {
        let n = sf_readf_float(handle, buffer, sf_count_t(frames))
        if n < 0 || (n == 0 && sf_error(handle) != 0) {
            throw MediaError(path: path, message: "decode error: \(String(cString: sf_strerror(handle)))")
        }
        return Int(n)
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
