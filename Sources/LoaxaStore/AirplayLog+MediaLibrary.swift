import GRDB
import LoaxaCore

/// What the library knows of one file's content, by its SHA-256: measured once and kept.
public struct MediaContent: Hashable, Sendable, Codable {
    public var sha256: String
    /// wav, flac, vorbis, opus, mp3.
    public var format: String
    public var sampleRate: Int
    public var channels: Int
    /// Frames actually decoded.
    public var frames: Int64
    public var loudnessLUFS: Double
    public var truePeakDBTP: Double
    public var analysedAt: WallTime

    public init(
        sha256: String, format: String, sampleRate: Int, channels: Int, frames: Int64, loudnessLUFS: Double,
        truePeakDBTP: Double, analysedAt: WallTime
    ) {
        self.sha256 = sha256
        self.format = format
        self.sampleRate = sampleRate
        self.channels = channels
        self.frames = frames
        self.loudnessLUFS = loudnessLUFS
        self.truePeakDBTP = truePeakDBTP
        self.analysedAt = analysedAt
    }

    /// The decoded length in milliseconds, rounded down.
    public var durationMs: Int64 { sampleRate > 0 ? frames * 1000 / Int64(sampleRate) : 0 }
}

/// Who approved a content hash for air, and when (SPEC §5).
public struct MediaApproval: Hashable, Sendable, Codable {
    public var sha256: String
    /// The approver's name as given (`loaxa media approve --by`).
    public var approvedBy: String
    public var approvedAt: WallTime
    /// The `media_approved` event that records it in the hash chain.
    public var eventSeq: Int64

    public init(sha256: String, approvedBy: String, approvedAt: WallTime, eventSeq: Int64) {
        self.sha256 = sha256
        self.approvedBy = approvedBy
        self.approvedAt = approvedAt
        self.eventSeq = eventSeq
    }
}

/// One file of the media folder as the library last saw it.
public struct LibraryEntry: Hashable, Sendable, Codable {
    /// Whether a file can air.
    public enum State: String, Sendable, Codable, CaseIterable {
        /// Analysed; it can air.
        case ok
        /// It cannot air; `problem` says why.
        case refused
        /// It was indexed once and is no longer in the media folder.
        case missing
    }

    /// Stable while the file keeps its path, whatever its content becomes.
    public var id: Int64
    /// Its path relative to the media folder, in Unicode NFC: the segment's name.
    public var path: String
    /// Its path relative to the media folder as the file system spells it (NFD from a Mac,
    /// say); the same as `path` for most files.
    public var diskPath: String
    /// The first folder of `path`; nil for a file at the top of the media folder.
    public var topic: String?
    public var title: String
    /// tag, file_name or operator.
    public var titleSource: String
    /// What was found about the title (a legacy encoding converted, an unreadable tag).
    public var titleNote: String?
    /// A language code such as `vi`.
    public var language: String
    public var size: Int64
    /// Modification time, nanoseconds since the Unix epoch.
    public var modifiedNs: Int64
    /// The content's SHA-256; nil when the file could not even be read.
    public var sha256: String?
    public var state: State
    /// Why it cannot air, for a refused file.
    public var problem: String?
    /// When the library first saw a file at this path.
    public var addedAt: WallTime
    /// When the library last wrote what it found of the file: a rescan that finds it
    /// unchanged writes nothing (no disk flush per file).
    public var checkedAt: WallTime
    /// Its content's analysis; nil for a refused file.
    public var content: MediaContent?
    /// The approval of its current content, if any.
    public var approval: MediaApproval?

    public init(
        id: Int64 = 0, path: String, diskPath: String, topic: String?, title: String, titleSource: String,
        titleNote: String?, language: String, size: Int64, modifiedNs: Int64, sha256: String?, state: State,
        problem: String?, addedAt: WallTime, checkedAt: WallTime, content: MediaContent? = nil,
        approval: MediaApproval? = nil
    ) {
        self.id = id
        self.path = path
        self.diskPath = diskPath
        self.topic = topic
        self.title = title
        self.titleSource = titleSource
        self.titleNote = titleNote
        self.language = language
        self.size = size
        self.modifiedNs = modifiedNs
        self.sha256 = sha256
        self.state = state
        self.problem = problem
        self.addedAt = addedAt
        self.checkedAt = checkedAt
        self.content = content
        self.approval = approval
    }
}

