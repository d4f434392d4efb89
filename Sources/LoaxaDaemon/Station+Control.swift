import Foundation
import LoaxaControl
import LoaxaCore
import LoaxaMedia
import LoaxaSchedule
import LoaxaStore

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
        let setup = self.setup
        guard let media = arguments["media"]?.precomposedStringWithCanonicalMapping, !media.isEmpty else {
            return .refused("queue-add needs a media path")
        }
        guard let path = LocalPath.inside(setup.config.paths.media, media) else {
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
        queue.add(entry)
        var what = "queued \(media) as \(priority.rawValue)"
        if let blockID { what += " for block \(blockID)" }
        if let expires { what += ", expires \(format(expires))" }
        recorder.record(AirplayEvent(
            kind: .operatorAction, at: wall.now(), blockID: blockID, source: OperatorQueue.source(priority),
            media: media, approvedBy: user, detail: what + " (queue entry \(entry.id))"))
        return ControlResponse(ok: true, message: "queue entry \(entry.id): \(what)", queue: [report(entry)])
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
