/// The line on which each key and array element of a TOML document stands.
///
/// TOMLKit gives positions only for syntax errors, so this small scanner reads the text a
/// second time to place semantic errors. It records, for every key path, the 1-based line of
/// its key (for array elements: where the element begins; for `[table]` and `[[array]]`
/// headers: the header's line). Paths are rendered as `station.name`, `block[0].start`,
/// `block[1].items[2].file`, `matrix[0][1]`; keys that are not bare are quoted
/// (`site."a.b"`). It handles tables, arrays of tables, dotted keys, inline tables, arrays
/// over several lines, all four kinds of strings and comments. It never fails: on text that
/// is not valid TOML it records what it can.
public struct TOMLLineIndex: Sendable {
    private var lines: [String: Int]

    /// Scans `text`; the text need not be valid TOML.
    public init(text: String) {
        var scanner = Scanner(text: text)
        scanner.scanDocument()
        lines = scanner.lines
    }

    /// The line of the key or element at `path` (`block[0].start`), if it appears in the text.
    public func line(of path: String) -> Int? { lines[path] }

    /// Every recorded path with its line.
    public var entries: [String: Int] { lines }

    /// The line of `path`, or else of its nearest enclosing key, element or table that appears
    /// in the text; 0 when none does (a key missing along with its table).
    func nearestLine(of path: TOMLKeyPath) -> Int {
        var current: TOMLKeyPath? = path
        while let p = current {
            if let line = lines[p.description] { return line }
            current = p.parent
        }
        return 0
    }
}

