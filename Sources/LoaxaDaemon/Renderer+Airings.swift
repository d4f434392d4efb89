import Foundation
import LoaxaCore
import LoaxaOutput

#if canImport(Glibc)
import Glibc
#endif

/// Something that happens when a frame leaves the card.
struct Milestone {
    enum Kind {
        /// Record this event, its time taken from the frame clock.
        case event(AirplayEvent)
        /// The segment with this key starts airing.
        case segmentStarted(String)
        /// The segment with this key stops airing, with this outcome and reason.
        case segmentEnded(String, SegmentOutcome, String?)
        /// The sound card came back in the middle of this segment: it airs on from here.
        case segmentResumed(String)
        /// The block on air is over: clear the on-air snapshot.
        case blockOver
    }

    var frame: Int64
    var kind: Kind
}

/// A segment on the card's timeline and the log record that follows it.
struct Airing {
    enum State { case queued, onAir, cut }

    /// The fields every event of the segment carries (block, source, media, title, hash…);
    /// `segment` is the open record's id, which changes when airing resumes after a loss.
    var base: AirplayEvent
    var startFrame: Int64
    /// Known once the segment is fully rendered.
    var endFrame: Int64?
    /// Where the open record's airing began (the start, or where it resumed).
    var recordFrame: Int64
    var state: State = .queued
    var underrunBase: Int64 = 0
    /// Times the card got silence because the renderer was late.
    var starvations: Int = 0
    var lastHeartbeat: Int64
    /// The operator queue entry it airs, if any.
    var queueID: Int64?
    /// What it airs, from how far into it, and from which step of which block: what a cut
    /// needs to resume it or render it again.
    var item: PreparedItem
    var offset: Int64
    var step: Int?
    var blockKey: String
}

extension Renderer {
    /// Records the milestones whose frame has left the card, timed by the card's clock.
    func fireMilestones(upTo nowFrame: Int64, model: FrameClockModel) {
        while let first = milestones.first, first.frame <= nowFrame {
            milestones.removeFirst()
            let at = wallTime(ofFrame: first.frame, model)
            switch first.kind {
            case .event(var event):
                event.at = at
                record(event)
            case .blockOver:
                if run == nil { onAir.withLock { $0 = nil } }
            case .segmentStarted(let key):
                guard var airing = airings[key] else { continue }
                if deviceDown {
                    // Its turn came while the card was gone: it did not air.
                    airing.state = .cut
                    airings[key] = airing
                    record(ended(airing, at: at, outcome: .failed, played: 0, reason: lostReason()))
                    continue
                }
                airing.state = .onAir
                airing.underrunBase = output.underruns.load(ordering: .relaxed)
                airings[key] = airing
                var event = airing.base
                event.kind = .segmentStarted
                event.at = at
                record(event)
                onAir.withLock { if $0?.startFrame == airing.startFrame { $0?.startedAt = at } }
            case .segmentEnded(let key, let outcome, let reason):
                guard let airing = airings.removeValue(forKey: key) else { continue }
                if let id = airing.queueID {
                    queue?.finished(id: id, aired: true, note: airing.state == .onAir ? outcome.rawValue : "failed")
                }
                guard airing.state == .onAir else { continue }
                let underruns = Int(output.underruns.load(ordering: .relaxed) - airing.underrunBase) + airing.starvations
                var event = ended(airing, at: at, outcome: outcome, played: first.frame - airing.recordFrame, reason: reason)
                event.underruns = underruns
                record(event)
            case .segmentResumed(let key):
                guard var airing = airings[key], airing.state == .cut else { continue }
                airing.base.segment = UUID().uuidString.lowercased()
                airing.recordFrame = first.frame
                airing.state = .onAir
                airing.underrunBase = output.underruns.load(ordering: .relaxed)
                airing.starvations = 0
                airing.lastHeartbeat = first.frame
                airings[key] = airing
                var event = airing.base
                event.kind = .segmentStarted
                event.at = at
                event.detail = "resumed \((first.frame - airing.startFrame) * 1000 / Int64(rate)) ms into the segment, after the sound card came back"
                record(event)
            }
        }
    }

