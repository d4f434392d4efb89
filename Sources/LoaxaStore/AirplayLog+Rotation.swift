import Foundation
import GRDB
import LoaxaCore

/// What a topic's rotation needs from the log: when each of its segments last started
/// airing. And a way for the CLI to read the log without being able to write it.
extension AirplayLog {
    /// When each segment of `topic` last started airing, by its `media` path (relative to the
    /// media folder, in Unicode NFC), from the log's `segment_started` events, whatever their
    /// source (schedule, queue, priority or emergency).
    ///
    /// A segment belongs to the topic when its path lies in the topic's folder and its event
    /// carries the topic: the topic as the schedule names it, or its first folder (a file's
    /// topic, SPEC §5), so `giam-ngheo/2024` finds airings logged under `giam-ngheo` too.
    /// A skipped item never started, so it is not here; an airing resumed after the sound
    /// card came back counts at its latest start. Text stored in another normalization (NFD,
    /// from a file name written on macOS) is merged with its NFC form. Reads the index of
    /// migration v3: the cost grows with the topic's airings, not the log's size.
    ///
    /// - Parameter before: only airings that started before this instant (for the timeline
    ///   of a day already past); nil for all.
    public func lastAired(topic: String, before: WallTime? = nil) throws -> [String: WallTime] {
        let folder = topic.precomposedStringWithCanonicalMapping.split(separator: "/").joined(separator: "/")
        guard let first = folder.split(separator: "/").first else { return [:] }
        let topics = Array(Set([topic, folder, String(first)]))
        return try read { db in
            guard try db.tableExists("event") else { return [:] }
            var arguments = StatementArguments(topics)
            var filter = ""
            if let before {
                filter = "AND at_us < ?"
                arguments += [before.microseconds]
            }
            // The literal kind matches the partial index, which holds media and at_us too.
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT media, MAX(at_us) FROM event
                    WHERE kind = 'segment_started'
                      AND topic IN (\(topics.map { _ in "?" }.joined(separator: ", ")))
                      AND media IS NOT NULL \(filter)
                    GROUP BY topic, media
                    """,
                arguments: arguments)
            var out: [String: WallTime] = [:]
            while let row = try rows.next() {
                let media = (try row.decode(atIndex: 0) as String).precomposedStringWithCanonicalMapping
                guard media.hasPrefix(folder + "/") else { continue }
                let at = WallTime(microseconds: try row.decode(atIndex: 1))
                out[media] = max(out[media] ?? at, at)
            }
            return out
        }
    }

    /// Opens the log at `path` for reading only: no file, folder or schema is created or
    /// changed, so it works for a user who may read the log but not write it, and while the
    /// daemon is stopped. Returns nil when there is no file at `path` (the daemon has not run
    /// yet). Appending to the log returned fails.
    ///
    /// SQLite reads a log in WAL mode through a shared-memory file beside it, which the
    /// daemon keeps while it runs. When the daemon is stopped and the reader cannot create
    /// that file (the folder is not writable), the log is read as an unchanging file
    /// (SQLite's `immutable`); the daemon then writes nothing, so nothing is missed.
    public static func openReadOnly(path: String) throws -> AirplayLog? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            return try readOnly(name: path, shownPath: path)
        } catch let error as DatabaseError
            where error.resultCode == .SQLITE_READONLY || error.resultCode == .SQLITE_CANTOPEN
        {
            do {
                return try readOnly(name: "file:\(uriPath(path))?immutable=1", shownPath: path)
            } catch {
                throw AirplayLogError.cannotOpen(path: path, reason: AirplayLogError.advice(for: error))
            }
        } catch {
            throw AirplayLogError.cannotOpen(path: path, reason: AirplayLogError.advice(for: error))
        }
    }

    /// A read-only connection to the SQLite file `name` (a path, or an SQLite URI), tried
    /// with one read so that a file SQLite cannot use fails here.
    private static func readOnly(name: String, shownPath: String) throws -> AirplayLog {
        var config = configuration()
        config.readonly = true
        let queue = try DatabaseQueue(path: name, configuration: config)
        _ = try queue.read { db in try db.tableExists("event") }
        return try AirplayLog(writer: queue, path: shownPath, clock: { WallTime.now() }, migrate: false)
    }

    /// `path` for an SQLite `file:` URI: `%`, `?` and `#` percent-encoded.
    static func uriPath(_ path: String) -> String {
        var out = ""
        for c in path.unicodeScalars {
            switch c {
            case "%": out += "%25"
            case "?": out += "%3F"
            case "#": out += "%23"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}
