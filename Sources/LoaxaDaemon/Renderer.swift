import Foundation
import LoaxaCore
import LoaxaMedia
import LoaxaOutput
import LoaxaSchedule
import Synchronization

/// What is on air now, for `loaxa status`.
struct OnAirSnapshot: Sendable {
    var block: PlannedBlock
    var media: String?
    var title: String?
    var startedAt: WallTime?
    var startFrame: Int64?
    var estimatedFrames: Int64?
}

/// Turns blocks into frames on the output timeline, ahead of the audio thread.
///
/// Runs on its own thread. It keeps the ring filled about a second ahead of the card:
/// silence while nothing airs, then at the frame the frame clock says leaves the card at
/// a block's scheduled time, the block's segments back to back, each decoded and converted
/// to the device format as it goes. Every start and end is a frame number; when the frame
/// clock shows that frame has left the card, the event is recorded with its card-clock
/// time (see `Renderer+Airings.swift`). It never waits on the audio thread.
final class Renderer: @unchecked Sendable {
    let output: ALSAOutput
    let wall: WallClock
    let record: @Sendable (AirplayEvent) -> Void
    let rate: Int
    let channels: Int
    let lookaheadFrames: Int64

    private let pending = Mutex<[PreparedBlock]>([])
    private let running = Atomic<Bool>(false)
    private var thread: Thread?
    private let finished = DispatchSemaphore(value: 0)
    let wake = DispatchSemaphore(value: 0)
    let onAir = Mutex<OnAirSnapshot?>(nil)
    /// The operator queue, asked at every item boundary and `queue` step.
    var queue: OperatorQueue?
    /// Whether the wall clock may be believed; while it may not, a block whose time has
    /// passed is dropped unlogged (the station settles it once the clock is set).
    var clockTrusted: @Sendable () -> Bool = { true }
    private let dropped = Mutex<Set<String>>([])

    /// The blocks dropped unlogged since the last call, by occurrence key.
    func takeDropped() -> Set<String> { dropped.withLock { d in defer { d.removeAll() }; return d } }

    static let chunk = 1024
    /// A block placed later than this after its time is missed rather than aired late.
    static let lateLimitSeconds: Int64 = 2

    /// The segment being rendered.
    struct SegmentRun {
        /// The segment's key on the timeline (its first log record's id).
        var key: String
        var converter: SegmentConverter
        var startFrame: Int64
        var gain: Float
        /// An emergency runs to its end whatever the block's length.
        var exemptFromLength = false
    }

    /// The block being rendered.
    struct BlockRun {
        var prepared: PreparedBlock
        /// Where the block's timeline starts (before `beganFrame` for a block joined late).
        var startFrame: Int64
        var limitFrame: Int64?
        var nextItem = 0
        var segment: SegmentRun?
        /// The frame its first sound was due: its blockStarted milestone.
        var beganFrame: Int64
        /// Segments that air before the next step: an emergency, then what it cut.
        var interjections: [Interjection] = []
    }

    /// A segment put in front of a block's next step.
    struct Interjection {
        var item: PreparedItem
        /// Frames into the segment to start from (resuming what an emergency cut).
        var offset: Int64 = 0
        /// Opened ahead, so that it starts the moment the timeline is cut.
        var converter: SegmentConverter?
        /// The block step it came from, if any.
        var step: Int?
        /// An emergency is not held to the block's length.
        var exemptFromLength = false
        /// Why it airs again, for the log ("resumed after the emergency broadcast, …").
        var why: String?
    }

