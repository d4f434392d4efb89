import Foundation
import LoaxaCore
import Testing

@testable import LoaxaSchedule

@Suite struct TopicRotationTests {
    static func segments(_ names: String...) -> [TopicSegment] {
        names.map { TopicSegment(media: $0, durationMicros: 60_000_000) }
    }

    static func picked(_ count: Int, _ segments: [TopicSegment], _ lastAired: [String: WallTime] = [:]) -> [String] {
        TopicRotation.pick(count: count, from: segments, lastAired: lastAired).map(\.media)
    }

    @Test func neverAiredFirstThenLeastRecent() {
        let all = Self.segments("t/a.mp3", "t/b.mp3", "t/c.mp3", "t/d.mp3")
        let aired = [
            "t/a.mp3": WallTime(seconds: 300), "t/b.mp3": WallTime(seconds: 100), "t/d.mp3": WallTime(seconds: 200),
        ]
        #expect(Self.picked(1, all, aired) == ["t/c.mp3"])
        #expect(Self.picked(3, all, aired) == ["t/c.mp3", "t/b.mp3", "t/d.mp3"])
        #expect(Self.picked(9, all, aired) == ["t/c.mp3", "t/b.mp3", "t/d.mp3", "t/a.mp3"])
        #expect(Self.picked(0, all, aired).isEmpty)
        #expect(Self.picked(2, [], aired).isEmpty)
        // Times of files that are not (or no longer) in the topic change nothing.
        #expect(
            Self.picked(2, all, aired.merging(["t/gone.mp3": WallTime(seconds: 1)]) { $1 }) == ["t/c.mp3", "t/b.mp3"])
    }

    /// Ties go by the NFC code points of the path: upper case before lower case, letters
    /// with diacritics after plain ones, whatever order or normalization the input has.
    @Test func tiesGoByPathInCodePointOrder() {
        let nfdA = "t/\u{0061}\u{0306}.mp3"  // "ă" decomposed
        let all = Self.segments("t/b.mp3", nfdA.precomposedStringWithCanonicalMapping, "t/B.mp3", "t/a.mp3", "t/z.mp3")
        #expect(Self.picked(5, all) == ["t/B.mp3", "t/a.mp3", "t/b.mp3", "t/z.mp3", "t/\u{0103}.mp3"])
        let same = WallTime(seconds: 50)
        let aired = Dictionary(uniqueKeysWithValues: all.map { ($0.media, same) })
        #expect(Self.picked(2, all, aired) == ["t/B.mp3", "t/a.mp3"])
        #expect(TopicRotation.importOrder("t/a.mp3", "t/ab.mp3"))
        #expect(TopicRotation.importOrder("t/z.mp3", nfdA))
        #expect(
            !TopicRotation.importOrder(nfdA, "t/\u{0103}.mp3") && !TopicRotation.importOrder("t/\u{0103}.mp3", nfdA))
    }

    @Test func aSegmentListedTwiceIsPickedOnce() {
        let all = Self.segments("t/a.mp3", "t/a.mp3", "t/b.mp3")
        #expect(Self.picked(3, all) == ["t/a.mp3", "t/b.mp3"])
    }

    /// Picking, then counting the picks as aired: every segment airs once in each turn of
    /// ceil(m / k) picks, for every size and count.
    @Test func everySegmentAirsInTurn() {
        for m in 1...9 {
            let all = (0..<m).map { TopicSegment(media: "t/\($0).ogg", durationMicros: 1) }
            for k in 1...(m + 1) {
                var aired: [String: WallTime] = [:]
                var history: [[String]] = []
                for n in 0..<(4 * m) {
                    let picks = TopicRotation.pick(count: k, from: all, lastAired: aired)
                    #expect(picks.count == min(k, m))
                    for (i, p) in picks.enumerated() { aired[p.media] = WallTime(seconds: Int64(n * 10 + i)) }
                    history.append(picks.map(\.media))
                }
                let turn = (m + k - 1) / k
                for start in 0...(history.count - turn) {
                    let seen = Set(history[start..<(start + turn)].joined())
                    #expect(seen.count == m, "m \(m), k \(k), picks \(start)..<\(start + turn): \(history)")
                }
            }
        }
    }

    @Test func mergingKeepsTheLaterTime() {
        let logged = ["t/a.mp3": WallTime(seconds: 100), "t/b.mp3": WallTime(seconds: 500)]
        let picked = [
            "t/a.mp3": WallTime(seconds: 400), "t/b.mp3": WallTime(seconds: 200), "t/c.mp3": WallTime(seconds: 300),
        ]
        let merged = TopicRotation.merging(logged, picked)
        #expect(
            merged == [
                "t/a.mp3": WallTime(seconds: 400), "t/b.mp3": WallTime(seconds: 500), "t/c.mp3": WallTime(seconds: 300),
            ])
        let all = Self.segments("t/a.mp3", "t/b.mp3", "t/c.mp3", "t/d.mp3")
        // A segment picked for a block that has not aired yet is not picked again.
        #expect(Self.picked(2, all, merged) == ["t/d.mp3", "t/c.mp3"])
    }

    // MARK: Topic folders

    @Test func aTopicFolderListsItsAudioFilesInImportOrder() throws {
        let box = Sandbox()
        let nfd = "t\u{0061}\u{0323}\u{0302}p"  // "tập" decomposed, as macOS writes names
        box.media(
            "giam-ngheo/b.mp3", "giam-ngheo/A.WAV", "giam-ngheo/2024/c.Opus", "giam-ngheo/\(nfd).flac",
            "giam-ngheo/d.oga", "giam-ngheo/e.ogg", "giam-ngheo/notes.txt", "giam-ngheo/.f.mp3",
            "giam-ngheo/.an/g.mp3", "giam-ngheo/README", "giam-ngheo/empty/", "khac/h.mp3")
        var asked: [String] = []
        let segments = TopicFolder.segments(topic: "giam-ngheo", mediaFolder: box.media) { path in
            asked.append(path)
            return path.hasSuffix("b.mp3") ? nil : Int64(path.utf8.count)
        }
        let nfc = "t\u{1EAD}p"
        #expect(
            segments.map(\.media) == [
                "giam-ngheo/2024/c.Opus", "giam-ngheo/A.WAV", "giam-ngheo/b.mp3", "giam-ngheo/d.oga",
                "giam-ngheo/e.ogg", "giam-ngheo/\(nfc).flac",
            ])
        // Durations are asked by absolute path as on disk; the NFD name keeps its spelling.
        let tap = try #require(segments.last)
        #expect(tap.path == box.media + "/giam-ngheo/\(nfd).flac")
        #expect(tap.durationMicros == Int64(tap.path!.utf8.count))
        #expect(segments[2].durationMicros == nil)
        #expect(Set(asked) == Set(segments.compactMap(\.path)))
    }

    @Test func aTopicThatIsNoFolderInsideTheMediaHasNoSegments() {
        let box = Sandbox()
        box.media("a.mp3", "khac/h.mp3")
        box.write("elsewhere/x.mp3", "")
        for topic in ["missing", "a.mp3", "../elsewhere", "", "/"] {
            #expect(TopicFolder.segments(topic: topic, mediaFolder: box.media) { _ in 1 }.isEmpty, "\(topic)")
        }
        #expect(TopicFolder.segments(topic: "khac/", mediaFolder: box.media) { _ in 1 }.map(\.media) == ["khac/h.mp3"])
    }

    @Test func aFolderLinkedBackIntoItselfIsReadOnce() throws {
        let box = Sandbox()
        box.media("t/a.mp3")
        try FileManager.default.createSymbolicLink(atPath: box.media + "/t/loop", withDestinationPath: box.media + "/t")
        let segments = TopicFolder.segments(topic: "t", mediaFolder: box.media) { _ in 1 }
        #expect(segments.map(\.media) == ["t/a.mp3"])
    }
}