    /// Every few seconds while a segment airs, records how much of it has aired.
    func heartbeat(nowFrame: Int64, model: FrameClockModel) {
        for (key, airing) in airings where airing.state == .onAir {
            guard nowFrame - airing.lastHeartbeat >= Int64(rate) * 5 else { continue }
            airings[key]?.lastHeartbeat = nowFrame
            var event = airing.base
            event.kind = .segmentHeartbeat
            event.at = wallTime(ofFrame: nowFrame, model)
            event.playedFrames = nowFrame - airing.recordFrame
            event.deviceRate = rate
            record(event)
        }
    }

    /// Notices the sound card going and coming back: closes what was airing as failed,
    /// logs both, and resumes the segment that is due when the card returns.
    ///
    /// The renderer may notice either change a while after it happened, so the milestones
    /// passed meanwhile are settled first: those before the loss aired; those between the
    /// loss and the return did not.
    func watchDevice(model: FrameClockModel) {
        let losses = output.deviceLosses.load(ordering: .acquiring)
        if losses > lossesSeen {
            lossesSeen = losses
            let lostMono = output.lostAtMonoNs.load(ordering: .relaxed)
            let lostFrame = model.frame(atMonoNs: lostMono)
            fireMilestones(upTo: lostFrame, model: model)
            deviceDown = true
            let at = wallTime(ofMonoNs: lostMono)
            record(AirplayEvent(kind: .deviceLost, at: at, reason: lostReason(), detail: output.settings.device))
            for (key, airing) in airings where airing.state == .onAir {
                airings[key]?.state = .cut
                record(ended(airing, at: at, outcome: .failed, played: max(0, lostFrame - airing.recordFrame), reason: lostReason()))
            }
        }
        if deviceDown && output.state == .running {
            let resumed = output.resumedAtPosition.load(ordering: .relaxed)
            fireMilestones(upTo: resumed - 1, model: model)
            deviceDown = false
            record(AirplayEvent(
                kind: .deviceBack, at: wallTime(ofFrame: resumed, model), detail: "\(output.settings.device) reopened after \(output.reopenAttempts.load(ordering: .relaxed)) attempts"))
            for (key, airing) in airings where airing.state == .cut {
                if airing.startFrame <= resumed && (airing.endFrame.map { resumed < $0 } ?? true) {
                    insertMilestone(Milestone(frame: resumed, kind: .segmentResumed(key)))
                }
            }
        }
    }

    /// At shutdown: what is on air is cut where the card is now; what never reached the
    /// card is closed as not aired; the block on air ends.
    func closeEverything(at nowFrame: Int64, model: FrameClockModel, reason: String) {
        fireMilestones(upTo: nowFrame, model: model)
        milestones.removeAll()
        let at = wallTime(ofFrame: nowFrame, model)
        for airing in airings.values.sorted(by: { $0.startFrame < $1.startFrame }) {
            switch airing.state {
            case .onAir:
                var event = ended(airing, at: at, outcome: .interrupted, played: max(0, nowFrame - airing.recordFrame), reason: reason)
                event.underruns = Int(output.underruns.load(ordering: .relaxed) - airing.underrunBase) + airing.starvations
                record(event)
            case .queued:
                record(ended(airing, at: at, outcome: .notAired, played: 0, reason: reason))
            case .cut:
                continue
            }
        }
        airings.removeAll()
        if let block = run, nowFrame >= block.startFrame {
            record(AirplayEvent(
                kind: .blockEnded, at: at, blockID: block.prepared.block.id,
                scheduledAt: block.prepared.block.start, reason: reason))
        }
    }

    func ended(_ airing: Airing, at: WallTime, outcome: SegmentOutcome, played: Int64, reason: String?) -> AirplayEvent {
        var event = airing.base
        event.kind = .segmentEnded
        event.at = at
        event.outcome = outcome
        event.reason = reason
        event.playedFrames = played
        event.deviceRate = rate
        event.underruns = 0
        return event
    }

    private func lostReason() -> String {
        let code = output.lastErrorCode.load(ordering: .relaxed)
        return "the sound card \(output.settings.device) was lost (\(String(cString: strerror(-code))))"
    }

    func insertMilestone(_ m: Milestone) {
        let index = milestones.firstIndex { $0.frame > m.frame } ?? milestones.count
        milestones.insert(m, at: index)
    }
}
