/// One problem found in a config or schedule file, with the place to fix it.
///
/// Its description is `FILE:LINE: message`, the form editors and `grep -n` use. When no
/// line applies (a file that cannot be read, a missing folder, a required key that is absent
/// along with its whole table) `line` is 0 and the description is `FILE: message`.
public struct Diagnostic: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file as its path was given or resolved (schedule files: absolute paths).
    public var file: String
    /// 1-based line number; 0 when the problem concerns the whole file.
    public var line: Int
    /// What is wrong and, where it helps, what to write instead.
    public var message: String
    /// A media file or folder the schedule names is missing. `loaxa schedule check` counts it
    /// as an error; the daemon starts all the same and logs the item skipped when it is due,
    /// so that one deleted file never takes the station off the air.
    public var isMissingMedia: Bool

    public init(file: String, line: Int, message: String, isMissingMedia: Bool = false) {
        self.file = file
        self.line = line
        self.message = message
        self.isMissingMedia = isMissingMedia
    }

    public var description: String {
        line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)"
    }
}
