import Foundation
import LoaxaCore
import Testing

/// `loaxa schedule show`, run as the officer runs it: on a small station folder, without a
/// daemon and without an airplay log.
@Suite struct ScheduleShowTests {
    /// A station folder with WAV files of given lengths; removed at the end.
    final class Folder {
        let dir = NSTemporaryDirectory() + "loaxa-show-\(UUID().uuidString.prefix(8))"

        init(schedule: String) throws {
            for sub in ["schedules", "media/jingles", "media/giam-ngheo/2024"] {
                try FileManager.default.createDirectory(atPath: dir + "/" + sub, withIntermediateDirectories: true)
            }
            try TestStation.configText().write(toFile: dir + "/loaxa.toml", atomically: true, encoding: .utf8)
            try schedule.write(toFile: dir + "/schedules/daily.toml", atomically: true, encoding: .utf8)
        }

        deinit { try? FileManager.default.removeItem(atPath: dir) }

        /// Writes a silent 8 kHz mono WAV file of `seconds` under media/.
        func wav(_ name: String, seconds: Int) throws {
            let frames = seconds * 8000
            var data = Data()
            func u32(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { data.append(contentsOf: $0) } }
            func u16(_ v: Int) { withUnsafeBytes(of: UInt16(v).littleEndian) { data.append(contentsOf: $0) } }
            data.append(contentsOf: Array("RIFF".utf8))
            u32(36 + frames * 2)
            data.append(contentsOf: Array("WAVEfmt ".utf8))
            u32(16)
            u16(1)
            u16(1)
            u32(8000)
            u32(16000)
            u16(2)
            u16(16)
            data.append(contentsOf: Array("data".utf8))
            u32(frames * 2)
            data.append(Data(count: frames * 2))
            #expect(FileManager.default.createFile(atPath: dir + "/media/" + name, contents: data))
        }

        func loaxa(_ arguments: [String]) throws -> ProgramResult {
            try runProgram(Environment.binDir + "/loaxa", arguments + ["--config", dir + "/loaxa.toml"])
        }
    }

    static let schedule = """
        [[block]]
        id = "sang"
        title = "Chương trình buổi sáng"
        start = 06:00:00
        length = "10m"
        items = [
          { file = "jingles/mo-dau.wav" },
          { queue = true },
          { topic = "giam-ngheo", count = 2 },
          { file = "jingles/ket-thuc.wav" },
        ]

        [[block]]
        id = "dem"
        title = "Đêm khuya"
        start = 23:55:00
        items = [ { topic = "giam-ngheo", count = 2 } ]
        """

    static func station() throws -> Folder {
        let folder = try Folder(schedule: schedule)
        try folder.wav("jingles/mo-dau.wav", seconds: 12)
        try folder.wav("giam-ngheo/b.wav", seconds: 200)
        try folder.wav("giam-ngheo/a.wav", seconds: 300)
        try folder.wav("giam-ngheo/2024/c.wav", seconds: 250)
        return folder
    }

    struct Day: Decodable {
        var date: String
        var timezone: String
        var blocks: [Block]
    }

    struct Block: Decodable {
        var id: String
        var title: String
        var start: String
        var end: String
        var items: [Item]
    }

    struct Item: Decodable, Equatable {
        var kind: String
        var media: String?
        var title: String?
        var topic: String?
        var start: String
        var end: String
        var note: String?
    }

