import Foundation
import LoaxaCore
import Testing

/// `loaxa report` and `loaxa log` on the log of a block the built daemon really aired: the
/// figures agree with the records, every format is written, the workbook opens in an
/// independent reader, and the head a report prints verifies against the log.
@Suite struct ReportCommandTests {
    @Test func aReportOfWhatAiredToday() throws {
        let station = try TestStation()
        try station.writeConfig(extra: "[report]\nissuer = \"UBND XÃ THỬ\"\n[report.topics]\ntest = \"Thử nghiệm\"")
        for file in ["chirp-48k.flac", "speech-noise-22k.wav"] { try station.addMedia(file) }
        try FileManager.default.createDirectory(atPath: station.dir + "/plans", withIntermediateDirectories: true)
        let start = WallTime(seconds: WallTime.now().microseconds / 1_000_000 + 6)
        let today = station.local(start).date
        let year = String(today.prefix(4))
        try """
            [plan]
            title = "Kế hoạch thử"
            from = \(year)-01-01
            to = \(year)-12-31
            [[target]]
            topic = "test"
            programmes = 3
            """.write(toFile: station.dir + "/plans/thu.toml", atomically: true, encoding: .utf8)
        try station.writeBlock(id: "sang", start: start, files: ["chirp-48k.flac", "speech-noise-22k.wav"])
        let daemon = try station.startDaemon()
        defer { station.stop(daemon) }
        try station.waitUntilReady(daemon)
        while WallTime.now() < start + 9_000_000 && daemon.isRunning { usleep(100_000) }
        station.stop(daemon)
        let records = try station.exportedRecords()
        #expect(records.map(\.outcome) == ["completed", "completed"])

        let list = try station.loaxa(["log", "--from", today, "--to", today])
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout.contains("2 records; log head: seq "), "\(list.stdout)")
        let json = try station.loaxa(["log", "--json"])
        let listed = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        #expect(listed?.count == 2)

        let md = try station.loaxa(["report", "--from", today, "--to", today])
        #expect(md.status == 0, "\(md.stderr)")
        #expect(md.stdout.contains("| Số lượt phát | 2 |"), "\(md.stdout)")
        #expect(md.stdout.contains("| Số buổi phát thanh đã thực hiện | 1 |"), "\(md.stdout)")
        #expect(md.stdout.contains("| Kế hoạch thử | Ít nhất 3 chương trình khác nhau | Thử nghiệm | 3 | 2 | 1 |"), "\(md.stdout)")
        let head = try #require(md.stdout.firstMatch(of: /seq \d+ sha256 [0-9a-f]{64}/).map { String($0.output) })
        let verify = try station.loaxa(["log", "verify", "--head", head])
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")

        let xlsx = station.dir + "/bao-cao.xlsx"
        let written = try station.loaxa(["report", "--period", today.prefix(7) + "", "--format", "xlsx", "--out", xlsx])
        #expect(written.status == 0, "\(written.stderr)")
        let read = try runProgram("/usr/bin/python3", [
            "-c",
            "import sys, openpyxl; ws = openpyxl.load_workbook(sys.argv[1])['Tổng hợp']; "
                + "print(next(r[1] for r in ws.iter_rows(values_only=True) if r[0] == 'Số lượt phát'))",
            xlsx,
        ])
        #expect(read.status == 0, "openpyxl (tools/install-deps.sh) must read the workbook: \(read.stderr)")
        #expect(read.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "2")

        for format in ["csv", "json"] {
            let out = station.dir + "/bao-cao." + format
            let result = try station.loaxa(["report", "--period", String(year), "--format", format, "--out", out])
            #expect(result.status == 0, "\(format): \(result.stderr)")
            #expect((try? String(contentsOfFile: out, encoding: .utf8))?.contains(head) == true, "\(format)")
        }

        let bad = try station.loaxa(["report", "--period", "\(year)-h7"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("--period \(year)-h7"), "\(bad.stderr)")
        try "[plan]\ntitle = \"x\"\n".write(toFile: station.dir + "/plans/hong.toml", atomically: true, encoding: .utf8)
        let broken = try station.loaxa(["report", "--from", today, "--to", today])
        #expect(broken.status == 1)
        #expect(broken.stderr.contains("hong.toml:"), "\(broken.stderr)")
        let check = try station.loaxa(["schedule", "check"])
        #expect(check.status == 1)
        #expect(check.stdout.contains("hong.toml:"), "\(check.stdout)")
    }
}
