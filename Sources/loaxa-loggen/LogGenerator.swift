import Foundation
import LoaxaCore
import LoaxaStore

/// Writes a long, plausible airplay log for the scale benchmark: day after day of a commune
/// station's morning and evening sessions, each a run of segments from a library of
/// programmes on the poverty-reduction topics, with the mix of outcomes a real station
/// sees (a few interrupted, skipped, failed or not aired), operator-queued and emergency
/// segments, missed sessions and restarts. Events go through ``AirplayLog/append(_:)``
/// like the daemon's, so the chain is real and verifies.
///
/// The content is pseudo-random from a fixed seed: the same arguments give the same log.
struct LogGenerator {
    /// How many segment records to write.
    var records: Int
    /// Heartbeats recorded per aired segment (the daemon writes one every 5 s; a real
    /// station's log has dozens per segment, which only make the file larger).
    var heartbeats: Int
    /// The first day, station time (UTC+7).
    var firstDay: CivilDate
    var seed: UInt64

    static let offset: Int64 = 7 * 3600 * 1_000_000
    static let rate = 48_000

    /// The programmes the station rotates: (topic, file name, title, minutes).
    static let topics: [(topic: String, title: String, minutes: ClosedRange<Int>)] = [
        ("giam-ngheo", "Chính sách giảm nghèo", 10...15),
        ("viec-lam", "Việc làm cho người lao động", 5...12),
        ("y-te", "Chăm sóc sức khỏe", 3...10),
        ("giao-duc", "Hỗ trợ học tập", 3...10),
        ("tro-giup-phap-ly", "Trợ giúp pháp lý miễn phí", 5...12),
        ("guong-dien-hinh", "Gương thoát nghèo", 8...15),
    ]

    struct Programme {
        var topic: String
        var media: String
        var title: String
        var sha256: String
        var plannedMs: Int64
    }

    func run(into log: AirplayLog, progress: (Int) -> Void) throws {
        var random = SplitMix64(seed: seed)
        var programmes: [Programme] = []
        for (t, entry) in Self.topics.enumerated() {
            for n in 1...40 {
                let minutes = entry.minutes.lowerBound
                    + Int(random.next() % UInt64(entry.minutes.count))
                let seconds = minutes * 60 + Int(random.next() % 50)
                programmes.append(Programme(
                    topic: entry.topic, media: "\(entry.topic)/so-\(n).opus", title: "\(entry.title) — số \(n)",
                    sha256: Self.hex(t, n), plannedMs: Int64(seconds) * 1000))
            }
        }
        let jingle = Programme(topic: "", media: "hieu-dai.flac", title: "Hiệu đài", sha256: Self.hex(99, 0), plannedMs: 12_000)
        let notice = Programme(
            topic: "thong-bao", media: "thong-bao/hop-dan.wav", title: "Thông báo họp dân", sha256: Self.hex(98, 0),
            plannedMs: 90_000)
        let warning = Programme(
            topic: "thong-bao", media: "thong-bao/canh-bao-bao.wav", title: "Cảnh báo bão", sha256: Self.hex(97, 0),
            plannedMs: 60_000)

        var batch: [AirplayEvent] = []
        var written = 0
        var segmentNumber = 0
        var day = firstDay
        var next = 0
        func flush(force: Bool) throws {
            if batch.count >= 20_000 || (force && !batch.isEmpty) {
                try log.append(batch)
                batch.removeAll(keepingCapacity: true)
                progress(written)
            }
        }
        batch.append(AirplayEvent(kind: .daemonStarted, at: Self.time(day, 0, 1), detail: "generated log"))
        while written < records {
            if random.next() % 90 == 0 {
                batch.append(AirplayEvent(kind: .daemonStarted, at: Self.time(day, 4, 30), detail: "restart after a power cut"))
            }
            for (blockID, hour) in [("sang", 6), ("chieu", 17)] where written < records {
                let start = Self.time(day, hour, 0)
                if random.next() % 100 == 0 {
                    batch.append(AirplayEvent(
                        kind: .blockMissed, at: start + 3_600_000_000, blockID: blockID, scheduledAt: start,
                        reason: "the station was not airing (stopped, or its clock not yet set)"))
                    continue
                }
                batch.append(AirplayEvent(kind: .blockStarted, at: start, blockID: blockID, scheduledAt: start, clockSynchronized: true))
                var at = start
                var items: [(Programme, SegmentSource)] = [(jingle, .schedule)]
                for _ in 0..<5 {
                    items.append((programmes[next % programmes.count], .schedule))
                    next += 7
                }
                if random.next() % 10 == 0 { items.insert((notice, .queue), at: 1) }
                if random.next() % 200 == 0 { items.insert((warning, .emergency), at: 2) }
                for (programme, source) in items where written < records {
                    segmentNumber += 1
                    let events = segmentEvents(
                        programme, source: source, blockID: blockID, scheduledAt: at, segment: "g\(segmentNumber)",
                        random: &random)
                    batch.append(contentsOf: events.events)
                    at = at + events.lengthMicros
                    written += 1
                }
                batch.append(AirplayEvent(kind: .blockEnded, at: at, blockID: blockID, scheduledAt: start))
                try flush(force: false)
            }
            day = day.adding(days: 1)
        }
        try flush(force: true)
    }

