import Foundation
import LoaxaCore
import LoaxaMedia
import LoaxaOutput
import LoaxaSchedule

/// After a restart, a power cut or a clock that was wrong: which blocks were missed, and
/// what becomes of a block already under way (`[playout] on_late_start`).
extension Station {
    /// How far back a look back goes at most: a station down for longer logs only the
    /// last year's missed blocks.
    static let longestLookBackMicros: Int64 = 400 * 86_400 * 1_000_000

    /// Records changes of the clock's synchronization, and once the clock is trusted looks
    /// back over the time it was not (or the station was down).
    func watchClockSync() {
        if let state = clockSync.change() {
            let text: String
            switch state {
            case .synchronized: text = "the system clock is synchronized (NTP)"
            case .unsynchronized:
                text = "the system clock is not synchronized: its time may be wrong, so no block is marked missed or joined late until it is"
                if lookBackFrom == nil { lookBackFrom = wall.now() }
            case .unknown: text = "whether the system clock is synchronized cannot be read"
            }
            recorder.record(AirplayEvent(
                kind: .clockSyncChanged, at: wall.now(), clockSynchronized: state != .unsynchronized, detail: text))
            if state == .unsynchronized { logger.warning("\(text)") } else { logger.notice("\(text)") }
        }
        if clockSync.trusted, let from = lookBackFrom {
            lookBackFrom = nil
            settleThePast(since: from)
        }
    }

    /// Logs as missed every block that should have started between `from` and now and did
    /// not, and hands the renderer the block under way now, if any, as `on_late_start` says.
    func settleThePast(since from: WallTime) {
        let now = wall.now()
        let setup = self.setup
        let zone = setup.config.station.timeZone
        for key in renderer.takeDropped() { _ = handed.withLock { $0.remove(key) } }
        recorder.flush()
        let start = max(from, now + -Self.longestLookBackMicros)
        // A block that began before `from` may still be under way: it is looked at too, but
        // only for a late start (what began before the look back was aired or settled then).
        let earliest = min(start, now + -BlockLength.maximumMicros)
        let blocks = setup.schedule.plannedBlocks(from: earliest, to: now + Self.minimumLeadMicros, zone: zone)
        guard !blocks.isEmpty else { return }
        let settled: Set<String>
        do {
            settled = try log.settledBlocks(scheduledFrom: earliest, to: now + Self.minimumLeadMicros)
        } catch {
            logger.error("cannot look back over missed blocks: \(error)")
            return
        }
        let down = "from \(format(from)) to \(format(now))"
        for block in blocks where !settled.contains(block.occurrenceKey) && !handed.withLock({ $0.contains(block.occurrenceKey) }) {
            let end = block.start + estimatedLength(block)
            if block.start < start && end <= now { continue }
            handed.withLock { _ = $0.insert(block.occurrenceKey) }
            if block.start >= now {
                hand(block, lateStart: nil)
                continue
            }
            if end <= now {
                recorder.record(AirplayEvent(
                    kind: .blockMissed, at: now, blockID: block.id, scheduledAt: block.start,
                    reason: "the station was not airing (stopped, or its clock not yet set) \(down)", detail: block.title))
                continue
            }
            let policy = setup.config.playout.onLateStart
            let late = "under way for \((now - block.start) / 1_000_000) s when the station came back"
            if policy == .skip {
                recorder.record(AirplayEvent(
                    kind: .blockMissed, at: now, blockID: block.id, scheduledAt: block.start,
                    reason: "\(late); on_late_start = skip", detail: block.title))
            } else {
                logger.notice("block \(block.id) is \(late): on_late_start = \(policy.rawValue)")
                hand(block, lateStart: policy)
            }
        }
    }

    /// How long a block lasts: its `length`, else as long as its items.
    func estimatedLength(_ block: PlannedBlock) -> Int64 {
        block.lengthMicros
            ?? PlannedItem.nominalMicros(
                of: block.items, mediaFolder: setup.config.paths.media, duration: MediaDuration.headerMicros)
    }
}

/// Reloading the schedule without cutting air (SIGHUP, `loaxa schedule reload`).
extension Station {
    /// Loads the config and schedules again. On success the new schedule is in force at
    /// once: blocks waiting to air that it changed or removed are dropped (and planned
    /// afresh), the block on air finishes as it was. On failure nothing changes and the
    /// problems are returned, one `FILE:LINE: message` a line.
    ///
    /// `[playout]`, `[hooks]` and `[rules]` take effect; a changed `[station]`, `[paths]` or
    /// `[output]` needs a restart, and the answer says so.
    func reload(by who: String) -> Result<String, ReloadFailure> {
        let loaded = StationSetup.load(
            configPath: configPath, mediaDuration: MediaDuration.headerMicros, missingMediaIsFatal: false)
        guard case .success(var fresh) = loaded else {
            if case .failure(let problems) = loaded {
                logger.error("reload refused (\(who)); the schedule in force stays:\n\(problems.description)")
                return .failure(ReloadFailure(problems: problems.description, count: problems.count))
            }
            return .failure(ReloadFailure(problems: "", count: 0))
        }
        let old = setup
        var notes: [String] = []
        if fresh.config.station != old.config.station || fresh.config.paths != old.config.paths
            || fresh.config.output != old.config.output
        {
            notes.append("changes to [station], [paths] or [output] take effect at the next restart")
            fresh.config.station = old.config.station
            fresh.config.paths = old.config.paths
            fresh.config.output = old.config.output
        }
        for warning in fresh.warnings { logger.warning("\(warning.description)") }
        current.withLock { $0 = fresh }
        renderer.resumePolicy = fresh.config.playout.resumeAfterEmergency

        // What the new schedule still plans exactly as before stays handed over.
        let now = wall.now()
        let still = Set(fresh.schedule.plannedBlocks(
            from: now, to: now + Self.planningHorizonMicros * 2, zone: fresh.config.station.timeZone))
        let dropped = renderer.dropPending { still.contains($0) }
        let keys = Set(dropped.map(\.occurrenceKey))
        handed.withLock { $0.subtract(keys) }
        hooksDue.withLock { $0.removeAll { keys.contains($0.block.occurrenceKey) } }
        let text = "reloaded by \(who): \(fresh.schedule.blocks.count) blocks; \(dropped.count) waiting block(s) re-planned"
            + (notes.isEmpty ? "" : "; " + notes.joined(separator: "; "))
        recorder.record(AirplayEvent(kind: .scheduleLoaded, at: now, approvedBy: who, detail: text))
        logger.notice("\(text)")
        return .success(text)
    }
}

/// Why a reload was refused.
struct ReloadFailure: Error {
    var problems: String
    var count: Int
}
