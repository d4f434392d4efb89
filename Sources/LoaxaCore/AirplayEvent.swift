/// What an airplay log event records (SPEC §8). Events are appended, never changed.
public enum AirplayEventKind: String, Sendable, Codable, CaseIterable {
    case daemonStarted = "daemon_started"
    case daemonStopped = "daemon_stopped"
    case scheduleLoaded = "schedule_loaded"
    case blockStarted = "block_started"
    case blockEnded = "block_ended"
    case blockMissed = "block_missed"
    /// A segment's first frame was queued to the card, with its predicted on-air time.
    case segmentQueued = "segment_queued"
    /// A segment's first frame left the card; `at` is the card-clock time.
    case segmentStarted = "segment_started"
    case segmentHeartbeat = "segment_heartbeat"
    /// A segment's last frame left the card, or it was cut; carries the outcome.
    case segmentEnded = "segment_ended"
    /// An item that was never started (missing file, block full, not approved, ...).
    case segmentSkipped = "segment_skipped"
    case clockSyncChanged = "clock_sync_changed"
    /// The wall clock was set (stepped); `detail` says by how much.
    case wallClockStepped = "wall_clock_stepped"
    case deviceLost = "device_lost"
    case deviceBack = "device_back"
    /// A `[hooks]` command ran (the amplifier relay, say); `detail` has its outcome.
    case hookRan = "hook_ran"
    /// An operator acted through the CLI (queued, removed, skipped, stopped, reloaded);
    /// `approvedBy` names the operator, `detail` says what was done.
    case operatorAction = "operator_action"
    /// A segment's content (`sha256`) was approved for broadcast. `approvedBy` names who
    /// approved it (the leader's name as typed), `media`, `title` and `sha256` say what,
    /// `detail` says which operator account did it.
    case mediaApproved = "media_approved"
    /// A segment's approval was withdrawn. The fields are as for `mediaApproved`:
    /// `approvedBy` names who had approved it, `media`, `title` and `sha256` say what,
    /// `detail` says which operator account did it.
    case mediaUnapproved = "media_unapproved"
}

/// One event of the airplay log.
///
/// The fields that do not apply to a kind stay nil. `segment` ties together the events of
/// one airing (queued, started, heartbeats, ended) so records can be derived from them.
public struct AirplayEvent: Hashable, Sendable, Codable {
    public var kind: AirplayEventKind
    /// When it happened. For segment start and end: the sound card's clock, as wall time.
    public var at: WallTime
    /// The block's id from the schedule.
    public var blockID: String?
    /// When the block (or, for segment events, the segment) was scheduled to start.
    public var scheduledAt: WallTime?
    /// A unique id for one airing of one segment.
    public var segment: String?
    public var source: SegmentSource?
    /// The file's path relative to the media folder.
    public var media: String?
    public var title: String?
    public var topic: String?
    /// Lower-case hex SHA-256 of the file's content.
    public var sha256: String?
    public var plannedMs: Int64?
    /// Frames aired at the device rate (segment ended, heartbeat).
    public var playedFrames: Int64?
    /// The device rate, so that `playedFrames` converts to milliseconds.
    public var deviceRate: Int?
    public var outcome: SegmentOutcome?
    public var reason: String?
    public var underruns: Int?
    public var approvedBy: String?
    /// When the approval named by `approvedBy` was given.
    public var approvedAt: WallTime?
    /// Whether the system clock was synchronized (NTP) when the event was recorded.
    public var clockSynchronized: Bool?
    /// Free text for kinds that carry a message (schedule loaded, device lost, ...).
    public var detail: String?

    public init(
        kind: AirplayEventKind, at: WallTime, blockID: String? = nil, scheduledAt: WallTime? = nil,
        segment: String? = nil, source: SegmentSource? = nil, media: String? = nil,
        title: String? = nil, topic: String? = nil, sha256: String? = nil, plannedMs: Int64? = nil,
        playedFrames: Int64? = nil, deviceRate: Int? = nil, outcome: SegmentOutcome? = nil,
        reason: String? = nil, underruns: Int? = nil, approvedBy: String? = nil,
        approvedAt: WallTime? = nil, clockSynchronized: Bool? = nil, detail: String? = nil
    ) {
        self.kind = kind
        self.at = at
        self.blockID = blockID
        self.scheduledAt = scheduledAt
        self.segment = segment
        self.source = source
        self.media = media
        self.title = title
        self.topic = topic
        self.sha256 = sha256
        self.plannedMs = plannedMs
        self.playedFrames = playedFrames
        self.deviceRate = deviceRate
        self.outcome = outcome
        self.reason = reason
        self.underruns = underruns
        self.approvedBy = approvedBy
        self.approvedAt = approvedAt
        self.clockSynchronized = clockSynchronized
        self.detail = detail
    }
}

/// One airing of one segment, derived from the log's events (SPEC §8, §9).
public struct SegmentRecord: Hashable, Sendable, Codable {
    public var segment: String
    public var blockID: String?
    public var source: SegmentSource
    public var media: String
    public var title: String?
    public var topic: String?
    public var sha256: String?
    public var scheduledAt: WallTime?
    public var startedAt: WallTime?
    public var endedAt: WallTime?
    public var plannedMs: Int64?
    public var playedMs: Int64
    /// nil while the segment is still on air.
    public var outcome: SegmentOutcome?
    public var reason: String?
    public var underruns: Int
    public var approvedBy: String?
    /// When the approval named by `approvedBy` was given.
    public var approvedAt: WallTime?
    public var clockSynchronized: Bool?

    public init(
        segment: String, blockID: String?, source: SegmentSource, media: String, title: String?,
        topic: String?, sha256: String?, scheduledAt: WallTime?, startedAt: WallTime?,
        endedAt: WallTime?, plannedMs: Int64?, playedMs: Int64, outcome: SegmentOutcome?,
        reason: String?, underruns: Int, approvedBy: String?, approvedAt: WallTime?,
        clockSynchronized: Bool?
    ) {
        self.segment = segment
        self.blockID = blockID
        self.source = source
        self.media = media
        self.title = title
        self.topic = topic
        self.sha256 = sha256
        self.scheduledAt = scheduledAt
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.plannedMs = plannedMs
        self.playedMs = playedMs
        self.outcome = outcome
        self.reason = reason
        self.underruns = underruns
        self.approvedBy = approvedBy
        self.approvedAt = approvedAt
        self.clockSynchronized = clockSynchronized
    }
}
