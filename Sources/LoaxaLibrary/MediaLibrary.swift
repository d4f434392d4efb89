/// LoaxaLibrary: the media library (SPEC §5). It walks the media folder, analyses each
/// file once with `LoaxaMedia` (hash, frames, loudness, title) and keeps what it found in
/// the station's database with `LoaxaStore`, along with approvals. No ALSA here: the CLI
/// scans and imports without the playout engine.

import Foundation
import LoaxaCore
import LoaxaMedia
import LoaxaSchedule
import LoaxaStore

/// What the library needs of the station's config.
public struct LibrarySettings: Sendable, Hashable {
    /// The media folder, absolute.
    public var mediaFolder: String
    /// Longer files are refused (`[playout] max_segment_minutes`).
    public var maxSegmentMinutes: Int
    /// The language of segments (`[media] language`).
    public var language: String
    /// Languages of folders under the media folder, by NFC path relative to it
    /// (`[media.languages]`); the deepest folder that holds a file decides.
    public var folderLanguages: [String: String]

    public init(mediaFolder: String, maxSegmentMinutes: Int, language: String = "vi", folderLanguages: [String: String] = [:]) {
        self.mediaFolder = mediaFolder
        self.maxSegmentMinutes = maxSegmentMinutes
        self.language = language
        self.folderLanguages = folderLanguages
    }

    /// The settings `config` gives.
    public init(config: StationConfig) {
        self.init(
            mediaFolder: config.paths.media, maxSegmentMinutes: config.playout.maxSegmentMinutes,
            language: config.media.language, folderLanguages: config.media.folderLanguages)
    }

    /// The language of the segment at `path` (NFC, relative to the media folder).
    public func language(of path: String) -> String {
        var folder = (path as NSString).deletingLastPathComponent
        while !folder.isEmpty {
            if let code = folderLanguages[folder] { return code }
            folder = (folder as NSString).deletingLastPathComponent
        }
        return language
    }
}

/// The media library of one station: its folder and what the database knows of it.
public struct MediaLibrary: Sendable {
    public let settings: LibrarySettings
    public let log: AirplayLog

    public init(settings: LibrarySettings, log: AirplayLog) {
        self.settings = settings
        self.log = log
    }

