import Foundation
import LoaxaControl
import LoaxaCore
import Testing

extension LoggedEvent {
    /// A block airing: its id and scheduled start.
    var blockKey: String { "\(block_id ?? "-")@\(scheduled_at_us ?? 0)" }

    /// Whether the daemon's recovery at start wrote it, closing what a dead run left open.
    var closesWhatADeadRunLeftOpen: Bool { reason?.contains("stopped without closing it") == true }
}

/// The events of one segment, in log order.
struct SegmentEvents {
    var id: String
    var events: [LoggedEvent] = []

    var first: LoggedEvent { events[0] }
    var queued: LoggedEvent? { events.first { $0.kind == "segment_queued" } }
    var started: LoggedEvent? { events.first { $0.kind == "segment_started" } }
    /// Its `segment_ended` and `segment_skipped` events: exactly one once it is closed.
    var ends: [LoggedEvent] { events.filter { $0.kind == "segment_ended" || $0.kind == "segment_skipped" } }
    var isOpen: Bool { ends.isEmpty }
    /// The last moment the log knew it on air: its last start or heartbeat.
    var lastAired: Int64? {
        events.filter { $0.kind == "segment_started" || $0.kind == "segment_heartbeat" }.map(\.at_us).max()
    }
    var summary: String {
        "\(first.block_id ?? "-") \(first.media ?? "-") \(ends.first?.outcome ?? "open")"
    }
}

extension Array where Element == LoggedEvent {
    /// The segments, in the order of their first event.
    var segments: [SegmentEvents] {
        var byID: [String: Int] = [:]
        var list: [SegmentEvents] = []
        for event in self {
            guard let id = event.segment else { continue }
            if byID[id] == nil {
                byID[id] = list.count
                list.append(SegmentEvents(id: id))
            }
            list[byID[id]!].events.append(event)
        }
        return list
    }

    /// The `block_ended` events of each block airing that started, by block key.
    var blockEnds: [String: [LoggedEvent]] {
        var ends: [String: [LoggedEvent]] = [:]
        for event in self where event.kind == "block_started" { ends[event.blockKey] = [] }
        for event in self where event.kind == "block_ended" { ends[event.blockKey, default: []].append(event) }
        return ends
    }

    func count(of kind: String) -> Int { filter { $0.kind == kind }.count }
}

extension TestStation {
    /// `loaxa status --json`, decoded.
    func statusReport() throws -> StatusReport {
        let r = try loaxa(["status", "--json"])
        guard r.status == 0 else { throw StationError("loaxa status --json exited \(r.status): \(r.stderr)") }
        return try JSONDecoder().decode(StatusReport.self, from: Data(r.stdout.utf8))
    }

    /// Expects `loaxa log verify` to find the chain intact.
    func expectLogVerifies(_ when: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let verify = try loaxa(["log", "verify"])
        #expect(verify.status == 0, "loaxa log verify \(when): \(verify.stdout) \(verify.stderr)", sourceLocation: sourceLocation)
    }
}
