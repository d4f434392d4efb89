import Foundation
import LoaxaControl
import LoaxaCore
import LoaxaMedia
import LoaxaSchedule
import LoaxaStore
import Synchronization

/// The control socket's commands: what `loaxa` asks of the running daemon.
extension Station {
    func handle(_ request: ControlRequest, from peer: ControlPeer) -> ControlResponse {
        switch request.command {
        case "status": return ControlResponse(ok: true, status: status())
        case "queue-add": return queueAdd(request.arguments, by: peer.user)
        case "queue-list": return ControlResponse(ok: true, queue: queueReports())
        case "queue-remove":
            guard let text = request.arguments["id"], let id = Int64(text) else {
                return .refused("queue-remove needs the entry's id (a number from `loaxa queue list`)")
            }
            if let problem = queue.remove(id: id, by: peer.user) { return .refused(problem) }
            return ControlResponse(ok: true, message: "queue entry \(id) removed")
        case "skip": return interruptAndWait(.skip, by: peer.user)
        case "stop": return interruptAndWait(.stop, by: peer.user)
        case "reload":
            switch reload(by: peer.user) {
            case .success(let text): return ControlResponse(ok: true, message: text)
            case .failure(let failure):
                return .refused("\(failure.problems)\n\(failure.count) problem(s): the schedule in force stays")
            }
        case "inject-clock-step":
            // A testing aid: acts out a wall-clock step without setting the host's clock.
            guard let text = request.arguments["micros"], let micros = Int64(text) else {
                return .refused("inject-clock-step needs micros")
            }
            wall.inject(stepMicros: micros)
            recorder.record(AirplayEvent(
                kind: .wallClockStepped, at: wall.now(),
                detail: "the wall clock was stepped by \(Double(micros) / 1000) ms (injected)"))
            return ControlResponse(ok: true)
        default: return .refused("unknown command \"\(request.command)\"")
        }
    }

    /// `loaxa queue add`: checks the request, stores the entry, logs who queued what.
    ///
    /// Arguments: `media` (relative to the media folder; the CLI imports files from
    /// elsewhere first), `priority`, and optionally `block`, `expires_us`.
    func queueAdd(_ arguments: [String: String], by user: String) -> ControlResponse {
        let received = wall.now()
        let receivedTick = DispatchTime.now()
        let setup = self.setup
        guard let media = arguments["media"]?.precomposedStringWithCanonicalMapping, !media.isEmpty else {
            return .refused("queue-add needs a media path")
        }
        guard let path = MediaFile.locate(media, in: setup.config.paths.media) else {
            return .refused("\(media) is not inside the media folder \(setup.config.paths.media)")
        }
        guard LocalPath.kind(path) == .file else {
            return .refused("\(media) is not a file in the media folder \(setup.config.paths.media)")
        }
        guard let priority = Priority(rawValue: arguments["priority"] ?? "normal") else {
            return .refused("priority must be normal, priority or emergency")
        }
        let blockID = arguments["block"]
        if let blockID, setup.schedule.block(id: blockID) == nil {
            let ids = setup.schedule.blocks.map(\.id).joined(separator: ", ")
            return .refused("there is no block \"\(blockID)\" in the schedule (blocks: \(ids))")
        }
        if blockID != nil && priority != .normal {
            return .refused("--block applies to normal entries only: a \(priority.rawValue) entry airs at once or at the next boundary")
        }
        var expires: WallTime?
        if let text = arguments["expires_us"] {
            guard let micros = Int64(text) else { return .refused("expires_us must be a number of microseconds") }
            expires = WallTime(microseconds: micros)
            if expires! <= wall.now() { return .refused("the expiry \(format(expires!)) has already passed") }
        }
        do {
            _ = try AudioFileReader(path: path)
        } catch {
            return .refused("cannot queue \(media): \(error.message)")
        }
        let entry: QueueEntry
        do {
            entry = try log.enqueue(media: media, priority: priority, blockID: blockID, expiresAt: expires, addedBy: user)
        } catch {
            return .refused("cannot store the queue entry: \(error)")
        }
        var what = "queued \(media) as \(priority.rawValue)"
        if let blockID { what += " for block \(blockID)" }
        if let expires { what += ", expires \(format(expires))" }
        recorder.record(AirplayEvent(
            kind: .operatorAction, at: received, blockID: blockID, source: OperatorQueue.source(priority),
            media: media, approvedBy: user, detail: what + " (queue entry \(entry.id))"))
        guard priority == .emergency else {
            queue.add(entry)
            var message = "queue entry \(entry.id): \(what)"
            let hasQueueStep = setup.schedule.blocks.contains { $0.items.contains(.queue) }
            if priority == .normal && blockID == nil && !hasQueueStep {
                message += ". Note: no block has a { queue = true } item, so it waits until a schedule has one"
            }
            return ControlResponse(ok: true, message: message, queue: [report(entry)])
        }
        // An emergency is prepared here and now: the file's hash comes from the CLI when it
        // sent one, its loudness from the cache or the CLI's measurement.
        let config = setup.config
        let given: Loudness? = arguments["lufs"].flatMap(Double.init).flatMap { lufs in
            arguments["dbtp"].flatMap(Double.init).map { Loudness(integratedLUFS: lufs, truePeakDBTP: $0) }
        }
        var item = PreparedBlock.prepare(
            media: media, mediaRoot: config.paths.media, source: .emergency, targetLUFS: config.output.loudnessTargetLUFS,
            loudness: Self.loudnessLookup(log: log, logger: logger, given: given), title: Self.libraryTitle(log: log),
            sha256: arguments["sha256"])
        item.queueID = entry.id
        item.approvedBy = user
        item.approvedAt = entry.addedAt
        queue.add(entry, prepared: item)
        let message = airEmergency(receivedAt: receivedTick)
        return ControlResponse(ok: true, message: "queue entry \(entry.id): \(what); \(message)", queue: [report(entry)])
    }

