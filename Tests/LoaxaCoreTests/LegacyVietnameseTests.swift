import Foundation
import LoaxaCore
import Testing

// The tests encode Unicode text into the legacy encodings with encoders of their own,
// written from the code charts independently of the tables under test.

/// Small Vietnamese letters and the Latin-1 characters that show their TCVN3 codes, in the
/// same order.
private let tcvn3Chart: [(letters: String, codes: String)] = [
    ("àảãáạ", "µ¶·¸¹"), ("ằẳẵắặ", "»¼½¾Æ"), ("ầẩẫấậ", "ÇÈÉÊË"), ("èẻẽéẹ", "ÌÎÏÐÑ"),
    ("ềểễếệ", "ÒÓÔÕÖ"), ("ìỉĩíị", "×ØÜÝÞ"), ("òỏõóọ", "ßáâãä"), ("ồổỗốộ", "åæçèé"),
    ("ờởỡớợ", "êëìíî"), ("ùủũúụ", "ïñòóô"), ("ừửữứự", "õö÷øù"), ("ỳỷỹýỵ", "úûüýþ"),
    ("ăâêôơưđ", "¨©ª«¬\u{AD}®"), ("ĂÂÊÔƠƯĐ", "¡¢£¤¥¦§"),
]

private let tcvn3Codes: [Character: Character] = {
    var table: [Character: Character] = [:]
    for (letters, codes) in tcvn3Chart {
        for (letter, code) in zip(letters, codes) { table[letter] = code }
    }
    return table
}()

/// `text` in TCVN3, shown as Latin-1. Capitals with tones take the small letter's code, as
/// in the upper-case .VnTimeH fonts.
private func tcvn3(_ text: String) -> String {
    String(
        text.precomposedStringWithCanonicalMapping.map { c -> Character in
            if let code = tcvn3Codes[c] { return code }
            if c.isUppercase, let code = tcvn3Codes[Character(c.lowercased())] { return code }
            return c
        })
}

/// `text` in VNI, shown as Latin-1.
private func vni(_ text: String) -> String {
    // Diacritic bytes after a small letter, then after a capital.
    let tones: [Unicode.Scalar: (String, String)] = [
        "\u{300}": ("ø", "Ø"), "\u{309}": ("û", "Û"), "\u{303}": ("õ", "Õ"), "\u{301}": ("ù", "Ù"),
        "\u{323}": ("ï", "Ï"),
    ]
    let toneOrder: [Unicode.Scalar?] = [nil, "\u{300}", "\u{309}", "\u{303}", "\u{301}", "\u{323}"]
    let circumflex = (Array("âàåãáä"), Array("ÂÀÅÃÁÄ"))
    let breve = (Array("êèúüéë"), Array("ÊÈÚÜÉË"))
    let singles: [Character: Character] = [
        "đ": "ñ", "Đ": "Ñ", "ì": "ì", "ỉ": "æ", "ĩ": "ó", "í": "í", "ị": "ò",
        "Ì": "Ì", "Ỉ": "Æ", "Ĩ": "Ó", "Í": "Í", "Ị": "Ò", "ỵ": "î", "Ỵ": "Î",
    ]
    var out = ""
    for c in text.precomposedStringWithCanonicalMapping {
        if let single = singles[c] {
            out.append(single)
            continue
        }
        let scalars = Array(String(c).decomposedStringWithCanonicalMapping.unicodeScalars)
        guard scalars.count > 1 else {
            out.append(c)
            continue
        }
        let base = Character(scalars[0])
        let capital = base.isUppercase
        let marks = Set(scalars.dropFirst())
        let tone = toneOrder.compactMap { $0 }.first { marks.contains($0) }
        let toneIndex = toneOrder.firstIndex(of: tone)!
        if marks.contains("\u{31B}") {  // horn: ơ and ư are single bytes; the tone follows
            out.append(base == "o" ? "ô" : base == "O" ? "Ô" : base == "u" ? "ö" : "Ö")
            if let tone { out += capital ? tones[tone]!.1 : tones[tone]!.0 }
        } else if marks.contains("\u{302}") {
            out.append(base)
            out.append((capital ? circumflex.1 : circumflex.0)[toneIndex])
        } else if marks.contains("\u{306}") {
            out.append(base)
            out.append((capital ? breve.1 : breve.0)[toneIndex])
        } else {
            out.append(base)
            if let tone { out += capital ? tones[tone]!.1 : tones[tone]!.0 }
        }
    }
    return out
}

