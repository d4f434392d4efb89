/// Every problem found while loading a config or schedule, in file and line order.
///
/// Its description has one `FILE:LINE: message` per line, ready to print for an operator.
public struct DiagnosticList: Error, Hashable, Sendable, CustomStringConvertible, RandomAccessCollection {
    public var diagnostics: [Diagnostic]

    public init(_ diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics
    }

    public var startIndex: Int { diagnostics.startIndex }
    public var endIndex: Int { diagnostics.endIndex }
    public subscript(position: Int) -> Diagnostic { diagnostics[position] }

    public var description: String {
        diagnostics.map(\.description).joined(separator: "\n")
    }
}

extension [Diagnostic] {
    /// Sorts by the rank of the file (lower first, unknown files last, by name), then by line,
    /// keeping the order of emission for equal places.
    func sortedForReport(fileRank: [String: Int] = [:]) -> [Diagnostic] {
        enumerated().sorted { a, b in
            let ra = fileRank[a.element.file] ?? Int.max, rb = fileRank[b.element.file] ?? Int.max
            if ra != rb { return ra < rb }
            if a.element.file != b.element.file { return a.element.file < b.element.file }
            if a.element.line != b.element.line { return a.element.line < b.element.line }
            return a.offset < b.offset
        }.map(\.element)
    }
}
