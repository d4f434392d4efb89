import LoaxaCore
import TOMLKit

/// What one `[[block]]` gave, even when parts of it are wrong: enough to check ids, overlaps
/// and rules across files.
struct BlockDraft {
    var file: String
    var line: Int
    var id: String?
    var idLine: Int
    var title: String?
    var startSecond: Int?
    var startLine: Int
    var lengthMicros: Int64?
    var lengthLine: Int
    var recurrence: BlockRecurrence?
    var items: [PlannedItem] = []
    /// The media folder, when it exists: where the items' lengths are found.
    var mediaFolder: String?
    /// False when the block had any problem of its own.
    var complete = true

    /// The finished block, when nothing was wrong with it.
    var block: ScheduleBlock? {
        guard complete, let id, let startSecond, let recurrence else { return nil }
        return ScheduleBlock(
            id: id, title: title ?? id, startSecond: startSecond, lengthMicros: lengthMicros,
            recurrence: recurrence, items: items, file: file, line: line)
    }
}

/// Reads the `[[block]]` tables of one schedule file, checking each on its own.
struct ScheduleFileParser {
    static let blockKeys = ["id", "title", "start", "length", "days", "from", "until", "date", "items"]
    static let itemKeys = ["file", "queue", "topic", "count"]

    private var reader: TOMLReader
    /// The media folder; nil when it does not exist (files are then not looked for).
    private let media: String?

    /// Parses `document`; returns its blocks and the problems found.
    static func parse(_ document: TOMLDocument, media: String?) -> (blocks: [BlockDraft], diagnostics: [Diagnostic]) {
        var parser = ScheduleFileParser(reader: TOMLReader(document: document), media: media)
        let blocks = parser.parseFile(document.table)
        return (blocks, parser.reader.diagnostics)
    }

    private init(reader: TOMLReader, media: String?) {
        self.reader = reader
        self.media = media
    }

    private mutating func parseFile(_ root: TOMLTable) -> [BlockDraft] {
        for key in root.keys where key != "block" {
            reader.report(
                TOMLKeyPath.root.appending(key),
                "unknown key \(quoted(key)); a schedule file holds only [[block]] tables")
        }
        guard root["block"] != nil else { return [] }
        guard let array = reader.value(root, "block", at: .root, .array, label: "block")?.array else {
            if root["block"]?.type == .table {
                // The type error was reported; say how to write it.
                reader.report(TOMLKeyPath.root.appending("block"), "write each block as [[block]], with two brackets")
            }
            return []
        }
        var blocks: [BlockDraft] = []
        for n in 0..<array.count {
            let path = TOMLKeyPath.root.appending("block").appending(index: n)
            guard let table = array[n].table else {
                reader.report(path, "each block must be a table; write it as [[block]] followed by its keys")
                continue
            }
            blocks.append(parseBlock(table, at: path))
        }
        return blocks
    }

    // MARK: Blocks

    private mutating func parseBlock(_ table: TOMLTable, at path: TOMLKeyPath) -> BlockDraft {
        reader.prefix = ""
        let before = reader.diagnostics.count
        var draft = BlockDraft(
            file: reader.file, line: reader.line(path), idLine: reader.line(path.appending("id")),
            startLine: reader.line(path.appending("start")), lengthLine: reader.line(path.appending("length")))
        draft.mediaFolder = media

        if let id = reader.string(table, "id", at: path, label: "id", required: true) {
            if let problem = Self.idProblem(id) {
                reader.report(path.appending("id"), "id \(quoted(id)) \(problem)")
            } else {
                draft.id = id
                reader.prefix = "block \(quoted(id)): "
            }
        }
        reader.checkKeys(table, at: path, allowed: Self.blockKeys, place: "a block")

        if let title = reader.string(table, "title", at: path, label: "title") {
            if title.trimmingCharacters(in: .whitespaces).isEmpty {
                reader.report(path.appending("title"), "title is empty; remove it to use the id, or write one")
            } else {
                draft.title = title
            }
        }
        draft.startSecond = parseStart(table, at: path)
        if let text = reader.string(table, "length", at: path, label: "length") {
            if let micros = BlockLength.parse(text) {
                if micros > BlockLength.maximumMicros {
                    reader.report(
                        path.appending("length"),
                        "length \(quoted(text)) is longer than a day; "
                            + "a block lasts at most 24h")
                } else {
                    draft.lengthMicros = micros
                }
            } else {
                reader.report(
                    path.appending("length"),
                    "length \(quoted(text)) is not a length; "
                        + "write hours, minutes and seconds such as \"45m\", \"1h30m\" or \"90s\"")
            }
        }
        draft.recurrence = parseRecurrence(table, at: path)
        parseItems(table, at: path, into: &draft)

        // Missing media leaves the block usable: the daemon airs the rest of it.
        draft.complete = !reader.diagnostics[before...].contains { !$0.isMissingMedia }
        reader.prefix = ""
        return draft
    }

