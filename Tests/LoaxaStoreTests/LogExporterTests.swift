import Foundation
import LoaxaCore
import Testing

@testable import LoaxaStore

@Suite("LogExporter")
struct LogExporterTests {
    /// Exports `log` in `format` to a temporary file and returns the file's bytes.
    func export(
        _ log: AirplayLog, _ format: LogExporter.Format, from: WallTime? = nil, to: WallTime? = nil,
        offset: @escaping @Sendable (WallTime) -> Int = Fixture.vietnam
    ) throws -> (bytes: [UInt8], summary: LogExporter.Summary) {
        let folder = try Fixture.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("export.\(format.rawValue)")
        #expect(FileManager.default.createFile(atPath: url.path, contents: nil))
        let handle = try FileHandle(forWritingTo: url)
        let summary = try LogExporter(log: log, utcOffset: offset)
            .export(format, from: from, to: to, into: handle)
        try handle.close()
        return (Array(try Data(contentsOf: url)), summary)
    }

    /// A log with one completed airing whose title needs CSV quoting, and one skipped item.
    func sampleLog() throws -> AirplayLog {
        let log = try Fixture.memoryLog()
        let title = Fixture.vietnameseTitle + ", \"đợt 2\"\r\nlần 1"
        try log.append(
            Fixture.airing("s1", startingAt: Fixture.at(0, micros: 1), frames: 2_880_000, title: title))
        try log.append(
            AirplayEvent(
                kind: .segmentSkipped, at: Fixture.at(90), blockID: "sang", segment: "s2", source: .queue,
                media: "hang-doi/loa.mp3", reason: "not approved"))
        return log
    }

    /// Splits RFC 4180 text (CRLF records) into rows of fields.
    func parseCSV(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var scalars = Array(text.unicodeScalars)[...]
        while let c = scalars.popFirst() {
            if quoted {
                if c == "\"" {
                    if scalars.first == "\"" {
                        field.unicodeScalars.append("\"")
                        scalars.removeFirst()
                    } else {
                        quoted = false
                    }
                } else {
                    field.unicodeScalars.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                row.append(field)
                field = ""
            } else if c == "\r" && scalars.first == "\n" {
                scalars.removeFirst()
                row.append(field)
                rows.append(row)
                row = []
                field = ""
            } else {
                field.unicodeScalars.append(c)
            }
        }
        return rows
    }

    @Test func csvHasBOMHeaderQuotingAndCRLF() throws {
        let log = try sampleLog()
        let (bytes, summary) = try export(log, .csv)
        #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
        #expect(summary.records == 2)
        #expect(summary.head == (try log.head()))

        let text = try #require(String(validating: bytes.dropFirst(3), as: UTF8.self))
        // Every line break outside quoted fields is CRLF; the file ends with one.
        #expect(text.hasSuffix("\r\n"))
        let header = text.prefix(while: { $0 != "\r\n" })
        #expect(String(header) == LogExporter.columns.joined(separator: ","))
        #expect(
            String(header)
                == "block_id,source,media,title,topic,sha256,scheduled_at,started_at,ended_at,planned_ms,played_ms,outcome,reason,underruns,approved_by,approved_at,clock_synchronized,log_head"
        )

        let rows = parseCSV(text)
        #expect(rows.count == 3)
        #expect(rows.allSatisfy { $0.count == LogExporter.columns.count })
        let first = Dictionary(uniqueKeysWithValues: zip(rows[0], rows[1]))
        #expect(first["title"] == Fixture.vietnameseTitle + ", \"đợt 2\"\r\nlần 1")
        #expect(first["started_at"] == "2024-05-19T17:30:00.000001+07:00")
        #expect(first["ended_at"] == "2024-05-19T17:31:00.000001+07:00")
        #expect(first["played_ms"] == "60000")
        #expect(first["outcome"] == "completed")
        // Every row names the head the export was made at, as `log verify --head` takes it.
        #expect(rows.dropFirst().allSatisfy { $0.last == summary.head?.description })
        #expect(summary.head.map { LogHead(text: $0.description) == $0 } == true)
        #expect(first["reason"] == "")
        #expect(first["approved_by"] == "")
        #expect(first["approved_at"] == "")
        #expect(first["clock_synchronized"] == "true")
        let second = Dictionary(uniqueKeysWithValues: zip(rows[0], rows[2]))
        #expect(second["outcome"] == "skipped")
        #expect(second["started_at"] == "")
        #expect(second["source"] == "queue")
        #expect(second["reason"] == "not approved")

        // The quoted field, byte for byte: quotes doubled, CRLF kept inside the quotes.
        #expect(text.contains("\"" + Fixture.vietnameseTitle + ", \"\"đợt 2\"\"\r\nlần 1\""))
    }