/// `text` in Windows-1258, each tone as the combining byte after its vowel.
private func windows1258(_ text: String) -> [UInt8] {
    let letters: [Unicode.Scalar: UInt8] = [
        "ă": 0xE3, "Ă": 0xC3, "đ": 0xF0, "Đ": 0xD0, "ơ": 0xF5, "Ơ": 0xD5, "ư": 0xFD, "Ư": 0xDD,
    ]
    let tones: [Unicode.Scalar: UInt8] = [
        "\u{300}": 0xCC, "\u{309}": 0xD2, "\u{303}": 0xDE, "\u{301}": 0xEC, "\u{323}": 0xF2,
    ]
    var out: [UInt8] = []
    for c in text.precomposedStringWithCanonicalMapping {
        var tone: UInt8?
        var base = ""
        for s in String(c).decomposedStringWithCanonicalMapping.unicodeScalars {
            if let t = tones[s] { tone = t } else { base.unicodeScalars.append(s) }
        }
        for s in base.precomposedStringWithCanonicalMapping.unicodeScalars { out.append(letters[s] ?? UInt8(s.value)) }
        if let tone { out.append(tone) }
    }
    return out
}

/// The bytes a string of Latin-1 characters stands for.
private func latin1(_ text: String) -> [UInt8] { text.unicodeScalars.map { UInt8($0.value) } }

/// A result as "ENCODING: text", for comparisons that say what went wrong.
private func shown(_ result: (encoding: LegacyVietnameseEncoding, unicode: String)?) -> String? {
    result.map { "\($0.encoding.rawValue): \($0.unicode)" }
}

/// Real phrases of a commune station's programmes; between them every vowel with every
/// tone, and đ. Each capitalised word begins with a letter TCVN3 gives a case to.
private let corpus = [
    "Chương trình giảm nghèo bền vững", "Thông báo họp dân", "Đài truyền thanh xã", "Việc làm cho người lao động",
    "Bảo hiểm y tế", "Học sinh đến trường", "Trợ giúp pháp lý", "Những điều cần biết", "Đắk Lắk", "Quảng Trị",
    "Đà Nẵng", "Kỹ thuật trồng lúa", "Phòng chống dịch bệnh", "Hội Liên hiệp Phụ nữ", "Tiêm chủng mở rộng",
    "Giữ gìn vệ sinh môi trường", "Kỳ họp thứ năm", "Tỷ lệ hộ nghèo giảm mạnh", "Chúng ta cũng sẽ cố gắng",
    "An toàn giao thông", "Mỗi người dân", "Sĩ quan quân đội", "Thi đua yêu nước", "Phổ biến pháp luật",
    "Cảnh báo lũ lụt", "Hướng dẫn chăn nuôi", "Thời sự trong tỉnh", "Miễn phí khám bệnh", "Quỹ vì người nghèo",
    "Khắc phục hậu quả", "Mẹ và bé", "Tuổi trẻ", "Sản phẩm đặc biệt", "Chẳng ai bỏ lại phía sau",
    "Phòng ngừa đột quỵ", "Giúp đỡ hỗ trợ", "Thông tin rõ ràng", "Có việc làm", "Cơ sở vật chất",
    "Lịch sử địa phương", "Vùng đồng bằng", "Cấp cứu mùa mưa bão", "Lắng nghe ý kiến", "Tuyên truyền",
    "Tiền điện", "Buổi chiều", "Đi học",
    "ĐÀI PHÁT THANH", "THÔNG BÁO KHẨN", "BẢO HIỂM Y TẾ", "QUẢNG TRỊ", "ĐẮK LẮK", "ĐÀI TRUYỀN THANH XÃ",
]

@Test func corpusCoversEveryVowelWithEveryTone() {
    let text = corpus.joined(separator: " ").lowercased()
    let letters = "aàảãáạăằẳẵắặâầẩẫấậeèẻẽéẹêềểễếệiìỉĩíịoòỏõóọôồổỗốộơờởỡớợuùủũúụưừửữứựyỳỷỹýỵđ"
    #expect(letters.filter { !text.contains($0) } == "")
}

@Test func corpusRoundTripsThroughTCVN3() {
    for phrase in corpus {
        let legacy = tcvn3(phrase)
        #expect(shown(LegacyVietnamese.detect(legacy)) == "TCVN3: \(phrase)", "\(legacy)")
        #expect(shown(LegacyVietnamese.decode(bytes: latin1(legacy))) == "TCVN3: \(phrase)", "\(legacy)")
    }
}

