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
        var programmes = Set<String>()
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

    /// Distinct programmes by content hash (by path for an airing without one).
    public internal(set) var programmes: [String: Programme] = [:]
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
        programmes.values.sorted {
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

/// Segment records written to a temporary file, one JSON line each, and read back in order;
/// the file is removed when the spool goes.
final class RecordSpool {
    private let path: String
    private let handle: FileHandle
    private(set) var count = 0
    private let encoder = JSONEncoder()

    init() throws {
        path = NSTemporaryDirectory() + "loaxa-report-\(UUID().uuidString).jsonl"
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forUpdatingAtPath: path) else {
            throw ReportError.cannotWrite(path: path, reason: "cannot create a temporary file")
        }
        self.handle = handle
        unlink(path)
    }

    deinit { try? handle.close() }

    func append(_ record: SegmentRecord) throws {
        var line = try encoder.encode(record)
        line.append(0x0A)
        try handle.write(contentsOf: line)
        count += 1
    }

    func forEach(_ body: (SegmentRecord) throws -> Void) throws {
        try handle.seek(toOffset: 0)
        let decoder = JSONDecoder()
        var pending = Data()
        while let chunk = try handle.read(upToCount: 1 << 16), !chunk.isEmpty {
            pending.append(chunk)
            while let newline = pending.firstIndex(of: 0x0A) {
                try body(decoder.decode(SegmentRecord.self, from: pending[pending.startIndex..<newline]))
                pending.removeSubrange(pending.startIndex...newline)
            }
        }
        try handle.seekToEnd()
    }
}
