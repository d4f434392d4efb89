import Foundation
import LoaxaCore
import LoaxaSchedule

#if canImport(Glibc)
    import Glibc
#endif

/// Lists the audio files under the media folder, reading names as the bytes the file
/// system stores, so that a name that is not UTF-8 (copied from an old Windows machine or
/// a phone with another code page) is reported instead of silently mangled.
struct MediaFolderWalker {
    /// The extensions of the formats Loaxa plays (SPEC §5), lower case.
    static let audioExtensions = TopicFolder.audioExtensions
    /// Extensions of audio formats Loaxa does not play, which phones and old PCs produce:
    /// reported, so the officer knows to convert them, rather than ignored.
    static let unsupportedExtensions: Set<String> = [
        "m4a", "aac", "wma", "amr", "3gp", "3ga", "mp4", "m4b", "webm", "ape", "wv", "aif", "aiff", "mid", "midi", "ra",
    ]

    /// An audio file found, with a name that can be represented.
    struct File: Hashable {
        /// Its path relative to the media folder as the file system spells it.
        var diskPath: String
        /// The same path in Unicode NFC: the segment's name.
        var path: String
    }

    /// A file (or a folder) that cannot be indexed, and why.
    struct Refusal: Hashable {
        /// The path relative to the media folder, with bytes that are not UTF-8 shown as
        /// `\xAB`.
        var shownPath: String
        var reason: String
    }

    var files: [File] = []
    var refusals: [Refusal] = []

    /// Walks `root` (an absolute path), following symbolic links, skipping hidden names
    /// (starting with `.`) and files that are not audio. Each folder is read once.
    init(root: String) {
        var visited = Set<[UInt64]>()
        var pending: [[UInt8]] = [[]]
        let rootBytes = Array(root.utf8)
        while let relative = pending.popLast() {
            let here = relative.isEmpty ? rootBytes : rootBytes + [0x2F] + relative
            var st = Glibc.stat()
            guard Self.statBytes(here, &st), visited.insert([UInt64(st.st_dev), UInt64(st.st_ino)]).inserted else { continue }
            guard let names = Self.names(in: here) else {
                let shown = Self.shown(relative)
                refusals.append(Refusal(shownPath: shown.isEmpty ? "." : shown, reason: "cannot read the folder: \(String(cString: strerror(errno)))"))
                continue
            }
            for name in names where name.first != 0x2E {
                let child = relative.isEmpty ? name : relative + [0x2F] + name
                var childStat = Glibc.stat()
                guard Self.statBytes(rootBytes + [0x2F] + child, &childStat) else { continue }
                let isFolder = (childStat.st_mode & S_IFMT) == S_IFDIR
                let isFile = (childStat.st_mode & S_IFMT) == S_IFREG
                if isFile {
                    let ext = Self.extensionOf(name)
                    guard Self.audioExtensions.contains(ext) || Self.unsupportedExtensions.contains(ext) else { continue }
                }
                guard isFolder || isFile else { continue }
                if let problem = Self.nameProblem(name) {
                    let what = isFolder ? "the folder's name \(problem); nothing in it is indexed" : "its name \(problem)"
                    refusals.append(Refusal(shownPath: Self.shown(child), reason: what + Self.renameAdvice(name)))
                    continue
                }
                if isFolder {
                    pending.append(child)
                } else if Self.unsupportedExtensions.contains(Self.extensionOf(name)) {
                    let ext = Self.extensionOf(name)
                    refusals.append(Refusal(
                        shownPath: Self.shown(child),
                        reason: "the .\(ext) format is not one Loaxa plays; convert it to MP3, Ogg Opus, FLAC or WAV"))
                } else {
                    let disk = String(decoding: child, as: UTF8.self)
                    files.append(File(diskPath: disk, path: disk.precomposedStringWithCanonicalMapping))
                }
            }
        }
        resolveSameNames()
        files.sort { $0.path < $1.path }
        refusals.sort { $0.shownPath < $1.shownPath }
    }

