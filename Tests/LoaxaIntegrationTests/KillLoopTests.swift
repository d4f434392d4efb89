import Foundation
import LoaxaCore
import Testing

/// `loaxad` killed with SIGKILL again and again, at moments drawn from a seeded generator
/// and aimed in turn at every state a station passes through: right after start-up, before
/// a block, as a block starts, in the middle of a segment, between two segments and as a
/// block ends. After every kill, every event read before it is still there, unchanged;
/// after every restart, nothing the dead run left open is still open and the chain
/// verifies; at the end, after a clean stop, every segment and block has exactly one end,
/// every block whose time passed is recorded started or missed, and everything the card
/// played lies within a segment the log records.
///
/// `make test` kills 20 times (about a minute); `make soak` sets LOAXA_KILLS=200.
/// LOAXA_KILL_SEED repeats the moments of an earlier run (each run prints its seed).
///
/// SIGKILL leaves the page cache alone, so this shows what the daemon commits and when,
/// and that recovery closes what it must, not that commits reach the disk: that is the
/// durability settings' part (`durabilitySettingsOfTheRunningDaemon`, and the store's
/// `fileLogIsDurable`).
@Suite(.serialized) struct KillLoopTests {
    /// Blocks start every `period` seconds: two segments of 1.5 s, then a second of silence.
    static let period: Int64 = 4