    var run: BlockRun?
    /// The block that ended last and the frame it ended at: a cut just before that frame
    /// brings it back.
    var lastEnded: (run: BlockRun, endFrame: Int64)?
    /// `[playout] resume_after_emergency`.
    var resumePolicy: EmergencyResumePolicy = .resume
    /// The media library's approval of a segment's content (by SHA-256), asked as each
    /// segment that no operator queued starts; nil: segments air with no approval named.
    var approval: (@Sendable (_ sha256: String?) -> ApprovalCheck)?
    /// Breaks into the timeline waiting for the renderer thread.
    let interrupts = Mutex<[Interrupt]>([])
    /// Events waiting for their frame to leave the card, in frame order.
    var milestones: [Milestone] = []
    /// Segments rendered and not yet over on the card, by key.
    var airings: [String: Airing] = [:]
    /// Device losses seen so far, and whether the device is down now.
    var lossesSeen: Int64 = 0
    var deviceDown = false

    init(output: ALSAOutput, wall: WallClock, record: @escaping @Sendable (AirplayEvent) -> Void) {
        self.output = output
        self.wall = wall
        self.record = record
        rate = output.settings.rate
        channels = output.settings.channels
        lookaheadFrames = min(Int64(rate), Int64(output.ring.capacity) - Int64(Self.chunk))
    }

    // MARK: Other threads

    /// Adds a block to air; blocks air in order of their start.
    func enqueue(_ block: PreparedBlock) {
        pending.withLock { list in
            guard !list.contains(where: { $0.block.occurrenceKey == block.block.occurrenceKey }) else { return }
            list.append(block)
            list.sort { $0.block.start < $1.block.start }
        }
        wake.signal()
    }

    /// Drops the waiting blocks `keep` rejects (a reload changed or removed them) and
    /// returns them. The block on air is not among them.
    func dropPending(keeping keep: (PlannedBlock) -> Bool) -> [PlannedBlock] {
        pending.withLock { list in
            let gone = list.filter { !keep($0.block) }.map(\.block)
            list.removeAll { !keep($0.block) }
            return gone
        }
    }

    /// The next block waiting to air.
    var nextBlock: PlannedBlock? { pending.withLock { $0.first?.block } }

    func start() {
        running.store(true, ordering: .releasing)
        let t = Thread { [self] in
            self.loop()
            self.finished.signal()
        }
        t.name = "loaxa-renderer"
        thread = t
        t.start()
    }

    /// Stops rendering and records how what was on air ended: cut where the card was.
    func stop(reason: String) {
        guard running.exchange(false, ordering: .acquiringAndReleasing) else { return }
        wake.signal()
        finished.wait()
        guard let model = output.clock.update() else { return }
        let nowFrame = model.frame(atMonoNs: SystemClocks.monotonicNs())
        closeEverything(at: nowFrame, model: model, reason: reason)
        run = nil
        onAir.withLock { $0 = nil }
    }

    // MARK: The renderer thread

    private func loop() {
        var pace = TakePace(rate: rate)
        while running.load(ordering: .acquiring) {
            // When the next milestone's frame leaves the card: its event (and the after_block
            // hook a block's end runs) should not wait out a whole half-second sleep.
            var nextMilestoneNs: Int64?
            if let model = output.clock.update() {
                defer { nextMilestoneNs = milestones.first.map { model.monoNs(atFrame: $0.frame) } }
                let nowFrame = model.frame(atMonoNs: SystemClocks.monotonicNs())
                watchDevice(model: model)
                fireMilestones(upTo: nowFrame, model: model)
                let broke = handleInterrupts(model: model)
                heartbeat(nowFrame: nowFrame, model: model)
                render(model: model)
                if broke { output.wake() }
            } else {
                // The stream has not reported its position yet: keep silence flowing.
                let target = output.ring.consumedPosition + lookaheadFrames
                let pos = max(output.ring.publishedPosition, output.ring.consumedPosition)
                output.ring.advancePublished(to: pos)
                writeSilence(Int(max(0, target - pos)))
            }
            // Sleep while the card plays half the look-ahead (half a second): every wake-up
            // costs a context switch, which is most of an idle daemon's CPU.
            let nowNs = SystemClocks.monotonicNs()
            var ms = pace.sleepMs(consumed: output.ring.consumedPosition, nowNs: nowNs, halfLookahead: lookaheadFrames / 2)
            if let due = nextMilestoneNs {
                ms = min(ms, max(TakePace.minMs, Int((due - nowNs) / 1_000_000) + 1))
            }
            _ = wake.wait(timeout: .now() + .milliseconds(ms))
        }
    }

