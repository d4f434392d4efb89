import Foundation
import LoaxaCore

/// What the media library keeps of a file's content: measured once, when the file is
/// scanned or imported, and known by the SHA-256 of its bytes.
public struct MediaAnalysis: Sendable, Hashable {
    /// Lower-case hex SHA-256 of the file's bytes.
    public var sha256: String
    /// The file's size in bytes when it was read.
    public var size: Int64
    /// A short format name: wav, flac, vorbis, opus, mp3.
    public var format: String
    public var sampleRate: Int
    public var channels: Int
    /// Frames actually decoded (an MP3 without a gapless tag keeps its encoder delay and
    /// padding), not what the header claims.
    public var frames: Int64
    public var loudness: Loudness
    /// The title tag's bytes, nil when the file has none.
    public var titleBytes: [UInt8]?

    public init(
        sha256: String, size: Int64, format: String, sampleRate: Int, channels: Int, frames: Int64,
        loudness: Loudness, titleBytes: [UInt8]?
    ) {
        self.sha256 = sha256
        self.size = size
        self.format = format
        self.sampleRate = sampleRate
        self.channels = channels
        self.frames = frames
        self.loudness = loudness
        self.titleBytes = titleBytes
    }
}

/// Analyses a whole file for the media library: hashes its bytes, decodes it to the end to
/// count its frames, and measures its loudness on the way, a chunk at a time.
public enum MediaAnalyzer {
    /// The analysis of the file at `path`, or the reason it cannot air: it does not decode,
    /// has no audio, is longer than `maxMinutes`, or changed while it was read.
    public static func analyze(path: String, maxMinutes: Int) throws(MediaError) -> MediaAnalysis {
        let before = try stat(path)
        if before.size == 0 {
            throw MediaError(path: path, message: "the file is empty (0 bytes); was it copied whole?")
        }
        let sha256 = try MediaHasher.sha256(path: path)
        let reader = try AudioFileReader(path: path)
        let info = reader.info
        let limit = Int64(maxMinutes) * 60 * Int64(info.sampleRate)
        // A header claiming far more than the limit is believed: decoding hours of audio only
        // to refuse it would hold up the scan. Headers of MP3 files are estimates, hence the
        // margin; anything closer is decoded and counted.
        if info.headerFrames > limit + limit / 10 {
            throw tooLong(path, frames: info.headerFrames, rate: info.sampleRate, maxMinutes: maxMinutes, estimated: true)
        }
        let (loudness, frames) = try LoudnessAnalyzer.measure(reader, stoppingAfter: limit)
        if frames > limit {
            throw tooLong(path, frames: frames, rate: info.sampleRate, maxMinutes: maxMinutes, estimated: false)
        }
        if frames == 0 {
            throw MediaError(path: path, message: "no audio in it (0 frames decoded)")
        }
        let after = try stat(path)
        if after != before {
            throw MediaError(path: path, message: "the file changed while it was being read; try again once it is copied")
        }
        return MediaAnalysis(
            sha256: sha256, size: before.size, format: info.format, sampleRate: info.sampleRate,
            channels: info.channels, frames: frames, loudness: loudness, titleBytes: info.titleBytes)
    }

    /// A file's size and modification time, which tell whether it changed.
    public struct FileStamp: Sendable, Hashable {
        public var size: Int64
        /// Nanoseconds since the Unix epoch.
        public var modifiedNs: Int64

        public init(size: Int64, modifiedNs: Int64) {
            self.size = size
            self.modifiedNs = modifiedNs
        }
    }

    /// The size and modification time of the file at `path` (symbolic links followed).
    public static func stat(_ path: String) throws(MediaError) -> FileStamp {
        var st = Glibc.stat()
        guard statFollowingLinks(path, &st) == 0 else {
            throw MediaError(path: path, message: "cannot read: \(String(cString: strerror(errno)))")
        }
        return FileStamp(
            size: Int64(st.st_size), modifiedNs: Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec))
    }

    private static func tooLong(_ path: String, frames: Int64, rate: Int, maxMinutes: Int, estimated: Bool) -> MediaError {
        let rule = "max_segment_minutes = \(maxMinutes) in [playout]"
        guard estimated else {
            return MediaError(path: path, message: "too long: it plays past \(maxMinutes) minutes (\(rule))")
        }
        let minutes = NumberText.fixed(Double(frames) / Double(rate) / 60, 1)
        return MediaError(path: path, message: "too long: about \(minutes) minutes by its header (\(rule))")
    }
}

/// `stat(2)`, out of reach inside `MediaAnalyzer` whose `stat` hides it.
private func statFollowingLinks(_ path: String, _ st: inout stat) -> Int32 {
    stat(path, &st)
}
