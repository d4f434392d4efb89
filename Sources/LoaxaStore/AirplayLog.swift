import Foundation
import GRDB
import LoaxaCore

/// The airplay log: every event of the station's broadcasting, appended to an SQLite file
/// and chained by SHA-256 so that any later change, insertion or deletion can be detected.
///
/// This type owns the database connection and its schema. Events are only ever appended
/// (the schema's triggers refuse UPDATE and DELETE); segment records, the evidence a
/// commune shows the district, are derived from the events. Each record is also kept, as
/// its events so far make it, in `segment_record`, updated in the transaction that appends
/// them, so that exports and reports read one row per airing; ``verify(anchor:)`` rebuilds
/// every row from the events (`AirplayLog+Records.swift`). The same file also holds the
/// media library, the operator queue and a loudness cache, tables outside the chain.
///
/// A file log is a WAL-mode `DatabasePool`: readers (exports, verification) never block the
/// writer, and every commit is flushed to disk (`synchronous = FULL`) so that an event
/// reported as written survives a power cut. Use one `AirplayLog` per file in a process;
/// it is safe to share between threads.
public final class AirplayLog: Sendable {
    /// The database file, or nil for an in-memory log.
    public let path: String?
    let writer: any DatabaseWriter
    let clock: @Sendable () -> WallTime
    /// Whether the `event` table has `approved_at_us` (migration v5). Only a log opened
    /// read-only can lack it; its events then read as having no approval time.
    let hasApprovedAtColumn: Bool