/// The media library's tables: files by path, their content by SHA-256, and approvals by
/// SHA-256. Files and content are a cache of what is on disk, outside the hash chain; an
/// approval is evidence, so each one (and each withdrawal) is also an event in the chain,
/// written in the same transaction as the row that holds the current state.
extension AirplayLog {
    static let schemaV6MediaLibrary = """
        CREATE TABLE media_content (
            sha256          TEXT    PRIMARY KEY NOT NULL,
            format          TEXT    NOT NULL,
            sample_rate     INTEGER NOT NULL CHECK (sample_rate > 0),
            channels        INTEGER NOT NULL CHECK (channels > 0),
            frames          INTEGER NOT NULL CHECK (frames >= 0),
            loudness_lufs   REAL    NOT NULL,
            true_peak_dbtp  REAL    NOT NULL,
            analysed_at_us  INTEGER NOT NULL
        );

        CREATE TABLE media_file (
            id              INTEGER PRIMARY KEY AUTOINCREMENT,
            path            TEXT    NOT NULL UNIQUE,
            disk_path       TEXT    NOT NULL,
            topic           TEXT,
            title           TEXT    NOT NULL,
            title_source    TEXT    NOT NULL CHECK (title_source IN ('tag', 'file_name', 'operator')),
            title_note      TEXT,
            language        TEXT    NOT NULL,
            size            INTEGER NOT NULL,
            modified_ns     INTEGER NOT NULL,
            sha256          TEXT,
            state           TEXT    NOT NULL CHECK (state IN ('ok', 'refused', 'missing')),
            problem         TEXT,
            added_at_us     INTEGER NOT NULL,
            checked_at_us   INTEGER NOT NULL
        );

        CREATE INDEX media_file_on_sha256 ON media_file(sha256);
        CREATE INDEX media_file_on_topic ON media_file(topic, added_at_us);

        CREATE TABLE media_approval (
            sha256          TEXT    PRIMARY KEY NOT NULL,
            approved_by     TEXT    NOT NULL,
            approved_at_us  INTEGER NOT NULL,
            event_seq       INTEGER NOT NULL
        );
        """

    private static let entryColumns = """
        f.id, f.path, f.disk_path, f.topic, f.title, f.title_source, f.title_note, f.language, f.size,
        f.modified_ns, f.sha256, f.state, f.problem, f.added_at_us, f.checked_at_us,
        c.sha256, c.format, c.sample_rate, c.channels, c.frames, c.loudness_lufs, c.true_peak_dbtp, c.analysed_at_us,
        a.sha256, a.approved_by, a.approved_at_us, a.event_seq
        FROM media_file f
        LEFT JOIN media_content c ON c.sha256 = f.sha256 AND f.state != 'refused'
        LEFT JOIN media_approval a ON a.sha256 = f.sha256
        """

    // MARK: - Reading