    /// Letters, digits, `-`, `_` and `.`: ids appear in logs, reports and commands.
    static func idProblem(_ id: String) -> String? {
        if id.isEmpty { return "is empty; give the block a short name such as \"sang\"" }
        let allowed = id.unicodeScalars.allSatisfy { s in
            s.properties.isAlphabetic || ("0"..."9").contains(s) || s == "-" || s == "_" || s == "."
        }
        return allowed ? nil : "may hold only letters, digits, \"-\", \"_\" and \".\""
    }

    private mutating func parseStart(_ table: TOMLTable, at path: TOMLKeyPath) -> Int? {
        guard let time = reader.value(table, "start", at: path, .time, label: "start", required: true)?.time else {
            return nil
        }
        guard time.nanoSecond == 0 else {
            reader.report(path.appending("start"), "start must be whole seconds, such as 06:00:00")
            return nil
        }
        return time.hour * 3600 + time.minute * 60 + time.second
    }

    private mutating func parseRecurrence(_ table: TOMLTable, at path: TOMLKeyPath) -> BlockRecurrence? {
        let date = readDate(table, "date", at: path)
        let from = readDate(table, "from", at: path)
        let until = readDate(table, "until", at: path)
        let days = parseDays(table, at: path)
        var ok = (table["date"] == nil || date != nil) && (table["from"] == nil || from != nil)
            && (table["until"] == nil || until != nil) && (table["days"] == nil || days != nil)

        let weeklyKeys = ["days", "from", "until"].filter { table[$0] != nil }
        if table["date"] != nil, !weeklyKeys.isEmpty {
            reader.report(
                path.appending("date"),
                "date makes a one-off block, so it cannot go with \(weeklyKeys.joined(separator: ", ")); "
                    + "remove one or the other")
            ok = false
        }
        if let from, let until, until < from {
            reader.report(path.appending("from"), "from (\(from)) is after until (\(until)); the block would never run")
            ok = false
        }
        guard ok else { return nil }
        if let date { return .once(date) }
        return .weekly(days: days ?? Set(Weekday.allCases), from: from, until: until)
    }

    private mutating func readDate(_ table: TOMLTable, _ key: String, at path: TOMLKeyPath) -> CivilDate? {
        guard let date = reader.value(table, key, at: path, .date, label: key)?.date else { return nil }
        return CivilDate(year: date.year, month: date.month, day: date.day)
    }

    private mutating func parseDays(_ table: TOMLTable, at path: TOMLKeyPath) -> Set<Weekday>? {
        guard table["days"] != nil else { return nil }
        guard let array = reader.value(table, "days", at: path, .array, label: "days")?.array else { return nil }
        let daysPath = path.appending("days")
        guard !array.isEmpty else {
            reader.report(daysPath, "days is empty; remove it to run every day, or list days such as [\"mon\", \"fri\"]")
            return nil
        }
        var days = Set<Weekday>()
        var ok = true
        for n in 0..<array.count {
            let element = array[n]
            if let text = element.string, let day = Weekday(abbreviation: text) {
                days.insert(day)
            } else {
                let found = element.string.map(quoted) ?? TOMLReader.describe(element)
                reader.report(
                    daysPath.appending(index: n),
                    "\(found) is not a day; "
                        + "use \"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\" or \"sun\"")
                ok = false
            }
        }
        return ok ? days : nil
    }

    // MARK: Items