    /// The events of one airing and how long it held the air.
    func segmentEvents(
        _ p: Programme, source: SegmentSource, blockID: String, scheduledAt: WallTime, segment: String,
        random: inout SplitMix64
    ) -> (events: [AirplayEvent], lengthMicros: Int64) {
        var base = AirplayEvent(
            kind: .segmentQueued, at: scheduledAt, blockID: blockID, scheduledAt: scheduledAt, segment: segment,
            source: source, media: p.media, title: p.title, topic: p.topic.isEmpty ? nil : p.topic, sha256: p.sha256,
            plannedMs: p.plannedMs, deviceRate: Self.rate, clockSynchronized: true)
        if source != .schedule { base.approvedBy = "vhxh"; base.approvedAt = scheduledAt + -600_000_000 }
        let roll = random.next() % 1000
        if roll < 10 {
            var skipped = base
            skipped.kind = .segmentSkipped
            skipped.reason = roll < 5 ? "file missing: \(p.media)" : "block full: it would end after the block's length"
            return ([skipped], 0)
        }
        var events = [base]
        var started = base
        started.kind = .segmentStarted
        started.at = scheduledAt + 2_000
        let full = p.plannedMs * 1000
        var aired = full
        var outcome = SegmentOutcome.completed
        var reason: String?
        if roll < 15 {
            var ended = base
            ended.kind = .segmentEnded
            ended.outcome = .notAired
            ended.reason = "the daemon stopped without closing it"
            ended.playedFrames = 0
            events.append(ended)
            return (events, 0)
        } else if roll < 25 {
            outcome = .interrupted
            aired = full * Int64(1 + random.next() % 9) / 10
            reason = "stopped by vhxh"
        } else if roll < 30 {
            outcome = .failed
            aired = full * Int64(1 + random.next() % 9) / 10
            reason = "the sound card is gone (No such device)"
        }
        events.append(started)
        for beat in 0..<heartbeats {
            var heartbeat = base
            heartbeat.kind = .segmentHeartbeat
            let into = aired * Int64(beat + 1) / Int64(heartbeats + 1)
            heartbeat.at = started.at + into
            heartbeat.playedFrames = into * Int64(Self.rate) / 1_000_000
            events.append(heartbeat)
        }
        var ended = base
        ended.kind = .segmentEnded
        ended.at = started.at + aired
        ended.outcome = outcome
        ended.reason = reason
        ended.playedFrames = aired * Int64(Self.rate) / 1_000_000
        ended.underruns = 0
        events.append(ended)
        return (events, aired + 2_000)
    }

    static func time(_ day: CivilDate, _ hour: Int, _ minute: Int) -> WallTime {
        WallTime(microseconds: day.daysSinceEpoch * 86_400_000_000 + Int64(hour * 3600 + minute * 60) * 1_000_000 - offset)
    }

    /// A made-up content hash for programme `n` of topic `t`.
    static func hex(_ t: Int, _ n: Int) -> String {
        var mix = SplitMix64(seed: UInt64(t * 1000 + n))
        return (0..<4).map { _ in
            let h = String(mix.next(), radix: 16)
            return String(repeating: "0", count: 16 - h.count) + h
        }.joined()
    }
}