    /// The library's files, by topic then time added then path.
    ///
    /// - Parameters:
    ///   - topic: only this topic's files (nil: all).
    ///   - states: only files in these states.
    public func libraryEntries(topic: String? = nil, states: Set<LibraryEntry.State> = [.ok]) throws -> [LibraryEntry] {
        try read { db in
            var sql = "SELECT \(Self.entryColumns) WHERE f.state IN (\(states.map { "'\($0.rawValue)'" }.joined(separator: ", ")))"
            var arguments: StatementArguments = []
            if let topic {
                sql += " AND f.topic = ?"
                arguments += [topic]
            }
            sql += " ORDER BY f.topic IS NOT NULL, f.topic, f.added_at_us, f.path"
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.entry)
        }
    }

    /// The file with library id `id`, nil if there is none.
    public func libraryEntry(id: Int64) throws -> LibraryEntry? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.entryColumns) WHERE f.id = ?", arguments: [id]).map(Self.entry)
        }
    }

    /// The file whose NFC path (relative to the media folder) is `path`, nil if none.
    public func libraryEntry(path: String) throws -> LibraryEntry? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.entryColumns) WHERE f.path = ?", arguments: [path]).map(Self.entry)
        }
    }

    /// Every file the library has, in any state, by path: what a scan compares the folder with.
    public func libraryEntriesByPath() throws -> [String: LibraryEntry] {
        try read { db in
            var out: [String: LibraryEntry] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT \(Self.entryColumns)") {
                let entry = try Self.entry(row)
                out[entry.path] = entry
            }
            return out
        }
    }

    /// The analysis of the content whose SHA-256 is `sha256`, nil if it was never analysed.
    public func mediaContent(sha256: String) throws -> MediaContent? {
        try read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT sha256, format, sample_rate, channels, frames, loudness_lufs, true_peak_dbtp, analysed_at_us
                    FROM media_content WHERE sha256 = ?
                    """,
                arguments: [sha256]
            ).map { try Self.content($0, at: 0) }
        }
    }

    /// The approval in force for the content `sha256`, nil if it is not approved.
    public func approval(sha256: String) throws -> MediaApproval? {
        try read { db in
            try Row.fetchOne(
                db, sql: "SELECT sha256, approved_by, approved_at_us, event_seq FROM media_approval WHERE sha256 = ?",
                arguments: [sha256]
            ).map { try Self.approval($0, at: 0) }
        }
    }

    // MARK: - Writing

    /// Stores what a scan or an import found for one file, in one transaction: its content's
    /// analysis (when given) and its row, matched by `entry.path`. A file already known
    /// keeps its id and the time it was added.
    @discardableResult
    public func saveLibraryEntry(_ entry: LibraryEntry, content: MediaContent?) throws -> LibraryEntry {
        do {
            return try writeState { db in
                if let content {
                    try db.execute(
                        sql: """
                            INSERT OR REPLACE INTO media_content
                                (sha256, format, sample_rate, channels, frames, loudness_lufs, true_peak_dbtp, analysed_at_us)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                            """,
                        arguments: [
                            content.sha256, content.format, content.sampleRate, content.channels, content.frames,
                            content.loudnessLUFS, content.truePeakDBTP, content.analysedAt.microseconds,
                        ])
                }
                try db.execute(
                    sql: """
                        INSERT INTO media_file
                            (path, disk_path, topic, title, title_source, title_note, language, size, modified_ns,
                             sha256, state, problem, added_at_us, checked_at_us)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (path) DO UPDATE SET
                            disk_path = excluded.disk_path, topic = excluded.topic, title = excluded.title,
                            title_source = excluded.title_source, title_note = excluded.title_note,
                            language = excluded.language, size = excluded.size, modified_ns = excluded.modified_ns,
                            sha256 = excluded.sha256, state = excluded.state, problem = excluded.problem,
                            checked_at_us = excluded.checked_at_us
                        """,
                    arguments: [
                        entry.path, entry.diskPath, entry.topic, entry.title, entry.titleSource, entry.titleNote,
                        entry.language, entry.size, entry.modifiedNs, entry.sha256, entry.state.rawValue, entry.problem,
                        entry.addedAt.microseconds, entry.checkedAt.microseconds,
                    ])
                guard let row = try Row.fetchOne(db, sql: "SELECT \(Self.entryColumns) WHERE f.path = ?", arguments: [entry.path])
                else { throw AirplayLogError.writeFailed(reason: "the media library row for \(entry.path) vanished") }
                return try Self.entry(row)
            }
        } catch let error as AirplayLogError {
            throw error
        } catch {
            throw AirplayLogError.write(error)
        }
    }

    /// Marks the files at `paths` as gone from the media folder. Their rows stay, so that
    /// their ids and what was known of them are not lost.
    public func markLibraryEntriesMissing(_ paths: [String]) throws {
        guard !paths.isEmpty else { return }
        let now = clock()
        do {
            try writeState { db in
                for path in paths {
                    try db.execute(
                        sql: "UPDATE media_file SET state = 'missing', problem = NULL, checked_at_us = ? WHERE path = ?",
                        arguments: [now.microseconds, path])
                }
            }
        } catch {
            throw AirplayLogError.write(error)
        }
    }

    /// Approves the content `sha256` for air in the name of `approvedBy`, recording a
    /// `media_approved` event and the approval in one transaction; returns the approval.
    /// Approving again replaces the earlier approval (a new event names the new approver).
    ///
    /// - Parameters:
    ///   - entry: the file the approval was asked for, named in the event.
    ///   - operatorName: the user account that ran the command, for the event's detail.
    @discardableResult
    public func approve(
        _ entry: LibraryEntry, approvedBy: String, operatorName: String?, clockSynchronized: Bool? = nil
    ) throws -> MediaApproval {
        guard let sha256 = entry.sha256 else {
            throw AirplayLogError.writeFailed(reason: "\(entry.path) has no content hash to approve")
        }
        let now = clock()
        let event = AirplayEvent(
            kind: .mediaApproved, at: now, media: entry.path, title: entry.title, topic: entry.topic, sha256: sha256,
            approvedBy: approvedBy, clockSynchronized: clockSynchronized,
            detail: operatorName.map { "by the user \($0)" })
        do {
            return try writer.write { db in
                let seq = try Self.append([event], db: db, recordedAt: now)[0]
                try db.execute(
                    sql: """
                        INSERT OR REPLACE INTO media_approval (sha256, approved_by, approved_at_us, event_seq)
                        VALUES (?, ?, ?, ?)
                        """,
                    arguments: [sha256, approvedBy, now.microseconds, seq])
                return MediaApproval(sha256: sha256, approvedBy: approvedBy, approvedAt: now, eventSeq: seq)
            }
        } catch {
            throw AirplayLogError.write(error)
        }
    }

    /// Withdraws the approval of `entry`'s content, recording a `media_unapproved` event;
    /// returns the approval withdrawn, nil (and no event) when there was none.
    @discardableResult
    public func unapprove(_ entry: LibraryEntry, operatorName: String?, clockSynchronized: Bool? = nil) throws -> MediaApproval? {
        guard let sha256 = entry.sha256 else { return nil }
        let now = clock()
        do {
            return try writer.write { db in
                guard
                    let row = try Row.fetchOne(
                        db, sql: "SELECT sha256, approved_by, approved_at_us, event_seq FROM media_approval WHERE sha256 = ?",
                        arguments: [sha256])
                else { return nil }
                let withdrawn = try Self.approval(row, at: 0)
                let event = AirplayEvent(
                    kind: .mediaUnapproved, at: now, media: entry.path, title: entry.title, topic: entry.topic,
                    sha256: sha256, approvedBy: withdrawn.approvedBy, clockSynchronized: clockSynchronized,
                    detail: operatorName.map { "by the user \($0)" })
                _ = try Self.append([event], db: db, recordedAt: now)
                try db.execute(sql: "DELETE FROM media_approval WHERE sha256 = ?", arguments: [sha256])
                return withdrawn
            }
        } catch {
            throw AirplayLogError.write(error)
        }
    }

    // MARK: - Rows

    private static func entry(_ row: Row) throws -> LibraryEntry {
        let state: String = try row.decode(atIndex: 11)
        let contentHash: String? = try row.decode(atIndex: 15)
        let approvalHash: String? = try row.decode(atIndex: 23)
        return LibraryEntry(
            id: try row.decode(atIndex: 0), path: try row.decode(atIndex: 1), diskPath: try row.decode(atIndex: 2),
            topic: try row.decode(atIndex: 3), title: try row.decode(atIndex: 4), titleSource: try row.decode(atIndex: 5),
            titleNote: try row.decode(atIndex: 6), language: try row.decode(atIndex: 7), size: try row.decode(atIndex: 8),
            modifiedNs: try row.decode(atIndex: 9), sha256: try row.decode(atIndex: 10),
            state: LibraryEntry.State(rawValue: state) ?? .refused, problem: try row.decode(atIndex: 12),
            addedAt: WallTime(microseconds: try row.decode(atIndex: 13)),
            checkedAt: WallTime(microseconds: try row.decode(atIndex: 14)),
            content: contentHash == nil ? nil : try content(row, at: 15),
            approval: approvalHash == nil ? nil : try approval(row, at: 23))
    }

    private static func content(_ row: Row, at i: Int) throws -> MediaContent {
        MediaContent(
            sha256: try row.decode(atIndex: i), format: try row.decode(atIndex: i + 1),
            sampleRate: try row.decode(atIndex: i + 2), channels: try row.decode(atIndex: i + 3),
            frames: try row.decode(atIndex: i + 4), loudnessLUFS: try row.decode(atIndex: i + 5),
            truePeakDBTP: try row.decode(atIndex: i + 6), analysedAt: WallTime(microseconds: try row.decode(atIndex: i + 7)))
    }

    private static func approval(_ row: Row, at i: Int) throws -> MediaApproval {
        MediaApproval(
            sha256: try row.decode(atIndex: i), approvedBy: try row.decode(atIndex: i + 1),
            approvedAt: WallTime(microseconds: try row.decode(atIndex: i + 2)), eventSeq: try row.decode(atIndex: i + 3))
    }
}
