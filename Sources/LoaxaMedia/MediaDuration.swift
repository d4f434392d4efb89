/// Durations for planning, before a file is decoded.
public enum MediaDuration {
    /// The header's duration of the file at `path` in microseconds; nil if unreadable.
    public static func headerMicros(_ path: String) -> Int64? {
        (try? AudioFileReader(path: path))?.info.headerMicros
    }
}