@Test func corpusRoundTripsThroughVNI() {
    for phrase in corpus {
        let legacy = vni(phrase)
        #expect(shown(LegacyVietnamese.detect(legacy)) == "VNI: \(phrase)", "\(legacy)")
        #expect(shown(LegacyVietnamese.decode(bytes: latin1(legacy))) == "VNI: \(phrase)", "\(legacy)")
    }
}

@Test func corpusRoundTripsThroughWindows1258Bytes() {
    for phrase in corpus {
        #expect(shown(LegacyVietnamese.decode(bytes: windows1258(phrase))) == "Windows-1258: \(phrase)", "\(phrase)")
    }
}

/// Every vowel with every tone, small and capital, and đ, in a syllable after a phrase
/// that settles the encoding: the tables against the tests' own charts.
@Test func everyLetterDecodes() {
    var syllables = ["đi", "ĐI"]
    for vowel in "aăâeêioôơuưy" {
        for tone in ["", "\u{300}", "\u{309}", "\u{303}", "\u{301}", "\u{323}"] {
            let letter = (String(vowel) + tone).precomposedStringWithCanonicalMapping
            let syllable = "b" + letter + ("ăâ".contains(vowel) ? "n" : "")
            syllables += [syllable, syllable.uppercased()]
        }
    }
    for syllable in syllables {
        let capitals = syllable == syllable.uppercased()
        let lead = capitals ? "THÔNG BÁO " : "Thông báo "
        let text = lead + syllable
        #expect(shown(LegacyVietnamese.detect(tcvn3(text))) == "TCVN3: \(text)", "\(tcvn3(text))")
        #expect(shown(LegacyVietnamese.decode(bytes: latin1(tcvn3(text)))) == "TCVN3: \(text)")
        #expect(shown(LegacyVietnamese.detect(vni(text))) == "VNI: \(text)", "\(vni(text))")
        #expect(shown(LegacyVietnamese.decode(bytes: latin1(vni(text)))) == "VNI: \(text)")
        #expect(shown(LegacyVietnamese.decode(bytes: windows1258(text))) == "Windows-1258: \(text)")
    }
}

@Test func handWrittenLegacyTitles() {
    #expect(shown(LegacyVietnamese.detect("Th«ng b¸o")) == "TCVN3: Thông báo")
    #expect(shown(LegacyVietnamese.detect("Thoâng baùo")) == "VNI: Thông báo")
    #expect(shown(LegacyVietnamese.detect("Th«ng b¸o häp d©n")) == "TCVN3: Thông báo họp dân")
    #expect(shown(LegacyVietnamese.detect("Thoâng baùo hoïp daân")) == "VNI: Thông báo họp dân")
    #expect(
        shown(LegacyVietnamese.detect("§µi truyÒn thanh x· - B¶n tin s¸ng 12/3"))
            == "TCVN3: Đài truyền thanh xã - Bản tin sáng 12/3")
    #expect(
        shown(LegacyVietnamese.detect("Ñaøi truyeàn thanh xaõ - Baûn tin saùng"))
            == "VNI: Đài truyền thanh xã - Bản tin sáng")
    // Capitals: TCVN3's toned letters take the case of their word.
    #expect(shown(LegacyVietnamese.detect("TH¤NG B¸O HäP D¢N")) == "TCVN3: THÔNG BÁO HỌP DÂN")
    #expect(shown(LegacyVietnamese.detect("§µI PH¸T THANH")) == "TCVN3: ĐÀI PHÁT THANH")
    #expect(shown(LegacyVietnamese.detect("THOÂNG BAÙO HOÏP DAÂN")) == "VNI: THÔNG BÁO HỌP DÂN")
    // One word is enough when it holds a symbol no word has.
    #expect(shown(LegacyVietnamese.detect("Th«ng")) == "TCVN3: Thông")
    // A foreign word among enough converted ones.
    #expect(shown(LegacyVietnamese.detect("Ca nh¹c thiÕu nhi - Radio")) == "TCVN3: Ca nhạc thiếu nhi - Radio")
    // A Latin-1 reading's C1 controls become the Windows-1252 quotes they stand for.
    #expect(shown(LegacyVietnamese.detect("\u{93}Th«ng b¸o\u{94}")) == "TCVN3: \u{201C}Thông báo\u{201D}")
}