    @Test func vietnameseTextKeepsItsNFCBytes() throws {
        let (csv, _) = try export(try sampleLog(), .csv)
        let (json, _) = try export(try sampleLog(), .json)
        let nfc = Array(Fixture.vietnameseTitle.utf8)
        #expect(nfc.count == 25)  // ô, á and ê take two bytes, ủ three
        // "ủ" precomposed (E1 BB A7), not "u" + hook above + horn.
        for output in [csv, json] {
            #expect(output.firstRange(of: nfc) != nil)
            #expect(output.firstRange(of: [0x75, 0xCC, 0x9B]) == nil)
        }
    }

    /// `text` written as a one-field CSV row.
    func csvField(_ text: String) -> String {
        let path = NSTemporaryDirectory() + "loaxa-csv-\(UUID().uuidString)"
        FileManager.default.createFile(atPath: path, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: path) }
        guard let handle = FileHandle(forWritingAtPath: path) else { return "cannot write \(path)" }
        var row = CSVFields(sink: BufferedOutput(handle: handle))
        row.text(text)
        try? row.sink.flush()
        try? handle.close()
        return (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    @Test func csvQuotesOnlyWhatNeedsIt() {
        #expect(csvField("plain text") == "plain text")
        #expect(csvField("a,b") == "\"a,b\"")
        #expect(csvField("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(csvField("line\nbreak") == "\"line\nbreak\"")
        #expect(csvField("cr\ronly") == "\"cr\ronly\"")
        #expect(csvField("") == "")
    }

    @Test func jsonIsAnArrayOfObjectsWithTheAgreedNames() throws {
        let log = try sampleLog()
        let (bytes, summary) = try export(log, .json)
        #expect(summary.records == 2)
        #expect(summary.head == (try log.head()))

        let parsed = try JSONSerialization.jsonObject(with: Data(bytes))
        let array = try #require(parsed as? [[String: Any]])
        #expect(array.count == 2)
        for object in array {
            #expect(Set(object.keys) == Set(LogExporter.columns))
        }
        let first = array[0]
        #expect(first["block_id"] as? String == "sang")
        #expect(first["title"] as? String == Fixture.vietnameseTitle + ", \"đợt 2\"\r\nlần 1")
        #expect(first["scheduled_at"] as? String == "2024-05-19T17:30:00.000001+07:00")
        #expect(first["planned_ms"] as? Int == 60_000)
        #expect(first["played_ms"] as? Int == 60_000)
        #expect(first["underruns"] as? Int == 0)
        #expect(first["clock_synchronized"] as? Bool == true)
        #expect(first["reason"] is NSNull)
        #expect(first["approved_by"] is NSNull)
        #expect(first["approved_at"] is NSNull)
        let second = array[1]
        #expect(second["outcome"] as? String == "skipped")
        #expect(second["started_at"] is NSNull)
        #expect(second["ended_at"] is NSNull)
        #expect(second["clock_synchronized"] is NSNull)

        // One object per line, readable.
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 4)
        #expect(lines.first == "[" && lines.last == "]")
    }

