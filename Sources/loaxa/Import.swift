import Foundation
import LoaxaLibrary
import LoaxaSchedule
import LoaxaStore

/// Brings a file the operator names into the media folder, for `loaxa queue add`.
enum Import {
    /// Where files from outside the media folder are copied ("announcements").
    static let folder = "thong-bao"

    struct Failure: Error {
        var message: String
    }

    /// The path relative to the media folder of the file `name` names: a path under the
    /// media folder, or a file elsewhere (absolute, or from the current folder), which the
    /// media library first checks (it decodes, has audio, is not too long), then copies into
    /// `thong-bao/` under its name in Unicode NFC and indexes. A file with the same name
    /// and other content there gets a `-2`, `-3` ... suffix.
    static func intoMedia(_ name: String, config: StationConfig) throws(Failure) -> String {
        let root = LocalPath.standardize(config.paths.media)
        if !name.hasPrefix("/"), let inside = MediaFile.locate(name, in: root), LocalPath.kind(inside) == .file {
            return relative(inside, root: root)
        }
        let source = LocalPath.fromCurrentDirectory(name)
        guard LocalPath.kind(source) == .file else {
            throw Failure(message: "\(name) not found (looked in the media folder \(root) and the current folder)")
        }
        if source.hasPrefix(root + "/") { return relative(source, root: root) }
        let result: MediaLibrary.FileResult
        do {
            let log = try AirplayLog(path: config.paths.database)
            result = try MediaLibrary(settings: LibrarySettings(config: config), log: log)
                .importFile(source, into: folder, existing: .renumber)
        } catch let error as MediaLibrary.ImportError {
            throw Failure(message: "cannot queue \(name): \(error.message)")
        } catch {
            throw Failure(message: "cannot queue \(name): \(error)")
        }
        if result.change == .added || result.change == .changed {
            print("copied \(name) into the media folder as \(result.path)")
        }
        return result.path
    }

    private static func relative(_ path: String, root: String) -> String {
        String(path.dropFirst(root.count + 1)).precomposedStringWithCanonicalMapping
    }
}