    @Test func killedAtRandomMomentsTheLogLosesNothingAndLeavesNothingOpen() throws {
        let environment = ProcessInfo.processInfo.environment
        let kills = Int(environment["LOAXA_KILLS"] ?? "") ?? 20
        let seed = UInt64(environment["LOAXA_KILL_SEED"] ?? "") ?? UInt64.random(in: 1...UInt64(Int64.max))
        print("kill loop: \(kills) kills, seed \(seed) (LOAXA_KILL_SEED=\(seed) repeats these moments)")
        var random = SplitMix64(seed: seed)
        let began = Date()

        let station = try TestStation()
        defer { try? FileManager.default.removeItem(atPath: station.dir) }
        try station.writeConfig()
        // Cut from the test audio (busy from the first sample to the last, so any audio in
        // the capture is a segment's), short so that blocks come every few seconds.
        for (name, source) in [("a.wav", "chirp-48k.flac"), ("b.wav", "speech-noise-22k.wav")] {
            let trim = try runProgram(
                "/usr/bin/env",
                ["sox", Environment.testAudio + "/" + source, station.dir + "/media/test/" + name, "trim", "0", "1.5"])
            try #require(trim.status == 0, "sox: \(trim.stderr)")
        }
        let schedule = BackToBackBlocks(
            station: station, first: WallTime(seconds: WallTime.now().microseconds / 1_000_000 + 4), period: Self.period)

        var seen: [LoggedEvent] = []
        var runs: [DaemonRun] = []
        var tally: [KillMoment: Int] = [:]
        var outages: [(from: WallTime, to: WallTime)] = []
        for index in 0..<kills {
            try schedule.write(until: WallTime.now() + 60_000_000)
            var run = try DaemonRun(station: station)
            let daemon = try station.startDaemon()
            let moment = KillMoment.allCases[index % KillMoment.allCases.count]
            if moment == .rightAfterStartUp {
                usleep(UInt32(random.next() % 500_000))
            } else {
                try station.waitUntilReady(daemon)
                let events = try station.airplayEvents()
                try Self.expectRestartClosedEverything(events, before: seen, station: station, after: "kill \(index)")
                seen = events
                // Aimed at a block this run airs: one the log shows started before the kill
                // is not aired again (its time is settled), so a moment in it finds the
                // station idle.
                let settled = Set(events.filter { $0.kind == "block_started" || $0.kind == "block_missed" }.map(\.blockKey))
                let target = schedule.next(moment, after: WallTime.now() + 50_000, skipping: settled, random: &random)
                while WallTime.now() < target && daemon.isRunning { usleep(5_000) }
            }
            try #require(daemon.isRunning, "loaxad exited by itself before kill \(index + 1): \(station.daemonLog)")
            let killedAt = WallTime.now()
            kill(daemon.processIdentifier, SIGKILL)
            daemon.waitUntilExit()
            try run.end(at: killedAt, station: station)
            runs.append(run)
            tally[moment, default: 0] += 1

            let after = try station.airplayEvents()
            Self.expectUnchanged(seen, in: after, after: "kill \(index + 1)")
            let open = after.segments.filter(\.isOpen)
            print("kill \(index + 1) \(moment.rawValue), \(schedule.describe(killedAt)): "
                + "\(open.count) segment(s) and \(after.blockEnds.values.filter(\.isEmpty).count) block(s) left open")
            seen = after
            // Before every other start-up kill the station stays down while a whole block
            // passes: the block is recorded missed, even when the next run dies before its
            // look back is done.
            if moment.next == .rightAfterStartUp && index % 12 == 3 {
                let back = schedule.next(.blockStart, after: WallTime.now(), skipping: [], random: &random) + 3_600_000
                outages.append((killedAt, back))
                print("kill \(index + 1): the station stays down until \(schedule.describe(back))")
                while WallTime.now() < back { usleep(50_000) }
            }
        }

        // A last run, stopped cleanly after a block has aired whole.
        try schedule.write(until: WallTime.now() + 60_000_000)
        var last = try DaemonRun(station: station)
        let daemon = try station.startDaemon()
        try station.waitUntilReady(daemon)
        try Self.expectRestartClosedEverything(try station.airplayEvents(), before: seen, station: station, after: "the last kill")
        let wholeBlockEnds = schedule.next(.beforeBlock, after: WallTime.now() + 500_000, skipping: [], random: &random)
            + Self.period * 1_000_000
        while WallTime.now() < wholeBlockEnds && daemon.isRunning { usleep(50_000) }
        let stoppedAt = WallTime.now()
        station.stop(daemon)
        #expect(daemon.terminationStatus == 0, "loaxad: \(station.daemonLog)")
        try last.end(at: stoppedAt, station: station)
        runs.append(last)

        let events = try station.airplayEvents()
        Self.expectUnchanged(seen, in: events, after: "the clean stop")
        try station.expectLogVerifies("after the clean stop")
        let segments = events.segments
        for segment in segments where segment.ends.count != 1 {
            Issue.record("segment \(segment.id) (\(segment.summary)) has \(segment.ends.count) ends: \(segment.events.map(\.kind))")
        }
        for (block, ends) in events.blockEnds where ends.count != 1 {
            Issue.record("block \(block) has \(ends.count) ends")
        }
        // Every block whose time passed is recorded started or missed, once.
        for start in schedule.starts where start + 2_000_000 < stoppedAt {
            let key = schedule.key(start)
            let settled = events.filter { ($0.kind == "block_started" || $0.kind == "block_missed") && $0.blockKey == key }
            if settled.count != 1 {
                Issue.record("block \(key): \(settled.count) block_started or block_missed events, not 1")
            }
        }
        for outage in outages {
            for start in schedule.starts where start > outage.from && start + 3_100_000 < outage.to {
                #expect(events.contains { $0.kind == "block_missed" && $0.blockKey == schedule.key(start) },
                    "block \(schedule.key(start)) passed while the station was down and is not recorded missed")
            }
        }
        // A segment's start is in the log before its first frame leaves the card.
        var leads: [Int64] = []
        for segment in segments {
            guard let queued = segment.queued, let started = segment.started else { continue }
            leads.append(started.at_us - queued.recorded_at_us)
            #expect(queued.recorded_at_us < started.at_us, "segment \(segment.id) (\(segment.summary)) was written after its first frame aired")
        }
        let coverage = try CaptureCoverage(station: station, runs: runs, events: events)
        coverage.expectEveryFrameLogged()

