/// Turns the names a report asks for into sheet names Excel accepts, unique in a workbook.
///
/// Excel refuses a whole file whose sheet names break its rules, and the rules are easy to
/// break with real titles: "Tháng 5/2024" holds a slash, a topic name can pass 31
/// characters, and two topics may differ only in case. Rather than fail a report, the name
/// is mended, and the sheet tells the caller the name it got.
struct SheetNames {
    /// The names taken so far, folded to lower case: Excel compares sheet names without case.
    /// "History" is reserved by Excel for its change tracking.
    private var taken: Set<String> = ["history"]

    /// The characters Excel forbids in a sheet name, each replaced by a hyphen.
    static let forbidden: Set<Character> = ["[", "]", ":", "*", "?", "/", "\\"]

    /// A name for the `number`th sheet (from 1) asked to be called `requested`: NFC, without
    /// forbidden characters, without apostrophes or spaces at its ends, at most 31 UTF-16
    /// units, and unlike every name given before (" (2)", " (3)"... is added if need be).
    mutating func claim(_ requested: String, number: Int) -> String {
        let cleaned = String(
            XMLText.normalized(requested).map { character -> Character in
                if Self.forbidden.contains(character) { return "-" }
                // Line breaks and tabs are valid XML but not in a tab's label.
                if character.unicodeScalars.contains(where: { $0.value < 0x20 }) { return " " }
                return character
            })
        var base = Self.shortened(Self.trimmed(cleaned), to: XLSXLimits.sheetName)
        if base.isEmpty { base = "Sheet\(number)" }
        var name = base
        var copy = 1
        while taken.contains(name.lowercased()) {
            copy += 1
            let suffix = " (\(copy))"
            name = Self.shortened(base, to: XLSXLimits.sheetName - suffix.utf16.count) + suffix
        }
        taken.insert(name.lowercased())
        return name
    }

    /// `name` cut to `limit` UTF-16 units, trimmed again since the cut may end it on a space.
    private static func shortened(_ name: String, to limit: Int) -> String {
        trimmed(XMLText.truncated(name, toUTF16: limit))
    }

    /// `name` without apostrophes, which Excel forbids at a name's ends, and without spaces
    /// at its ends, which no one sees on a tab.
    private static func trimmed(_ name: String) -> String {
        var name = Substring(name)
        while let first = name.first, first == "'" || first.isWhitespace { name = name.dropFirst() }
        while let last = name.last, last == "'" || last.isWhitespace { name = name.dropLast() }
        return String(name)
    }
}