    /// Why a name cannot be a segment's name, nil when it can: it must be UTF-8 and
    /// hold no control characters.
    static func nameProblem(_ name: [UInt8]) -> String? {
        guard let text = String(validating: name, as: UTF8.self) else {
            return "is not UTF-8 text (it was probably written by an old Windows program in another code page)"
        }
        if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "contains control characters"
        }
        return nil
    }

    /// Advice for renaming a file whose name is in a legacy Vietnamese encoding.
    static func renameAdvice(_ name: [UInt8]) -> String {
        guard String(validating: name, as: UTF8.self) == nil,
            let legacy = LegacyVietnamese.decode(bytes: name)
        else { return "; rename it" }
        return "; in \(legacy.encoding.rawValue) it reads \"\(legacy.unicode)\": rename it to that"
    }

    /// Two files whose names differ only in Unicode form (one copied from a Mac, in NFD, one
    /// from Windows, in NFC) are the same segment name: the NFC-named one is kept (else the
    /// first by bytes), the others refused.
    private mutating func resolveSameNames() {
        let groups = Dictionary(grouping: files, by: \.path)
        var kept: [File] = []
        for (path, group) in groups {
            let ordered = group.sorted { a, b in
                let aNFC = a.diskPath == path
                if aNFC != (b.diskPath == path) { return aNFC }
                return Array(a.diskPath.utf8).lexicographicallyPrecedes(Array(b.diskPath.utf8))
            }
            kept.append(ordered[0])
            for other in ordered.dropFirst() {
                refusals.append(Refusal(
                    shownPath: other.diskPath,
                    reason: "another file has the same name written in another Unicode form (\(ordered[0].diskPath)); "
                        + "they are the same segment name: keep one of them"))
            }
        }
        files = kept
    }

    /// The lower-case extension of a file name, "" when it has none.
    static func extensionOf(_ name: [UInt8]) -> String {
        guard let dot = name.lastIndex(of: 0x2E), dot > 0 else { return "" }
        return String(decoding: name[(dot + 1)...], as: UTF8.self).lowercased()
    }

    /// `bytes` as text, each byte that is not part of valid UTF-8 shown as `\xAB`.
    static func shown(_ bytes: [UInt8]) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        var out = ""
        var i = 0
        while i < bytes.count {
            // The longest valid UTF-8 sequence starting here (1 to 4 bytes), else one raw byte.
            var taken = false
            for length in (1...4).reversed() where i + length <= bytes.count {
                if let piece = String(validating: bytes[i..<(i + length)], as: UTF8.self), piece.unicodeScalars.count == 1 {
                    out += piece
                    i += length
                    taken = true
                    break
                }
            }
            if !taken {
                out += "\\x" + String(bytes[i], radix: 16, uppercase: true).leftPadded(to: 2)
                i += 1
            }
        }
        return out
    }

    /// `stat(2)` of the path `path` (bytes), following symbolic links; false when it fails.
    private static func statBytes(_ path: [UInt8], _ st: inout Glibc.stat) -> Bool {
        (path + [0]).withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { statFollowingLinks($0.baseAddress!, &st) == 0 }
        }
    }

    /// The entry names of the folder at `path`, as bytes; nil when it cannot be read.
    private static func names(in path: [UInt8]) -> [[UInt8]]? {
        let dir = (path + [0]).withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { opendir($0.baseAddress!) }
        }
        guard let dir else { return nil }
        defer { closedir(dir) }
        var out: [[UInt8]] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                Array(raw.prefix(while: { $0 != 0 }))
            }
            if name == [0x2E] || name == [0x2E, 0x2E] { continue }
            out.append(name)
        }
        return out
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

/// `stat(2)`, out of reach inside a type whose own names hide it.
private func statFollowingLinks(_ path: UnsafePointer<CChar>, _ st: inout Glibc.stat) -> Int32 {
    stat(path, &st)
}