    /// How fast the card takes frames from the ring, measured between wake-ups. A real card
    /// takes them at its rate, but a virtual one run faster than real time (as the
    /// benchmarks run it) takes them several times faster, and the ring must not run dry.
    struct TakePace {
        let rate: Int
        var lastConsumed: Int64 = -1
        var lastNs: Int64 = 0
        /// Frames per second, smoothed over the last few wake-ups.
        var framesPerSecond: Double

        init(rate: Int) {
            self.rate = rate
            framesPerSecond = Double(rate)
        }

        static let minMs = 10
        static let maxMs = 500

        mutating func sleepMs(consumed: Int64, nowNs: Int64, halfLookahead: Int64) -> Int {
            if lastConsumed >= 0, nowNs - lastNs >= 1_000_000, consumed >= lastConsumed {
                let seen = Double(consumed - lastConsumed) * 1e9 / Double(nowNs - lastNs)
                framesPerSecond = max(Double(rate), 0.7 * framesPerSecond + 0.3 * seen)
            }
            lastConsumed = consumed
            lastNs = nowNs
            let ms = Int(Double(halfLookahead) * 1000 / framesPerSecond)
            return min(Self.maxMs, max(Self.minMs, ms))
        }
    }

    private func render(model: FrameClockModel) {
        let ring = output.ring
        var pos = ring.publishedPosition
        let consumed = ring.consumedPosition
        if pos < consumed {
            // The card took frames before they were written: they aired as silence.
            if let key = run?.segment?.key, !deviceDown { airings[key]?.starvations += 1 }
            ring.advancePublished(to: consumed)
            pos = consumed
        }
        let target = min(consumed + lookaheadFrames, ring.writableEnd)
        while pos < target {
            if run == nil {
                guard let next = pending.withLock({ $0.first }) else {
                    writeSilence(Int(target - pos))
                    return
                }
                let startMono = next.block.start.microseconds * 1000 - wall.offsetNs()
                let k = model.frame(atMonoNs: startMono)
                if let policy = next.lateStart, k < pos {
                    // Under way when the station came back: joined or restarted now.
                    beginBlock(next, at: pos, origin: k, lateStart: policy, model: model)
                    continue
                }
                if pos - k > Int64(rate) * Self.lateLimitSeconds {
                    // Far past its time (the wall clock jumped forward, or the block before
                    // ran long): it is missed, not aired late.
                    let late = (pos - k) / Int64(rate)
                    pending.withLock { list in list.removeAll { $0.block.occurrenceKey == next.block.occurrenceKey } }
                    if clockTrusted() {
                        record(AirplayEvent(
                            kind: .blockMissed, at: wallTime(ofFrame: pos, model), blockID: next.block.id,
                            scheduledAt: next.block.start, reason: "its start passed \(late) s before it could air",
                            detail: next.block.title))
                    } else {
                        dropped.withLock { _ = $0.insert(next.block.occurrenceKey) }
                    }
                    continue
                }
                if k >= target {
                    writeSilence(Int(target - pos))
                    return
                }
                if k > pos {
                    writeSilence(Int(k - pos))
                    pos = k
                }
                beginBlock(next, at: pos, origin: pos, lateStart: nil, model: model)
                continue
            }
            if run!.segment == nil {
                if !startNextItem(at: pos, model: model) {
                    endBlock(at: pos)
                    continue
                }
            }
            var n = Int(min(Int64(Self.chunk), target - pos))
            if let limit = run!.limitFrame, !run!.segment!.exemptFromLength {
                // A block never runs past its length: a segment longer than its header said
                // is cut there.
                if pos >= limit {
                    finishSegment(at: pos, outcome: .interrupted, reason: "the block's length was reached")
                    continue
                }
                n = Int(min(Int64(n), limit - pos))
            }
            // Decoded, gained and converted straight into the ring.
            let region = output.ring.writableRegion(frames: n)
            n = region.frames
            var got = 0
            var failure: String?
            do {
                got = try run!.segment!.converter.render(intoInt16: region.pointer, frames: n, gain: run!.segment!.gain)
            } catch {
                failure = error.description
            }
            if got > 0 {
                output.ring.publish(frames: got)
                pos += Int64(got)
            }
            if let failure {
                finishSegment(at: pos, outcome: .failed, reason: failure)
            } else if got < n {
                finishSegment(at: pos, outcome: .completed, reason: nil)
            }
        }
    }