        let closed = events.filter(\.closesWhatADeadRunLeftOpen)
        print("kill loop: \(kills) kills in \(String(format: "%.1f", Date().timeIntervalSince(began))) s, seed \(seed); "
            + KillMoment.allCases.map { "\($0.rawValue) \(tally[$0] ?? 0)" }.joined(separator: ", "))
        print("kill loop: \(segments.count) segments, \(events.count(of: "block_started")) blocks started "
            + "(\(events.filter { $0.kind == "block_started" && $0.detail?.contains("joined") == true }.count) joined late), "
            + "\(events.count(of: "block_missed")) missed; recovery closed "
            + "\(closed.filter { $0.outcome == "interrupted" }.count) segments interrupted, "
            + "\(closed.filter { $0.outcome == "not_aired" }.count) not aired, "
            + "\(closed.filter { $0.kind == "block_ended" }.count) blocks; "
            + "segment starts written \(leads.min().map { $0 / 1000 } ?? -1) ms or more before they aired")
        print("kill loop: capture \(coverage.summary)")
    }

    /// The daemon's own connection writes the log as `AirplayLog` is meant to: WAL, every
    /// commit flushed; it says so in its journal at start, and `loaxa status` reports it.
    @Test func durabilitySettingsOfTheRunningDaemon() throws {
        let station = try TestStation()
        defer { try? FileManager.default.removeItem(atPath: station.dir) }
        try station.writeConfig()
        let daemon = try station.startDaemon()
        defer { station.stop(daemon) }
        try station.waitUntilReady(daemon)
        let status = try station.statusReport()
        let log = try #require(status.airplayLog, "loaxa status --json has no airplayLog")
        #expect(log.journalMode == "wal")
        #expect(log.synchronous == 2, "synchronous FULL")
        #expect(log.writeError == nil)
        #expect(station.daemonLog.contains("journal_mode=wal, synchronous=2"), "\(station.daemonLog)")
        let text = try station.loaxa(["status"])
        #expect(text.stdout.contains("WAL, synchronous FULL"), "\(text.stdout)")
        #expect(!text.stdout.contains("NOT WRITABLE"), "\(text.stdout)")
    }

    /// Every event of `before` is still in `after`, at the same place, unchanged.
    static func expectUnchanged(_ before: [LoggedEvent], in after: [LoggedEvent], after what: String) {
        guard after.count >= before.count else {
            Issue.record("after \(what) the log holds \(after.count) events, \(before.count) were seen before")
            return
        }
        if let i = before.indices.first(where: { before[$0] != after[$0] }) {
            Issue.record("after \(what) event \(before[i].seq) changed: was \(before[i]), is \(after[i])")
        }
        let lost = Set(before.segments.map(\.id)).subtracting(after.segments.map(\.id))
        #expect(lost.isEmpty, "after \(what) segments lost: \(lost)")
    }

    /// Once a new run is ready, what the runs before it left open is closed, once, at the
    /// last moment known to have aired, and the chain verifies.
    static func expectRestartClosedEverything(
        _ events: [LoggedEvent], before: [LoggedEvent], station: TestStation, after what: String
    ) throws {
        expectUnchanged(before, in: events, after: "the restart after \(what)")
        let thisRun = try #require(events.last { $0.kind == "daemon_started" }, "no daemon_started after \(what)")
        let earlier = Set(events.filter { $0.seq < thisRun.seq }.compactMap(\.segment))
        let wasOpen = Set(before.segments.filter(\.isOpen).map(\.id))
        for segment in events.segments where earlier.contains(segment.id) {
            guard segment.ends.count == 1, let end = segment.ends.first else {
                Issue.record("after the restart after \(what), segment \(segment.id) (\(segment.summary)) has \(segment.ends.count) ends")
                continue
            }
            guard wasOpen.contains(segment.id) else { continue }
            #expect(end.closesWhatADeadRunLeftOpen, "segment \(segment.id) closed by \(end.reason ?? "-")")
            let expected = segment.lastAired.map { ($0, "interrupted") } ?? (segment.first.at_us, "not_aired")
            #expect(end.at_us == expected.0 && end.outcome == expected.1,
                "segment \(segment.id) (\(segment.summary)) closed at \(end.at_us) \(end.outcome ?? "-"), expected \(expected)")
        }
        for (block, ends) in events.blockEnds where ends.isEmpty {
            if let start = events.first(where: { $0.kind == "block_started" && $0.blockKey == block }), start.seq < thisRun.seq {
                Issue.record("after the restart after \(what), block \(block) is still open")
            }
        }
        for (block, ends) in before.blockEnds where ends.isEmpty {
            let end = try #require(events.blockEnds[block]?.first, "block \(block) left open by \(what) was not closed")
            #expect(end.closesWhatADeadRunLeftOpen, "block \(block) closed by \(end.reason ?? "-")")
        }
        try station.expectLogVerifies("after the restart after \(what)")
    }
}

