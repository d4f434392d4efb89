import GRDB
import LoaxaCore

/// One entry of the operator queue: a segment an operator asked to air (SPEC §6).
public struct QueueEntry: Hashable, Sendable, Codable {
    /// Where an entry stands.
    public enum State: String, Sendable, Codable, CaseIterable {
        /// Waiting for its turn.
        case waiting
        /// Handed to the renderer: queued to the card or on air.
        case airing
        /// Its airing ended (completed, interrupted or failed: the log says which).
        case aired
        /// Removed by an operator before it aired.
        case removed
        /// Its expiry passed before it could air.
        case expired
    }

    public var id: Int64
    /// The file's path relative to the media folder.
    public var media: String
    public var priority: Priority
    /// The block it must air in, if the operator named one.
    public var blockID: String?
    /// After this it never airs.
    public var expiresAt: WallTime?
    public var addedAt: WallTime
    /// The operator's user name, as the control socket's peer credentials gave it.
    public var addedBy: String?
    public var state: State
    /// When `state` last changed.
    public var stateAt: WallTime
    /// Why the state last changed, in words ("removed by an operator", an outcome ...).
    public var note: String?

    public init(
        id: Int64, media: String, priority: Priority, blockID: String?, expiresAt: WallTime?, addedAt: WallTime,
        addedBy: String?, state: State, stateAt: WallTime, note: String?
    ) {
        self.id = id
        self.media = media
        self.priority = priority
        self.blockID = blockID
        self.expiresAt = expiresAt
        self.addedAt = addedAt
        self.addedBy = addedBy
        self.state = state
        self.stateAt = stateAt
        self.note = note
    }
}

/// The operator queue's table. Like the loudness cache it sits outside the hash chain: it
/// is the daemon's working state, rewritten as entries move on. What the entries became
/// is evidence, and that goes to the event log (queued, started, ended, skipped).
extension AirplayLog {
    static let schemaV3Queue = """
        CREATE TABLE queue_item (
            id              INTEGER PRIMARY KEY AUTOINCREMENT,
            media           TEXT    NOT NULL,
            priority        TEXT    NOT NULL CHECK (priority IN ('normal', 'priority', 'emergency')),
            block_id        TEXT,
            expires_at_us   INTEGER,
            added_at_us     INTEGER NOT NULL,
            added_by        TEXT,
            state           TEXT    NOT NULL
                CHECK (state IN ('waiting', 'airing', 'aired', 'removed', 'expired')),
            state_at_us     INTEGER NOT NULL,
            note            TEXT
        );

        CREATE INDEX queue_item_on_state ON queue_item(state);
        """

    /// Adds an entry in state `waiting`, stamped with the log's clock; returns it.
    public func enqueue(
        media: String, priority: Priority, blockID: String?, expiresAt: WallTime?, addedBy: String?
    ) throws -> QueueEntry {
        let now = clock()
        do {
            return try writeState { db in
                try db.execute(
                    sql: """
                        INSERT INTO queue_item (media, priority, block_id, expires_at_us, added_at_us, added_by, state, state_at_us)
                        VALUES (?, ?, ?, ?, ?, ?, 'waiting', ?)
                        """,
                    arguments: [
                        media, priority.rawValue, blockID, expiresAt?.microseconds, now.microseconds, addedBy,
                        now.microseconds,
                    ])
                return QueueEntry(
                    id: db.lastInsertedRowID, media: media, priority: priority, blockID: blockID, expiresAt: expiresAt,
                    addedAt: now, addedBy: addedBy, state: .waiting, stateAt: now, note: nil)
            }
        } catch {
            throw AirplayLogError.write(error)
        }
    }

    /// Moves entry `id` to `state`; returns false when there is no such entry.
    @discardableResult
    public func setQueueState(id: Int64, _ state: QueueEntry.State, note: String? = nil) throws -> Bool {
        let now = clock()
        do {
            return try writeState { db in
                try db.execute(
                    sql: "UPDATE queue_item SET state = ?, state_at_us = ?, note = ? WHERE id = ?",
                    arguments: [state.rawValue, now.microseconds, note, id])
                return db.changesCount > 0
            }
        } catch {
            throw AirplayLogError.write(error)
        }
    }

    /// The entries in `states` (all when empty), oldest first.
    public func queueEntries(in states: Set<QueueEntry.State> = []) throws -> [QueueEntry] {
        try read { db in
            var sql = "SELECT * FROM queue_item"
            var arguments = StatementArguments()
            if !states.isEmpty {
                let list = states.map(\.rawValue).sorted()
                sql += " WHERE state IN (" + list.map { _ in "?" }.joined(separator: ", ") + ")"
                arguments = StatementArguments(list)
            }
            sql += " ORDER BY id"
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.queueEntry)
        }
    }

    private static func queueEntry(_ row: Row) throws -> QueueEntry {
        let id: Int64 = row["id"]
        func text<T: RawRepresentable>(_ column: String, as type: T.Type) throws -> T where T.RawValue == String {
            let raw: String = row[column]
            guard let value = T(rawValue: raw) else {
                throw AirplayLogError.readFailed(reason: "queue entry \(id): \(column) \"\(raw)\" is not known")
            }
            return value
        }
        let expires: Int64? = row["expires_at_us"]
        return QueueEntry(
            id: id, media: row["media"], priority: try text("priority", as: Priority.self), blockID: row["block_id"],
            expiresAt: expires.map(WallTime.init(microseconds:)), addedAt: WallTime(microseconds: row["added_at_us"]),
            addedBy: row["added_by"], state: try text("state", as: QueueEntry.State.self),
            stateAt: WallTime(microseconds: row["state_at_us"]), note: row["note"])
    }
}