    /// Begins `prepared` at `frame`. `origin` is the frame its timeline starts from: the
    /// same as `frame`, or earlier for a block joined or restarted late, whose length still
    /// ends where the schedule ends it.
    private func beginBlock(
        _ prepared: PreparedBlock, at frame: Int64, origin: Int64, lateStart: LateStartPolicy?, model: FrameClockModel
    ) {
        pending.withLock { list in list.removeAll { $0.block.occurrenceKey == prepared.block.occurrenceKey } }
        var limit: Int64?
        if let length = prepared.block.lengthMicros {
            limit = origin + length * Int64(rate) / 1_000_000
        }
        run = BlockRun(
            prepared: prepared, startFrame: lateStart == .join ? origin : frame, limitFrame: limit, beganFrame: frame)
        let block = prepared.block
        var detail = block.title
        if let lateStart {
            detail += " (\(lateStart == .join ? "joined" : "restarted") \((frame - origin) * 1000 / Int64(rate)) ms after its time: on_late_start = \(lateStart.rawValue))"
        }
        milestones.append(Milestone(
            frame: frame,
            kind: .event(AirplayEvent(kind: .blockStarted, at: block.start, blockID: block.id, scheduledAt: block.start, detail: detail))))
        let planned = plannedTime(ofFrame: frame, in: run!)
        for (item, reason) in prepared.unplayable {
            var media: String?
            if case .topic(let name, _) = item { media = name }
            record(AirplayEvent(
                kind: .segmentSkipped, at: planned, blockID: block.id, scheduledAt: planned,
                segment: UUID().uuidString.lowercased(), source: .schedule, media: media, outcome: .skipped, reason: reason))
        }
        onAir.withLock { $0 = OnAirSnapshot(block: block) }
        if lateStart == .join { join(at: frame, model: model) }
    }

    /// Comes into a block where it would be now, like a clock: the files whose time has
    /// passed are logged skipped, the one due now starts part-way through. Queue steps
    /// already passed are passed by (their entries wait for the next block).
    private func join(at frame: Int64, model: FrameClockModel) {
        guard var block = run else { return }
        defer { run = block }
        var declined = Set<Int64>()
        var virtual = block.startFrame
        while block.nextItem < block.prepared.steps.count {
            guard case .play(let item) = block.prepared.steps[block.nextItem] else {
                block.nextItem += 1
                continue
            }
            let micros = item.problem == nil ? MediaDuration.headerMicros(item.path) : nil
            let frames = (micros ?? 0) * Int64(rate) / 1_000_000
            if virtual + frames <= frame {
                block.nextItem += 1
                recordSkipped(
                    item, of: block.prepared.block, at: plannedTime(ofFrame: virtual, in: block),
                    reason: item.problem ?? "its time passed while the station was not airing (the block was joined late)")
                virtual += frames
                continue
            }
            block.nextItem += 1
            if start(
                item, at: frame, offset: frame - virtual, step: block.nextItem - 1, model: model, in: &block,
                declined: &declined)
            {
                return
            }
            virtual += frames
        }
    }

