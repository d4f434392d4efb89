import Foundation
import GRDB

/// What went wrong with the airplay log, worded for the operator who has to fix it.
public enum AirplayLogError: Error, Sendable, CustomStringConvertible {
    /// The database file could not be opened or prepared.
    case cannotOpen(path: String, reason: String)
    /// The file holds a schema from a newer Loaxa than this one.
    case newerSchema(path: String)
    /// Writing events failed; nothing of the failed batch was stored.
    case writeFailed(reason: String)
    /// Reading the log failed.
    case readFailed(reason: String)
    /// A stored row does not hold what Loaxa writes (altered outside Loaxa, or written by a
    /// newer version).
    case malformedEvent(seq: Int64, column: String, problem: String)
    /// Writing an export to its output failed.
    case outputFailed(reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            return "cannot open the airplay log at \(path): \(reason). "
                + "Check that the folder exists and that the user running Loaxa can read and write it."
        case .newerSchema(let path):
            return "the airplay log at \(path) was created by a newer version of Loaxa. "
                + "Install that version (or newer); do not edit or replace the log."
        case .writeFailed(let reason):
            return "could not write to the airplay log: \(reason)"
        case .readFailed(let reason):
            return "could not read the airplay log: \(reason)"
        case .malformedEvent(let seq, let column, let problem):
            return "airplay log event \(seq), column \(column): \(problem). "
                + "Run `loaxa log verify` and keep a copy of the file as it is."
        case .outputFailed(let reason):
            return "could not write the export: \(reason). Check free space and the output path."
        }
    }

    /// Wraps a database error thrown while writing, with advice for the common causes.
    static func write(_ error: any Error) -> AirplayLogError {
        if let error = error as? AirplayLogError { return error }
        return .writeFailed(reason: advice(for: error))
    }

    /// Wraps a database error thrown while reading.
    static func read(_ error: any Error) -> AirplayLogError {
        if let error = error as? AirplayLogError { return error }
        return .readFailed(reason: advice(for: error))
    }

    /// Operator-facing text for a database error.
    static func advice(for error: any Error) -> String {
        guard let error = error as? DatabaseError else { return "\(error)" }
        let message = error.message ?? "\(error.resultCode)"
        switch error.resultCode {
        case .SQLITE_FULL:
            return "the disk holding the log is full (\(message)); free some space"
        case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_AUTH:
            return "the log file or its folder is not writable (\(message)); check ownership and permissions"
        case .SQLITE_CANTOPEN:
            return "the log file cannot be opened (\(message)); check that the folder exists and is writable"
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return "the log is locked by another process (\(message)); is a second Loaxa running?"
        case .SQLITE_CORRUPT, .SQLITE_NOTADB:
            return "the file is damaged or is not an SQLite database (\(message)); keep a copy and restore from backup"
        case .SQLITE_IOERR:
            return "an input/output error occurred (\(message)); check the disk or memory card"
        case .SQLITE_CONSTRAINT:
            return "the log refused the change (\(message))"
        default:
            return message
        }
    }
}
