import Foundation

/// The segments of a topic as files in its folder, until a media library lists them.
public enum TopicFolder {
    /// The extensions of the audio formats Loaxa plays (SPEC §5), lower case.
    public static let audioExtensions: Set<String> = ["wav", "flac", "ogg", "oga", "opus", "mp3"]

    /// The audio files under `mediaFolder/topic/`, in any depth of subfolders, in import
    /// order (see ``TopicRotation``). Hidden files and folders (names starting with `.`) and
    /// files with other extensions are left out; extensions match in any letter case. A
    /// topic that is not a folder inside `mediaFolder` has no segments.
    ///
    /// - Parameter duration: the duration in microseconds of the file at an absolute path,
    ///   nil when unknown (callers pass `MediaDuration.headerMicros`).
    public static func segments(topic: String, mediaFolder: String, duration: (String) -> Int64?) -> [TopicSegment] {
        let media = LocalPath.fromCurrentDirectory(mediaFolder)
        guard let folder = MediaFile.locate(topic, in: media), folder != media, LocalPath.kind(folder) == .folder else {
            return []
        }
        let prefix = String(folder.dropFirst(media.count + 1))
        var segments: [TopicSegment] = []
        for relative in files(under: folder) {
            let path = folder + "/" + relative
            let name = (prefix + "/" + relative).precomposedStringWithCanonicalMapping
            segments.append(TopicSegment(media: name, durationMicros: duration(path), path: path))
        }
        return segments.sorted { TopicRotation.importOrder($0.media, $1.media) }
    }

    /// Whether `name` (a file name) is an audio file's.
    static func isAudio(_ name: String) -> Bool {
        guard !name.hasPrefix("."), let dot = name.lastIndex(of: ".") else { return false }
        return audioExtensions.contains(name[name.index(after: dot)...].lowercased())
    }

    /// The audio files under `folder`, as paths relative to it, skipping hidden names. A
    /// folder reached twice through symbolic links is read once.
    private static func files(under folder: String) -> [String] {
        var out: [String] = []
        var pending = [""]
        var visited = Set<String>()
        while let relative = pending.popLast() {
            let here = relative.isEmpty ? folder : folder + "/" + relative
            guard visited.insert(URL(fileURLWithPath: here).resolvingSymlinksInPath().path).inserted else { continue }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: here)) ?? []
            for name in names where !name.hasPrefix(".") {
                let child = relative.isEmpty ? name : relative + "/" + name
                switch LocalPath.kind(folder + "/" + child) {
                case .folder: pending.append(child)
                case .file: if isAudio(name) { out.append(child) }
                case .missing: continue
                }
            }
        }
        return out
    }
}
