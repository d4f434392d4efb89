import Foundation
import LoaxaCore

/// The expanded timeline of one local day: every block that starts on that date, each item
/// with its planned start and end (`loaxa schedule show`). Built by
/// ``Schedule/timeline(on:zone:media:lastAired:queue:)``.
///
/// A block belongs to the date it starts on: one that starts at 23:30 and runs past
/// midnight is in its start date's timeline, its later entries at times of the next date.
public struct DayTimeline: Hashable, Sendable {
    /// The station-local date.
    public var date: CivilDate
    /// The blocks that start on `date`, by start time.
    public var blocks: [TimelineBlock]
    /// Queued segments that no queue item of the day took: they wait for a later block.
    public var queueLeft: [QueuedSegment]

    public init(date: CivilDate, blocks: [TimelineBlock], queueLeft: [QueuedSegment] = []) {
        self.date = date
        self.blocks = blocks
        self.queueLeft = queueLeft
    }

    /// `lastAired` (segment `media` path → last start) moved on by the day's airings: each
    /// entry that would air counts as aired at its planned start, as the airplay log will
    /// have it. Pass the result to the next day's timeline to follow the rotation over
    /// several days.
    public func lastAired(after lastAired: [String: WallTime]) -> [String: WallTime] {
        var out = lastAired
        for block in blocks {
            for entry in block.entries { entry.recordAiring(in: &out) }
        }
        return out
    }
}

/// One block of a day's timeline.
public struct TimelineBlock: Hashable, Sendable {
    /// The block's id from its schedule file.
    public var id: String
    public var title: String
    /// When the block's first frame airs.
    public var start: WallTime
    /// The block's end: its start plus its `length` when the schedule gives one; otherwise
    /// plus the sum of its items, a topic item counting as its longest `count` segments
    /// (SPEC §4), so entries may end before it.
    public var end: WallTime
    /// The block's `length` in microseconds, when the schedule gives one; nil when the
    /// length comes from the items.
    public var lengthMicros: Int64?
    /// What the block airs, in order; each entry starts where the one before ended.
    public var entries: [TimelineEntry]

    public init(
        id: String, title: String, start: WallTime, end: WallTime, lengthMicros: Int64?, entries: [TimelineEntry]
    ) {
        self.id = id
        self.title = title
        self.start = start
        self.end = end
        self.lengthMicros = lengthMicros
        self.entries = entries
    }
}

/// One line of a block's timeline: a file, a topic segment, a queued segment, or the place
/// where queued segments would air.
public struct TimelineEntry: Hashable, Sendable {
    /// The kind of schedule item the entry comes from.
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        case file, topic, queue
    }

    /// Why an entry has no length, or would not air.
    public enum Note: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
        /// It would not fit in the block's `length`: it is not started (logged `skipped`).
        case blockFull = "block full"
        /// The file is not in the media folder: it would be skipped.
        case missing
        /// The file's length cannot be read (not a file Loaxa can decode): it would be
        /// skipped; it counts as no time.
        case lengthUnknown = "length unknown"
        /// A `queue` item with no queued segments to place: operator-queued segments air
        /// here.
        case operatorQueue = "operator queue"
        /// A topic item whose folder holds no segment that can air.
        case noSegments = "no segments"
        /// With `[playout] require_approval`, a segment whose content is not approved: it
        /// would be skipped (the timeline still gives it its length).
        case notApproved = "not approved"

        public var description: String { rawValue }
    }

    public var kind: Kind
    /// The file's path relative to the media folder; nil for a queue place or an empty topic.
    public var media: String?
    /// The segment's title, when known (queued segments carry theirs).
    public var title: String?
    /// The topic of a topic item.
    public var topic: String?
    public var start: WallTime
    /// Equal to `start` for an entry that takes no time (it would not air, or it is a queue
    /// place with nothing queued).
    public var end: WallTime
    public var note: Note?

    public init(
        kind: Kind, media: String? = nil, title: String? = nil, topic: String? = nil, start: WallTime, end: WallTime,
        note: Note? = nil
    ) {
        self.kind = kind
        self.media = media
        self.title = title
        self.topic = topic
        self.start = start
        self.end = end
        self.note = note
    }

    /// Whether the entry would air: a segment with a known length that fits.
    public var airs: Bool { note == nil && media != nil }

    /// `end - start`.
    public var lengthMicros: Int64 { end - start }

    /// Sets the entry's segment as aired at the entry's start in `lastAired` (by NFC
    /// `media` path), when the entry would air and that is later than what it holds.
    func recordAiring(in lastAired: inout [String: WallTime]) {
        guard airs, let name = media else { return }
        let key = name.precomposedStringWithCanonicalMapping
        lastAired[key] = max(lastAired[key] ?? start, start)
    }
}

/// A segment in the operator's queue, as the timeline places it (the daemon supplies them).
public struct QueuedSegment: Hashable, Sendable {
    /// The path relative to the media folder.
    public var media: String
    public var title: String?
    public var durationMicros: Int64
    /// The block it was queued for (`loaxa queue add --block ID`); nil for the next block
    /// with a queue item.
    public var blockID: String?

    public init(media: String, title: String? = nil, durationMicros: Int64, blockID: String? = nil) {
        self.media = media
        self.title = title
        self.durationMicros = durationMicros
        self.blockID = blockID
    }
}

/// What a timeline needs to know of the media: the length of each file item and the
/// segments of each topic. ``folder(_:duration:)`` reads a media folder; tests make up
/// their own.
public struct TimelineMedia {
    /// A file item's length.
    public enum FileLength: Hashable, Sendable {
        /// The file is not in the media folder.
        case missing
        /// The file is there but its length cannot be read.
        case unknown
        case micros(Int64)
    }

    /// The length of a `file` item, by its path relative to the media folder.
    public var file: (String) -> FileLength
    /// The segments of a topic, by the topic's name (`TopicFolder.segments`).
    public var topic: (String) -> [TopicSegment]

    public init(file: @escaping (String) -> FileLength, topic: @escaping (String) -> [TopicSegment]) {
        self.file = file
        self.topic = topic
    }

    /// The files and topic folders of `mediaFolder`, each looked at once however many
    /// timelines ask.
    ///
    /// - Parameter duration: the duration in microseconds of the file at an absolute path,
    ///   nil when unknown (callers pass `MediaDuration.headerMicros`).
    public static func folder(_ mediaFolder: String, duration: @escaping (String) -> Int64?) -> TimelineMedia {
        let root = LocalPath.fromCurrentDirectory(mediaFolder)
        let cache = Cache()
        return TimelineMedia(
            file: { name in
                if let known = cache.files[name] { return known }
                var length = FileLength.missing
                if let path = MediaFile.locate(name, in: root), LocalPath.kind(path) == .file {
                    length = duration(path).map { .micros(max($0, 0)) } ?? .unknown
                }
                cache.files[name] = length
                return length
            },
            topic: { name in
                if let known = cache.topics[name] { return known }
                let segments = TopicFolder.segments(topic: name, mediaFolder: root, duration: duration)
                cache.topics[name] = segments
                return segments
            })
    }

    private final class Cache {
        var files: [String: FileLength] = [:]
        var topics: [String: [TopicSegment]] = [:]
    }
}