    @Test func theApproverAndApprovalTimeFollowEachOther() throws {
        let log = try Fixture.memoryLog()
        var events = Fixture.airing("s1", startingAt: Fixture.at(0))
        events[0].approvedBy = "Nguy\u{1EC5}n V\u{0103}n A"
        events[0].approvedAt = WallTime(microseconds: 1_716_080_400_000_042)
        try log.append(events)

        let index = try #require(LogExporter.columns.firstIndex(of: "approved_by"))
        #expect(LogExporter.columns[index + 1] == "approved_at")

        let (csv, _) = try export(log, .csv)
        let rows = parseCSV(String(decoding: csv.dropFirst(3), as: UTF8.self))
        let row = Dictionary(uniqueKeysWithValues: zip(rows[0], rows[1]))
        #expect(row["approved_by"] == "Nguy\u{1EC5}n V\u{0103}n A")
        #expect(row["approved_at"] == "2024-05-19T08:00:00.000042+07:00")

        let (json, _) = try export(log, .json)
        let array = try #require(try JSONSerialization.jsonObject(with: Data(json)) as? [[String: Any]])
        #expect(array[0]["approved_by"] as? String == "Nguy\u{1EC5}n V\u{0103}n A")
        #expect(array[0]["approved_at"] as? String == "2024-05-19T08:00:00.000042+07:00")
        // In the object's text too, approved_at comes right after approved_by.
        let text = String(decoding: json, as: UTF8.self)
        #expect(
            text.contains(
                "\"approved_by\":\"Nguy\u{1EC5}n V\u{0103}n A\",\"approved_at\":\"2024-05-19T08:00:00.000042+07:00\""))
    }

    @Test func jsonEscapesControlCharacters() throws {
        let escaped = JSONText.quoted("tab\tquote\"slash\\bell\u{07}nl\n")
        #expect(escaped == "\"tab\\tquote\\\"slash\\\\bell\\u0007nl\\n\"")
        let back = try JSONSerialization.jsonObject(with: Data(("[" + escaped + "]").utf8), options: [])
        #expect((back as? [String])?.first == "tab\tquote\"slash\\bell\u{07}nl\n")
    }

    /// Text goes into the JSON as it is unless it needs escaping: an em dash (E2 80 94) is
    /// kept, the line and paragraph separators (E2 80 A8/A9) and control characters are not.
    @Test func jsonTextIsEscapedOnlyWhereItMustBe() throws {
        let log = try Fixture.memoryLog()
        let titles = ["Tin xã — số 1", "a\u{2028}b\u{2029}c", "tab\there \"quoted\" back\\slash"]
        for (n, title) in titles.enumerated() {
            try log.append(Fixture.airing("j\(n)", startingAt: Fixture.at(Int64(n) * 60), title: title))
        }
        let (bytes, _) = try export(log, .json)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("\"Tin xã — số 1\""))
        #expect(text.contains("a\\u2028b\\u2029c"))
        let array = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [[String: Any]])
        #expect(array.map { $0["title"] as? String } == titles)
    }

    @Test func anEmptyExportIsStillValid() throws {
        let log = try Fixture.memoryLog()
        let (csv, csvSummary) = try export(log, .csv)
        #expect(csvSummary == LogExporter.Summary(records: 0, head: nil))
        #expect(String(decoding: csv.dropFirst(3), as: UTF8.self) == LogExporter.columns.joined(separator: ",") + "\r\n")
        let (json, _) = try export(log, .json)
        let parsed = try JSONSerialization.jsonObject(with: Data(json))
        #expect((parsed as? [Any])?.isEmpty == true)
    }

    @Test func timesUseTheStationOffsetAtEachInstant() throws {
        let log = try Fixture.memoryLog()
        try log.append(Fixture.airing("s1", startingAt: WallTime(microseconds: 1_716_114_600_999_999)))
        let (bytes, _) = try export(log, .json, offset: { _ in -(3 * 3600 + 1800) })
        let array = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [[String: Any]])
        #expect(array[0]["started_at"] as? String == "2024-05-19T07:00:00.999999-03:30")
        let (utc, _) = try export(log, .json, offset: { _ in 0 })
        let utcArray = try #require(try JSONSerialization.jsonObject(with: Data(utc)) as? [[String: Any]])
        #expect(utcArray[0]["started_at"] as? String == "2024-05-19T10:30:00.999999Z")
    }

    @Test func thePeriodFilterApplies() throws {
        let log = try Fixture.memoryLog()
        for i in 0..<5 {
            try log.append(Fixture.airing("s\(i)", startingAt: Fixture.at(Int64(i) * 100)))
        }
        let (bytes, summary) = try export(log, .csv, from: Fixture.at(100), to: Fixture.at(300))
        #expect(summary.records == 2)
        #expect(parseCSV(String(decoding: bytes.dropFirst(3), as: UTF8.self)).count == 3)
    }

    @Test func largeExportsStreamThroughTheBuffer() throws {
        let log = try Fixture.memoryLog()
        var events: [AirplayEvent] = []
        for i in 0..<1_500 {
            events += Fixture.airing("s\(i)", startingAt: Fixture.at(Int64(i) * 70), title: "Bản tin số \(i)")
        }
        try log.append(events)
        let (json, summary) = try export(log, .json)
        #expect(summary.records == 1_500)
        #expect(summary.head?.seq == 6_000)
        #expect(json.count > 64 * 1024)
        let array = try #require(try JSONSerialization.jsonObject(with: Data(json)) as? [[String: Any]])
        #expect(array.count == 1_500)
        #expect(array.last?["title"] as? String == "Bản tin số 1499")
        let (csv, _) = try export(log, .csv)
        #expect(parseCSV(String(decoding: csv.dropFirst(3), as: UTF8.self)).count == 1_501)
    }
}
