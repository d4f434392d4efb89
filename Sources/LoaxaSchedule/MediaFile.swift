import Foundation

/// Finds a media file by its segment name, whatever Unicode form its name has on disk.
///
/// A segment's name is its path relative to the media folder in NFC. A file copied from a
/// Mac arrives with a decomposed (NFD) name, while schedules, the queue and the log write
/// the composed form: the two name the same file.
public enum MediaFile {
    /// The path under `root` of the file or folder `name` names (a relative path, in any
    /// Unicode form): the plain joined path when it exists; else, component by component,
    /// the folder entry whose name is canonically equivalent. Nil when `name` leaves `root`
    /// (absolute, or climbing out with `..`); the plain joined path, which does not exist,
    /// when nothing matches.
    public static func locate(_ name: String, in root: String) -> String? {
        guard let plain = LocalPath.inside(root, name) else { return nil }
        if LocalPath.kind(plain) != .missing { return plain }
        var current = LocalPath.standardize(root)
        for component in String(plain.dropFirst(current.count)).split(separator: "/") {
            // Swift compares strings by canonical equivalence: an NFD name equals its NFC form.
            guard let entries = try? FileManager.default.contentsOfDirectory(atPath: current),
                let match = entries.first(where: { $0 == component })
            else { return plain }
            current += (current == "/" ? "" : "/") + match
        }
        return current
    }
}