    /// Opens (creating if needed) the log at `path` and brings its schema up to date.
    ///
    /// - Parameter clock: The system clock stamped on each event as `recorded_at`.
    public convenience init(
        path: String, clock: @escaping @Sendable () -> WallTime = { WallTime.now() }
    ) throws {
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: Self.configuration())
            // DatabasePool switches its writer to synchronous = NORMAL when it enables WAL;
            // the log wants every commit on disk before it is reported written.
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
        } catch {
            throw AirplayLogError.cannotOpen(path: path, reason: AirplayLogError.advice(for: error))
        }
        try self.init(writer: pool, path: path, clock: clock)
    }

    /// A log held in memory, gone when the value is released. For tests and dry runs.
    public static func inMemory(
        clock: @escaping @Sendable () -> WallTime = { WallTime.now() }
    ) throws -> AirplayLog {
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(configuration: configuration())
        } catch {
            throw AirplayLogError.cannotOpen(path: ":memory:", reason: AirplayLogError.advice(for: error))
        }
        return try AirplayLog(writer: queue, path: nil, clock: clock)
    }

    /// Wraps `writer`; with `migrate` false (a read-only connection) the schema is taken
    /// as it is, and a database error while looking at it is thrown unchanged.
    init(
        writer: any DatabaseWriter, path: String?, clock: @escaping @Sendable () -> WallTime, migrate: Bool = true
    ) throws {
        self.writer = writer
        self.path = path
        self.clock = clock
        guard migrate else {
            hasApprovedAtColumn = try writer.read { db in
                guard try db.tableExists("event") else { return true }
                return try db.columns(in: "event").contains { $0.name == "approved_at_us" }
            }
            return
        }
        hasApprovedAtColumn = true
        let shownPath = path ?? ":memory:"
        do {
            let superseded = try writer.read { db in try Self.migrator.hasBeenSuperseded(db) }
            if superseded { throw AirplayLogError.newerSchema(path: shownPath) }
            try Self.migrator.migrate(writer)
        } catch let error as AirplayLogError {
            throw error
        } catch {
            throw AirplayLogError.cannotOpen(path: shownPath, reason: AirplayLogError.advice(for: error))
        }
    }

    /// Connection settings shared by every connection to the log.
    static func configuration() -> Configuration {
        var config = Configuration()
        config.label = "LoaxaStore.AirplayLog"
        config.foreignKeysEnabled = true
        // Another process (the CLI) may hold the write lock for a moment.
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        return config
    }

    // MARK: - Schema

    /// The schema's migrations. A migration that has shipped is never edited: changes go in
    /// a new one.
    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: schemaV1)
        }
        migrator.registerMigration("v2-loudness") { db in
            try db.execute(sql: schemaV2Loudness)
        }
        migrator.registerMigration("v3-queue") { db in
            try db.execute(sql: schemaV3Queue)
        }
        migrator.registerMigration("v4-rotation") { db in
            try db.execute(sql: schemaV4Rotation)
        }
        migrator.registerMigration("v5-approved-at") { db in
            try db.execute(sql: schemaV5ApprovedAt)
        }
        migrator.registerMigration("v6-media-library") { db in
            try db.execute(sql: schemaV6MediaLibrary)
        }
        migrator.registerMigration("v7-block-index") { db in
            try db.execute(sql: schemaV7BlockIndex)
        }
        migrator.registerMigration("v8-segment-records") { db in
            try db.execute(sql: SegmentRecordTable.schema)
            try SegmentRecordTable.build(db)
        }
        return migrator
    }()

    /// Version 1: the append-only, hash-chained `event` table.
    static let schemaV1 = """
        CREATE TABLE event (
            seq                 INTEGER PRIMARY KEY NOT NULL CHECK (seq >= 1),
            kind                TEXT    NOT NULL,
            at_us               INTEGER NOT NULL,
            block_id            TEXT,
            scheduled_at_us     INTEGER,
            segment             TEXT,
            source              TEXT,
            media               TEXT,
            title               TEXT,
            topic               TEXT,
            sha256              TEXT,
            planned_ms          INTEGER,
            played_frames       INTEGER,
            device_rate         INTEGER,
            outcome             TEXT,
            reason              TEXT,
            underruns           INTEGER,
            approved_by         TEXT,
            clock_synchronized  INTEGER CHECK (clock_synchronized IN (0, 1)),
            detail              TEXT,
            recorded_at_us      INTEGER NOT NULL,
            encoding_version    INTEGER NOT NULL,
            prev_hash           BLOB    NOT NULL CHECK (length(prev_hash) = 32),
            hash                BLOB    NOT NULL CHECK (length(hash) = 32)
        );

        CREATE INDEX event_on_segment ON event(segment) WHERE segment IS NOT NULL;
        CREATE INDEX event_on_at_us ON event(at_us);

        CREATE TRIGGER event_extends_chain BEFORE INSERT ON event
        WHEN NEW.seq IS NOT (SELECT COALESCE(MAX(seq), 0) + 1 FROM event)
          OR NEW.prev_hash IS NOT COALESCE((SELECT hash FROM event WHERE seq = NEW.seq - 1), zeroblob(32))
        BEGIN
            SELECT RAISE(ABORT, 'airplay log: a new event must follow the last one (next seq, prev_hash = its hash)');
        END;

        CREATE TRIGGER event_no_update BEFORE UPDATE ON event
        BEGIN
            SELECT RAISE(ABORT, 'airplay log is append-only: events cannot be changed');
        END;

        CREATE TRIGGER event_no_delete BEFORE DELETE ON event
        BEGIN
            SELECT RAISE(ABORT, 'airplay log is append-only: events cannot be deleted');
        END;
        """

    /// Version 2: the `loudness` cache, measurements of media files keyed by content hash.
    /// Unlike `event` it is not evidence: rows are replaced when a file is measured again.
    static let schemaV2Loudness = """
        CREATE TABLE loudness (
            sha256          TEXT    PRIMARY KEY NOT NULL,
            integrated_lufs REAL    NOT NULL,
            true_peak_dbtp  REAL    NOT NULL,
            measured_at_us  INTEGER NOT NULL
        );
        """

    /// Version 4: an index of the `segment_started` events by topic and media, so that a
    /// topic's rotation finds when each segment last aired without scanning the log
    /// (`AirplayLog+Rotation.swift`). Only the chain's table gains an index; no event
    /// changes.
    static let schemaV4Rotation = """
        CREATE INDEX event_started_by_topic ON event(topic, media, at_us) WHERE kind = 'segment_started';
        """

    /// Version 5: `approved_at_us`, when the approval named by `approved_by` was given. The
    /// column goes at the end of `event`; rows already stored get NULL, as their encoding
    /// (version 1) has no such field. The triggers that refuse UPDATE and DELETE name no
    /// columns, so they refuse changes to the new one too. Events written from now on use
    /// encoding version 2, which covers it.
    static let schemaV5ApprovedAt = """
        ALTER TABLE event ADD COLUMN approved_at_us INTEGER;
        """

    /// Version 7: an index of the events that say a block aired or was missed, by the time
    /// the block was scheduled, so that a report finds a period's blocks without reading the
    /// log (a missed block is recorded when the station comes back, maybe days after its
    /// time). Only an index is added; no event changes.
    static let schemaV7BlockIndex = """
        CREATE INDEX event_block_by_schedule ON event(scheduled_at_us)
        WHERE kind IN ('block_started', 'block_missed');
        """

    // MARK: - Durability

    /// The settings of the connection that writes, as SQLite reports them.
    public struct DurabilitySettings: Hashable, Sendable {
        /// `wal` for a file log, `memory` for an in-memory one.
        public var journalMode: String
        /// 2 = FULL: every commit is synced to disk.
        public var synchronous: Int
        public var foreignKeys: Bool
        public var busyTimeoutMs: Int
    }

    /// Reads back the writer connection's pragmas: the daemon reports them at start and in
    /// `loaxa status`.
    public func durabilitySettings() throws -> DurabilitySettings {
        do {
            return try writer.writeWithoutTransaction { db in
                DurabilitySettings(
                    journalMode: try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "",
                    synchronous: try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1,
                    foreignKeys: try Bool.fetchOne(db, sql: "PRAGMA foreign_keys") ?? false,
                    busyTimeoutMs: try Int.fetchOne(db, sql: "PRAGMA busy_timeout") ?? 0)
            }
        } catch {
            throw AirplayLogError.read(error)
        }
    }

    // MARK: - Appending

    /// Appends `events` in one transaction, after the current head, and returns their seqs.
    ///
    /// Either all of them are stored and on disk when this returns, or none is. Safe to call
    /// from several threads: writes are serialized and each batch reads the head inside its
    /// own write transaction.
    @discardableResult
    public func append(_ events: [AirplayEvent]) throws -> [Int64] {
        guard !events.isEmpty else { return [] }
        let clock = self.clock
        do {
            return try writer.write { db in try Self.append(events, db: db, recordedAt: clock()) }
        } catch {
            throw AirplayLogError.write(error)
        }
    }

    /// Appends `events` after the head, inside the caller's write transaction `db`.
    static func append(_ events: [AirplayEvent], db: Database, recordedAt: WallTime) throws -> [Int64] {
        var head = try Self.head(db)
        var records: [EventRecord] = []
        records.reserveCapacity(events.count)
        for event in events {
            let record = EventRecord(
                seq: (head?.seq ?? 0) + 1, event: event, recordedAt: recordedAt,
                prevHash: head?.hash ?? CanonicalEncoding.genesisHash)
            try record.insert(db)
            head = LogHead(seq: record.seq, hash: record.hash)
            records.append(record)
        }
        try SegmentRecordTable.fold(records, db)
        return records.map(\.seq)
    }

    /// The time on the log's clock, as it stamps what it records.
    public func now() -> WallTime { clock() }

    /// Appends one event and returns its seq.
    @discardableResult
    public func append(_ event: AirplayEvent) throws -> Int64 {
        try append([event])[0]
    }

    // MARK: - Reading events

    /// The last event's seq and hash; nil while the log is empty.
    public func head() throws -> LogHead? {
        try read { db in try Self.head(db) }
    }

    static func head(_ db: Database) throws -> LogHead? {
        guard let row = try Row.fetchOne(db, sql: "SELECT seq, hash FROM event ORDER BY seq DESC LIMIT 1")
        else { return nil }
        return LogHead(seq: try row.decode(atIndex: 0), hash: try row.decode(atIndex: 1))
    }

    /// Calls `body` with each stored event from `seq` on, in order, reading them one at a
    /// time from a consistent snapshot. `body` must not use this log.
    public func forEachEvent(from seq: Int64 = 1, _ body: (EventRecord) throws -> Void) throws {
        try read { db in
            let records = try EventRecord.fetchCursor(
                db, sql: "SELECT \(eventSelection()) FROM event WHERE seq >= ? ORDER BY seq",
                arguments: [seq])
            while let record = try records.next() {
                try body(record)
            }
        }
    }

    /// The stored events from `seq` on, at most `limit` of them.
    public func events(from seq: Int64 = 1, limit: Int? = nil) throws -> [EventRecord] {
        try read { db in
            try EventRecord.fetchAll(
                db,
                sql: "SELECT \(eventSelection()) FROM event WHERE seq >= ? ORDER BY seq LIMIT ?",
                arguments: [seq, limit ?? -1])
        }
    }

    // MARK: - Verifying

    /// Recomputes the hash chain from the first event to the last and reports the first
    /// event where it breaks.
    ///
    /// The chain shows changed, inserted and deleted events, except events removed from the
    /// end of the log. To detect those too, pass a head recorded earlier (as printed with an
    /// export) as `anchor`: the log must still contain that event with that hash.
    public func verify(anchor: LogHead? = nil) throws -> VerifyResult {
        try read { db in
            var expected: Int64 = 1
            var prevHash = CanonicalEncoding.genesisHash
            var head: LogHead?
            let rows = try Row.fetchCursor(db, sql: "SELECT \(eventSelection()) FROM event ORDER BY seq")
            while let row = try rows.next() {
                let seq: Int64 = try row.decode(atIndex: 0)
                if seq != expected {
                    return .broken(seq: expected, problem: .seqGap(found: seq))
                }
                let record: EventRecord
                do {
                    record = try EventRecord(row: row)
                } catch AirplayLogError.malformedEvent(_, let column, let problem) {
                    return .broken(seq: seq, problem: .malformed(column: column, problem: problem))
                }
                guard CanonicalEncoding.supportedVersions.contains(record.encodingVersion),
                    let hash = CanonicalEncoding.hash(of: record, prevHash: record.prevHash)
                else {
                    return .broken(seq: seq, problem: .unsupportedEncodingVersion(record.encodingVersion))
                }
                if let column = CanonicalEncoding.uncoveredColumn(of: record) {
                    return .broken(
                        seq: seq, problem: .uncoveredValue(column: column, encodingVersion: record.encodingVersion))
                }
                if record.prevHash != prevHash {
                    return .broken(seq: seq, problem: .prevHashMismatch)
                }
                if record.hash != hash {
                    return .broken(seq: seq, problem: .hashMismatch)
                }
                if let anchor, anchor.seq == seq, anchor.hash != record.hash {
                    return .broken(seq: seq, problem: .anchorMismatch)
                }
                prevHash = record.hash
                head = LogHead(seq: seq, hash: record.hash)
                expected += 1
            }
            if let anchor, anchor.seq >= expected {
                return .broken(seq: expected, problem: .seqGap(found: nil))
            }
            if try db.tableExists("segment_record"), let (seq, segment) = try SegmentRecordTable.firstMismatch(db) {
                return .broken(seq: seq, problem: .recordMismatch(segment: segment))
            }
            return .intact(events: expected - 1, head: head)
        }
    }

    // MARK: - Helpers

    /// The `event` columns for a SELECT, as ``EventRecord/init(row:)`` reads them, with NULL
    /// for `approved_at_us` when this log's table lacks it.
    func eventSelection(alias: String? = nil) -> String {
        EventRecord.selection(alias: alias, approvedAt: hasApprovedAtColumn)
    }

    /// Runs `body` in a write transaction whose commit does not wait for the disk, for the
    /// tables that are working state or caches (the queue, the media library, the loudness
    /// cache), never for events. A WAL commit made this way cannot corrupt the file; it
    /// reaches the disk with the next flushed commit (the next event) or checkpoint. Waiting
    /// for a flush here would hold up an emergency behind a slow SD card.
    func writeState<T>(_ body: (Database) throws -> T) throws -> T {
        try writer.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            defer { try? db.execute(sql: "PRAGMA synchronous = FULL") }
            var result: T?
            try db.inTransaction {
                result = try body(db)
                return .commit
            }
            return result!
        }
    }

    /// Runs `body` in a read transaction (a snapshot), reporting database errors for the
    /// operator and passing `body`'s own errors through unchanged.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try writer.read(body)
        } catch let error as DatabaseError {
            throw AirplayLogError.read(error)
        }
    }
}