extension TOMLLineIndex {
    /// A forgiving TOML scanner: every step consumes at least one character or stops.
    fileprivate struct Scanner {
        private let s: [Unicode.Scalar]
        private var i = 0
        private var line = 1
        private var current = TOMLKeyPath.root
        /// How many elements each array of tables has so far, by its rendered path.
        private var arrayTableCounts: [String: Int] = [:]
        fileprivate var lines: [String: Int] = [:]

        init(text: String) {
            s = Array(text.unicodeScalars)
        }

        // MARK: Characters

        private var peek: Unicode.Scalar? { i < s.count ? s[i] : nil }

        private func peek(_ offset: Int) -> Unicode.Scalar? { i + offset < s.count ? s[i + offset] : nil }

        private mutating func advance() {
            guard i < s.count else { return }
            if s[i] == "\n" { line += 1 }
            i += 1
        }

        private mutating func skipSpaces() {
            while let c = peek, c == " " || c == "\t" { advance() }
        }

        /// Spaces, newlines and comments.
        private mutating func skipTrivia() {
            while let c = peek {
                if c == " " || c == "\t" || c == "\r" || c == "\n" {
                    advance()
                } else if c == "#" {
                    while let d = peek, d != "\n" { advance() }
                } else {
                    return
                }
            }
        }

        /// Whatever is left on the current line (a comment, or text a syntax error left), and
        /// the line break.
        private mutating func skipRestOfLine() {
            while let c = peek, c != "\n" { advance() }
            advance()
        }

        private func isBareKeyScalar(_ c: Unicode.Scalar) -> Bool {
            switch c {
            case " ", "\t", "\r", "\n", "=", ".", "#", "[", "]", "\"", "'", ",", "{", "}": return false
            default: return c.value >= 0x20 && c.value != 0x7F
            }
        }

        private mutating func record(_ path: TOMLKeyPath, _ line: Int) {
            let key = path.description
            if lines[key] == nil { lines[key] = line }
        }

        // MARK: Document

        mutating func scanDocument() {
            if peek == "\u{FEFF}" { advance() }
            while true {
                skipTrivia()
                guard let c = peek else { return }
                if c == "[" {
                    scanHeader()
                } else if isBareKeyScalar(c) || c == "\"" || c == "'" {
                    scanKeyValue(base: current)
                }
                skipRestOfLine()
            }
        }

        /// `[a.b]` or `[[a.b]]`: sets the current table.
        private mutating func scanHeader() {
            let headerLine = line
            advance()
            let isArray = peek == "["
            if isArray { advance() }
            skipSpaces()
            guard let keys = scanKey(), !keys.isEmpty else { return }
            skipSpaces()
            if peek == "]" { advance() }
            if isArray, peek == "]" { advance() }

            var path = TOMLKeyPath.root
            for (n, key) in keys.enumerated() {
                path.append(key)
                let rendered = path.description
                if isArray && n == keys.count - 1 {
                    record(path, headerLine)
                    let count = arrayTableCounts[rendered, default: 0]
                    arrayTableCounts[rendered] = count + 1
                    path.append(index: count)
                } else if let count = arrayTableCounts[rendered], count > 0 {
                    // A prefix that names an array of tables means its latest element.
                    path.append(index: count - 1)
                }
                record(path, headerLine)
            }
            current = path
        }

        /// `a.b = value` under `base`.
        private mutating func scanKeyValue(base: TOMLKeyPath) {
            let keyLine = line
            guard let keys = scanKey() else { return }
            var path = base
            for key in keys {
                path.append(key)
                record(path, keyLine)
            }
            skipSpaces()
            guard peek == "=" else { return }
            advance()
            skipSpaces()
            scanValue(path)
        }

        /// A simple or dotted key; nil when no key starts here.
        private mutating func scanKey() -> [String]? {
            var keys: [String] = []
            while true {
                skipSpaces()
                guard let c = peek else { break }
                if c == "\"" {
                    keys.append(scanBasicString())
                } else if c == "'" {
                    keys.append(scanLiteralString())
                } else if isBareKeyScalar(c) {
                    var key = String.UnicodeScalarView()
                    while let d = peek, isBareKeyScalar(d) {
                        key.append(d)
                        advance()
                    }
                    keys.append(String(key))
                } else {
                    break
                }
                skipSpaces()
                guard peek == "." else { break }
                advance()
            }
            return keys.isEmpty ? nil : keys
        }

        // MARK: Values

        private mutating func scanValue(_ path: TOMLKeyPath) {
            guard let c = peek else { return }
            switch c {
            case "\"": _ = scanBasicString()
            case "'": _ = scanLiteralString()
            case "[": scanArray(path)
            case "{": scanInlineTable(path)
            default:
                // Numbers, booleans, dates and times; a date-time may hold a space.
                while let d = peek, !(d == "," || d == "]" || d == "}" || d == "#" || d == "\n" || d == "\r") {
                    advance()
                }
            }
        }

        private mutating func scanArray(_ path: TOMLKeyPath) {
            advance()
            var index = 0
            while true {
                skipTrivia()
                guard let c = peek else { return }
                if c == "]" {
                    advance()
                    return
                }
                if c == "," {
                    advance()
                    continue
                }
                let element = path.appending(index: index)
                record(element, line)
                let before = i
                scanValue(element)
                if i == before { advance() }
                index += 1
            }
        }

        private mutating func scanInlineTable(_ path: TOMLKeyPath) {
            advance()
            while true {
                skipTrivia()
                guard let c = peek else { return }
                if c == "}" {
                    advance()
                    return
                }
                if c == "," {
                    advance()
                    continue
                }
                let before = i
                scanKeyValue(base: path)
                if i == before { advance() }
            }
        }

        /// A basic string, single-line or `"""` multi-line; returns its decoded text.
        private mutating func scanBasicString() -> String {
            var out = String.UnicodeScalarView()
            if peek(1) == "\"" && peek(2) == "\"" {
                advance(); advance(); advance()
                while let c = peek {
                    if c == "\\" {
                        advance()
                        if let e = peek { advance(); out.append(e) }
                    } else if c == "\"" && peek(1) == "\"" && peek(2) == "\"" {
                        advance(); advance(); advance()
                        // Up to two more quotes belong to the content.
                        var extra = 0
                        while peek == "\"" && extra < 2 { advance(); extra += 1 }
                        break
                    } else {
                        out.append(c)
                        advance()
                    }
                }
                return String(out)
            }
            advance()
            while let c = peek, c != "\n" {
                advance()
                if c == "\"" { break }
                if c == "\\" {
                    guard let e = peek, e != "\n" else { break }
                    advance()
                    switch e {
                    case "n": out.append("\n")
                    case "t": out.append("\t")
                    case "r": out.append("\r")
                    case "b": out.append("\u{08}")
                    case "f": out.append("\u{0C}")
                    case "e": out.append("\u{1B}")
                    case "u", "U":
                        var hex = ""
                        for _ in 0..<(e == "u" ? 4 : 8) {
                            guard let h = peek, h.properties.isASCIIHexDigit else { break }
                            hex.unicodeScalars.append(h)
                            advance()
                        }
                        if let v = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(v) { out.append(scalar) }
                    default: out.append(e)
                    }
                } else {
                    out.append(c)
                }
            }
            return String(out)
        }

        /// A literal string, single-line or `'''` multi-line; returns its text.
        private mutating func scanLiteralString() -> String {
            var out = String.UnicodeScalarView()
            if peek(1) == "'" && peek(2) == "'" {
                advance(); advance(); advance()
                while let c = peek {
                    if c == "'" && peek(1) == "'" && peek(2) == "'" {
                        advance(); advance(); advance()
                        var extra = 0
                        while peek == "'" && extra < 2 { advance(); extra += 1 }
                        break
                    }
                    out.append(c)
                    advance()
                }
                return String(out)
            }
            advance()
            while let c = peek, c != "\n" {
                advance()
                if c == "'" { break }
                out.append(c)
            }
            return String(out)
        }
    }
}
