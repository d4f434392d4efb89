import LoaxaCore
import LoaxaMedia
import LoaxaSchedule
import LoaxaStore

extension MediaLibrary {
    /// A topic's segments as the library sees them, for the rotation: the folder's files
    /// without those the library refused, each with the time the library added it; and the
    /// library's entries for them, by media path.
    ///
    /// Only files the library saw as they are now (same size and modification time) count:
    /// a refused file replaced since is not left out, and a changed file's approval is not
    /// taken for its new content. With no library (or one that cannot be read) the folder's
    /// list comes back as it is.
    public static func topicView(
        _ segments: [TopicSegment], topic: String, mediaFolder: String, log: AirplayLog?
    ) -> (segments: [TopicSegment], entries: [String: LibraryEntry]) {
        guard let log, let stored = try? log.libraryEntries(topic: topic, states: Set(LibraryEntry.State.allCases))
        else { return (segments, [:]) }
        let byPath = Dictionary(stored.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        var entries: [String: LibraryEntry] = [:]
        var out: [TopicSegment] = []
        for var segment in segments {
            let path = segment.path ?? mediaFolder + "/" + segment.media
            if let entry = byPath[segment.media], isCurrent(entry, at: path) {
                if entry.state == .refused { continue }
                entries[segment.media] = entry
                segment.addedAt = entry.addedAt
            }
            out.append(segment)
        }
        return (out, entries)
    }

    /// The library's entry for the segment `media` (its NFC path) when the file at `path`
    /// is as the library last saw it; nil otherwise.
    public static func currentEntry(media: String, at path: String, log: AirplayLog?) -> LibraryEntry? {
        guard let entry = (try? log?.libraryEntry(path: media)) ?? nil, isCurrent(entry, at: path) else { return nil }
        return entry
    }

    /// Whether the file at `path` has the size and modification time `entry` recorded.
    static func isCurrent(_ entry: LibraryEntry, at path: String) -> Bool {
        guard let stamp = try? MediaAnalyzer.stat(path) else { return false }
        return stamp.size == entry.size && stamp.modifiedNs == entry.modifiedNs
    }
}