/// Where a kill is aimed.
enum KillMoment: String, CaseIterable {
    case midSegment = "mid-segment"
    case blockStart = "during a block start"
    case betweenSegments = "between segments"
    case beforeBlock = "before a block"
    case rightAfterStartUp = "right after start-up"
    case blockEnd = "as a block ends"

    /// The moment aimed at after this one.
    var next: KillMoment { Self.allCases[(Self.allCases.firstIndex(of: self)! + 1) % Self.allCases.count] }

    /// Where in a block's period it falls, in seconds from the block's start.
    var windows: [ClosedRange<Double>] {
        switch self {
        case .midSegment: return [0.25...1.25, 1.75...2.75]
        case .blockStart: return [-0.05...0.3]
        case .betweenSegments: return [1.4...1.6]
        case .beforeBlock: return [-0.75...(-0.15)]
        case .rightAfterStartUp: return []
        case .blockEnd: return [2.9...3.2]
        }
    }
}

/// One-off blocks of the test's two segments, every `period` seconds from `first`, written
/// up to a minute ahead before each start (so that a restart prepares a few blocks, not
/// hundreds).
final class BackToBackBlocks {
    let station: TestStation
    let first: WallTime
    let period: Int64
    private var written = 0

    init(station: TestStation, first: WallTime, period: Int64) {
        self.station = station
        self.first = first
        self.period = period
    }

    /// The block starts written so far.
    var starts: [WallTime] { (0..<written).map(start) }

    func start(_ index: Int) -> WallTime { first + Int64(index) * period * 1_000_000 }
    func id(_ start: WallTime) -> String { "kl-\((start - first) / (period * 1_000_000))" }

    /// Writes the blocks that start before `end`.
    func write(until end: WallTime) throws {
        let count = Int((end - first) / (period * 1_000_000)) + 1
        var text = ""
        for index in 0..<count {
            let (date, time) = station.local(start(index))
            text += """
                [[block]]
                id = "\(id(start(index)))"
                title = "Khối \(index)"
                date = \(date)
                start = \(time)
                items = [{ file = "test/a.wav" }, { file = "test/b.wav" }]


                """
        }
        try text.write(toFile: station.dir + "/schedules/kill-loop.toml", atomically: true, encoding: .utf8)
        written = count
    }

    /// A random moment in `moment`'s windows, in the first block after `earliest` whose
    /// key (`id@micros`) is not in `skipping`.
    func next(_ moment: KillMoment, after earliest: WallTime, skipping: Set<String>, random: inout SplitMix64) -> WallTime {
        let windows = moment.windows
        guard !windows.isEmpty else { return earliest }
        let window = windows[Int(random.next() % UInt64(windows.count))]
        let offset = window.lowerBound + (window.upperBound - window.lowerBound) * random.unit()
        let micros = Int64(offset * 1_000_000)
        var index = max(0, Int((earliest - first - micros) / (period * 1_000_000)))
        while start(index) + micros < earliest || skipping.contains(key(start(index))) { index += 1 }
        return start(index) + micros
    }

    /// A block airing's key, as `LoggedEvent.blockKey` gives it.
    func key(_ start: WallTime) -> String { "\(id(start))@\(start.microseconds)" }

    /// Where `t` falls: "+1.234 s from the start of kl-7".
    func describe(_ t: WallTime) -> String {
        let index = Int(((t - first) + 760_000) / (period * 1_000_000))
        let into = Double(t - start(index)) / 1e6
        return String(format: "%+.3f s from the start of %@", into, id(start(index)))
    }
}

/// One run of the daemon: when it ran, and the frames of the card's capture it wrote.
struct DaemonRun {
    var spawnedAt: WallTime
    var firstFrame: Int64
    var endedAt = WallTime(microseconds: 0)
    var lastFrame: Int64 = 0

    init(station: TestStation) throws {
        spawnedAt = WallTime.now()
        firstFrame = try station.captureFrames()
    }

    /// Notes the end of the run, once the daemon has exited: it was killed or stopped `at`.
    mutating func end(at: WallTime, station: TestStation) throws {
        endedAt = at
        lastFrame = try station.captureFrames()
    }
}

