import Foundation
import Testing

/// `loaxa log verify` on a real log, untouched and then tampered with the way someone
/// with the file and sqlite3 could: an edited, a removed, an inserted, a reordered event,
/// and a log cut short after its head was written down.
@Suite struct LogVerifyTests {
    /// Runs python's sqlite3 on `database` with the append-only triggers dropped.
    func tamper(_ database: String, _ sql: String) throws {
        let script = """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            for name in ("event_no_update", "event_no_delete", "event_extends_chain"):
                db.execute("DROP TRIGGER IF EXISTS " + name)
            db.executescript(sys.argv[2])
            db.commit()
            """
        let r = try runProgram("/usr/bin/env", ["python3", "-c", script, database, sql])
        #expect(r.status == 0, "\(r.stderr)")
    }

    @Test func verifyFindsTheFirstBadEventAndACutAgainstAHead() throws {
        let station = try TestStation()
        try station.writeConfig()
        for file in ["chirp-48k.flac", "speech-noise-22k.wav", "noise-vorbis-32k.ogg"] { try station.addMedia(file) }
        #expect(try station.loaxa(["media", "scan"]).status == 0)
        // Four events: three approvals and a withdrawal.
        for file in ["chirp-48k.flac", "speech-noise-22k.wav", "noise-vorbis-32k.ogg"] {
            #expect(try station.loaxa(["media", "approve", "test/" + file, "--by", "Chủ tịch xã"]).status == 0)
        }
        #expect(try station.loaxa(["media", "unapprove", "test/chirp-48k.flac"]).status == 0)

        let intact = try station.loaxa(["log", "verify"])
        #expect(intact.status == 0 && intact.stdout.contains("intact: 4 events"), "\(intact.stdout) \(intact.stderr)")
        let head = try #require(intact.stdout.range(of: "seq 4 sha256 ").map { String(intact.stdout[$0.lowerBound...].prefix(77)) })
        #expect(try station.loaxa(["log", "verify", "--head", head]).status == 0)
        #expect(try station.loaxa(["log", "verify", "--head", "not a head"]).status != 0)

        let database = station.dir + "/var/loaxa.sqlite"
        let pristine = try Data(contentsOf: URL(fileURLWithPath: database))
        let cases: [(what: String, sql: String, expected: String)] = [
            ("edited", "UPDATE event SET approved_by = 'Ai đó' WHERE seq = 2", "broken at event 2"),
            ("removed", "DELETE FROM event WHERE seq = 2", "broken at event 2"),
            ("inserted", """
                UPDATE event SET seq = seq + 100 WHERE seq >= 2;
                UPDATE event SET seq = seq - 99 WHERE seq >= 102;
                INSERT INTO event SELECT 2, kind, at_us, block_id, scheduled_at_us, segment, source, media, title, topic,
                  sha256, planned_ms, played_frames, device_rate, outcome, reason, underruns, approved_by,
                  clock_synchronized, detail, recorded_at_us, encoding_version, prev_hash, hash, approved_at_us
                  FROM event WHERE seq = 1;
                """, "broken at event 2"),
            ("reordered", """
                UPDATE event SET seq = 100 WHERE seq = 2;
                UPDATE event SET seq = 2 WHERE seq = 3;
                UPDATE event SET seq = 3 WHERE seq = 100;
                """, "broken at event 2"),
        ]
        for c in cases {
            try pristine.write(to: URL(fileURLWithPath: database))
            try tamper(database, c.sql)
            let r = try station.loaxa(["log", "verify"])
            #expect(r.status == 1 && r.stderr.contains(c.expected), "\(c.what): \(r.stdout) \(r.stderr)")
        }

        // Cut short: the chain alone still holds; the head written down earlier does not.
        try pristine.write(to: URL(fileURLWithPath: database))
        try tamper(database, "DELETE FROM event WHERE seq = 4")
        #expect(try station.loaxa(["log", "verify"]).status == 0)
        let cut = try station.loaxa(["log", "verify", "--head", head])
        #expect(cut.status == 1 && cut.stderr.contains("broken at event 4"), "\(cut.stdout) \(cut.stderr)")
    }
}
