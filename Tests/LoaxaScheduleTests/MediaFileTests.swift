import Foundation
import LoaxaSchedule
import Testing

/// Names from a Mac (NFD) and from a schedule (NFC) reach the same file.
@Suite struct MediaFileTests {
    @Test func aNameFindsItsFileWhateverItsUnicodeForm() {
        let box = Sandbox()
        let nfd = "Thông báo/họp dân.wav".decomposedStringWithCanonicalMapping
        box.media(nfd)
        let found = MediaFile.locate("Thông báo/họp dân.wav", in: box.media)
        #expect(found.map { Array($0.utf8) } == Array((box.media + "/" + nfd).utf8))
        #expect(found.map { LocalPath.kind($0) } == .file)
        // Already spelled as on disk, and missing: the joined path, as it was.
        #expect(MediaFile.locate(nfd, in: box.media) == box.media + "/" + nfd)
        #expect(MediaFile.locate("Thông báo/khác.wav", in: box.media) == box.media + "/Thông báo/khác.wav")
        #expect(MediaFile.locate("../ngoai.wav", in: box.media) == nil)
        #expect(MediaFile.locate("/etc/passwd", in: box.media) == nil)
    }

    @Test func aScheduleInNFCFindsFilesNamedInNFD() {
        let box = Sandbox()
        box.media("thong-bao/" + "Họp dân.wav".decomposedStringWithCanonicalMapping)
        box.media("Giảm nghèo/".decomposedStringWithCanonicalMapping)
        box.media("Giảm nghèo/a.wav".decomposedStringWithCanonicalMapping)
        box.schedule("s.toml", """
            [[block]]
            id = "sang"
            start = 06:00:00
            items = [ { file = "thong-bao/Họp dân.wav" }, { topic = "Giảm nghèo", count = 1 } ]
            """)
        #expect(box.problems() == [])
        let segments = TopicFolder.segments(topic: "Giảm nghèo", mediaFolder: box.media) { _ in 1 }
        #expect(segments.map { Array($0.media.utf8) } == [Array("Giảm nghèo/a.wav".utf8)])
    }
}