/// What the virtual card played, set against the segments the log records: every 10 ms of
/// audio in the capture must fall within a segment's time on air (from its start, or its
/// predicted start when only its queuing is known, to its end, or its planned length when
/// a kill cut it), and every segment the log says completed must be heard.
///
/// The card writes a line to `capture.runs`, with the wall time of its first frame, when a
/// run of the card ends; a SIGKILL ends it with no line, so the frames of a killed run carry
/// no time. They are placed by the first sound in them: a segment starting out of silence,
/// found in the log within 0.4 s of where the run's `daemon_started` puts it (the card
/// starts just before that event), and everything after it follows frame for frame. A kill
/// also loses what the card had not yet written out (up to 128 KiB, 0.7 s), so the last
/// moments of each killed run are not checked; and what the capture holds past the kill
/// was written to the card ahead (up to its buffer, 320 ms) but never played, so it is left
/// out.
struct CaptureCoverage {
    static let rate: Int64 = 48_000
    static let windowFrames: Int64 = 480
    static let toleranceMicros: Int64 = 40_000

    var issues: [String] = []
    var checkedWindows = 0
    var heardCompleted = 0
    /// Segments the recovery closed `not_aired` (no start was in the log) whose sound the
    /// card played: killed after the first frame left the card and before the renderer
    /// recorded the start.
    var heardNotAired = 0
    var anchoredRuns = 0
    var silentRuns = 0

    var summary: String {
        "\(Double(checkedWindows) / 100) s of audio checked against the log, \(anchoredRuns) killed runs placed by their first sound, "
            + "\(silentRuns) runs silent, \(heardCompleted) completed segments heard, "
            + "\(heardNotAired) segments closed not_aired at restart heard in part"
    }

    init(station: TestStation, runs: [DaemonRun], events: [LoggedEvent]) throws {
        let intervals = Self.intervals(events)
        let cardRuns = try Self.cardRuns(station.capturePrefix + ".runs")
        let daemonStarts = events.filter { $0.kind == "daemon_started" }.map(\.at_us)
        let raw = try FileHandle(forReadingFrom: URL(fileURLWithPath: station.capturePrefix + ".raw"))
        defer { try? raw.close() }
        var heard = Set<String>()
        var heardUnstarted = Set<String>()
        for run in runs where run.lastFrame > run.firstFrame {
            let audible = try Self.audibleWindows(raw, from: run.firstFrame, to: run.lastFrame)
            guard audible.contains(true) else {
                silentRuns += 1
                continue
            }
            func frame(ofWindow index: Int) -> Int64 { run.firstFrame + Int64(index) * Self.windowFrames }
            // Frames the card's lines time exactly; after them (a killed run), its first sound.
            let lines = cardRuns.filter { $0.offset >= run.firstFrame && $0.offset < run.lastFrame }
            let untimedFrom = lines.map { $0.offset + $0.frames }.max() ?? run.firstFrame
            var anchors = lines.map { (frame: $0.offset, micros: $0.startMicros) }
            var firstSound: Int64?
            let untimedWindow = Int((untimedFrom - run.firstFrame + Self.windowFrames - 1) / Self.windowFrames)
            if let onset = (max(1, untimedWindow)..<max(1, audible.count)).first(where: { audible[$0] && !audible[$0 - 1] }) {
                let rough = lines.last.map { $0.startMicros + $0.frames * 1_000_000 / Self.rate }
                    ?? daemonStarts.first { run.spawnedAt.microseconds <= $0 && $0 <= run.endedAt.microseconds }
                if let rough {
                    let roughly = rough + (frame(ofWindow: onset) - untimedFrom) * 1_000_000 / Self.rate
                    if let match = intervals.map(\.start).min(by: { abs($0 - roughly) < abs($1 - roughly) }),
                        abs(match - roughly) <= 400_000
                    {
                        anchors.append((frame(ofWindow: onset), match))
                        firstSound = frame(ofWindow: onset)
                        anchoredRuns += 1
                    } else {
                        issues.append("a killed run's first sound, at about \(roughly) µs, is no segment's start in the log")
                    }
                } else {
                    issues.append("a killed run's capture holds sound, but the log has no daemon_started of that run to place it by")
                }
            }
            // The segments around this run's time, from its first anchor to its last frame.
            let from = (anchors.map(\.micros).min() ?? 0) - 1_000_000
            let to = run.endedAt.microseconds + 1_000_000
            let nearby = intervals.filter { $0.end >= from && $0.start <= to }
            for (index, isAudible) in audible.enumerated() {
                let frame = frame(ofWindow: index)
                let timed = frame < untimedFrom || firstSound.map { frame >= $0 } == true
                guard timed, let base = anchors.last(where: { $0.frame <= frame }) else { continue }
                let middle = base.micros + ((frame - base.frame) * 2 + Self.windowFrames) * 500_000 / Self.rate
                // Written to the card ahead of the kill, never played.
                if middle > run.endedAt.microseconds { break }
                if isAudible {
                    checkedWindows += 1
                    let covering = nearby.filter {
                        $0.start - Self.toleranceMicros <= middle && middle <= $0.end + Self.toleranceMicros
                    }
                    if covering.isEmpty {
                        issues.append("sound at \(middle) µs (capture frame \(frame)) lies in no segment the log records")
                    }
                    for interval in covering where interval.completed { heard.insert(interval.segment) }
                    if covering.allSatisfy(\.closedUnstarted), let interval = covering.first { heardUnstarted.insert(interval.segment) }
                } else if let silent = nearby.first(where: { $0.completed && $0.start + 100_000 < middle && middle < $0.end - 100_000 }) {
                    issues.append("segment \(silent.segment), completed by the log, is silent in the capture at \(middle) µs")
                }
            }
        }
        heardCompleted = heard.count
        heardNotAired = heardUnstarted.count
    }

