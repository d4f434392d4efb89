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
    /// The title tag's bytes as the file stores them; nil when it has none. They should be
    /// UTF-8, but old taggers wrote legacy encodings (see `MediaTitle`).
    public var titleBytes: [UInt8]?

    /// The title tag read as UTF-8, any invalid bytes replaced.
    public var title: String? { titleBytes.map { String(decoding: $0, as: UTF8.self) } }

    /// The header's duration in microseconds.
    public var headerMicros: Int64 {
        sampleRate > 0 ? headerFrames * 1_000_000 / Int64(sampleRate) : 0
    }
}

/// Reads a file's frames as interleaved 32-bit floats.
///
/// A file that starts with an Ogg page carrying an OpusHead packet is decoded by
/// `OggOpusReader` (libogg and libopus, always at 48 kHz); every other file by libsndfile.
/// `seek(toFrame:)`, before the first `read`, starts the reading part-way through.
public final class AudioFileReader {
    public let path: String
    public let info: AudioFileInfo
    private let decoder: Decoder
    /// The frame the first `read` starts at: 0, or where `seek(toFrame:)` put the reader.
    public private(set) var startFrame: Int64 = 0
    /// Frames handed out by `read` so far, from `startFrame` on.
    public private(set) var framesRead: Int64 = 0
    /// Whether `read` or `seek(toFrame:)` has been called.
    private var started = false

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

    /// The frame the next `read` returns, counted from the file's first frame.
    public var position: Int64 { startFrame + framesRead }

    /// Reads up to `frames` frames into `buffer` (room for frames × channels floats).
    /// Returns the frames read; 0 at the end of the file.
    public func read(into buffer: UnsafeMutablePointer<Float>, frames: Int) throws(MediaError) -> Int {
        started = true
        let n = try decode(into: buffer, frames: frames)
        framesRead += Int64(n)
        return n
    }

    /// Positions the reader so that the first `read` returns frame `frame` (counted from the
    /// file's first frame, as reading from the start counts) and the frames after it, the
    /// same as reading from the start would return them there. Call it at most once, and
    /// before the first `read`: a reader opened to start part-way (joining a block under
    /// way, resuming a cut segment) never goes back.
    ///
    /// It jumps without decoding what lies before: libsndfile's `sf_seek` (exact for WAV
    /// and FLAC; libsndfile decodes MP3 and Ogg Vorbis from a nearby point up to the frame,
    /// which measured identical to a reading from the start, though no decoder promises
    /// it), and for Ogg Opus the pages' granule positions, then a pre-roll that converges
    /// to float rounding (see `OggOpusReader.seek(toFrame:)`).
    /// What cannot be jumped (a file libsndfile cannot seek in, a frame past the header's
    /// count, a chained Opus stream after the first) is decoded and discarded.
    ///
    /// A frame at or past the end leaves the reader at the end: `startFrame` is then the
    /// frames in the file, and `read` returns 0.
    public func seek(toFrame frame: Int64) throws(MediaError) {
        precondition(!started, "AudioFileReader.seek(toFrame:) after reading or seeking began")
        precondition(frame >= 0, "AudioFileReader.seek(toFrame:) to a negative frame")
        started = true
        let reached: Int64
        switch decoder {
        case .sndfile(let reader): reached = try reader.seek(toFrame: frame)
        case .oggOpus(let reader): reached = try reader.seek(toFrame: frame)
        }
        startFrame = reached + (try discard(frame - reached))
    }

    /// Decodes and drops up to `frames` frames; returns those there were.
    private func discard(_ frames: Int64) throws(MediaError) -> Int64 {
        guard frames > 0 else { return 0 }
        let chunk = 4096
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: chunk * info.channels)
        defer { scratch.deallocate() }
        var done: Int64 = 0
        while done < frames {
            let n = try decode(into: scratch, frames: Int(min(Int64(chunk), frames - done)))
            if n == 0 { break }
            done += Int64(n)
        }
        return done
    }

    private func decode(into buffer: UnsafeMutablePointer<Float>, frames: Int) throws(MediaError) -> Int {
        switch decoder {
        case .sndfile(let reader): try reader.read(into: buffer, frames: frames)
        case .oggOpus(let reader): try reader.read(into: buffer, frames: frames)
        }
    }
}
