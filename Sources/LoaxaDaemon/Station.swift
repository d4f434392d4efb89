import Foundation
import LoaxaControl
import LoaxaCore
import LoaxaLibrary
import LoaxaMedia
import LoaxaOutput
import LoaxaSchedule
import LoaxaStore
import Logging
import Synchronization

/// The running station: opens the log and the card, plans blocks from the schedule, hands
/// them to the renderer, answers the control socket, and shuts down cleanly when `stop()`
/// is called (loaxad calls it on SIGTERM and SIGINT).
public final class Station: @unchecked Sendable {
    /// The config and schedule in force; a reload replaces the schedule (see `reload`).
    let current: Mutex<StationSetup>
    var setup: StationSetup { current.withLock { $0 } }
    /// The config file, for reloads.
    let configPath: String
    let queue: OperatorQueue
    let logger: Logger
    let log: AirplayLog
    let recorder: Recorder
    let output: ALSAOutput
    let renderer: Renderer
    let wall: WallClock
    let stepWatcher: ClockStepWatcher
    let hooks: HookRunner
    let clockSync = ClockSync()
    /// Where the next look back over unaired blocks starts (see `settleThePast`): the last
    /// event of the previous run, or the moment the clock stopped being trusted; nil when
    /// nothing is left to look at.
    var lookBackFrom: WallTime?
    /// The card could not be opened at start and has not opened since.
    var awaitingCard = false
    /// `before_block` hooks still to run: when, and for which block occurrence.
    /// Topic segments picked for blocks handed over, by media path: when their block starts.
    let picked = Mutex<[String: WallTime]>([:])
    let hooksDue = Mutex<[(at: WallTime, block: PlannedBlock)]>([])
    var control: ControlServer?
    /// Blocks already handed to the renderer, by occurrence key.
    let handed = Mutex<Set<String>>([])
    /// The log's writer settings as read back at start (`reportDurability`).
    let durability = Mutex<AirplayLog.DurabilitySettings?>(nil)
    /// Set by `stop()`: the main loop ends.
    private let stopping = Atomic<Bool>(false)
    /// The main loop's sleep, which `stop()` cuts short.
    private let napping = Mutex<Task<Void, any Error>?>(nil)

    /// How far ahead blocks are prepared (files hashed and checked) and queued.
    static let planningHorizonMicros: Int64 = 10 * 60 * 1_000_000
    /// A block closer than this when first seen is too late to place exactly.
    static let minimumLeadMicros: Int64 = 1_500_000

