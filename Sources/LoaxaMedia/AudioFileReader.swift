/// LoaxaMedia: decoding (libsndfile, and libopus for Ogg Opus) and conversion (libsoxr) of
/// segments to the device format, and their EBU R128 loudness (libebur128), a chunk at a
/// time and never a whole file in memory. No ALSA here: the CLI uses this module to analyse
/// files without the playout engine.

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

/// Reads a file's frames as interleaved 32-bit floats.
///
/// A file that starts with an Ogg page carrying an OpusHead packet is decoded by
/// `OggOpusReader` (libogg and libopus, always at 48 kHz); every other file by libsndfile.
public final class AudioFileReader {
    public let path: String
    public let info: AudioFileInfo
    private let decoder: Decoder
    /// Frames actually decoded so far.
    public private(set) var framesRead: Int64 = 0

    private enum Decoder {
        case sndfile(SndFileReader)
        case oggOpus(OggOpusReader)
    }

    public init(path: String) throws(MediaError) {
        self.path = path
        if let opus = try OggOpusReader.open(path: path) {
            decoder = .oggOpus(opus)
            info = opus.info
        } else {
            let sndfile = try SndFileReader(path: path)
            decoder = .sndfile(sndfile)
            info = sndfile.info
        }
    }

    /// Reads up to `frames` frames into `buffer` (room for frames × channels floats).
    /// Returns the frames read; 0 at the end of the file.
    public func read(into buffer: UnsafeMutablePointer<Float>, frames: Int) throws(MediaError) -> Int {
        let n: Int
        switch decoder {
        case .sndfile(let reader): n = try reader.read(into: buffer, frames: frames)
        case .oggOpus(let reader): n = try reader.read(into: buffer, frames: frames)
        }
        framesRead += Int64(n)
        return n
    }
}
