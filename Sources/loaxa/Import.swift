import Foundation
import LoaxaMedia
import LoaxaSchedule

/// Brings a file the operator names into the media folder, for `loaxa queue add`.
enum Import {
    /// Where files from outside the media folder are copied ("announcements").
    static let folder = "thong-bao"

    struct Failure: Error {
        var message: String
    }

    /// The path relative to `mediaFolder` of the file `name` names: a path under the media
    /// folder, or a file elsewhere (absolute, or from the current folder), which is first
    /// checked to decode, then copied into `thong-bao/` under its name in Unicode NFC. A
    /// file with the same name and other content there gets a `-2`, `-3` ... suffix.
    static func intoMedia(_ name: String, mediaFolder: String) throws(Failure) -> String {
        let root = LocalPath.standardize(mediaFolder)
        if !name.hasPrefix("/"), let inside = LocalPath.inside(root, name), LocalPath.kind(inside) == .file {
            return relative(inside, root: root)
        }
        let source = LocalPath.fromCurrentDirectory(name)
        guard LocalPath.kind(source) == .file else {
            throw Failure(message: "\(name) not found (looked in the media folder \(root) and the current folder)")
        }
        if source.hasPrefix(root + "/") { return relative(source, root: root) }
        do {
            _ = try AudioFileReader(path: source)
        } catch {
            throw Failure(message: "cannot queue \(name): \(error.message)")
        }
        let base = ((source as NSString).lastPathComponent).precomposedStringWithCanonicalMapping
        let stem = (base as NSString).deletingPathExtension
        let ext = (base as NSString).pathExtension
        let folder = root + "/" + Self.folder
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            for n in 1...999 {
                let candidate = n == 1 ? base : "\(stem)-\(n)" + (ext.isEmpty ? "" : ".\(ext)")
                let target = folder + "/" + candidate
                if FileManager.default.fileExists(atPath: target) {
                    if FileManager.default.contentsEqual(atPath: target, andPath: source) {
                        return Self.folder + "/" + candidate
                    }
                    continue
                }
                let partial = folder + "/.\(candidate).part"
                try? FileManager.default.removeItem(atPath: partial)
                try FileManager.default.copyItem(atPath: source, toPath: partial)
                try FileManager.default.moveItem(atPath: partial, toPath: target)
                print("copied \(name) into the media folder as \(Self.folder)/\(candidate)")
                return Self.folder + "/" + candidate
            }
        } catch {
            throw Failure(message: "cannot copy \(name) into \(folder): \(error.localizedDescription)")
        }
        throw Failure(message: "too many files named like \(base) in \(folder)")
    }

    private static func relative(_ path: String, root: String) -> String {
        String(path.dropFirst(root.count + 1)).precomposedStringWithCanonicalMapping
    }
}
