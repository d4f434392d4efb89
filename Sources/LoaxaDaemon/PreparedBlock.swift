/// LoaxaDaemon: the running station — the scheduler that hands blocks to the renderer, the
/// renderer that turns them into frames on the output timeline, the recorder that writes
/// the airplay log, and the control server. Data flows one way: schedule → renderer →
/// audio thread → events → log.

import Foundation
import LoaxaCore
import LoaxaLibrary
import LoaxaMedia
import LoaxaSchedule

/// A media file ready to air: where it is and what the log says of it.
struct PreparedItem: Sendable {
    /// Path relative to the media folder.
    var media: String
    var path: String
    var source: SegmentSource
    var title: String
    var topic: String?
    var sha256: String?
    /// Why it cannot air, found while preparing (missing or undecodable file).
    var problem: String?
    /// The linear gain that brings it to the station's loudness target.
    var gain: Float = 1
    /// How the gain was found, for the log: "+3.2 dB (−19.2 LUFS, −4.1 dBTP)".
    var gainNote: String?
    /// The operator queue entry it comes from.
    var queueID: Int64?
    /// Who approved it: for a queued segment, the operator who queued it; else the media
    /// library's approval of its content, looked up as it starts.
    var approvedBy: String?
    /// When it was approved: when it was queued, or the library's approval.
    var approvedAt: WallTime?
}

/// One step of a prepared block.
enum PreparedStep: Sendable {
    /// A file to air.
    case play(PreparedItem)
    /// Where operator-queued segments air (`{ queue = true }`).
    case queue
}

/// Finds a file's loudness (from the cache by content hash, else by measuring it) and the
/// gain to the target; nil when it cannot be measured.
typealias LoudnessLookup = @Sendable (_ sha256: String, _ path: String) -> Loudness?

/// The media library's title of the file at `media` (relative to the media folder) whose
/// content is `sha256`; nil when the library does not know that content at that path.
typealias TitleLookup = @Sendable (_ media: String, _ sha256: String) -> String?

/// A block with its items resolved to files, ready for the renderer.
struct PreparedBlock: Sendable {
    var block: PlannedBlock
    var steps: [PreparedStep]
    /// Items that can't air at all (kinds not handled yet), logged as skipped at the start.
    var unplayable: [(item: PlannedItem, reason: String)]
    /// For a block already under way when handed over (after a restart): how it airs.
    var lateStart: LateStartPolicy?
}

extension PreparedBlock {
    /// Resolves a planned block's files under `mediaRoot`: hash and title now, well ahead of
    /// air time, so the renderer only opens and decodes.
    ///
    /// - Parameter title: the library's titles (which may be an operator's), over the tags.
    /// - Parameter pick: the segments a `topic` item airs, by rotation.
    init(
        _ block: PlannedBlock, mediaRoot: String, targetLUFS: Double, loudness: LoudnessLookup,
        title: TitleLookup = { _, _ in nil }, pick: (_ topic: String, _ count: Int) -> [TopicSegment] = { _, _ in [] }
    ) {
        self.block = block
        var steps: [PreparedStep] = []
        var unplayable: [(PlannedItem, String)] = []
        for item in block.items {
            switch item {
            case .file(let rel):
                steps.append(.play(Self.prepare(
                    media: rel, mediaRoot: mediaRoot, source: .schedule, targetLUFS: targetLUFS, loudness: loudness,
                    title: title)))
            case .queue:
                steps.append(.queue)
            case .topic(let name, let count):
                let picked = pick(name, count)
                if picked.isEmpty {
                    unplayable.append((item, "topic \(name) has no segment that can air (its folder is empty or unreadable)"))
                }
                for segment in picked {
                    steps.append(.play(Self.prepare(
                        media: segment.media, mediaRoot: mediaRoot, source: .schedule, targetLUFS: targetLUFS,
                        loudness: loudness, title: title, path: segment.path)))
                }
            }
        }
        self.steps = steps
        self.unplayable = unplayable
    }

    /// The files the block airs for sure (queued ones come later).
    var files: [PreparedItem] {
        steps.compactMap { if case .play(let item) = $0 { item } else { nil } }
    }

    var hasQueueStep: Bool { steps.contains { if case .queue = $0 { true } else { false } } }

    /// `sha256`, when the caller knows it already (an emergency, hashed by the CLI), spares
    /// reading the whole file again.
    static func prepare(
        media rel: String, mediaRoot: String, source: SegmentSource, targetLUFS: Double, loudness: LoudnessLookup,
        title: TitleLookup = { _, _ in nil }, sha256 known: String? = nil, path onDisk: String? = nil
    ) -> PreparedItem {
        // A topic's file may be named on disk in another Unicode form than its NFC name.
        let path = onDisk ?? MediaFile.locate(rel, in: mediaRoot) ?? (mediaRoot as NSString).appendingPathComponent(rel)
        let fileName = (rel as NSString).lastPathComponent
        var item = PreparedItem(
            media: rel, path: path, source: source, title: MediaTitle.resolve(tagBytes: nil, fileName: fileName).text,
            topic: MediaLibrary.topic(of: rel), sha256: nil, problem: nil)
        guard FileManager.default.fileExists(atPath: path) else {
            item.problem = "file not found: \(rel)"
            return item
        }
        do {
            item.sha256 = known
            if known == nil { item.sha256 = try MediaHasher.sha256(path: path) }
            let reader = try AudioFileReader(path: path)
            if let sha = item.sha256, let given = title(rel, sha) {
                item.title = given
            } else {
                item.title = MediaTitle.resolve(tagBytes: reader.info.titleBytes, fileName: fileName).text
            }
        } catch {
            item.problem = error.message
            return item
        }
        if let sha = item.sha256, let measured = loudness(sha, path) {
            let db = LoudnessGain.gainDB(for: measured, targetLUFS: targetLUFS)
            item.gain = LoudnessGain.linear(db)
            item.gainNote = "gain \(NumberText.fixed(db, 1, signed: true)) dB (measured "
                + "\(NumberText.fixed(measured.integratedLUFS, 1)) LUFS, \(NumberText.fixed(measured.truePeakDBTP, 1)) dBTP; "
                + "target \(NumberText.fixed(targetLUFS, 1)) LUFS)"
        }
        return item
    }
}

/// Whether a segment's content is approved for air (SPEC §5).
enum ApprovalCheck: Sendable {
    case approved(by: String, at: WallTime)
    /// No approval; `required` when `[playout] require_approval` is on, and then it must not air.
    case notApproved(required: Bool)

    /// The reason logged for a segment skipped for want of approval.
    static let notApprovedReason = "not approved"
}