    func expectEveryFrameLogged() {
        for issue in issues.prefix(20) { Issue.record(Comment(rawValue: issue)) }
        #expect(checkedWindows > 0, "no audio was checked: \(summary)")
    }

    /// Where a segment was on air, as far as the log knows.
    struct Interval {
        var segment: String
        var start: Int64
        var end: Int64
        var completed: Bool
        /// Closed `not_aired` at a restart: the log knew only that it was queued.
        var closedUnstarted = false
    }

    static func intervals(_ events: [LoggedEvent]) -> [Interval] {
        events.segments.compactMap { segment in
            guard let end = segment.ends.first, end.kind == "segment_ended" else { return nil }
            let planned = (segment.first.planned_ms ?? 0) * 1000
            if end.closesWhatADeadRunLeftOpen, let from = segment.started?.at_us ?? segment.queued?.at_us {
                return Interval(
                    segment: segment.id, start: from, end: from + planned, completed: false,
                    closedUnstarted: segment.started == nil)
            }
            guard let from = segment.started?.at_us else { return nil }
            return Interval(segment: segment.id, start: from, end: end.at_us, completed: end.outcome == "completed")
        }
    }

    /// One line of `capture.runs`.
    struct CardRun {
        var offset: Int64
        var startMicros: Int64
        var frames: Int64
    }

    static func cardRuns(_ path: String) throws -> [CardRun] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let f = line.split(separator: " ")
            guard f.count == 8, let offset = Int64(f[1]), let realtime = Int64(f[3]), let frames = Int64(f[7]) else { return nil }
            return CardRun(offset: offset, startMicros: realtime / 1000, frames: frames)
        }
    }

    /// For each 10 ms of frames `from ..< to` (16-bit stereo): whether any sample is not 0.
    static func audibleWindows(_ raw: FileHandle, from: Int64, to: Int64) throws -> [Bool] {
        try raw.seek(toOffset: UInt64(from * 4))
        let data = try raw.read(upToCount: Int((to - from) * 4)) ?? Data()
        let windowBytes = Int(windowFrames) * 4
        return data.withUnsafeBytes { bytes in
            stride(from: 0, to: bytes.count, by: windowBytes).map { start in
                let end = min(start + windowBytes, bytes.count)
                var word = start
                while word + 8 <= end {
                    if bytes.loadUnaligned(fromByteOffset: word, as: UInt64.self) != 0 { return true }
                    word += 8
                }
                return (word..<end).contains { bytes[$0] != 0 }
            }
        }
    }
}

extension TestStation {
    /// The frames in the card's capture so far (16-bit stereo).
    func captureFrames() throws -> Int64 {
        let path = capturePrefix + ".raw"
        guard FileManager.default.fileExists(atPath: path) else { return 0 }
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber
        return (size?.int64Value ?? 0) / 4
    }
}
