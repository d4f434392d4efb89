import Foundation
import LoaxaCore
import LoaxaSchedule
import LoaxaStore

/// The figures of one period report (SPEC §10), gathered in one pass over the airplay log.
///
/// Memory grows with what the report lists in summary (topics, months, blocks, distinct
/// programmes, weeks of a plan), never with the number of airings: the airings a report
/// lists one by one (emergencies, incomplete airings) wait in a spool file, not in memory.
public final class PeriodReport {
    public let station: String
    public let days: ReportDays
    public let from: WallTime
    public let to: WallTime
    public let zone: @Sendable (WallTime) -> Int
    /// The log's head when the report read it; nil for an empty log.
    public internal(set) var head: LogHead?
    public let generatedAt: WallTime

    public struct Counts: Sendable {
        public var blocksHeld = 0
        public var blocksMissed = 0
        public var airings = 0
        public var completed = 0
        public var airtimeMs: Int64 = 0
        /// Programmes aired, by their number in ``PeriodReport/programmeList``.
        var programmes = Set<Int>()
        public var programmeCount: Int { programmes.count }
    }

    public internal(set) var total = Counts()
    public internal(set) var emergencyAirings = 0
    public internal(set) var incompleteCount = 0
    public internal(set) var byTopic: [String: Counts] = [:]
    /// By month, keyed year × 100 + month.
    public internal(set) var byMonth: [Int: Counts] = [:]
    public internal(set) var byBlock: [String: Counts] = [:]
    public internal(set) var blockTitles: [String: String] = [:]

    public struct Programme: Sendable {
        public var sha256: String
        public var title: String?
        public var topic: String?
        public var media: String
        public var plannedMs: Int64?
        public var airings = 0
        public var completed = 0
        public var first: WallTime?
        public var last: WallTime?
    }

    /// The distinct programmes (by content hash; by path for an airing without one), in the
    /// order first aired.
    public internal(set) var programmeList: [Programme] = []
    /// Each programme's place in ``programmeList``, by hash.
    var programmeNumbers: [String: Int] = [:]
    public internal(set) var targets: [TargetResult] = []

    let emergencies: RecordSpool
    let incomplete: RecordSpool

    init(station: String, days: ReportDays, zone: StationTimeZone, generatedAt: WallTime) throws {
        self.station = station
        self.days = days
        from = zone.wallTime(date: days.first, secondOfDay: 0)
        to = zone.wallTime(date: days.last.adding(days: 1), secondOfDay: 0)
        self.zone = { zone.offsetSeconds(at: $0) }
        self.generatedAt = generatedAt
        emergencies = try RecordSpool()
        incomplete = try RecordSpool()
    }

    /// Each emergency airing of the period, in log order.
    public func forEachEmergency(_ body: (SegmentRecord) throws -> Void) throws { try emergencies.forEach(body) }

    /// Each airing of the period that did not complete, in log order.
    public func forEachIncomplete(_ body: (SegmentRecord) throws -> Void) throws { try incomplete.forEach(body) }

    /// The programmes, most aired first, then by title.
    public var programmesByAirings: [Programme] {
        programmeList.sorted {
            ($0.airings, $1.title ?? $1.media) > ($1.airings, $0.title ?? $0.media)
        }
    }
}

/// One measure of one plan target, as the report shows it.
public struct TargetResult: Sendable {
    public var plan: Plan
    public var target: PlanTarget
    public var measure: PlanMeasure
    /// The days measured: the plan's, up to the end of the report's period.
    public var first: CivilDate
    public var last: CivilDate
    public var wanted: Int
    public var achieved: Int
    public var shortfall: Int { max(0, wanted - achieved) }
}

/// Segment records written to a temporary file and read back in order; the file is
/// removed when the spool goes. Each record is a run of fields, each a length (4 bytes; all
/// ones for none) and its UTF-8 or decimal text: far cheaper than JSON for the many
/// incomplete airings a long period can hold.
final class RecordSpool {
    private let path: String
    private let handle: FileHandle
    private(set) var count = 0
    private var pending: [UInt8] = []

