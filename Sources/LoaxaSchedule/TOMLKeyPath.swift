/// The path of a value in a TOML document, rendered as `station.name`,
/// `block[1].items[2].file` or `a."dotted.key"` (keys that are not bare are quoted).
struct TOMLKeyPath: Hashable, Sendable, CustomStringConvertible {
    enum Component: Hashable, Sendable {
        case key(String)
        case index(Int)
    }

    private(set) var components: [Component] = []

    init(_ components: [Component] = []) {
        self.components = components
    }

    static let root = TOMLKeyPath()

    func appending(_ key: String) -> TOMLKeyPath {
        TOMLKeyPath(components + [.key(key)])
    }

    func appending(index: Int) -> TOMLKeyPath {
        TOMLKeyPath(components + [.index(index)])
    }

    mutating func append(_ key: String) { components.append(.key(key)) }

    mutating func append(index: Int) { components.append(.index(index)) }

    /// The path without its last component; nil at the root.
    var parent: TOMLKeyPath? {
        components.isEmpty ? nil : TOMLKeyPath(Array(components.dropLast()))
    }

    var description: String {
        var out = ""
        for component in components {
            switch component {
            case .key(let key):
                if !out.isEmpty { out += "." }
                out += Self.render(key: key)
            case .index(let index):
                out += "[\(index)]"
            }
        }
        return out
    }

    /// A bare key as written, any other key quoted like a TOML basic string.
    static func render(key: String) -> String {
        let bare = !key.isEmpty && key.unicodeScalars.allSatisfy { s in
            (s >= "a" && s <= "z") || (s >= "A" && s <= "Z") || (s >= "0" && s <= "9") || s == "_" || s == "-"
        }
        if bare { return key }
        var out = "\""
        for s in key.unicodeScalars {
            switch s {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default: out.unicodeScalars.append(s)
            }
        }
        return out + "\""
    }
}
