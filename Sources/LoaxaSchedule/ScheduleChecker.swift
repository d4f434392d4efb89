import LoaxaCore

/// The checks that look at several blocks at once: unique ids, overlaps, and the config's
/// `[rules]`.
///
/// A block's duration is its `length`, or else the sum of its files' durations, a topic
/// item counting as its `count` longest segments (queue items count as nothing). Times are compared on the station's local clock, so a
/// block that runs past midnight is checked against the next day's blocks too.
struct ScheduleChecker {
    private static let day: Int64 = 86_400_000_000

    /// A block with everything the checks need.
    private struct Timed {
        var draft: BlockDraft
        var id: String
        var start: Int64
        var duration: Int64
        var durationFromFiles: Bool
        var dates: DateSet

        /// The end used for overlaps: a block with no known duration still takes its
        /// starting instant.
        var end: Int64 { start + max(duration, 1) }

        var span: String { "\(ClockText.format(micros: start))–\(ClockText.format(micros: start + duration))" }
    }

    private var diagnostics: [Diagnostic] = []

    /// Checks `drafts` (in file order) and returns the problems, each on the later block.
    static func check(
        _ drafts: [BlockDraft], rules: StationConfig.Rules, mediaDuration: (String) -> Int64?
    ) -> [Diagnostic] {
        var checker = ScheduleChecker()
        checker.checkIDs(drafts)

        var durations: [String: Int64] = [:]
        let timed: [Timed] = drafts.compactMap { draft in
            guard let id = draft.id, let start = draft.startSecond, let recurrence = draft.recurrence else { return nil }
            var fromFiles = false
            let duration: Int64
            if let length = draft.lengthMicros {
                duration = length
            } else {
                fromFiles = true
                duration = draft.mediaFolder.map { folder in
                    PlannedItem.nominalMicros(of: draft.items, mediaFolder: folder) { path in
                        if durations[path] == nil { durations[path] = max(mediaDuration(path) ?? 0, 0) }
                        return durations[path]
                    }
                } ?? 0
            }
            return Timed(
                draft: draft, id: id, start: Int64(start) * 1_000_000, duration: duration,
                durationFromFiles: fromFiles, dates: DateSet(recurrence))
        }
        checker.checkOverlaps(timed)
        if let minutes = rules.maxBlockMinutes { checker.checkLengths(timed, maxMinutes: minutes) }
        if let count = rules.maxBlocksPerDay { checker.checkBlocksPerDay(timed, max: count) }
        return checker.diagnostics
    }

    private mutating func report(_ draft: BlockDraft, line: Int, _ message: String) {
        diagnostics.append(Diagnostic(file: draft.file, line: line, message: message))
    }

    private mutating func checkIDs(_ drafts: [BlockDraft]) {
        var first: [String: BlockDraft] = [:]
        for draft in drafts {
            guard let id = draft.id else { continue }
            if let earlier = first[id] {
                report(
                    draft, line: draft.idLine,
                    "block id \(quoted(id)) is already used at \(earlier.file):\(earlier.idLine); "
                        + "ids must be unique across all schedule files")
            } else {
                first[id] = draft
            }
        }
    }

    /// Two blocks overlap when, on some date A runs and the same or the next or previous
    /// date B runs, their times intersect. Blocks last at most a day, so no other pair of
    /// dates can meet.
    private mutating func checkOverlaps(_ blocks: [Timed]) {
        for (j, b) in blocks.enumerated() {
            for a in blocks[..<j] where a.id != b.id {
                // B on the date k days after A's.
                for k: Int64 in [0, -1, 1] {
                    let bStart = b.start + k * Self.day, bEnd = b.end + k * Self.day
                    guard a.start < bEnd, bStart < a.end else { continue }
                    let common = a.dates.intersection(b.dates.shifted(by: -k))
                    guard !common.isEmpty else { continue }
                    let place = "\(a.draft.file):\(a.draft.startLine)"
                    report(
                        b.draft, line: b.draft.startLine,
                        "block \(quoted(b.id)) (\(b.span)) overlaps block \(quoted(a.id)) (\(a.span), \(place)) "
                            + "\(common.shifted(by: k).text); move one of them or shorten it")
                    break
                }
            }
        }
    }

    private mutating func checkLengths(_ blocks: [Timed], maxMinutes: Int) {
        for block in blocks where block.duration > Int64(maxMinutes) * 60_000_000 {
            let how = block.durationFromFiles ? "its files last" : "its length is"
            let line = block.durationFromFiles ? block.draft.startLine : block.draft.lengthLine
            report(
                block.draft, line: line,
                "block \(quoted(block.id)) is too long: \(how) \(BlockLength.format(micros: block.duration)), "
                    + "more than [rules] max_block_minutes = \(maxMinutes)")
        }
    }

    /// Counts blocks by local start date. The dates split into stretches over which the set
    /// of date ranges in force does not change; within a stretch only weekdays matter.
    private mutating func checkBlocksPerDay(_ blocks: [Timed], max: Int) {
        guard blocks.count > max else { return }
        var bounds = Set<Int64>([DateSet.noStart])
        for block in blocks {
            bounds.insert(block.dates.lower)
            bounds.insert(block.dates.upper + 1)
        }
        let sorted = bounds.sorted()
        var reported = Set<[String]>()
        for (n, lower) in sorted.enumerated() {
            let upper = n + 1 < sorted.count ? sorted[n + 1] - 1 : DateSet.noEnd
            guard lower <= upper else { continue }
            let active = blocks.filter { $0.dates.lower <= lower && upper <= $0.dates.upper }
            guard active.count > max else { continue }
            for weekday in 0..<7 {
                let stretch = DateSet(lower: lower, upper: upper, weekdays: 1 << UInt8(weekday))
                guard !stretch.isEmpty else { continue }
                let running = active.filter { $0.dates.weekdays & (1 << UInt8(weekday)) != 0 }
                guard running.count > max else { continue }
                let ids = running.map(\.id)
                guard reported.insert(ids).inserted, let last = running.last else { continue }
                let names = running.sorted { $0.start < $1.start }.map { quoted($0.id) }.joined(separator: ", ")
                report(
                    last.draft, line: last.draft.line,
                    "\(running.count) blocks run \(stretch.text): \(names); [rules] max_blocks_per_day is \(max)")
            }
        }
    }
}