    @Test func jsonHasEveryBlockOfTheDayWithPlannedTimes() throws {
        let station = try Self.station()
        let result = try station.loaxa(["schedule", "show", "--date", "2025-03-08", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        // The missing file is a warning, not a failure.
        #expect(result.stderr.contains("jingles/ket-thuc.wav"), "\(result.stderr)")
        let day = try JSONDecoder().decode(Day.self, from: Data(result.stdout.utf8))
        #expect(day.date == "2025-03-08" && day.timezone == "Asia/Ho_Chi_Minh")
        #expect(day.blocks.map(\.id) == ["sang", "dem"])

        let sang = day.blocks[0]
        #expect(sang.title == "Chương trình buổi sáng")
        #expect(sang.start == "2025-03-08T06:00:00.000000+07:00" && sang.end == "2025-03-08T06:10:00.000000+07:00")
        #expect(
            sang.items == [
                Item(
                    kind: "file", media: "jingles/mo-dau.wav", title: "mo-dau", topic: nil,
                    start: "2025-03-08T06:00:00.000000+07:00", end: "2025-03-08T06:00:12.000000+07:00", note: nil),
                Item(
                    kind: "queue", media: nil, title: nil, topic: nil,
                    start: "2025-03-08T06:00:12.000000+07:00", end: "2025-03-08T06:00:12.000000+07:00",
                    note: "operator queue"),
                // Never aired: by path, subfolders included ("2024/c.wav" sorts before "a.wav").
                Item(
                    kind: "topic", media: "giam-ngheo/2024/c.wav", title: "c", topic: "giam-ngheo",
                    start: "2025-03-08T06:00:12.000000+07:00", end: "2025-03-08T06:04:22.000000+07:00", note: nil),
                Item(
                    kind: "topic", media: "giam-ngheo/a.wav", title: "a", topic: "giam-ngheo",
                    start: "2025-03-08T06:04:22.000000+07:00", end: "2025-03-08T06:09:22.000000+07:00", note: nil),
                Item(
                    kind: "file", media: "jingles/ket-thuc.wav", title: nil, topic: nil,
                    start: "2025-03-08T06:09:22.000000+07:00", end: "2025-03-08T06:09:22.000000+07:00", note: "missing"),
            ])

        // The late block picks after the morning's and runs into the next date; without a
        // length it lasts its longest two segments (300 s + 250 s).
        let dem = day.blocks[1]
        #expect(dem.items.map(\.media) == ["giam-ngheo/b.wav", "giam-ngheo/2024/c.wav"])
        #expect(dem.items.map(\.end) == ["2025-03-08T23:58:20.000000+07:00", "2025-03-09T00:02:30.000000+07:00"])
        #expect(dem.end == "2025-03-09T00:04:10.000000+07:00")
        #expect(!FileManager.default.fileExists(atPath: station.dir + "/var"), "no database may be created")
    }

    /// The cells of a table row, parted by two or more spaces, with the character (grapheme
    /// cluster) each starts at.
    static func cells(_ row: String) -> [(offset: Int, text: String)] {
        var cells: [(offset: Int, text: String)] = []
        var spaces = 0
        for (i, c) in Array(row).enumerated() {
            if c == " " {
                spaces += 1
                continue
            }
            if cells.isEmpty || spaces >= 2 {
                cells.append((i, ""))
            } else if spaces == 1 {
                cells[cells.count - 1].text += " "
            }
            cells[cells.count - 1].text.append(c)
            spaces = 0
        }
        return cells
    }

    @Test func theTableLinesUpVietnameseText() throws {
        let station = try Self.station()
        // "Tập-Một" as macOS writes file names (NFD); it is shown in NFC.
        try station.wav("giam-ngheo/2024/Ta\u{0323}\u{0302}p-Mo\u{0323}\u{0302}t.wav", seconds: 10)
        let nfc = "T\u{1EAD}p-M\u{1ED9}t"
        let result = try station.loaxa(["schedule", "show", "--date", "2025-03-09"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            Data(result.stdout.utf8).range(of: Data("giam-ngheo/2024/\(nfc).wav  \(nfc)".utf8)) != nil,
            "\(result.stdout)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "Đài truyền thanh xã thử nghiệm — 2025-03-09 (sun), Asia/Ho_Chi_Minh")
        #expect(lines.contains("sang — Chương trình buổi sáng, 06:00:00–06:10:00 (10m)"), "\(result.stdout)")
        #expect(lines.contains("dem — Đêm khuya, 23:55:00–00:04:10+1d (9m10s from its items)"), "\(result.stdout)")

        let rows = lines.filter { $0.hasPrefix("  ") }.map(Self.cells)
        #expect(
            rows.map { $0[3].text } == [
                "jingles/mo-dau.wav", "(operator queue)", "giam-ngheo/2024/\(nfc).wav", "giam-ngheo/2024/c.wav",
                "jingles/ket-thuc.wav", "giam-ngheo/a.wav", "giam-ngheo/b.wav",
            ], "\(result.stdout)")
        #expect(rows[6].map(\.text) == ["00:00:00+1d", "00:03:20+1d", "topic", "giam-ngheo/b.wav", "b"])
        #expect(rows[4].map(\.text).last == "missing")
        // Each column starts at the same character in every row; the widest media path,
        // with its Vietnamese letters, counts 27 characters.
        for column in 0..<4 {
            #expect(Set(rows.map { $0[column].offset }).count == 1, "column \(column): \(result.stdout)")
        }
        let titled = rows.filter { $0.count == 5 && $0[4].text != "missing" }
        #expect(titled.count == 5 && Set(titled.map { $0[4].offset }).count == 1, "\(result.stdout)")
        #expect(titled[0][4].offset - rows[0][3].offset == 27 + 2, "\(result.stdout)")
        #expect(rows[4][4].offset > titled[0][4].offset)
    }

    @Test func withoutADateItShowsTodayAtTheStation() throws {
        let station = try Self.station()
        func today() -> String {
            let now = WallTime.now() + 7 * 3_600_000_000
            return CivilDate(daysSinceEpoch: floorDivMod(now.microseconds, 86_400_000_000).0).description
        }
        let before = today()
        let result = try station.loaxa(["schedule", "show", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let day = try JSONDecoder().decode(Day.self, from: Data(result.stdout.utf8))
        #expect([before, today()].contains(day.date))
    }

    @Test func problemsInTheScheduleAreShownAndExitOne() throws {
        let folder = try Folder(schedule: "[[block]]\nid = \"sang\"\nstart = 25:00:00\nitems = []\n")
        let result = try folder.loaxa(["schedule", "show", "--date", "2025-03-08"])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("daily.toml:3"), "\(result.stderr)")
    }

    @Test func aDateThatIsNoDateIsAUsageError() throws {
        let station = try Self.station()
        let result = try station.loaxa(["schedule", "show", "--date", "2025-02-30"])
        #expect(result.status != 0 && result.status != 1)
        #expect(result.stderr.contains("--date 2025-02-30: not a date"), "\(result.stderr)")
    }

    @Test func helpShowsAnExample() throws {
        let result = try runProgram(Environment.binDir + "/loaxa", ["schedule", "show", "--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("loaxa schedule show --date 2025-03-08 --json"), "\(result.stdout)")
        #expect(result.stdout.contains("--date <date>"), "\(result.stdout)")
    }
}
