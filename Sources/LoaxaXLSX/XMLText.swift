import Foundation

/// Text made fit for the workbook's XML: cleaned the way Excel needs, then escaped.
///
/// Report text comes from media titles and file names, which may hold decomposed
/// Vietnamese (as macOS file systems store it), stray control characters, or anything
/// else; a single character that XML 1.0 forbids makes Excel refuse the whole file.
enum XMLText {
    /// Where escaped text goes, which decides what must be escaped.
    enum Context {
        /// A cell's text (`<t>`), where `_xHHHH_` is itself an escape that Excel decodes.
        case cell
        /// An element's text outside cells. Line feeds are written as references there, so
        /// that the templates the text goes into can be joined into one line.
        case element
        /// An attribute value, where XML parsers turn tabs and line breaks into spaces.
        case attribute
    }

    /// `text` as Excel keeps a cell's text: NFC, without the characters XML 1.0 forbids, and
    /// cut to the 32,767 UTF-16 units a cell holds (at a character boundary).
    static func cellText(_ text: String) -> String {
        // Printable ASCII is already NFC and valid; only its length needs a look.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            return text.utf8.count <= XLSXLimits.cellText ? text : truncated(text, toUTF16: XLSXLimits.cellText)
        }
        let normal = normalized(text)
        return normal.utf16.count <= XLSXLimits.cellText ? normal : truncated(normal, toUTF16: XLSXLimits.cellText)
    }

    /// `text` in NFC without the characters XML 1.0 forbids: control characters other than
    /// tab, line feed and carriage return, and U+FFFE and U+FFFF. (A Swift string holds no
    /// lone surrogates: decoding already replaced them.)
    static func normalized(_ text: String) -> String {
        var valid = String.UnicodeScalarView()
        for scalar in text.unicodeScalars where isAllowed(scalar) { valid.append(scalar) }
        return String(valid).precomposedStringWithCanonicalMapping
    }

    /// Whether XML 1.0 allows `scalar` in a document.
    static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D: return true
        case 0..<0x20, 0xFFFE, 0xFFFF: return false
        default: return true
        }
    }

    /// The longest prefix of `text` made of whole characters that fits in `limit` UTF-16
    /// units, the unit Excel counts in.
    static func truncated(_ text: String, toUTF16 limit: Int) -> String {
        var units = 0
        var end = text.startIndex
        for index in text.indices {
            units += text[index].utf16.count
            if units > limit { break }
            end = text.index(after: index)
        }
        return String(text[..<end])
    }

    /// Whether `text` begins or ends with white space, which XML readers drop unless the
    /// element says `xml:space="preserve"`.
    static func needsPreserve(_ text: String) -> Bool {
        func isSpace(_ byte: UInt8?) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        return isSpace(text.utf8.first) || isSpace(text.utf8.last)
    }

    /// Appends `text` to `out`, escaped for `context`.
    static func appendEscaped(_ text: String, in context: Context, to out: inout [UInt8]) {
        // Most report text needs no escape: copy it whole.
        if !text.utf8.contains(where: {
            $0 < 0x20 || $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x5F
        }) {
            out.append(contentsOf: text.utf8)
            return
        }
        let bytes = Array(text.utf8)
        for (offset, byte) in bytes.enumerated() {
            switch byte {
            case 0x26: out.append(contentsOf: "&amp;".utf8)
            case 0x3C: out.append(contentsOf: "&lt;".utf8)
            case 0x3E: out.append(contentsOf: "&gt;".utf8)
            case 0x22: out.append(contentsOf: "&quot;".utf8)
            // Parsers turn a CR, or CR LF, into LF: a character reference keeps it.
            case 0x0D: out.append(contentsOf: "&#13;".utf8)
            case 0x09 where context == .attribute: out.append(contentsOf: "&#9;".utf8)
            case 0x0A where context != .cell: out.append(contentsOf: "&#10;".utf8)
            // Excel reads `_x0041_` in a cell as "A": its underscore is escaped to keep it.
            case 0x5F where context == .cell && isHexEscape(bytes, at: offset):
                out.append(contentsOf: "_x005F_".utf8)
            default: out.append(byte)
            }
        }
    }

    /// Whether `bytes` holds `_xHHHH_` (H a hex digit) at `offset`.
    private static func isHexEscape(_ bytes: [UInt8], at offset: Int) -> Bool {
        guard offset + 7 <= bytes.count, bytes[offset + 1] == 0x78, bytes[offset + 6] == 0x5F else { return false }
        return bytes[(offset + 2)..<(offset + 6)].allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
        }
    }

    /// `text` escaped for `context`, as a string.
    static func escaped(_ text: String, in context: Context) -> String {
        var out: [UInt8] = []
        appendEscaped(text, in: context, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}

/// Column letters as Excel names them: A to Z, then AA to ZZ, then AAA up to XFD.
enum ColumnName {
    /// The name of the 1-based column `number`.
    static func of(_ number: Int) -> String {
        precondition(number >= 1, "columns count from 1")
        var letters: [UInt8] = []
        var rest = number
        // Bijective base 26: there is no zero digit, so each step takes one off first.
        while rest > 0 {
            rest -= 1
            letters.append(UInt8(0x41 + rest % 26))
            rest /= 26
        }
        return String(decoding: letters.reversed(), as: UTF8.self)
    }
}
