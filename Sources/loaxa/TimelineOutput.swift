import Foundation
import LoaxaCore
import LoaxaSchedule

/// `loaxa schedule show`'s two outputs: an aligned table for people, JSON for programs.
enum TimelineOutput {
    // MARK: JSON

    /// `{ date, timezone, blocks: [ { id, title, start, end, items: [ { kind, media, title,
    /// topic, start, end, note } ] } ] }`, times RFC 3339 with microseconds and the station
    /// offset; absent values are `null`.
    static func json(_ timeline: DayTimeline, zone: StationTimeZone) throws -> String {
        func time(_ t: WallTime) -> String { RFC3339.format(t, offsetSeconds: zone.offsetSeconds(at: t)) }
        let day = Day(
            date: timeline.date.description, timezone: zone.identifier,
            blocks: timeline.blocks.map { block in
                Block(
                    id: block.id, title: block.title, start: time(block.start), end: time(block.end),
                    items: block.entries.map { entry in
                        Item(
                            kind: entry.kind.rawValue, media: entry.media, title: entry.title, topic: entry.topic,
                            start: time(entry.start), end: time(entry.end), note: entry.note?.rawValue)
                    })
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(day), as: UTF8.self)
    }

    private struct Day: Encodable {
        var date: String
        var timezone: String
        var blocks: [Block]
    }

    private struct Block: Encodable {
        var id: String
        var title: String
        var start: String
        var end: String
        var items: [Item]
    }

    private struct Item: Encodable {
        var kind: String
        var media: String?
        var title: String?
        var topic: String?
        var start: String
        var end: String
        var note: String?

        enum CodingKeys: String, CodingKey { case kind, media, title, topic, start, end, note }

        /// Every key, `null` when absent, so that readers need not guess.
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(kind, forKey: .kind)
            try c.encode(media, forKey: .media)
            try c.encode(title, forKey: .title)
            try c.encode(topic, forKey: .topic)
            try c.encode(start, forKey: .start)
            try c.encode(end, forKey: .end)
            try c.encode(note, forKey: .note)
        }
    }

    // MARK: Table

    /// The heading, then per block a line with its id, title, times and length, and under it
    /// one aligned row per entry: start, end, kind, media, title, note. A time on a later
    /// date than the timeline's reads `00:10:00+1d`.
    static func table(_ timeline: DayTimeline, zone: StationTimeZone, heading: String) -> String {
        func time(_ t: WallTime) -> String {
            let days = zone.localDate(of: t).daysSinceEpoch - timeline.date.daysSinceEpoch
            let s = zone.localSecondOfDay(of: t)
            func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
            let clock = "\(two(s / 3600)):\(two(s % 3600 / 60)):\(two(s % 60))"
            return days == 0 ? clock : clock + (days > 0 ? "+" : "") + "\(days)d"
        }
        var lines = [heading]
        guard !timeline.blocks.isEmpty else {
            lines.append("No blocks start on this day.")
            return lines.joined(separator: "\n")
        }
        var rows: [[String]] = []
        for block in timeline.blocks {
            for entry in block.entries {
                var what = entry.media ?? ""
                var note = entry.note?.rawValue ?? ""
                switch entry.note {
                case .operatorQueue?:
                    what = "(operator queue)"
                    note = ""
                case .noSegments?:
                    what = (entry.topic ?? "") + "/"
                default:
                    break
                }
                rows.append([time(entry.start), time(entry.end), entry.kind.rawValue, what, entry.title ?? "", note])
            }
        }
        let aligned = TextTable.align(rows)
        var next = 0
        for block in timeline.blocks {
            let length =
                block.lengthMicros.map { BlockLength.format(micros: $0) }
                ?? BlockLength.format(micros: block.end - block.start) + " from its items"
            lines.append("")
            lines.append("\(block.id) — \(block.title), \(time(block.start))–\(time(block.end)) (\(length))")
            for line in aligned[next..<(next + block.entries.count)] { lines.append("  " + line) }
            next += block.entries.count
        }
        return lines.joined(separator: "\n")
    }
}

/// Columns of text padded to a common width. Widths count characters as a terminal shows
/// them (grapheme clusters of the NFC text), not bytes or UTF-16 units, so Vietnamese
/// titles line up whether their files came in NFC or NFD.
enum TextTable {
    /// Each row's cells joined by two spaces, every column padded to its widest cell;
    /// trailing blanks removed.
    static func align(_ rows: [[String]]) -> [String] {
        let cells = rows.map { $0.map(\.precomposedStringWithCanonicalMapping) }
        var widths: [Int] = []
        for row in cells {
            for (n, cell) in row.enumerated() {
                if n == widths.count { widths.append(0) }
                widths[n] = max(widths[n], cell.count)
            }
        }
        return cells.map { row in
            var line = ""
            for (n, cell) in row.enumerated() {
                line += cell
                if n < row.count - 1 { line += String(repeating: " ", count: widths[n] - cell.count + 2) }
            }
            while line.last == " " { line.removeLast() }
            return line
        }
    }
}
