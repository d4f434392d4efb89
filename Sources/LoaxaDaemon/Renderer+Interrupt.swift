import Foundation
import LoaxaCore
import LoaxaMedia
import LoaxaOutput
import LoaxaSchedule

/// A break into the timeline: an operator's skip or stop, or an emergency broadcast.
struct Interrupt: @unchecked Sendable {
    enum Kind {
        /// Cut the segment on air; the block goes on with its next item.
        case skip
        /// Cut the segment on air and end the block.
        case stop
        /// Cut whatever airs and air this now (its converter opened ahead).
        case emergency(PreparedItem, SegmentConverter)
    }

    var kind: Kind
    /// The operator, for the log.
    var by: String
    /// Called on the renderer thread with what was done, for the operator.
    var reply: @Sendable (_ ok: Bool, _ message: String) -> Void
}

/// Breaking in: the timeline is cut at the earliest frame the card has not played (its
/// buffer is rewound), what was rendered past that frame is undone, and rendering goes on
/// from there with what the interrupt asks for.
extension Renderer {
    /// Asks the renderer thread to break in; `reply` is called when it has.
    func interrupt(_ request: Interrupt) {
        interrupts.withLock { $0.append(request) }
        wake.signal()
    }

    /// Serves the interrupts waiting; true when the timeline was cut (the caller renders
    /// at once and wakes the audio thread to take the new frames).
    func handleInterrupts(model: FrameClockModel) -> Bool {
        var any = false
        while let request = interrupts.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) {
            any = handle(request, model: model) || any
        }
        return any
    }

    @discardableResult
    private func handle(_ request: Interrupt, model: FrameClockModel) -> Bool {
        let segmentOnAir = onAir.withLock { $0?.media != nil }
        switch request.kind {
        case .skip where !segmentOnAir:
            request.reply(false, "nothing is on air to skip")
            return false
        case .stop where run == nil && onAir.withLock({ $0 == nil }):
            request.reply(false, "no block is on air to stop")
            return false
        default: break
        }
        // The card keeps a period to play while the new frames are written.
        let cutFrame = output.cut(keepingFrames: output.granted.period)
        let reason: String
        switch request.kind {
        case .skip: reason = "skipped by \(request.by)"
        case .stop: reason = "the block was stopped by \(request.by)"
        case .emergency(let item, _): reason = "cut by an emergency broadcast (\(item.media), queued by \(request.by))"
        }
        let cut = undo(from: cutFrame, because: reason, model: model)
        if let cut {
            airings[cut.key]?.endFrame = cutFrame
            insertMilestone(Milestone(frame: cutFrame, kind: .segmentEnded(cut.key, .interrupted, reason)))
        }
        let on = cut.map { " \($0.airing.item.title) [\($0.airing.item.media)]" } ?? ""
        switch request.kind {
        case .skip:
            request.reply(true, "skipped\(on)")
            return true
        case .stop:
            guard var block = run else {
                request.reply(true, "stopped")
                return true
            }
            let planned = plannedTime(ofFrame: cutFrame, in: block)
            while block.nextItem < block.prepared.steps.count {
                if case .play(let item) = block.prepared.steps[block.nextItem] {
                    recordSkipped(item, of: block.prepared.block, at: planned, reason: reason)
                }
                block.nextItem += 1
            }
            block.interjections = []
            run = block
            endBlock(at: cutFrame)
            request.reply(true, "stopped block \(block.prepared.block.id)" + (cut == nil ? "" : ";" + on + " was cut"))
            return true
        case .emergency(let item, let converter):
            if run == nil {
                // Outside a block: the emergency is a block of its own (the after_block hook
                // runs when it ends).
                let at = wallTime(ofFrame: cutFrame, model)
                let block = PlannedBlock(id: "emergency", title: "Phát thanh khẩn cấp", start: at, lengthMicros: nil, items: [])
                run = BlockRun(
                    prepared: PreparedBlock(block: block, steps: [], unplayable: []), startFrame: cutFrame,
                    limitFrame: nil, beganFrame: cutFrame)
                milestones.append(Milestone(
                    frame: cutFrame,
                    kind: .event(AirplayEvent(
                        kind: .blockStarted, at: at, blockID: block.id, scheduledAt: at, detail: block.title))))
                onAir.withLock { $0 = OnAirSnapshot(block: block) }
            }
            var interjections = [Interjection(item: item, converter: converter, exemptFromLength: true)]
            if let cut {
                switch resumePolicy {
                case .resume:
                    let offset = cut.airing.offset + cutFrame - cut.airing.startFrame
                    interjections.append(Interjection(
                        item: cut.airing.item, offset: offset, step: cut.airing.step,
                        why: "resumed after the emergency broadcast, \(offset * 1000 / Int64(rate)) ms into the segment"))
                case .restart:
                    interjections.append(Interjection(
                        item: cut.airing.item, step: cut.airing.step, why: "restarted from its beginning after the emergency broadcast"))
                case .skip:
                    break
                }
            }
            run!.interjections = interjections + run!.interjections
            run!.segment = nil
            request.reply(true, "emergency on air" + (cut == nil ? "" : ";" + on + " was cut"))
            return true
        }
    }

    /// Undoes everything rendered from `frame` on: segments that would have started there
    /// or later are closed as not aired (queued entries wait again, block steps are rendered
    /// again), a block not yet begun goes back to waiting, a block that had ended after
    /// `frame` is back on air. Returns the segment audible at `frame`, still open.
    private func undo(from frame: Int64, because reason: String, model: FrameClockModel) -> (key: String, airing: Airing)? {
        var cut: (key: String, airing: Airing)?
        var redo: [String: Int] = [:]
        let at = wallTime(ofFrame: frame, model)
        for (key, airing) in airings {
            if airing.startFrame >= frame {
                record(ended(airing, at: at, outcome: .notAired, played: 0, reason: "replaced before it aired: \(reason)"))
                if let id = airing.queueID { queue?.finished(id: id, aired: false, note: nil) }
                if let step = airing.step { redo[airing.blockKey] = min(redo[airing.blockKey] ?? step, step) }
                airings.removeValue(forKey: key)
            } else if airing.state != .cut, airing.endFrame.map({ $0 > frame }) ?? true {
                cut = (key, airing)
            }
        }
        milestones.removeAll { m in
            if m.frame > frame { return true }
            guard m.frame == frame else { return false }
            switch m.kind {
            case .segmentStarted, .segmentResumed: return true
            case .event(let e): return e.kind == .blockStarted
            case .segmentEnded, .blockOver: return false
            }
        }
        if let block = run, block.beganFrame >= frame {
            // Not begun on the card: it waits again.
            enqueue(block.prepared)
            run = nil
        }
        if run == nil, let last = lastEnded, last.endFrame > frame {
            run = last.run
            lastEnded = nil
        }
        if var block = run {
            block.segment = nil
            if let step = redo[block.prepared.block.occurrenceKey] { block.nextItem = min(block.nextItem, step) }
            run = block
            onAir.withLock { if $0 == nil { $0 = OnAirSnapshot(block: block.prepared.block) } }
        }
        if cut == nil { onAir.withLock { $0?.media = nil } }
        return cut
    }
}