    /// Opens everything; throws with a message an operator can act on if it cannot.
    public init(setup: StationSetup, configPath: String, logger: Logger, wall: WallClock = WallClock()) throws {
        self.current = Mutex(setup)
        self.configPath = configPath
        self.logger = logger
        self.wall = wall
        let config = setup.config
        try FileManager.default.createDirectory(
            atPath: (config.paths.database as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        log = try AirplayLog(path: config.paths.database)
        let zone = config.station.timeZone
        recorder = Recorder(log: log, logger: logger, zone: { zone.offsetSeconds(at: $0) })
        // A card missing at boot (a USB card not yet there) is waited for, not fatal: the
        // daemon starts, tells systemd it is ready, and airs once the card opens.
        output = try ALSAOutput(
            settings: OutputSettings(device: config.output.device, rate: config.output.rate, channels: config.output.channels),
            waitForDevice: true)
        let recorder = self.recorder
        let hooks = HookRunner(logger: logger, now: { wall.now() }) { recorder.record($0) }
        self.hooks = hooks
        let afterBlock = config.hooks.afterBlock
        renderer = Renderer(output: output, wall: wall) { event in
            recorder.record(event)
            if event.kind == .blockEnded, let afterBlock {
                hooks.run(afterBlock, hook: "after_block", blockID: event.blockID)
            }
        }
        let mediaRoot = config.paths.media
        let target = config.output.loudnessTargetLUFS
        let log = self.log
        let lookup = Self.loudnessLookup(log: log, logger: logger)
        queue = OperatorQueue(
            log: log, logger: logger, record: { recorder.record($0) },
            duration: { MediaFile.locate($0, in: mediaRoot).flatMap(MediaDuration.headerMicros) },
            prepare: { entry in
                var item = PreparedBlock.prepare(
                    media: entry.media, mediaRoot: mediaRoot, source: OperatorQueue.source(entry.priority),
                    targetLUFS: target, loudness: lookup, title: Self.libraryTitle(log: log))
                item.queueID = entry.id
                // Queuing a segment approves it, in the operator's name.
                item.approvedBy = entry.addedBy
                item.approvedAt = entry.addedAt
                return item
            })
        stepWatcher = ClockStepWatcher { [wall] step in
            recorder.record(AirplayEvent(
                kind: .wallClockStepped, at: wall.now(),
                detail: "the system clock was set, by \(Double(step) / 1000) ms"))
        }
        renderer.queue = queue
        renderer.resumePolicy = setup.config.playout.resumeAfterEmergency
        renderer.approval = { [weak self, log] sha256 in
            let required = self?.setup.config.playout.requireApproval ?? false
            guard let sha256 else { return .notApproved(required: required) }
            do {
                if let found = try log.approval(sha256: sha256) {
                    return .approved(by: found.approvedBy, at: found.approvedAt)
                }
            } catch {
                self?.logger.error("cannot read the approval of \(sha256): \(error); taken as not approved")
            }
            return .notApproved(required: required)
        }
        let sync = clockSync
        recorder.clockSynchronized = { sync.trusted }
        renderer.clockTrusted = { sync.trusted }
    }

    /// Airs the schedule until `stop()` is called or the task is cancelled, then shuts
    /// down (what is on air is logged as interrupted) and returns.
    public func run() async throws {
        let config = setup.config
        // Read before this run adds events: the look back starts where the last run ended,
        // or earlier, at the last block the log shows settled: a run killed before its own
        // look back was done left the blocks after that one unsettled.
        lookBackFrom = [try? log.lastEventTime(), try? log.lastSettledBlockTime()].compactMap { $0 }.min() ?? wall.now()
        closeWhatTheLastRunLeftOpen()
        reportDurability()
        recorder.start()
        output.start()
        renderer.start()
        stepWatcher.start()
        let granted = output.granted
        recorder.record(AirplayEvent(
            kind: .daemonStarted, at: wall.now(),
            detail: "device \(config.output.device) at \(config.output.rate) Hz, \(config.output.channels) channels, period \(granted.period), buffer \(granted.buffer) frames"))
        recorder.record(AirplayEvent(
            kind: .scheduleLoaded, at: wall.now(),
            detail: "\(setup.schedule.blocks.count) blocks from \(config.paths.schedules)"))
        if let missing = output.missingAtStart {
            logger.warning("sound card \(config.output.device) cannot be opened (\(missing)); waiting for it: blocks air once it opens")
            recorder.record(AirplayEvent(
                kind: .deviceLost, at: wall.now(), reason: "cannot be opened at start: \(missing)", detail: config.output.device))
            awaitingCard = true
        }
        try? await Task.sleep(for: .milliseconds(50))
        if !output.realtime.load(ordering: .acquiring) {
            logger.warning("the audio thread runs without real-time priority (SCHED_FIFO not permitted); give the service LimitRTPRIO=80 or run it in the audio group")
        }
        if !output.memoryLocked.load(ordering: .acquiring) {
            logger.warning("the audio thread's memory is not locked (mlock not permitted); give the service LimitMEMLOCK=64M")
        }
        queue.load()
        control = try ControlServer(path: config.paths.socket) { [weak self] request, peer in
            self?.handle(request, from: peer) ?? ControlResponse(ok: false, error: "the daemon is shutting down")
        }
        control?.start()
        logger.notice("loaxad ready: station \"\(config.station.name)\", \(setup.schedule.blocks.count) blocks, device \(config.output.device)")
        // Ready once the schedule is loaded and the audio thread runs, with the card open or
        // retrying it: a card missing at boot must not make systemd restart the daemon.
        let notifier = SystemdNotifier()
        notifier?.send("READY=1\nSTATUS=on air: \(setup.schedule.blocks.count) blocks, device \(config.output.device)")
        var watchdog = Watchdog(output: output, intervalMicros: notifier?.watchdogIntervalMicros)

        var nextPlan = wall.now()
        while !stopping.load(ordering: .acquiring) && !Task.isCancelled {
            // Plan every 2 s (the horizon is ten minutes). Between, sleep until the next
            // hook is due, a second at most: every wake-up costs CPU on an idle box.
            let now = wall.now()
            if now >= nextPlan {
                watchClockSync()
                planAhead()
                nextPlan = now + 2_000_000
            }
            runDueHooks()
            reportDevice()
            queue.expire(now: now)
            airEmergency()
            if let notifier, watchdog.due(), watchdog.audioThreadMoved() { notifier.send("WATCHDOG=1") }
            let nextHook = hooksDue.withLock { $0.map(\.at).min() } ?? nextPlan
            let micros = max(10_000, min(1_000_000, min(nextPlan, nextHook) - wall.now()))
            let nap = Task { try await Task.sleep(for: .microseconds(micros)) }
            napping.withLock { $0 = nap }
            if stopping.load(ordering: .acquiring) { nap.cancel() }
            _ = try? await nap.value
        }
        notifier?.send("STOPPING=1")
        shutdown()
    }

    /// Reloads the schedule on SIGHUP; problems go to the journal.
    public func reloadOnSignal() {
        _ = reload(by: "SIGHUP")
    }

    /// Makes `run()` shut down and return at once; may be called from any thread, more
    /// than once.
    public func stop() {
        stopping.store(true, ordering: .releasing)
        napping.withLock { $0?.cancel() }
    }

    /// Hands the renderer every block that starts within the planning horizon.
    func planAhead() {
        let now = wall.now()
        let blocks = setup.schedule.plannedBlocks(
            from: now + Self.minimumLeadMicros, to: now + Self.planningHorizonMicros, zone: setup.config.station.timeZone)
        for block in blocks where handed.withLock({ $0.insert(block.occurrenceKey).inserted }) {
            hand(block, lateStart: nil)
        }
    }

    /// Prepares `block` and hands it to the renderer, with its `before_block` hook due its
    /// lead time ahead (at once for a block already under way).
    func hand(_ block: PlannedBlock, lateStart: LateStartPolicy?) {
        // Hashing and measuring loudness can take seconds for a long file: done on the
        // preparing queue, well ahead of the block.
        let config = setup.config
        let lookup = loudnessLookup
        preparing.async { [self, renderer, logger] in
            var prepared = PreparedBlock(
                block, mediaRoot: config.paths.media, targetLUFS: config.output.loudnessTargetLUFS, loudness: lookup,
                title: Self.libraryTitle(log: log),
                pick: { topic, count in self.pickTopic(topic, count: count, at: block.start) })
            prepared.lateStart = lateStart
            renderer.enqueue(prepared)
            let files = prepared.files
            let gained = files.filter { $0.gainNote != nil }.count
            logger.info("block \(block.id) ready: \(files.count) files, \(gained) with their loudness known")
        }
        if config.hooks.beforeBlock != nil {
            let at = block.start + -Int64(config.hooks.beforeBlockLeadSeconds) * 1_000_000
            hooksDue.withLock { $0.append((at, block)) }
        }
        logger.info("block \(block.id) planned for \(format(block.start))")
    }

    /// The `count` segments of `topic` that aired least recently, counting those already
    /// picked for blocks not yet aired as aired at their block's start.
    ///
    /// The media library refines the folder's list, for files it saw as they are now: those
    /// it refused are left out, and with `require_approval` approved ones go first (others
    /// fill the count only when too few are approved, and are then logged not approved).
    func pickTopic(_ topic: String, count: Int, at start: WallTime) -> [TopicSegment] {
        let folder = setup.config.paths.media
        let (segments, known) = MediaLibrary.topicView(
            TopicFolder.segments(topic: topic, mediaFolder: folder, duration: MediaDuration.headerMicros),
            topic: topic, mediaFolder: folder, log: log)
        let logged: [String: WallTime]
        do {
            logged = try log.lastAired(topic: topic)
        } catch {
            logger.error("cannot read the topic rotation of \(topic): \(error); picking as if nothing had aired")
            logged = [:]
        }
        let requireApproval = setup.config.playout.requireApproval
        return picked.withLock { picked in
            // Picks older than a day have aired (the log has them) or never will.
            picked = picked.filter { $0.value > start + -86_400_000_000 }
            let lastAired = TopicRotation.merging(logged, picked)
            var choice: [TopicSegment]
            if requireApproval {
                let approved = segments.filter { known[$0.media]?.approval != nil }
                choice = TopicRotation.pick(count: count, from: approved, lastAired: lastAired)
                let rest = segments.filter { known[$0.media]?.approval == nil }
                choice += TopicRotation.pick(count: count - choice.count, from: rest, lastAired: lastAired)
            } else {
                choice = TopicRotation.pick(count: count, from: segments, lastAired: lastAired)
            }
            for segment in choice { picked[segment.media] = start }
            return choice
        }
    }

    /// Runs the `before_block` hooks that are due.
    func runDueHooks() {
        guard let command = setup.config.hooks.beforeBlock else { return }
        let now = wall.now()
        let due = hooksDue.withLock { list in
            let due = list.filter { $0.at <= now }
            list.removeAll { $0.at <= now }
            return due
        }
        for entry in due { hooks.run(command, hook: "before_block", blockID: entry.block.id) }
    }

    private let preparing = DispatchQueue(label: "loaxa-prepare")

    /// Loudness by content hash: from the log's cache, else measured once and cached.
    var loudnessLookup: LoudnessLookup { Self.loudnessLookup(log: log, logger: logger) }

    ///
    /// - Parameter given: a measurement made elsewhere (the CLI measures an emergency before
    ///   sending it), taken and cached instead of measuring again.
    static func loudnessLookup(log: AirplayLog, logger: Logger, given: Loudness? = nil) -> LoudnessLookup {
        { sha256, path in
            if let cached = try? log.loudness(sha256: sha256) {
                return Loudness(integratedLUFS: cached.integrated, truePeakDBTP: cached.truePeak)
            }
            do {
                let measured = try given ?? LoudnessAnalyzer.measure(path: path)
                try? log.storeLoudness(sha256: sha256, integrated: measured.integratedLUFS, truePeak: measured.truePeakDBTP)
                return measured
            } catch {
                logger.warning("cannot measure the loudness of \(path): \(error); it airs without gain")
                return nil
            }
        }
    }

    /// Closes what a daemon that was killed, crashed or lost power left open, before this
    /// run records anything, in one transaction: each segment as `interrupted` at the last
    /// moment known to have aired, or `not_aired` if the log holds no sign that it reached
    /// the card, and each block at the last moment known to have aired in it, else its start. If the log
    /// cannot be written now (a full disk), the closing events wait in the recorder's queue,
    /// ahead of this run's own.
    func closeWhatTheLastRunLeftOpen() {
        let reason = "the daemon stopped without closing it (killed, crashed or a power cut); "
            + "closed at the next start, at the last moment known to have aired"
        var closing: [AirplayEvent]
        do {
            closing = try log.closeWhatTheLastRunLeftOpen(reason: reason)
        } catch {
            logger.error("cannot close what the last run left open: \(error); the closing events wait in memory and are retried")
            do {
                closing = try log.eventsClosingWhatTheLastRunLeftOpen(reason: reason)
                recorder.recordAsIs(closing)
            } catch {
                logger.error("cannot read what the last run left open: \(error); it stays open until the next start")
                return
            }
        }
        for event in closing {
            if event.kind == .blockEnded {
                logger.warning("closed block \(event.blockID ?? "-") at \(format(event.at)): the last run stopped without closing it")
            } else {
                logger.warning("closed \(event.media ?? "a segment") of block \(event.blockID ?? "-") as \(event.outcome?.rawValue ?? "-"): the last run stopped without closing it")
            }
        }
    }

    /// How the daemon's own connection writes the log, read back from SQLite at start: the
    /// journal and `loaxa status` show it, and anything but WAL with every commit flushed
    /// (synchronous FULL) is a warning, since then an event reported written could be lost
    /// in a power cut.
    func reportDurability() {
        do {
            let settings = try log.durabilitySettings()
            durability.withLock { $0 = settings }
            let text = "airplay log \(log.path ?? ":memory:"): journal_mode=\(settings.journalMode), synchronous=\(settings.synchronous)"
            if settings.journalMode == "wal" && settings.synchronous == 2 {
                logger.notice("\(text) (FULL: every event is on disk before it counts as written)")
            } else {
                logger.warning("\(text): expected wal and 2 (FULL); events may not survive a power cut")
            }
        } catch {
            logger.error("cannot read the airplay log's durability settings: \(error)")
        }
    }

    /// Titles from the media library, for files whose content it knows at that path.
    static func libraryTitle(log: AirplayLog) -> TitleLookup {
        { media, sha256 in
            guard let entry = try? log.libraryEntry(path: media), entry.state == .ok, entry.sha256 == sha256 else { return nil }
            return entry.title
        }
    }

    private var attemptsReported: Int64 = 0

    /// Writes each failed attempt to reopen a lost sound card to the journal.
    func reportDevice() {
        if awaitingCard && output.state == .running {
            awaitingCard = false
            recorder.record(AirplayEvent(
                kind: .deviceBack, at: wall.now(),
                detail: "\(setup.config.output.device) opened after \(output.reopenAttempts.load(ordering: .relaxed)) attempts"))
        }
        let attempts = output.reopenAttempts.load(ordering: .relaxed)
        guard attempts != attemptsReported else { return }
        attemptsReported = attempts
        let code = output.lastErrorCode.load(ordering: .relaxed)
        if output.state == .lost {
            logger.warning("sound card \(setup.config.output.device) is gone (\(String(cString: strerror(-code)))); reopen attempt \(attempts) failed, retrying")
        } else {
            logger.notice("sound card \(setup.config.output.device) is back after \(attempts) reopen attempts")
        }
    }

    func shutdown() {
        logger.notice("loaxad stopping")
        control?.stop()
        stepWatcher.stop()
        renderer.stop(reason: "the daemon was stopped")
        output.stop()
        // Stopping within 2 s of SIGTERM leaves the after_block hook 0.8 s (and the recorder
        // a second for one more try at a log it could not write).
        hooks.waitForRunning(upTo: .milliseconds(800))
        recorder.record(AirplayEvent(kind: .daemonStopped, at: wall.now()))
        recorder.stop()
    }

    func format(_ t: WallTime) -> String {
        RFC3339.format(t, offsetSeconds: setup.config.station.timeZone.offsetSeconds(at: t))
    }

    func status() -> StatusReport {
        let config = setup.config
        var onAir: StatusReport.OnAir?
        if let snap = renderer.onAir.withLock({ $0 }) {
            var position: Int64?
            if let start = snap.startFrame, let model = output.clock.model {
                let now = model.frame(atMonoNs: SystemClocks.monotonicNs())
                position = max(0, now - start) * 1000 / Int64(config.output.rate)
            }
            onAir = .init(
                blockID: snap.block.id, blockTitle: snap.block.title, media: snap.media, title: snap.title,
                startedAt: snap.startedAt.map(format), positionMs: snap.startedAt == nil ? nil : position,
                durationMs: snap.estimatedFrames.map { $0 * 1000 / Int64(config.output.rate) })
        }
        let next = renderer.nextBlock ?? setup.schedule.plannedBlocks(
            from: wall.now(), to: wall.now() + 8 * 86_400 * 1_000_000, zone: config.station.timeZone
        ).first { key in handed.withLock { !$0.contains(key.occurrenceKey) } }
        let writeError = recorder.writeError.withLock { $0 }
        let durability = self.durability.withLock { $0 }
        var lastError = writeError.map { "cannot write the airplay log: \($0)" }
        let code = output.lastErrorCode.load(ordering: .relaxed)
        if lastError == nil, code != 0 {
            lastError = "device: " + String(cString: strerror(-code))
        }
        return StatusReport(
            station: config.station.name, now: format(wall.now()), device: config.output.device,
            deviceState: output.state.name, rate: config.output.rate, channels: config.output.channels,
            onAir: onAir, nextBlock: next.map { .init(id: $0.id, title: $0.title, start: format($0.start)) },
            underruns: output.underruns.load(ordering: .relaxed), realtime: output.realtime.load(ordering: .relaxed),
            memoryLocked: output.memoryLocked.load(ordering: .relaxed),
            lastError: lastError, clock: clockSync.read().rawValue,
            queued: queue.current.filter { $0.stored.state == .waiting }.count,
            airplayLog: .init(
                journalMode: durability?.journalMode, synchronous: durability?.synchronous,
                eventsWaiting: recorder.waiting, writeError: writeError))
    }
}

/// When to answer systemd's watchdog: every half `WatchdogSec=`, and only if the audio
/// thread's loop turned since the last answer. A stuck audio thread then stops the answers,
/// and systemd restarts the daemon.
struct Watchdog {
    let output: ALSAOutput
    let intervalMicros: Int64?
    private var nextNs: Int64 = 0
    private var turnsSeen: Int64 = -1

    init(output: ALSAOutput, intervalMicros: Int64?) {
        self.output = output
        self.intervalMicros = intervalMicros
    }

    /// Whether an answer is due now (monotonic time, so a wall clock set does not matter).
    mutating func due() -> Bool {
        guard let intervalMicros else { return false }
        let now = SystemClocks.monotonicNs()
        guard now >= nextNs else { return false }
        nextNs = now + intervalMicros * 1000
        return true
    }

    /// Whether the audio thread's loop turned since the last call.
    mutating func audioThreadMoved() -> Bool {
        let turns = output.loopTurns.load(ordering: .relaxed)
        defer { turnsSeen = turns }
        return turns != turnsSeen
    }
}
