import Foundation
import LoaxaCore
import LoaxaMedia
import LoaxaSchedule
import LoaxaStore

#if canImport(Glibc)
    import Glibc
#endif

extension MediaLibrary {
    /// Why an import was refused, in words an operator can act on.
    public struct ImportError: Error, CustomStringConvertible, Sendable {
        public var file: String
        public var message: String
        public var description: String { "\(file): \(message)" }
    }

    /// What to do when the media folder already has a file of that name with other content.
    public enum ExistingFile: Sendable {
        /// Refuse the import.
        case refuse
        /// Replace the file (its content needs approving again).
        case replace
        /// Choose a free name: `name-2.mp3`, `name-3.mp3` ...
        case renumber
    }

    /// Checks that the file at `source` can air, copies it into `media/<folder>/` under its
    /// name in Unicode NFC, and indexes it; returns its result. A file already there with
    /// the same content is only indexed.
    ///
    /// The file is analysed before anything is copied, so a file that would be refused
    /// never enters the media folder. It is copied to a hidden temporary name, flushed to
    /// disk, then renamed into place: a power cut leaves either no file or the whole file.
    ///
    /// - Parameters:
    ///   - folder: the topic, or a folder path whose first part is the topic.
    ///   - title: the title to show, instead of the file's tag or name.
    public func importFile(
        _ source: String, into folder: String, title: String? = nil, existing: ExistingFile = .refuse
    ) throws(ImportError) -> FileResult {
        let shown = source
        let folderName = folder.precomposedStringWithCanonicalMapping
        if let problem = Self.folderProblem(folderName) {
            throw ImportError(file: shown, message: "cannot import into \"\(folder)\": \(problem)")
        }
        guard LocalPath.kind(source) == .file else {
            throw ImportError(file: shown, message: "no such file")
        }
        let baseName = (source as NSString).lastPathComponent.precomposedStringWithCanonicalMapping
        let ext = MediaFolderWalker.extensionOf(Array(baseName.utf8))
        guard MediaFolderWalker.audioExtensions.contains(ext) else {
            let formats = MediaFolderWalker.audioExtensions.sorted().map { "." + $0 }.joined(separator: " ")
            throw ImportError(file: shown, message: "not a format Loaxa plays (\(formats)); convert it first")
        }
        if let problem = MediaFolderWalker.nameProblem(Array(baseName.utf8)) {
            throw ImportError(file: shown, message: "its name \(problem); rename it")
        }
        let analysis: MediaAnalysis
        do {
            analysis = try MediaAnalyzer.analyze(path: source, maxMinutes: settings.maxSegmentMinutes)
        } catch {
            throw ImportError(file: shown, message: "refused: \(error.message)")
        }
        let targetFolder = settings.mediaFolder + "/" + folderName
        let name: String
        do {
            try Self.createFolder(targetFolder, like: settings.mediaFolder)
            name = try place(source, analysis: analysis, name: baseName, in: targetFolder, existing: existing)
        } catch let error as ImportError {
            throw error
        } catch {
            throw ImportError(file: shown, message: "cannot copy into \(targetFolder): \(error.localizedDescription)")
        }
        let relative = folderName + "/" + name
        do {
            let earlier = try log.libraryEntry(path: relative)
            return try index(MediaFolderWalker.File(diskPath: relative, path: relative), earlier: earlier, title: title)
        } catch {
            throw ImportError(file: shown, message: "copied to \(relative) but not indexed: \(error); run `loaxa media scan`")
        }
    }

    /// Copies `source` into `folder` under `name` (or a free variant of it); returns the
    /// name used.
    private func place(
        _ source: String, analysis: MediaAnalysis, name: String, in folder: String, existing: ExistingFile
    ) throws -> String {
        let stem = (name as NSString).deletingPathExtension
        let ext = (name as NSString).pathExtension
        for n in 1...999 {
            let candidate = n == 1 ? name : "\(stem)-\(n).\(ext)"
            let target = folder + "/" + candidate
            if LocalPath.kind(target) != .missing {
                if (try? MediaHasher.sha256(path: target)) == analysis.sha256 { return candidate }
                switch existing {
                case .refuse:
                    throw ImportError(
                        file: source,
                        message: "the media folder already has \(target) with other content; "
                            + "remove it first, import with --replace, or rename the file")
                case .renumber:
                    continue
                case .replace:
                    break
                }
            }
            try copy(source, to: target, expecting: analysis.sha256)
            return candidate
        }
        throw ImportError(file: source, message: "too many files named like \(name) in \(folder)")
    }

    /// Copies through a hidden temporary file, flushed, then renamed over `target`; checks
    /// the copy's hash against `sha256` (a failing USB stick reads differently twice).
    private func copy(_ source: String, to target: String, expecting sha256: String) throws {
        let folder = (target as NSString).deletingLastPathComponent
        let partial = folder + "/." + (target as NSString).lastPathComponent + ".part"
        try? FileManager.default.removeItem(atPath: partial)
        try FileManager.default.copyItem(atPath: source, toPath: partial)
        guard (try? MediaHasher.sha256(path: partial)) == sha256 else {
            try? FileManager.default.removeItem(atPath: partial)
            throw ImportError(file: source, message: "the copy differs from the file read a moment ago; check the disk or USB stick and try again")
        }
        try Self.flush(partial)
        if rename(partial, target) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: partial)
            throw ImportError(file: source, message: "cannot rename the copy into place: \(reason)")
        }
        try Self.flush(folder)
    }

    /// fsync of a file or folder, so a power cut does not lose a copy reported done.
    private static func flush(_ path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw ImportError(file: path, message: "cannot open to flush: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        if fsync(fd) != 0 {
            throw ImportError(file: path, message: "cannot flush to disk: \(String(cString: strerror(errno)))")
        }
    }

    /// Why `folder` cannot hold imported segments, nil when it can: it must be a path of
    /// plain names inside the media folder.
    static func folderProblem(_ folder: String) -> String? {
        let parts = folder.split(separator: "/", omittingEmptySubsequences: false)
        if folder.isEmpty || parts.contains(where: { $0.isEmpty }) {
            return "give a topic folder name such as giam-ngheo"
        }
        if parts.contains(where: { $0 == "." || $0 == ".." || $0.hasPrefix(".") }) {
            return "a topic name cannot be . or .. or start with a dot"
        }
        if let problem = parts.lazy.compactMap({ MediaFolderWalker.nameProblem(Array($0.utf8)) }).first {
            return "the name \(problem)"
        }
        return nil
    }

    /// Creates a topic folder with the media folder's own mode: on a packaged station that
    /// is 2770, so the daemon and every officer of the station's group may use what one
    /// officer's import created, whatever that officer's umask.
    static func createFolder(_ folder: String, like mediaFolder: String) throws {
        guard !FileManager.default.fileExists(atPath: folder) else { return }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var media = stat()
        if stat(mediaFolder, &media) == 0 { chmod(folder, media.st_mode & 0o7777) }
    }
}
