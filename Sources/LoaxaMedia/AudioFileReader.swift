/// LoaxaMedia: decoding (libsndfile) and conversion (libsoxr) of segments to the device
/// format, and their EBU R128 loudness (libebur128), a chunk at a time and never a whole
/// file in memory. No ALSA here: the CLI uses this module to analyse files without the
/// playout engine.

import CSndFile

/// An error reading or converting a media file, in words an operator can act on.
public struct MediaError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}

/// What a file's header says about it.
public struct AudioFileInfo: Sendable, Hashable {
    public var sampleRate: Int
    public var channels: Int
    /// Frames as the header claims them (an estimate for MP3 and some Ogg files).
    public var headerFrames: Int64
    /// A short format name: wav, flac, vorbis, opus, mp3, ...
    public var format: String
    public var title: String?

    /// The header's duration in microseconds.
    public var headerMicros: Int64 {
        sampleRate > 0 ? headerFrames * 1_000_000 / Int64(sampleRate) : 0
    }
}

/// Reads a file's frames as interleaved 32-bit floats through libsndfile.
public final class AudioFileReader {
    public let path: String
    public let info: AudioFileInfo
    private let handle: OpaquePointer
    /// Frames actually decoded so far.
    public private(set) var framesRead: Int64 = 0

    public init(path: String) throws(MediaError) {
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

    /// Reads up to `frames` frames into `buffer` (room for frames × channels floats).
    /// Returns the frames read; 0 at the end of the file.
    public func read(into buffer: UnsafeMutablePointer<Float>, frames: Int) throws(MediaError) -> Int {
        let n = sf_readf_float(handle, buffer, sf_count_t(frames))
        if n < 0 || (n == 0 && sf_error(handle) != 0) {
            throw MediaError(path: path, message: "decode error: \(String(cString: sf_strerror(handle)))")
        }
        framesRead += Int64(n)
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
