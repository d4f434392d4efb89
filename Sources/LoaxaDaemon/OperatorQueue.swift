import Foundation
import LoaxaCore
import LoaxaStore
import Logging
import Synchronization

/// The segments operators queued (`loaxa queue add`), waiting for their turn (SPEC §6).
///
/// The entries live in the database (`queue_item`), so they survive a restart; this type
/// keeps the waiting and airing ones in memory, each prepared (hashed, its loudness known)
/// as soon as it is added, so that the renderer takes one without touching a file or the
/// database. State changes the renderer causes are written on a queue of their own.
///
/// Where each priority airs:
/// - normal: at the next block's `queue` item, or only in the block the operator named
///   (at its `queue` item, else after its last item);
/// - priority: at the next item boundary of the block on air, else at the next block's start;
/// - emergency: at once, cutting what airs (the station hands it to the renderer directly).
final class OperatorQueue: @unchecked Sendable {
    /// A waiting or airing entry with what the renderer needs.
    struct Entry {
        var stored: QueueEntry
        /// The file's length from its header, for fitting it into a block.
        var durationMicros: Int64?
        /// Nil until the file has been hashed and measured.
        var prepared: PreparedItem?
    }

    /// Where the renderer is asking for a queued segment.
    enum Place {
        /// A block's `{ queue = true }` item: normal entries for any block, or named for it.
        case queueItem(blockID: String)
        /// The end of a block without a `queue` item: only the entries named for it.
        case blockEnd(blockID: String)
        /// Before the next item of a block (or its first): priority entries.
        case boundary
    }

    let log: AirplayLog
    let logger: Logger
    let record: @Sendable (AirplayEvent) -> Void
    /// A file's length from its header, by its path relative to the media folder.
    let duration: @Sendable (String) -> Int64?
    /// Prepares an entry's file (hash, title, gain); slow for a long file.
    let prepare: @Sendable (QueueEntry) -> PreparedItem
    private let entries = Mutex<[Entry]>([])
    private let writes = DispatchQueue(label: "loaxa-queue-db")
    private let preparing = DispatchQueue(label: "loaxa-queue-prepare")

    init(
        log: AirplayLog, logger: Logger, record: @escaping @Sendable (AirplayEvent) -> Void,
        duration: @escaping @Sendable (String) -> Int64?, prepare: @escaping @Sendable (QueueEntry) -> PreparedItem
    ) {
        self.log = log
        self.logger = logger
        self.record = record
        self.prepare = prepare
        self.duration = duration
    }

    /// Loads the entries still waiting, and those that were airing when the daemon last
    /// stopped (cut by a restart or a power cut: they wait again), and prepares them.
    func load() {
        do {
            for var entry in try log.queueEntries(in: [.waiting, .airing]) {
                if entry.state == .airing {
                    try log.setQueueState(id: entry.id, .waiting, note: "cut by a restart; waits again")
                    entry.state = .waiting
                }
                admit(entry, prepared: nil)
            }
        } catch {
            logger.error("cannot read the operator queue: \(error)")
        }
    }

    /// Stores a new entry and starts preparing it; `prepared`, when given (an emergency,
    /// prepared at once by the caller), is used as it is.
    func add(_ entry: QueueEntry, prepared: PreparedItem? = nil) {
        admit(entry, prepared: prepared)
    }

    private func admit(_ stored: QueueEntry, prepared: PreparedItem?) {
        let entry = Entry(stored: stored, durationMicros: duration(stored.media), prepared: prepared)
        entries.withLock { $0.append(entry) }
        guard prepared == nil else { return }
        preparing.async { [self] in
            let item = prepare(stored)
            entries.withLock { list in
                if let i = list.firstIndex(where: { $0.stored.id == stored.id }) { list[i].prepared = item }
            }
        }
    }

    /// The entries waiting or airing, oldest first.
    var current: [Entry] { entries.withLock { $0 } }

    /// Waiting emergencies, oldest first (after a restart they air at once).
    func takeEmergency() -> PreparedItem? {
        entries.withLock { list in
            guard let i = list.firstIndex(where: {
                $0.stored.priority == .emergency && $0.stored.state == .waiting && $0.prepared != nil
            }) else { return nil }
            return markAiring(&list[i])
        }
    }

