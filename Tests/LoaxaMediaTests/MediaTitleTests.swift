import Foundation
import LoaxaMedia
import Testing

@Suite struct MediaTitleTests {
    @Test func aTagWinsOverTheFileNameAndIsNFC() {
        let title = MediaTitle.resolve(
            tagBytes: Array("  Chương trình\tgiảm nghèo ".decomposedStringWithCanonicalMapping.utf8), fileName: "x.mp3")
        #expect(Array(title.text.utf8) == Array("Chương trình giảm nghèo".utf8))
        #expect(title.source == .tag && title.note == nil)
    }

    @Test func withoutATagTheFileNameWithoutItsExtension() {
        let title = MediaTitle.resolve(tagBytes: nil, fileName: "Thông báo họp dân.opus".decomposedStringWithCanonicalMapping)
        #expect(Array(title.text.utf8) == Array("Thông báo họp dân".utf8))
        #expect(title.source == .fileName && title.note == nil)
        #expect(MediaTitle.resolve(tagBytes: Array("   ".utf8), fileName: "a.b.wav").text == "a.b")
    }

    @Test func legacyVietnameseIsShownConvertedWithANote() {
        // TCVN3 read as Latin-1 (what a tag library hands over for a Latin-1 ID3 frame).
        let tcvn3 = MediaTitle.resolve(tagBytes: Array("Th«ng b¸o".utf8), fileName: "x.mp3")
        #expect(tcvn3.text == "Thông báo" && tcvn3.source == .tag)
        #expect(tcvn3.note?.contains("TCVN3") == true)
        let vni = MediaTitle.resolve(tagBytes: Array("Thoâng baùo".utf8), fileName: "x.mp3")
        #expect(vni.text == "Thông báo" && vni.note?.contains("VNI") == true)
        // Raw legacy bytes, not UTF-8 at all.
        let raw = MediaTitle.resolve(tagBytes: Array("Th".utf8) + [0xAB] + Array("ng b".utf8) + [0xB8] + Array("o".utf8), fileName: "x.mp3")
        #expect(raw.text == "Thông báo" && raw.note?.contains("TCVN3") == true)
        // A file name in TCVN3.
        let name = MediaTitle.resolve(tagBytes: nil, fileName: "Th«ng b¸o.mp3")
        #expect(name.text == "Thông báo" && name.source == .fileName && name.note?.contains("file name") == true)
    }

    @Test func unreadableTagBytesFallBackToTheFileName() {
        let title = MediaTitle.resolve(tagBytes: [0xFF, 0xFE, 0x00, 0x01, 0x9F], fileName: "ban-tin.mp3")
        #expect(title.text == "ban-tin" && title.source == .fileName)
        #expect(title.note?.contains("not UTF-8") == true)
    }

    @Test func westernTitlesAreLeftAsTheyAre() {
        for text in ["Café crème", "Grüße aus München", "Hop dan 2024", "Đài truyền thanh xã"] {
            let title = MediaTitle.resolve(tagBytes: Array(text.utf8), fileName: "x.mp3")
            #expect(title.text == text && title.note == nil)
        }
    }
}
