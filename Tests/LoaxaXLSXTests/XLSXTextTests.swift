import Foundation
import Testing

@testable import LoaxaXLSX

@Suite("XLSX text, names and columns")
struct XLSXTextTests {
    @Test func columnNamesPastZ() {
        let names = [1: "A", 26: "Z", 27: "AA", 28: "AB", 52: "AZ", 53: "BA", 702: "ZZ", 703: "AAA", 16_384: "XFD"]
        for (number, name) in names {
            #expect(ColumnName.of(number) == name, "column \(number)")
        }
    }

    @Test func cellTextIsNFCValidXMLAndWithinExcelsLimit() {
        let nfd = "Phát khẩn cấp".decomposedStringWithCanonicalMapping
        let clean = XMLText.cellText(nfd)
        #expect(
            Array(clean.unicodeScalars) == Array("Phát khẩn cấp".precomposedStringWithCanonicalMapping.unicodeScalars))
        #expect(clean.unicodeScalars.count < nfd.unicodeScalars.count)

        #expect(XMLText.cellText("a\u{00}b\u{1F}c\u{FFFF}d\t\n\r") == "abcd\t\n\r")
        #expect(XMLText.cellText(String(repeating: "x", count: 40_000)).utf16.count == 32_767)
        // A character is never cut in half: "ầ" decomposed and composed is one character.
        let long = String(repeating: "ầ", count: 40_000).decomposedStringWithCanonicalMapping
        #expect(XMLText.cellText(long) == String(repeating: "ầ", count: 32_767))
    }

    @Test func escapingDependsOnWhereTheTextGoes() {
        #expect(XMLText.escaped("a&b<c>d\"e'", in: .cell) == "a&amp;b&lt;c&gt;d&quot;e'")
        #expect(XMLText.escaped("x\r\ny\tz", in: .cell) == "x&#13;\ny\tz")
        #expect(XMLText.escaped("x\r\ny\tz", in: .attribute) == "x&#13;&#10;y&#9;z")
        #expect(XMLText.escaped("x\r\ny\tz", in: .element) == "x&#13;&#10;y\tz")
        #expect(XMLText.escaped("_x0041_ _x00zz_ _x12AB", in: .cell) == "_x005F_x0041_ _x00zz_ _x12AB")
        #expect(XMLText.escaped("_x0041_", in: .element) == "_x0041_")
        #expect(XMLText.needsPreserve(" a") && XMLText.needsPreserve("a\n") && !XMLText.needsPreserve("a b"))
    }

    @Test func sheetNamesAreMendedAndUnique() {
        var names = SheetNames()
        #expect(names.claim("Tổng hợp", number: 1) == "Tổng hợp")
        #expect(names.claim("tổng hợp", number: 2) == "tổng hợp (2)")
        #expect(names.claim("TỔNG HỢP", number: 3) == "TỔNG HỢP (3)")
        #expect(names.claim("a[b]c:d*e?f/g\\h", number: 4) == "a-b-c-d-e-f-g-h")
        #expect(names.claim("''Theo chủ đề'", number: 5) == "Theo chủ đề")
        #expect(names.claim("dòng\nhai", number: 6) == "dòng hai")
        #expect(names.claim("''", number: 7) == "Sheet7")
        #expect(names.claim("history", number: 8) == "history (2)")
        // 31 UTF-16 units, an emoji counting two: it does not fit at the end and is left out.
        let thirty = String(repeating: "ư", count: 30)
        #expect(names.claim(thirty + "😀", number: 9) == thirty)
        #expect(names.claim(thirty + "😀", number: 10) == String(repeating: "ư", count: 27) + " (2)")
    }

    @Test func columnWidthsAreStoredAsExcelStoresThem() {
        #expect(XLSXColumn(width: 8.43).storedWidth == 9.140625)
        #expect(XLSXColumn(width: 30).storedWidth == 30.7109375)
        #expect(XLSXColumn(width: 1000).storedWidth == 255)
        #expect(XLSXColumn().storedWidth == nil)
    }
}