    private mutating func parseItems(_ table: TOMLTable, at path: TOMLKeyPath, into draft: inout BlockDraft) {
        guard let array = reader.value(table, "items", at: path, .array, label: "items", required: true)?.array else {
            return
        }
        let itemsPath = path.appending("items")
        guard !array.isEmpty else {
            reader.report(itemsPath, "items is empty; list what the block airs, such as { file = \"jingles/mo-dau.ogg\" }")
            return
        }
        for n in 0..<array.count {
            let itemPath = itemsPath.appending(index: n)
            guard let item = array[n].table else {
                reader.report(
                    itemPath,
                    "item \(n + 1) must be a table such as { file = \"...\" }, not \(TOMLReader.describe(array[n]))")
                continue
            }
            if let parsed = parseItem(item, at: itemPath, number: n + 1, into: &draft) {
                draft.items.append(parsed)
            }
        }
    }

    private mutating func parseItem(
        _ item: TOMLTable, at path: TOMLKeyPath, number: Int, into draft: inout BlockDraft
    ) -> PlannedItem? {
        reader.checkKeys(item, at: path, allowed: Self.itemKeys, place: "item \(number)")
        let kinds = ["file", "queue", "topic"].filter { item[$0] != nil }
        guard kinds.count == 1, let kind = kinds.first else {
            reader.report(
                path,
                kinds.isEmpty
                    ? "item \(number) has none of file, queue or topic; give exactly one"
                    : "item \(number) has \(kinds.joined(separator: " and ")); "
                        + "give exactly one of file, queue or topic per item")
            return nil
        }
        if kind != "topic", item["count"] != nil {
            reader.report(path.appending("count"), "count applies only to topic items; remove it")
            return nil
        }
        switch kind {
        case "file":
            guard let file = reader.string(item, "file", at: path, label: "file") else { return nil }
            guard checkMedia(file, at: path.appending("file"), kind: .file) else { return nil }
            return .file(file)
        case "queue":
            guard let queue = reader.bool(item, "queue", at: path, label: "queue") else { return nil }
            guard queue else {
                reader.report(
                    path.appending("queue"),
                    "queue = false does nothing; "
                        + "write { queue = true } where queued segments air, or remove the item")
                return nil
            }
            return .queue
        default:
            guard let topic = reader.string(item, "topic", at: path, label: "topic") else { return nil }
            var count = 1
            if item["count"] != nil {
                guard let n = reader.value(item, "count", at: path, .integer, label: "count")?.int else { return nil }
                guard n >= 1 else {
                    reader.report(path.appending("count"), "count = \(n) must be at least 1")
                    return nil
                }
                count = n
            }
            guard checkMedia(topic, at: path.appending("topic"), kind: .folder) else { return nil }
            return .topic(topic, count: count)
        }
    }

    /// Checks that `name` is a file (or, for topics, a folder) inside the media folder;
    /// false on a problem that makes the item unusable. A missing file or folder is
    /// reported but leaves the item usable (see `Diagnostic.isMissingMedia`).
    private mutating func checkMedia(_ name: String, at path: TOMLKeyPath, kind: LocalPath.Kind) -> Bool {
        let key = kind == .file ? "file" : "topic"
        guard !name.isEmpty else {
            reader.report(path, "\(key) is empty; give a path inside the media folder")
            return false
        }
        guard let media else {
            // The media folder is missing; that is reported once, not for every item.
            return true
        }
        guard let absolute = MediaFile.locate(name, in: media) else {
            reader.report(path, "\(key) \(quoted(name)) is outside the media folder; give a path relative to \(media)")
            return false
        }
        switch (LocalPath.kind(absolute), kind) {
        case (.file, .file), (.folder, .folder):
            return true
        case (.missing, .file):
            reader.reportMissingMedia(path, "file \(quoted(name)) not found in the media folder (\(absolute))")
            return true
        case (.folder, _):
            reader.report(path, "file \(quoted(name)) is a folder; name an audio file, or use { topic = \(quoted(name)) }")
        case (.missing, _):
            reader.reportMissingMedia(
                path,
                "topic \(quoted(name)) has no folder \(absolute); "
                    + "create it and put the topic's segments in it")
            return true
        case (.file, _):
            reader.report(
                path,
                "topic \(quoted(name)) is a file, not a folder (\(absolute)); "
                    + "a topic is a folder of segments")
        }
        return false
    }
}