    /// Opens the block's next playable item at `frame`; false when none is left.
    ///
    /// At every item boundary a waiting priority entry goes first; a `queue` step airs the
    /// queued entries that fit, one after another; a block without a `queue` step airs the
    /// entries named for it after its last item.
    private func startNextItem(at frame: Int64, model: FrameClockModel) -> Bool {
        guard var block = run else { return false }
        defer { run = block }
        let id = block.prepared.block.id
        var declined = Set<Int64>()
        while !block.interjections.isEmpty {
            let next = block.interjections.removeFirst()
            if start(
                next.item, at: frame, offset: next.offset, why: next.why, converter: next.converter, step: next.step,
                exemptFromLength: next.exemptFromLength, model: model, in: &block, declined: &declined)
            {
                return true
            }
        }
        while true {
            let planned = plannedTime(ofFrame: frame, in: block)
            let room = block.limitFrame.map { max(0, $0 - frame) * 1_000_000 / Int64(rate) }
            if let item = queue?.take(.boundary, at: planned, maxMicros: room, excluding: declined) {
                if start(item, at: frame, model: model, in: &block, declined: &declined) { return true }
                continue
            }
            guard block.nextItem < block.prepared.steps.count else {
                if !block.prepared.hasQueueStep,
                    let item = queue?.take(.blockEnd(blockID: id), at: planned, maxMicros: room, excluding: declined)
                {
                    if start(item, at: frame, model: model, in: &block, declined: &declined) { return true }
                    continue
                }
                return false
            }
            switch block.prepared.steps[block.nextItem] {
            case .queue:
                if let item = queue?.take(.queueItem(blockID: id), at: planned, maxMicros: room, excluding: declined) {
                    if start(item, at: frame, step: block.nextItem, model: model, in: &block, declined: &declined) {
                        return true
                    }
                } else {
                    block.nextItem += 1
                }
            case .play(let item):
                block.nextItem += 1
                if start(item, at: frame, step: block.nextItem - 1, model: model, in: &block, declined: &declined) {
                    return true
                }
            }
        }
    }

    /// Starts `item` at `frame` as the block's segment; false, with the reason logged, when
    /// it cannot air. A queued entry that turns out not to fit goes back to the queue.
    private func start(
        _ item: PreparedItem, at frame: Int64, offset: Int64 = 0, why: String? = nil, converter opened: SegmentConverter? = nil,
        step: Int? = nil, exemptFromLength: Bool = false, model: FrameClockModel, in block: inout BlockRun,
        declined: inout Set<Int64>
    ) -> Bool {
        // Where the block's timeline puts the segment's first frame (before `frame` when it
        // starts part-way through).
        let planned = plannedTime(ofFrame: frame - offset, in: block)
        var item = item
        func skip(_ reason: String) {
            recordSkipped(item, of: block.prepared.block, at: planned, reason: reason)
            if let id = item.queueID { queue?.finished(id: id, aired: true, note: "skipped: \(reason)") }
        }
        if let problem = item.problem {
            skip(problem)
            return false
        }
        // Asked now, not when the block was prepared: an approval given or withdrawn in
        // between counts.
        if item.queueID == nil, item.approvedBy == nil, let check = approval?(item.sha256) {
            switch check {
            case .approved(let by, let at):
                item.approvedBy = by
                item.approvedAt = at
            case .notApproved(let required):
                if required {
                    skip(ApprovalCheck.notApprovedReason)
                    return false
                }
            }
        }
        let converter: SegmentConverter
        if let opened {
            converter = opened
        } else {
            do {
                converter = try SegmentConverter(
                    path: item.path, outputRate: rate, outputChannels: channels, startingAtFrame: offset)
            } catch {
                skip(error.message)
                return false
            }
        }
        if !exemptFromLength, let limit = block.limitFrame, frame + converter.estimatedFrames - offset > limit {
            if let id = item.queueID {
                // Queued segments that do not fit wait for another block.
                declined.insert(id)
                queue?.finished(id: id, aired: false, note: nil)
            } else {
                skip("block full")
            }
            return false
        }
        let key = UUID().uuidString.lowercased()
        var base = itemEvent(.segmentQueued, item, block.prepared.block, at: wallTime(ofFrame: frame, model))
        base.segment = key
        // Planned time and length: where the timeline puts it, what its header says.
        base.scheduledAt = planned
        base.plannedMs = converter.estimatedFrames * 1000 / Int64(rate)
        base.detail = item.gainNote
        if let note = why ?? (offset > 0 ? "joined late, \(offset * 1000 / Int64(rate)) ms into the segment" : nil) {
            base.detail = (base.detail.map { $0 + "; " } ?? "") + note
        }
        record(base)
        base.detail = nil
        airings[key] = Airing(
            base: base, startFrame: frame, recordFrame: frame, lastHeartbeat: frame, queueID: item.queueID,
            item: item, offset: offset, step: step, blockKey: block.prepared.block.occurrenceKey)
        milestones.append(Milestone(frame: frame, kind: .segmentStarted(key)))
        block.segment = SegmentRun(
            key: key, converter: converter, startFrame: frame, gain: item.gain, exemptFromLength: exemptFromLength)
        onAir.withLock {
            $0?.media = item.media
            $0?.title = item.title
            $0?.startFrame = frame
            $0?.startedAt = nil
            $0?.estimatedFrames = converter.estimatedFrames
        }
        return true
    }