    /// Airs the oldest waiting emergency, if any: at once inside a block; outside one, the
    /// `before_block` hook (the amplifier) runs at once and the emergency airs
    /// `emergency_lead_s` after `receivedAt`, when the command arrived (the time spent
    /// preparing it and starting the hook is not added to the lead). Returns what happens,
    /// for the operator.
    @discardableResult
    func airEmergency(receivedAt: DispatchTime = .now()) -> String {
        guard let item = queue.takeEmergency() else { return "" }
        let config = setup.config
        let converter: SegmentConverter
        do {
            converter = try SegmentConverter(path: item.path, outputRate: config.output.rate, outputChannels: config.output.channels)
        } catch {
            if let id = item.queueID { queue.finished(id: id, aired: true, note: "failed: \(error.message)") }
            recorder.record(AirplayEvent(
                kind: .segmentSkipped, at: wall.now(), segment: UUID().uuidString.lowercased(), source: .emergency,
                media: item.media, title: item.title, sha256: item.sha256, outcome: .skipped, reason: error.message,
                approvedBy: item.approvedBy))
            return "it cannot air: \(error.message)"
        }
        let by = item.approvedBy ?? "an operator"
        let request = Interrupt(kind: .emergency(item, converter), by: by) { [logger] ok, text in
            logger.notice("emergency: \(text)")
        }
        let inBlock = renderer.onAir.withLock { $0 != nil }
        if !inBlock, let command = config.hooks.beforeBlock {
            hooks.run(command, hook: "before_block", blockID: "emergency")
            let lead = config.hooks.emergencyLeadSeconds
            DispatchQueue.global().asyncAfter(deadline: receivedAt + .seconds(lead)) { [renderer] in renderer.interrupt(request) }
            return "before_block ran; it airs in \(lead) s"
        }
        renderer.interrupt(request)
        return inBlock ? "it cuts what is on air now" : "it airs now"
    }

    /// Hands the renderer a skip or stop and waits (a second at most) for what it did.
    func interruptAndWait(_ kind: Interrupt.Kind, by user: String) -> ControlResponse {
        let done = DispatchSemaphore(value: 0)
        let answer = Mutex<(Bool, String)>((false, "the renderer did not answer in time"))
        renderer.interrupt(Interrupt(kind: kind, by: user) { ok, text in
            answer.withLock { $0 = (ok, text) }
            done.signal()
        })
        _ = done.wait(timeout: .now() + 2)
        let (ok, text) = answer.withLock { $0 }
        if ok {
            recorder.record(AirplayEvent(kind: .operatorAction, at: wall.now(), approvedBy: user, detail: text))
        }
        return ok ? ControlResponse(ok: true, message: text) : .refused(text)
    }

    func queueReports() -> [QueueItemReport] {
        queue.current.map { entry in
            var r = report(entry.stored)
            r.title = entry.prepared?.title
            r.durationMs = entry.durationMicros.map { $0 / 1000 }
            return r
        }
    }

    func report(_ entry: QueueEntry) -> QueueItemReport {
        QueueItemReport(
            id: entry.id, media: entry.media, title: nil, priority: entry.priority.rawValue, block: entry.blockID,
            expires: entry.expiresAt.map(format), added: format(entry.addedAt), addedBy: entry.addedBy,
            state: entry.state.rawValue, durationMs: nil)
    }
}
