import Foundation

/// Path arithmetic on text, without touching the file system.
public enum LocalPath {
    /// `path` made absolute against `base` (itself absolute) and standardized: no `.`,
    /// no `..`, no repeated or trailing `/`.
    public static func absolute(_ path: String, base: String) -> String {
        standardize(path.hasPrefix("/") ? path : base + "/" + path)
    }

    /// An absolute path with `.` and `..` resolved lexically.
    public static func standardize(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                if !parts.isEmpty { parts.removeLast() }
                continue
            }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }

    /// The folder holding `path` (absolute).
    public static func folder(of path: String) -> String {
        standardize(path + "/..")
    }

    /// The absolute form of `path`, taken from the current directory when relative.
    public static func fromCurrentDirectory(_ path: String) -> String {
        absolute(path, base: FileManager.default.currentDirectoryPath)
    }

    /// `relative` joined under `root` when it stays inside it; nil when it is absolute or
    /// climbs out with `..`.
    public static func inside(_ root: String, _ relative: String) -> String? {
        guard !relative.hasPrefix("/") else { return nil }
        var depth = 0
        for part in relative.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            depth += part == ".." ? -1 : 1
            if depth < 0 { return nil }
        }
        return standardize(root + "/" + relative)
    }

    /// Whether `path` is a folder, a file, or nothing.
    public enum Kind { case missing, file, folder }

    public static func kind(_ path: String) -> Kind {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { return .missing }
        return isFolder.boolValue ? .folder : .file
    }
}
