/// LoaxaControl: the messages the CLI and the daemon exchange over the control socket,
/// and the socket's framing (one JSON object a line, one request per connection).

/// A request from the CLI.
public struct ControlRequest: Codable, Sendable {
    public var command: String
    public var arguments: [String: String]

    public init(command: String, arguments: [String: String] = [:]) {
        self.command = command
        self.arguments = arguments
    }
}

/// The daemon's answer.
public struct ControlResponse: Codable, Sendable {
    public var ok: Bool
    public var error: String?
    /// What was done, in a sentence for the operator.
    public var message: String?
    public var status: StatusReport?
    public var queue: [QueueItemReport]?

    public init(
        ok: Bool, error: String? = nil, message: String? = nil, status: StatusReport? = nil,
        queue: [QueueItemReport]? = nil
    ) {
        self.ok = ok
        self.error = error
        self.message = message
        self.status = status
        self.queue = queue
    }

    /// A refusal with its reason.
    public static func refused(_ reason: String) -> ControlResponse { ControlResponse(ok: false, error: reason) }
}

/// Who sent a request: the control socket's peer credentials.
public struct ControlPeer: Sendable, Hashable {
    public var uid: UInt32
    /// The user's login name, or the uid as text when it has none.
    public var user: String

    public init(uid: UInt32, user: String) {
        self.uid = uid
        self.user = user
    }
}

/// One entry of the operator queue, as `loaxa queue list` shows it.
public struct QueueItemReport: Codable, Sendable, Hashable {
    public var id: Int64
    public var media: String
    public var title: String?
    public var priority: String
    public var block: String?
    /// RFC 3339, station offset.
    public var expires: String?
    public var added: String
    public var addedBy: String?
    public var state: String
    public var durationMs: Int64?

    public init(
        id: Int64, media: String, title: String?, priority: String, block: String?, expires: String?, added: String,
        addedBy: String?, state: String, durationMs: Int64?
    ) {
        self.id = id
        self.media = media
        self.title = title
        self.priority = priority
        self.block = block
        self.expires = expires
        self.added = added
        self.addedBy = addedBy
        self.state = state
        self.durationMs = durationMs
    }

    enum CodingKeys: String, CodingKey {
        case id, media, title, priority, block, expires, added
        case addedBy = "added_by"
        case state
        case durationMs = "duration_ms"
    }
}

/// What `loaxa status` shows.
public struct StatusReport: Codable, Sendable {
    public struct OnAir: Codable, Sendable {
        public var blockID: String
        public var blockTitle: String
        public var media: String?
        public var title: String?
        /// RFC 3339, station offset.
        public var startedAt: String?
        public var positionMs: Int64?
        public var durationMs: Int64?

        public init(blockID: String, blockTitle: String, media: String?, title: String?, startedAt: String?, positionMs: Int64?, durationMs: Int64?) {
            self.blockID = blockID
            self.blockTitle = blockTitle
            self.media = media
            self.title = title
            self.startedAt = startedAt
            self.positionMs = positionMs
            self.durationMs = durationMs
        }
    }

    public struct NextBlock: Codable, Sendable {
        public var id: String
        public var title: String
        public var start: String

        public init(id: String, title: String, start: String) {
            self.id = id
            self.title = title
            self.start = start
        }
    }

    /// How the daemon writes the airplay log, and whether it can.
    public struct AirplayLogState: Codable, Sendable {
        /// The writer connection's journal mode as SQLite reports it: "wal".
        public var journalMode: String?
        /// The writer connection's `PRAGMA synchronous`: 2 (FULL) flushes every commit to
        /// disk before it returns.
        public var synchronous: Int?
        /// Events recorded and not yet written: a few in passing, more while writes fail.
        public var eventsWaiting: Int
        /// Why writing the log fails (a full disk, say), while it fails; the waiting events
        /// are retried every second. Nil while the log is writable.
        public var writeError: String?

        public init(journalMode: String?, synchronous: Int?, eventsWaiting: Int, writeError: String?) {
            self.journalMode = journalMode
            self.synchronous = synchronous
            self.eventsWaiting = eventsWaiting
            self.writeError = writeError
        }
    }

    public var station: String
    public var now: String
    public var device: String
    public var deviceState: String
    public var rate: Int
    public var channels: Int
    public var onAir: OnAir?
    public var nextBlock: NextBlock?
    public var underruns: Int64
    /// Whether the audio thread runs with SCHED_FIFO priority.
    public var realtime: Bool
    /// Whether the audio thread's memory is locked into RAM.
    public var memoryLocked: Bool
    public var lastError: String?
    /// "synchronized", "unsynchronized" or "unknown": whether the system clock is set by NTP.
    public var clock: String?
    /// Entries waiting in the operator queue.
    public var queued: Int?
    /// The airplay log; nil from a daemon older than this field.
    public var airplayLog: AirplayLogState?

    public init(station: String, now: String, device: String, deviceState: String, rate: Int, channels: Int, onAir: OnAir?, nextBlock: NextBlock?, underruns: Int64, realtime: Bool, memoryLocked: Bool, lastError: String?, clock: String? = nil, queued: Int? = nil, airplayLog: AirplayLogState? = nil) {
        self.clock = clock
        self.queued = queued
        self.airplayLog = airplayLog
        self.station = station
        self.now = now
        self.device = device
        self.deviceState = deviceState
        self.rate = rate
        self.channels = channels
        self.onAir = onAir
        self.nextBlock = nextBlock
        self.underruns = underruns
        self.realtime = realtime
        self.memoryLocked = memoryLocked
        self.lastError = lastError
    }
}