    init() throws {
        path = NSTemporaryDirectory() + "loaxa-report-\(UUID().uuidString).spool"
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forUpdatingAtPath: path) else {
            throw ReportError.cannotWrite(path: path, reason: "cannot create a temporary file")
        }
        self.handle = handle
        unlink(path)
    }

    deinit { try? handle.close() }

    func append(_ r: SegmentRecord) throws {
        func put(_ text: String?) {
            guard let text else {
                pending.append(contentsOf: [0xFF, 0xFF, 0xFF, 0xFF])
                return
            }
            let n = UInt32(text.utf8.count)
            pending.append(contentsOf: [UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)])
            pending.append(contentsOf: text.utf8)
        }
        func put(_ n: Int64?) { put(n.map { String($0) }) }
        func put(_ t: WallTime?) { put(t?.microseconds) }
        put(r.segment); put(r.blockID); put(r.source.rawValue); put(r.media); put(r.title); put(r.topic); put(r.sha256)
        put(r.scheduledAt); put(r.startedAt); put(r.endedAt); put(r.plannedMs); put(r.playedMs); put(r.outcome?.rawValue)
        put(r.reason); put(Int64(r.underruns)); put(r.approvedBy); put(r.approvedAt); put(r.clockSynchronized.map { $0 ? 1 : 0 })
        count += 1
        if pending.count >= 1 << 16 { try drain() }
    }

    private func drain() throws {
        try handle.write(contentsOf: pending)
        pending.removeAll(keepingCapacity: true)
    }

    func forEach(_ body: (SegmentRecord) throws -> Void) throws {
        try drain()
        try handle.seek(toOffset: 0)
        var data = [UInt8]()
        var at = 0
        func need(_ n: Int) throws -> Bool {
            while data.count - at < n {
                guard let chunk = try handle.read(upToCount: 1 << 16), !chunk.isEmpty else { return false }
                data.removeFirst(at)
                at = 0
                data.append(contentsOf: chunk)
            }
            return true
        }
        func text() throws -> String? {
            guard try need(4) else { throw ReportError.cannotWrite(path: path, reason: "the spool file ends early") }
            let n = UInt32(data[at]) << 24 | UInt32(data[at + 1]) << 16 | UInt32(data[at + 2]) << 8 | UInt32(data[at + 3])
            at += 4
            if n == UInt32.max { return nil }
            guard try need(Int(n)) else { throw ReportError.cannotWrite(path: path, reason: "the spool file ends early") }
            defer { at += Int(n) }
            return String(decoding: data[at..<at + Int(n)], as: UTF8.self)
        }
        func int() throws -> Int64? { try text().flatMap { Int64($0) } }
        func time() throws -> WallTime? { try int().map(WallTime.init(microseconds:)) }
        for _ in 0..<count {
            let segment = try text() ?? "", blockID = try text(), source = SegmentSource(rawValue: try text() ?? "") ?? .schedule
            let media = try text() ?? "", title = try text(), topic = try text(), sha256 = try text()
            let scheduledAt = try time(), startedAt = try time(), endedAt = try time(), plannedMs = try int()
            let playedMs = try int() ?? 0, outcome = try text().flatMap(SegmentOutcome.init(rawValue:)), reason = try text()
            let underruns = Int(try int() ?? 0), approvedBy = try text(), approvedAt = try time()
            let clockSynchronized = try int().map { $0 == 1 }
            try body(SegmentRecord(
                segment: segment, blockID: blockID, source: source, media: media, title: title, topic: topic, sha256: sha256,
                scheduledAt: scheduledAt, startedAt: startedAt, endedAt: endedAt, plannedMs: plannedMs, playedMs: playedMs,
                outcome: outcome, reason: reason, underruns: underruns, approvedBy: approvedBy, approvedAt: approvedAt,
                clockSynchronized: clockSynchronized))
        }
        try handle.seekToEnd()
    }
}