@Test func bytesThatAreNotUTF8() {
    // A file name in TCVN3 and one in VNI, as raw bytes.
    let tcvn3Name = latin1("§µi truyÒn thanh - Th«ng b¸o häp d©n.mp3")
    #expect(String(validating: tcvn3Name, as: UTF8.self) == nil)
    #expect(shown(LegacyVietnamese.decode(bytes: tcvn3Name)) == "TCVN3: Đài truyền thanh - Thông báo họp dân.mp3")
    let vniName = latin1("Thoâng baùo hoïp daân.ogg")
    #expect(shown(LegacyVietnamese.decode(bytes: vniName)) == "VNI: Thông báo họp dân.ogg")
    // Windows-1258, written as Windows-1252 shows it: "Việt Nam" with the dot as a combining
    // byte after ê; "Thông báo họp dân" with ô, á and â precomposed and the dot combining.
    #expect(shown(LegacyVietnamese.decode(bytes: latin1("Viêòt Nam"))) == "Windows-1258: Việt Nam")
    #expect(shown(LegacyVietnamese.decode(bytes: latin1("Thông báo hoòp dân"))) == "Windows-1258: Thông báo họp dân")
    // Legacy text once converted from Latin-1 to UTF-8 is valid UTF-8: read as text.
    #expect(shown(LegacyVietnamese.decode(bytes: Array("Th«ng b¸o".utf8))) == "TCVN3: Thông báo")
    // Not Vietnamese, or already Unicode.
    #expect(LegacyVietnamese.decode(bytes: latin1("Café crème à la française")) == nil)
    #expect(LegacyVietnamese.decode(bytes: latin1("Grüße aus München")) == nil)
    #expect(LegacyVietnamese.decode(bytes: latin1("Año nuevo")) == nil)
    #expect(LegacyVietnamese.decode(bytes: Array("Chương trình giảm nghèo bền vững".utf8)) == nil)
    #expect(LegacyVietnamese.decode(bytes: Array("news-01.mp3".utf8)) == nil)
    #expect(LegacyVietnamese.decode(bytes: [0xFF, 0xFE, 0x00, 0x41]) == nil)
    #expect(LegacyVietnamese.decode(bytes: []) == nil)
}

@Test func unicodeASCIIAndWesternTextAreLeftAlone() {
    var texts = [
        "Chương trình giảm nghèo bền vững", "ĐÀI TRUYỀN THANH XÃ", "Thông báo họp dân", "Chào bé", "Cà phê",
        "Hop dan 2024", "news-01", "", "  ", "2024-05-19",
        "Café crème à la française", "Grüße aus München", "Año nuevo", "© 2024 Đài", "Où est la gare?",
        "Beyoncé", "Sigur Rós", "Motörhead", "José González", "Noël", "Mañana", "Ça va", "Dvořák",
    ]
    texts += corpus
    for text in texts {
        #expect(LegacyVietnamese.detect(text) == nil, "\(text)")
        #expect(LegacyVietnamese.detect(text.decomposedStringWithCanonicalMapping) == nil, "NFD \(text)")
        #expect(LegacyVietnamese.detect(text.uppercased()) == nil, "\(text.uppercased())")
        #expect(LegacyVietnamese.detect(text.lowercased()) == nil, "\(text.lowercased())")
    }
}

@Test func ambiguousCases() {
    // TCVN3 cannot tell Ủ from ủ: a capitalised word that begins with a toned vowel comes
    // back small.
    #expect(shown(LegacyVietnamese.detect(tcvn3("Ủy ban nhân dân xã"))) == "TCVN3: ủy ban nhân dân xã")
    // Too little evidence: one converted word made of Latin-1 letters ("tøc" for tức)
    // among plain ones could be a Western word.
    #expect(LegacyVietnamese.detect(tcvn3("Tin tức")) == nil)
    #expect(LegacyVietnamese.detect("aún") == nil)
}

@Test func resultsAreNFC() {
    for phrase in corpus {
        for result in [
            LegacyVietnamese.detect(tcvn3(phrase)), LegacyVietnamese.detect(vni(phrase)),
            LegacyVietnamese.decode(bytes: windows1258(phrase)),
        ] {
            let text = result?.unicode ?? ""
            #expect(!text.isEmpty)
            #expect(
                text.unicodeScalars.elementsEqual(text.precomposedStringWithCanonicalMapping.unicodeScalars), "\(text)")
        }
    }
    #expect(LegacyVietnameseEncoding.allCases.map(\.rawValue) == ["TCVN3", "VNI", "Windows-1258"])
}
