import GRDB

/// The loudness cache: each media file's EBU R128 measurement, keyed by the SHA-256 of its
/// bytes, so that a file is decoded for measurement once, not at every airing.
///
/// The values are plain numbers (LUFS and dBTP): this module does not know the media
/// types that produce them. The table sits outside the hash chain; storing a measurement
/// never touches `event`.
extension AirplayLog {
    /// The measurement of the file whose content hash is `sha256`, from the media library's
    /// analysis or else this cache; nil if it has not been measured.
    public func loudness(sha256: String) throws -> (integrated: Double, truePeak: Double)? {
        try read { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT loudness_lufs, true_peak_dbtp FROM media_content WHERE sha256 = ?
                        UNION ALL SELECT integrated_lufs, true_peak_dbtp FROM loudness WHERE sha256 = ?
                        LIMIT 1
                        """,
                    arguments: [sha256, sha256])
            else { return nil }
            let integrated: Double = try row.decode(atIndex: 0)
            let truePeak: Double = try row.decode(atIndex: 1)
            return (integrated, truePeak)
        }
    }

    /// Stores (or replaces) the measurement of the file whose content hash is `sha256`,
    /// stamped with the log's clock.
    public func storeLoudness(sha256: String, integrated: Double, truePeak: Double) throws {
        let measuredAt = clock()
        do {
            try writeState { db in
                try db.execute(
                    sql: """
                        INSERT OR REPLACE INTO loudness (sha256, integrated_lufs, true_peak_dbtp, measured_at_us)
                        VALUES (?, ?, ?, ?)
                        """,
                    arguments: [sha256, integrated, truePeak, measuredAt.microseconds])
            }
        } catch {
            throw AirplayLogError.write(error)
        }
    }
}
