import Foundation
import LoaxaCore
import LoaxaLibrary
import LoaxaSchedule
import LoaxaStore

/// What `loaxa media` prints: lines and tables for people, JSON for programs.
enum MediaOutput {
    /// One file's result: `added      giam-ngheo/x.opus  12:03  -18.2 LUFS  "Title"`, a
    /// refusal with its reason, and any note about the title on a line of its own.
    static func line(_ result: MediaLibrary.FileResult) -> String {
        let change = result.change.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)
        if let problem = result.problem { return "\(change) \(result.path): \(problem)" }
        guard let entry = result.entry, let content = entry.content else { return "\(change) \(result.path)" }
        var line = "\(change) \(result.path)  \(minutesSeconds(content.durationMs))  "
            + "\(NumberText.fixed(content.loudnessLUFS, 1)) LUFS  \"\(entry.title)\""
        if let note = entry.titleNote { line += "\n           note: \(note)" }
        return line
    }

    /// Counts of a scan's results and the audio it decoded.
    struct Summary: Encodable {
        var files = 0
        var added = 0
        var changed = 0
        var unchanged = 0
        var refused = 0
        var missing = 0
        /// Milliseconds of audio decoded and measured (files whose content was new).
        var analysedAudioMs: Int64 = 0
        var seconds: Double

        init(_ results: [MediaLibrary.FileResult], seconds: Double) {
            self.seconds = seconds
            for result in results {
                switch result.change {
                case .added: added += 1
                case .changed: changed += 1
                case .unchanged: unchanged += 1
                case .refused: refused += 1
                case .missing: missing += 1
                }
                if result.change != .missing { files += 1 }
                if result.analysedRate > 0 { analysedAudioMs += result.analysedFrames * 1000 / Int64(result.analysedRate) }
            }
        }

        enum CodingKeys: String, CodingKey {
            case files, added, changed, unchanged, refused, missing, seconds
            case analysedAudioMs = "analysed_audio_ms"
        }

        var text: String {
            let minutes = analysedAudioMs / 60_000
            return "\(files) files: \(added) added, \(changed) changed, \(unchanged) unchanged, \(refused) refused, "
                + "\(missing) gone from the folder. Analysed \(minutes / 60) h \(minutes % 60) min of audio in "
                + "\(NumberText.fixed(seconds, 1)) s."
        }
    }

    struct ScanJSON: Encodable {
        var summary: Summary
        var files: [FileJSON]
    }

    struct FileJSON: Encodable {
        var path: String
        var change: String
        var id: Int64?
        var title: String?
        var titleNote: String?
        var problem: String?

        init(_ result: MediaLibrary.FileResult) {
            path = result.path
            change = result.change.rawValue
            id = result.entry?.id
            title = result.entry?.title
            titleNote = result.entry?.titleNote
            problem = result.problem
        }

        enum CodingKeys: String, CodingKey {
            case path, change, id, title, problem
            case titleNote = "title_note"
        }

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(path, forKey: .path)
            try c.encode(change, forKey: .change)
            try c.encode(id, forKey: .id)
            try c.encode(title, forKey: .title)
            try c.encode(titleNote, forKey: .titleNote)
            try c.encode(problem, forKey: .problem)
        }
    }

    /// One segment for `loaxa media list --json` (SPEC §5); every key present, `null` when
    /// unknown; times RFC 3339 in station time.
    struct EntryJSON: Encodable {
        var entry: LibraryEntry
        var zone: StationTimeZone

        init(_ entry: LibraryEntry, zone: StationTimeZone) {
            self.entry = entry
            self.zone = zone
        }

        enum CodingKeys: String, CodingKey {
            case id, path, topic, title, sha256, frames, channels, format, language, size, state, problem
            case durationMs = "duration_ms", sampleRate = "sample_rate", loudnessLUFS = "loudness_lufs"
            case truePeakDBTP = "true_peak_dbtp", approvedBy = "approved_by", approvedAt = "approved_at"
            case addedAt = "added_at", titleSource = "title_source", titleNote = "title_note"
        }

        func encode(to encoder: Encoder) throws {
            func time(_ t: WallTime) -> String { RFC3339.format(t, offsetSeconds: zone.offsetSeconds(at: t)) }
            var c = encoder.container(keyedBy: CodingKeys.self)
            let content = entry.content
            try c.encode(entry.id, forKey: .id)
            try c.encode(entry.path, forKey: .path)
            try c.encode(entry.topic, forKey: .topic)
            try c.encode(entry.title, forKey: .title)
            try c.encode(entry.titleSource, forKey: .titleSource)
            try c.encode(entry.titleNote, forKey: .titleNote)
            try c.encode(entry.language, forKey: .language)
            try c.encode(entry.sha256, forKey: .sha256)
            try c.encode(content?.durationMs, forKey: .durationMs)
            try c.encode(content?.frames, forKey: .frames)
            try c.encode(content?.sampleRate, forKey: .sampleRate)
            try c.encode(content?.channels, forKey: .channels)
            try c.encode(content?.format, forKey: .format)
            try c.encode(content?.loudnessLUFS, forKey: .loudnessLUFS)
            try c.encode(content?.truePeakDBTP, forKey: .truePeakDBTP)
            try c.encode(entry.size, forKey: .size)
            try c.encode(entry.approval?.approvedBy, forKey: .approvedBy)
            try c.encode(entry.approval.map { time($0.approvedAt) }, forKey: .approvedAt)
            try c.encode(time(entry.addedAt), forKey: .addedAt)
            try c.encode(entry.state.rawValue, forKey: .state)
            try c.encode(entry.problem, forKey: .problem)
        }
    }

    /// An aligned table: id, topic, length, loudness, approval, title and path.
    static func table(_ entries: [LibraryEntry], zone: StationTimeZone, showState: Bool) -> [String] {
        var heading = ["ID", "TOPIC", "LENGTH", "LUFS", "APPROVED BY", "TITLE", "PATH"]
        if showState { heading += ["STATE"] }
        var rows = [heading]
        for e in entries {
            var row = [
                String(e.id), e.topic ?? "-", e.content.map { minutesSeconds($0.durationMs) } ?? "-",
                e.content.map { NumberText.fixed($0.loudnessLUFS, 1) } ?? "-", e.approval?.approvedBy ?? "-", e.title,
                e.path,
            ]
            if showState { row.append(e.state == .refused ? "refused: \(e.problem ?? "")" : e.state.rawValue) }
            rows.append(row)
        }
        return TextTable.align(rows)
    }
}
