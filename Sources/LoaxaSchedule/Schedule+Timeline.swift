import LoaxaCore

extension Schedule {
    /// The expanded timeline of the local date `date`: every block that starts on it, each
    /// item with its planned start and end, as the daemon would air them (SPEC §4).
    ///
    /// - A `file` item lasts its file's length. A missing file, or one whose length cannot
    ///   be read, takes no time and is marked (it would be skipped at air time).
    /// - A `topic` item becomes the `count` segments the rotation picks
    ///   (``TopicRotation``), from the topic's segments with a known length. A segment
    ///   placed earlier in the day counts as aired at its planned start, so the evening's
    ///   block picks after the morning's.
    /// - A `queue` item takes, in queue order, the queued segments meant for its block
    ///   (queued for it by id, or for no block in particular); one that does not fit waits
    ///   for the next queue item. With none to place it is a mark of no length.
    /// - When the block has a `length`, an item that would run past it is not started and
    ///   is marked "block full"; later, shorter items still get their chance.
    ///
    /// Each entry starts where the one before ended. Times are instants, so a block keeps
    /// its length across a clock change: one at 01:30 lasting 2h on a spring-forward night
    /// ends at 04:30 local time. A block whose start falls in the skipped hour starts as far
    /// after the jump as its start was after the jump's local time (02:30 airs at 03:30;
    /// see ``StationTimeZone``); one in the repeated hour of a fall-back night airs once,
    /// at the earlier instant.
    ///
    /// - Parameters:
    ///   - lastAired: when each segment last started airing, by `media` path (Unicode NFC),
    ///     before the day; missing segments never aired.
    ///   - queue: the operator's queue in order, when known; the CLI without the daemon
    ///     passes none.
    public func timeline(
        on date: CivilDate, zone: StationTimeZone, media: TimelineMedia, lastAired: [String: WallTime] = [:],
        queue: [QueuedSegment] = []
    ) -> DayTimeline {
        var builder = TimelineBuilder(media: media, lastAired: lastAired, queue: queue)
        let blocks = plannedBlocks(on: date, zone: zone).map { builder.expand($0) }
        return DayTimeline(date: date, blocks: blocks, queueLeft: builder.queue)
    }
}

/// Expands one day's blocks in order, carrying the rotation and the queue from block to
/// block.
private struct TimelineBuilder {
    let media: TimelineMedia
    var lastAired: [String: WallTime]
    var queue: [QueuedSegment]

    /// The state of one block being expanded.
    private struct Run {
        let limit: WallTime?
        var cursor: WallTime
        var entries: [TimelineEntry] = []
        /// The block's length when it has none of its own: the sum of its items.
        var nominalMicros: Int64 = 0

        /// Places an entry of `length` at the cursor: marked when it would not air, else
        /// skipped as "block full" when it would run past the block's end.
        @discardableResult
        mutating func place(_ entry: TimelineEntry, length: Int64) -> TimelineEntry {
            var entry = entry
            entry.start = cursor
            entry.end = cursor
            if entry.note == nil, let limit, cursor + length > limit {
                entry.note = .blockFull
            }
            if entry.note == nil {
                entry.end = cursor + length
                cursor = entry.end
            }
            entries.append(entry)
            return entry
        }

        /// Whether `length` more would still end within the block.
        func fits(_ length: Int64) -> Bool {
            limit.map { cursor + length <= $0 } ?? true
        }
    }

    mutating func expand(_ block: PlannedBlock) -> TimelineBlock {
        var run = Run(limit: block.lengthMicros.map { block.start + $0 }, cursor: block.start)
        for item in block.items {
            switch item {
            case .file(let name):
                var entry = TimelineEntry(kind: .file, media: name, start: block.start, end: block.start)
                var length: Int64 = 0
                switch media.file(name) {
                case .missing: entry.note = .missing
                case .unknown: entry.note = .lengthUnknown
                case .micros(let micros): length = micros
                }
                run.nominalMicros += length
                run.place(entry, length: length).recordAiring(in: &lastAired)
            case .topic(let topic, let count):
                let segments = media.topic(topic).filter { $0.durationMicros != nil }
                let picked = TopicRotation.pick(count: count, from: segments, lastAired: lastAired)
                run.nominalMicros += segments.compactMap(\.durationMicros).sorted(by: >).prefix(count).reduce(0, +)
                if picked.isEmpty {
                    let entry = TimelineEntry(
                        kind: .topic, topic: topic, start: block.start, end: block.start, note: .noSegments)
                    run.place(entry, length: 0)
                }
                for segment in picked {
                    let entry = TimelineEntry(
                        kind: .topic, media: segment.media, topic: topic, start: block.start, end: block.start)
                    run.place(entry, length: segment.durationMicros ?? 0).recordAiring(in: &lastAired)
                }
            case .queue:
                var placed = false
                var waiting: [QueuedSegment] = []
                for segment in queue {
                    let length = max(segment.durationMicros, 0)
                    guard segment.blockID == nil || segment.blockID == block.id, run.fits(length) else {
                        waiting.append(segment)
                        continue
                    }
                    let entry = TimelineEntry(
                        kind: .queue, media: segment.media, title: segment.title, start: block.start, end: block.start)
                    run.place(entry, length: length).recordAiring(in: &lastAired)
                    run.nominalMicros += length
                    placed = true
                }
                queue = waiting
                if !placed {
                    let entry = TimelineEntry(kind: .queue, start: block.start, end: block.start, note: .operatorQueue)
                    run.place(entry, length: 0)
                }
            }
        }
        let length = block.lengthMicros ?? run.nominalMicros
        return TimelineBlock(
            id: block.id, title: block.title, start: block.start, end: block.start + length,
            lengthMicros: block.lengthMicros, entries: run.entries)
    }
}