    /// The topic of a segment: the first folder of its path; nil at the top of the folder.
    public static func topic(of path: String) -> String? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        return parts.count > 1 ? String(parts[0]) : nil
    }

    // MARK: - Scanning

    /// What happened to one file in a scan or import.
    public struct FileResult: Sendable, Hashable {
        public enum Change: String, Sendable, Hashable {
            /// First seen.
            case added
            /// Its content changed (a file replaced in place) or it came back.
            case changed
            /// As it was: nothing re-analysed.
            case unchanged
            /// It cannot air; `problem` says why.
            case refused
            /// It was indexed and is no longer in the folder.
            case missing
        }

        /// The NFC path relative to the media folder (with `\xAB` for bytes that are not UTF-8).
        public var path: String
        public var change: Change
        public var entry: LibraryEntry?
        public var problem: String?
        /// Frames decoded for this result (0 when the analysis was reused).
        public var analysedFrames: Int64
        public var analysedRate: Int
    }

    /// Why a scan could not run at all.
    public struct ScanError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Brings the library up to date with the media folder: new and changed files are
    /// analysed (a changed size or modification time, then a changed hash), unchanged ones
    /// are not; files that cannot air are refused with the reason, and the scan goes on.
    /// Each file is stored in its own transaction, so a scan cut short keeps what it did.
    ///
    /// - Parameter progress: called with each file's result as it is stored.
    public func scan(progress: (FileResult) -> Void = { _ in }) throws -> [FileResult] {
        // An unmounted USB disk must not read as a folder whose files were all deleted.
        guard LocalPath.kind(settings.mediaFolder) == .folder else {
            throw ScanError(
                description: "the media folder \(settings.mediaFolder) does not exist or is not a folder; "
                    + "check [paths] media in the config (and that its disk is mounted)")
        }
        let walker = MediaFolderWalker(root: settings.mediaFolder)
        var known = try log.libraryEntriesByPath()
        var results: [FileResult] = []
        func report(_ result: FileResult) {
            results.append(result)
            progress(result)
        }
        for refusal in walker.refusals {
            report(FileResult(path: refusal.shownPath, change: .refused, problem: refusal.reason, analysedFrames: 0, analysedRate: 0))
        }
        for file in walker.files {
            let earlier = known.removeValue(forKey: file.path)
            report(try index(file, earlier: earlier))
        }
        let gone = known.values.filter { $0.state != .missing }.map(\.path).sorted()
        try log.markLibraryEntriesMissing(gone)
        for path in gone {
            report(FileResult(path: path, change: .missing, analysedFrames: 0, analysedRate: 0))
        }
        return results
    }

    /// Indexes one file found in the folder, re-using what is known of it.
    func index(_ file: MediaFolderWalker.File, earlier: LibraryEntry?, title given: String? = nil) throws -> FileResult {
        let absolute = settings.mediaFolder + "/" + file.diskPath
        let now = log.now()
        let stamp: MediaAnalyzer.FileStamp
        do {
            stamp = try MediaAnalyzer.stat(absolute)
        } catch {
            return try refuse(file, earlier: earlier, stamp: nil, sha256: nil, problem: error.message, at: now)
        }
        var entry = LibraryEntry(
            id: earlier?.id ?? 0, path: file.path, diskPath: file.diskPath, topic: Self.topic(of: file.path),
            title: earlier?.title ?? "", titleSource: earlier?.titleSource ?? MediaTitle.Source.fileName.rawValue,
            titleNote: earlier?.titleNote, language: settings.language(of: file.path), size: stamp.size,
            modifiedNs: stamp.modifiedNs, sha256: earlier?.sha256, state: .ok, problem: nil,
            addedAt: earlier?.addedAt ?? now, checkedAt: now)

        // Unchanged since the last look: nothing is read again.
        if let earlier, given == nil, earlier.state == .ok, let content = earlier.content,
            earlier.diskPath == file.diskPath, earlier.size == stamp.size, earlier.modifiedNs == stamp.modifiedNs
        {
            if let problem = tooLong(content) {
                return try refuse(file, earlier: earlier, stamp: stamp, sha256: earlier.sha256, problem: problem, at: now)
            }
            if entry.language != earlier.language || entry.topic != earlier.topic {
                entry = try log.saveLibraryEntry(entry, content: nil)
            }
            return FileResult(path: file.path, change: .unchanged, entry: earlier, analysedFrames: 0, analysedRate: 0)
        }

        // Changed, or new: hash it; content seen before is not decoded again.
        let sha256: String
        let content: MediaContent
        var tagBytes: [UInt8]?
        var frames: Int64 = 0
        do throws(MediaError) {
            let hash = try MediaHasher.sha256(path: absolute)
            if let known = try knownContent(hash) {
                if let problem = tooLong(known) { throw MediaError(path: absolute, message: problem) }
                tagBytes = try AudioFileReader(path: absolute).info.titleBytes
                sha256 = hash
                content = known
            } else {
                let analysis = try MediaAnalyzer.analyze(path: absolute, maxMinutes: settings.maxSegmentMinutes)
                sha256 = analysis.sha256
                tagBytes = analysis.titleBytes
                frames = analysis.frames
                content = MediaContent(
                    sha256: analysis.sha256, format: analysis.format, sampleRate: analysis.sampleRate,
                    channels: analysis.channels, frames: analysis.frames, loudnessLUFS: analysis.loudness.integratedLUFS,
                    truePeakDBTP: analysis.loudness.truePeakDBTP, analysedAt: now)
            }
        } catch {
            return try refuse(file, earlier: earlier, stamp: stamp, sha256: nil, problem: error.message, at: now)
        }
        let title: MediaTitle
        if let given {
            title = MediaTitle(text: MediaTitle.clean(given), source: .operatorGiven)
        } else if let earlier, earlier.titleSource == MediaTitle.Source.operatorGiven.rawValue {
            title = MediaTitle(text: earlier.title, source: .operatorGiven)
        } else {
            title = MediaTitle.resolve(tagBytes: tagBytes, fileName: (file.path as NSString).lastPathComponent)
        }
        entry.sha256 = sha256
        entry.title = title.text
        entry.titleSource = title.source.rawValue
        entry.titleNote = title.note
        let stored = try log.saveLibraryEntry(entry, content: content)
        let change: FileResult.Change = earlier == nil ? .added : (earlier?.sha256 == sha256 && earlier?.state == .ok ? .unchanged : .changed)
        return FileResult(
            path: file.path, change: change, entry: stored, analysedFrames: frames, analysedRate: content.sampleRate)
    }

    /// Stores `file` as refused and returns the result.
    private func refuse(
        _ file: MediaFolderWalker.File, earlier: LibraryEntry?, stamp: MediaAnalyzer.FileStamp?, sha256: String?,
        problem: String, at now: WallTime
    ) throws -> FileResult {
        let title = earlier?.title ?? MediaTitle.resolve(tagBytes: nil, fileName: (file.path as NSString).lastPathComponent).text
        let entry = LibraryEntry(
            id: earlier?.id ?? 0, path: file.path, diskPath: file.diskPath, topic: Self.topic(of: file.path), title: title,
            titleSource: earlier?.titleSource ?? MediaTitle.Source.fileName.rawValue, titleNote: earlier?.titleNote,
            language: settings.language(of: file.path), size: stamp?.size ?? 0, modifiedNs: stamp?.modifiedNs ?? 0,
            sha256: sha256, state: .refused, problem: problem, addedAt: earlier?.addedAt ?? now, checkedAt: now)
        let stored = try log.saveLibraryEntry(entry, content: nil)
        return FileResult(path: file.path, change: .refused, entry: stored, problem: problem, analysedFrames: 0, analysedRate: 0)
    }

    /// The stored analysis of the content `sha256`; a database error is reported as the
    /// file's problem, so that the scan goes on.
    private func knownContent(_ sha256: String) throws(MediaError) -> MediaContent? {
        do {
            return try log.mediaContent(sha256: sha256)
        } catch {
            throw MediaError(path: sha256, message: "cannot read the library: \(error)")
        }
    }

    /// Why content of this length cannot air, nil when it can.
    private func tooLong(_ content: MediaContent) -> String? {
        let limit = Int64(settings.maxSegmentMinutes) * 60 * Int64(content.sampleRate)
        guard content.frames > limit else { return nil }
        let minutes = NumberText.fixed(Double(content.frames) / Double(content.sampleRate) / 60, 1)
        return "too long: \(minutes) minutes (max_segment_minutes = \(settings.maxSegmentMinutes) in [playout])"
    }

    // MARK: - Finding entries

    /// The entry an operator names: its library id, or its path relative to the media
    /// folder (any Unicode form).
    public func entry(named name: String) throws -> LibraryEntry? {
        if let id = Int64(name) { return try log.libraryEntry(id: id) }
        var path = name.precomposedStringWithCanonicalMapping
        let root = LocalPath.standardize(settings.mediaFolder).precomposedStringWithCanonicalMapping
        if path.hasPrefix(root + "/") { path = String(path.dropFirst(root.count + 1)) }
        return try log.libraryEntry(path: path)
    }
}