    /// Takes the first waiting entry that may air at `place`, starting at `at`, within
    /// `maxMicros` (nil: no limit), other than those in `excluding`; marks it airing.
    /// Entries that would not fit wait.
    func take(_ place: Place, at: WallTime, maxMicros: Int64?, excluding: Set<Int64> = []) -> PreparedItem? {
        entries.withLock { list in
            for i in list.indices where list[i].stored.state == .waiting {
                let entry = list[i]
                guard entry.prepared != nil, !excluding.contains(entry.stored.id), Self.mayAir(entry.stored, at: place)
                else { continue }
                if let expires = entry.stored.expiresAt, expires <= at { continue }
                if let maxMicros, let d = entry.durationMicros, d > maxMicros { continue }
                return markAiring(&list[i])
            }
            return nil
        }
    }

    private static func mayAir(_ entry: QueueEntry, at place: Place) -> Bool {
        switch (entry.priority, place) {
        case (.normal, .queueItem(let id)): return entry.blockID == nil || entry.blockID == id
        case (.normal, .blockEnd(let id)): return entry.blockID == id
        case (.priority, .boundary): return true
        default: return false
        }
    }

    private func markAiring(_ entry: inout Entry) -> PreparedItem? {
        entry.stored.state = .airing
        let id = entry.stored.id
        writes.async { [log, logger] in
            do { try log.setQueueState(id: id, .airing) } catch { logger.error("operator queue: \(error)") }
        }
        return entry.prepared
    }

    /// The renderer is done with entry `id`: it aired (whatever the outcome), or it was
    /// handed back unaired (`aired` false: block full after all, cut before it started),
    /// and waits again.
    func finished(id: Int64, aired: Bool, note: String?) {
        let state: QueueEntry.State = aired ? .aired : .waiting
        entries.withLock { list in
            guard let i = list.firstIndex(where: { $0.stored.id == id }) else { return }
            if aired { list.remove(at: i) } else { list[i].stored.state = .waiting }
        }
        writes.async { [log, logger] in
            do { try log.setQueueState(id: id, state, note: note) } catch { logger.error("operator queue: \(error)") }
        }
    }

    /// Removes a waiting entry; nil when done, else why not.
    func remove(id: Int64, by user: String) -> String? {
        var refusal: String?
        let removed: QueueEntry? = entries.withLock { list in
            guard let i = list.firstIndex(where: { $0.stored.id == id }) else {
                refusal = "there is no waiting queue entry \(id); see `loaxa queue list`"
                return nil
            }
            guard list[i].stored.state == .waiting else {
                refusal = "queue entry \(id) is on air; use `loaxa skip` to cut it"
                return nil
            }
            return list.remove(at: i).stored
        }
        guard let entry = removed else { return refusal }
        writes.sync {
            do { try log.setQueueState(id: id, .removed, note: "removed by \(user)") } catch {
                logger.error("operator queue: \(error)")
            }
        }
        record(AirplayEvent(
            kind: .operatorAction, at: WallTime.now(), source: Self.source(entry.priority), media: entry.media,
            approvedBy: user, detail: "removed queue entry \(id) (\(entry.media)) before it aired"))
        return nil
    }

    /// Retires the waiting entries whose expiry has passed: they never air, and the log
    /// says so.
    func expire(now: WallTime) {
        let gone: [Entry] = entries.withLock { list in
            let gone = list.filter { $0.stored.state == .waiting && ($0.stored.expiresAt.map { $0 <= now } ?? false) }
            list.removeAll { e in gone.contains { $0.stored.id == e.stored.id } }
            return gone
        }
        for entry in gone {
            let stored = entry.stored
            writes.async { [log, logger] in
                do { try log.setQueueState(id: stored.id, .expired, note: "expired before it could air") } catch {
                    logger.error("operator queue: \(error)")
                }
            }
            record(AirplayEvent(
                kind: .segmentSkipped, at: now, scheduledAt: stored.expiresAt, segment: UUID().uuidString.lowercased(),
                source: Self.source(stored.priority), media: stored.media, title: entry.prepared?.title,
                topic: entry.prepared?.topic, sha256: entry.prepared?.sha256, outcome: .skipped,
                reason: "expired: queue entry \(stored.id) was not aired before its expiry", approvedBy: stored.addedBy))
        }
    }

    static func source(_ priority: Priority) -> SegmentSource {
        switch priority {
        case .normal: .queue
        case .priority: .priority
        case .emergency: .emergency
        }
    }
}
