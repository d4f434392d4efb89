import Foundation

/// Reads the schedules folder: lists its files, parses each, checks them together.
enum ScheduleLoader {
    struct Outcome {
        var schedule: Schedule
        var diagnostics: [Diagnostic]
    }

    /// `folder` and `mediaFolder` are absolute.
    static func load(
        folder: String, mediaFolder: String, rules: StationConfig.Rules, mediaDuration: (String) -> Int64?
    ) -> Outcome {
        var diagnostics: [Diagnostic] = []
        let files: [String]
        switch LocalPath.kind(folder) {
        case .folder:
            files = scheduleFiles(in: folder)
        case .missing:
            return Outcome(schedule: Schedule(blocks: []), diagnostics: [Diagnostic(
                file: folder, line: 0,
                message: "the schedules folder does not exist; create it, or set [paths] schedules in the config")])
        case .file:
            return Outcome(schedule: Schedule(blocks: []), diagnostics: [Diagnostic(
                file: folder, line: 0,
                message: "the schedules folder is a file; set [paths] schedules in the config to a folder")])
        }

        var media: String? = mediaFolder
        if LocalPath.kind(mediaFolder) != .folder {
            diagnostics.append(Diagnostic(
                file: mediaFolder, line: 0,
                message: "the media folder does not exist; create it, or set [paths] media in the config "
                    + "(media files were not checked)", isMissingMedia: true))
            media = nil
        }

        var drafts: [BlockDraft] = []
        for file in files {
            switch TOMLDocument.load(path: file, file: file, what: "schedule file") {
            case .failure(let diagnostic):
                diagnostics.append(diagnostic)
            case .success(let document):
                let parsed = ScheduleFileParser.parse(document, media: media)
                drafts += parsed.blocks
                diagnostics += parsed.diagnostics
            }
        }
        diagnostics += ScheduleChecker.check(drafts, rules: rules, mediaDuration: mediaDuration)

        var rank = [folder: 0, mediaFolder: 0]
        for (n, file) in files.enumerated() { rank[file] = n + 1 }
        return Outcome(
            schedule: Schedule(blocks: drafts.compactMap(\.block)),
            diagnostics: diagnostics.sortedForReport(fileRank: rank))
    }

    /// The absolute paths of the `*.toml` files in `folder` (not hidden ones), by name.
    static func scheduleFiles(in folder: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(".toml") && !$0.hasPrefix(".") }
            .sorted()
            .map { LocalPath.absolute($0, base: folder) }
            .filter { LocalPath.kind($0) == .file }
    }
}