    /// Ends the segment being rendered at `frame`.
    private func finishSegment(at frame: Int64, outcome: SegmentOutcome, reason: String?) {
        guard let seg = run?.segment else { return }
        airings[seg.key]?.endFrame = frame
        milestones.append(Milestone(frame: frame, kind: .segmentEnded(seg.key, outcome, reason)))
        run!.segment = nil
    }

    func endBlock(at frame: Int64) {
        guard let block = run else { return }
        milestones.append(Milestone(
            frame: frame,
            kind: .event(AirplayEvent(
                kind: .blockEnded, at: WallTime(microseconds: 0), blockID: block.prepared.block.id,
                scheduledAt: block.prepared.block.start))))
        milestones.append(Milestone(frame: frame, kind: .blockOver))
        lastEnded = (block, frame)
        run = nil
    }

    // MARK: Helpers

    func itemEvent(_ kind: AirplayEventKind, _ item: PreparedItem, _ block: PlannedBlock, at: WallTime) -> AirplayEvent {
        AirplayEvent(
            kind: kind, at: at, blockID: block.id, source: item.source, media: item.media, title: item.title,
            topic: item.topic, sha256: item.sha256, approvedBy: item.approvedBy, approvedAt: item.approvedAt)
    }

    /// Logs that `item` of `block`, due at `planned`, was not started, and why.
    func recordSkipped(_ item: PreparedItem, of block: PlannedBlock, at planned: WallTime, reason: String) {
        var event = itemEvent(.segmentSkipped, item, block, at: planned)
        event.segment = UUID().uuidString.lowercased()
        event.scheduledAt = planned
        event.outcome = .skipped
        event.reason = reason
        record(event)
    }

    /// Where the block's timeline puts `frame`: its scheduled start plus the frames before.
    func plannedTime(ofFrame frame: Int64, in block: BlockRun) -> WallTime {
        block.prepared.block.start + (frame - block.startFrame) * 1_000_000 / Int64(rate)
    }

    func wallTime(ofFrame frame: Int64, _ model: FrameClockModel) -> WallTime {
        let ns = model.monoNs(atFrame: frame) + wall.offsetNs()
        return WallTime(microseconds: floorDivMod(ns, 1000).0)
    }

    func wallTime(ofMonoNs mono: Int64) -> WallTime {
        WallTime(microseconds: floorDivMod(mono + wall.offsetNs(), 1000).0)
    }

    /// Zeroes the next `frames` frames of the ring in place and publishes them.
    private func writeSilence(_ frames: Int) {
        var left = frames
        while left > 0 {
            let region = output.ring.writableRegion(frames: left)
            region.pointer.update(repeating: 0, count: region.frames * channels)
            output.ring.publish(frames: region.frames)
            left -= region.frames
        }
    }
}
