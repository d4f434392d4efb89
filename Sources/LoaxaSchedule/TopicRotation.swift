import Foundation
import LoaxaCore

/// One segment of a topic: an audio file under the topic's folder, `media/<topic>/`.
public struct TopicSegment: Hashable, Sendable {
    /// The path relative to the media folder (`giam-ngheo/tap-01.mp3`), in Unicode NFC: the
    /// name the rotation, the airplay log and the timeline know the segment by.
    public var media: String
    /// The length in microseconds, nil when unknown (the file's header could not be read).
    public var durationMicros: Int64?
    /// The file's absolute path as the file system spells it, which may differ from `media`
    /// in normalization (file names from macOS arrive in NFD); nil when the segment was not
    /// listed from a folder.
    public var path: String?
    /// When the media library first indexed it; nil when it is not in the library.
    public var addedAt: WallTime?

    public init(media: String, durationMicros: Int64?, path: String? = nil, addedAt: WallTime? = nil) {
        self.media = media
        self.durationMicros = durationMicros
        self.path = path
        self.addedAt = addedAt
    }
}

/// Which segments of a topic a `{ topic = "...", count = N }` item airs: the `count` that
/// aired least recently, never-aired ones first, so that over the days every segment airs in
/// turn (SPEC §4).
///
/// Ties — segments never aired, or last aired at the same instant — go by import order:
/// the time the media library first indexed them (`addedAt`), and for segments it has not
/// indexed (after those it has) or added at the same instant, the `media` path in Unicode
/// NFC, compared code point by code point (not by locale): `giam-ngheo/B.mp3` comes before
/// `giam-ngheo/a.mp3`, and `giam-ngheo/ă.mp3` after both.
///
/// The rotation keeps no state of its own: whoever picks passes the times segments last
/// aired. A caller that picks ahead, as the daemon does, merges the times the airplay log
/// has (`AirplayLog.lastAired`) with the planned starts of the segments it has picked for
/// blocks that have not aired yet (``merging(_:_:)``), so that the evening block does not
/// pick the morning's segments again before they reach the log.
public enum TopicRotation {
    /// The `count` segments of `segments` that aired least recently, in airing order (least
    /// recent first); fewer when the topic has fewer segments. Each segment is picked at most
    /// once; segments with the same `media` count once.
    ///
    /// Pass only segments that can air: one that never airs (it cannot be decoded, say) keeps
    /// the oldest time and would be picked every time.
    ///
    /// - Parameter lastAired: when each segment last started airing, by `media` path (NFC);
    ///   a segment missing from it has never aired.
    public static func pick(
        count: Int, from segments: [TopicSegment], lastAired: [String: WallTime]
    ) -> [TopicSegment] {
        guard count > 0 else { return [] }
        var seen = Set<String>()
        let unique = segments.filter { seen.insert($0.media).inserted }
        let ordered = unique.sorted { a, b in
            switch (lastAired[a.media], lastAired[b.media]) {
            case (nil, nil): return importOrder(a, b)
            case (nil, _): return true
            case (_, nil): return false
            case (let x?, let y?): return x != y ? x < y : importOrder(a, b)
            }
        }
        return Array(ordered.prefix(count))
    }

    /// `lastAired` with the later of the two times for each segment: the log's airings and
    /// the picks not yet aired, in one map to pass to ``pick(count:from:lastAired:)``.
    public static func merging(_ lastAired: [String: WallTime], _ other: [String: WallTime]) -> [String: WallTime] {
        lastAired.merging(other) { max($0, $1) }
    }

    /// Whether `a` comes before `b` in import order: by the time the library added them
    /// (segments it has not indexed last), then by path.
    static func importOrder(_ a: TopicSegment, _ b: TopicSegment) -> Bool {
        switch (a.addedAt, b.addedAt) {
        case (let x?, let y?) where x != y: return x < y
        case (.some, nil): return true
        case (nil, .some): return false
        default: return importOrder(a.media, b.media)
        }
    }

    /// Whether path `a` comes before path `b`: their Unicode NFC code points compared
    /// one by one (the order SQLite's BINARY collation and UTF-8 bytes give too).
    public static func importOrder(_ a: String, _ b: String) -> Bool {
        let x = a.precomposedStringWithCanonicalMapping.unicodeScalars
        let y = b.precomposedStringWithCanonicalMapping.unicodeScalars
        return x.lexicographicallyPrecedes(y) { $0.value < $1.value }
    }
}
