/// A legacy 8-bit encoding of Vietnamese that `LegacyVietnamese` recognises.
public enum LegacyVietnameseEncoding: String, Sendable, Hashable, CaseIterable {
    /// TCVN 5712:1993 VN3, the "ABC" encoding of the .VnTime fonts: one byte for each letter.
    case tcvn3 = "TCVN3"
    /// VNI-Windows, the encoding of the VNI fonts: most marked vowels are a base letter
    /// followed by a diacritic byte.
    case vni = "VNI"
    /// Windows code page 1258: Latin-1's vowels, one byte for ă â ê ô ơ ư đ, and tone marks
    /// as combining bytes after the vowel. Only `LegacyVietnamese.decode(bytes:)` reads it.
    case windows1258 = "Windows-1258"
}

/// Recognises Vietnamese text written in TCVN3 or VNI (and, for raw bytes, Windows-1258),
/// as found in MP3/Ogg tags and file names from old Windows PCs, and converts it to Unicode.
///
/// Two inputs occur: a String that is the legacy bytes read as Latin-1 or Windows-1252
/// (TCVN3 "Thông báo" arrives as "Th«ng b¸o", VNI as "Thoâng baùo"), handled by `detect`;
/// and raw bytes that are not UTF-8 (a file name, a raw Vorbis comment), handled by
/// `decode(bytes:)`.
///
/// A false alarm would corrupt a correct title, so text is taken as legacy only on positive
/// evidence. Each encoding's reading is accepted when:
///
/// 1. The input can be text in that encoding: every character is ASCII, a code of the
///    encoding, or a symbol or punctuation mark. A letter or combining mark beyond Latin-1
///    (ư, ạ, Đ; the marks of NFD text) means the text is Unicode already; a Latin-1 letter
///    the encoding has no code at (TCVN3 none at à, VNI none at ç) rules the encoding out;
///    and a VNI diacritic byte must follow a letter it can mark (the breve an a; the
///    circumflex an a, e or o; a tone a, e, o, u, y, ơ or ư).
/// 2. Every word (run of letters) changed by the reading becomes one Vietnamese syllable,
///    in small letters, capitals or capitalised: an onset (b, ch, ngh, qu, ...) and one of
///    the language's rhymes (a, oanh, uyên, ươi, ...), at most one tone, on the vowel where
///    Vietnamese spelling puts it (old and new placement both: hòa and hoà), and only the
///    acute or the dot before c, ch, p, t. Krông, Đắk and Búk of Central Highlands names
///    are allowed.
/// 3. At least one changed word was not correct as shown: the input holds characters that
///    real Unicode Vietnamese would not have there. The evidence is ranked: strongest,
///    something no correct word shows: a symbol inside a word ("Th«ng", "b¸o") or a change
///    of case inside it ("ViÖt"); then a vowel followed by a diacritic byte shown as an
///    accented letter (VNI's "Thoâng", "baùo"); weakest, accented Latin-1 letters that do
///    not make a syllable as shown ("Bé" is correct as shown, "Thêi" is not). A correct
///    title in Latin-1 letters only ("Chào bé") is well formed as it stands, so it is never
///    read as legacy text.
/// 4. There is enough of it. With the weakest evidence, two words must use the encoding's
///    codes and every word must be a syllable. Otherwise the text must have two words that
///    are syllables, or be one word with the strongest evidence; and words that are not
///    syllables nor changed ("radio", "FM") are tolerated only while at least two words,
///    and twice as many, are changed. One accented Latin-1 word alone (où, maïs, aún) is
///    too little to go on.
///
/// Of the readings accepted, the one with the strongest evidence wins, then the one with
/// more words of evidence, then TCVN3 or VNI over Windows-1258 (few programs wrote it), then
/// the one that changes fewer words that were correct as shown. A tie between different
/// results gives nil.
///
/// TCVN3 has codes for small letters with tones only; the upper-case .VnTimeH fonts show
/// the same codes as capitals. Such a letter is made a capital only when its word is
/// otherwise in capitals (a capital after its first letter and no small letter, or no clue
/// in the word and a text in capitals); otherwise it stays small. Ă Â Ê Ô Ơ Ư Đ have codes
/// of their own.
///
/// Results are NFC by construction: every letter produced is a precomposed character, and
/// everything else passes through (C1 control characters, which a Latin-1 reading makes
/// of bytes 0x80–0x9F, become the Windows-1252 punctuation those bytes stand for).
public enum LegacyVietnamese {
    /// The text, converted, and the encoding it was in; nil when `text` does not look like
    /// legacy-encoded Vietnamese (this includes all proper Unicode text, NFC or NFD).
    public static func detect(_ text: String) -> (encoding: LegacyVietnameseEncoding, unicode: String)? {
        var units: [Unit] = []
        for scalar in text.unicodeScalars {
            if scalar.value < 0x100 {
                units.append(.byte(UInt8(scalar.value)))
            } else if scalar.properties.isAlphabetic || isCombiningMark(scalar) {
                return nil
            } else {
                units.append(.other(scalar))
            }
        }
        return best(units, among: [.tcvn3, .vni], shown: { Unicode.Scalar($0) })
    }

    /// For bytes that are not valid UTF-8: reads them as TCVN3, VNI and Windows-1258 and
    /// returns the best reading when it is plausibly Vietnamese; nil otherwise.
    ///
    /// Each reading is judged as `detect` judges it, against the bytes as Windows-1252
    /// shows them. Bytes that are valid UTF-8 get the answer `detect` gives for their text
    /// (legacy text that was once converted from Latin-1 to UTF-8).
    public static func decode(bytes: [UInt8]) -> (encoding: LegacyVietnameseEncoding, unicode: String)? {
        if let text = String(validating: bytes, as: UTF8.self) { return detect(text) }
        return best(bytes.map(Unit.byte), among: [.tcvn3, .vni, .windows1258], shown: windows1252)
    }

    // MARK: - Judging readings

    /// One element of the input: a byte of the legacy text, or a character no legacy
    /// encoding has (a symbol that passes through).
    enum Unit {
        /// A byte: in a String, a character up to U+00FF stands for the byte of its value.
        case byte(UInt8)
        /// A character beyond U+00FF that is no letter: a symbol, a quote, a dash.
        case other(Unicode.Scalar)
    }

    /// One character of a reading, with the character(s) the input showed for it.
    struct Piece {
        /// The character in the reading.
        var scalar: Unicode.Scalar
        /// What the input showed: the bytes read as Latin-1 (text) or Windows-1252 (bytes).
        var shown: [Unicode.Scalar]
        /// What the character is.
        var kind: Kind
        /// A TCVN3 letter with a tone, whose case the code does not tell.
        var caseUnknown = false

        /// What a character of a reading is.
        enum Kind {
            /// Not a letter: a space, a digit, punctuation, a symbol.
            case other
            /// An ASCII letter.
            case letter
            /// A letter of the encoding's table (it may look the same as shown, as VNI's í).
            case code
            /// A letter made of a vowel and a diacritic byte that a small accented letter
            /// shows, or any of VNI's: the "aù" of VNI's á, the "eò" of Windows-1258's ẹ.
            case markedLetter
        }

        /// Whether the character is a letter (part of a word).
        var isLetter: Bool { kind != .other }
        /// Whether the character comes from the encoding's table.
        var isCode: Bool { kind == .code || kind == .markedLetter }
        /// Whether the reading differs from what was shown: a legacy code at work.
        var isConverted: Bool { shown.count != 1 || shown[0] != scalar }
    }

    /// How strongly a reading looks like legacy Vietnamese; higher is better.
    struct Score: Comparable {
        /// The strongest evidence any word gives.
        var strongest = Evidence.none
        /// Converted words that were not correct as shown.
        var evidence = 0
        /// 1 for TCVN3 and VNI, 0 for Windows-1258, which few programs wrote: the tie-break
        /// between equally good readings.
        var prior = 1
        /// Words with at least one converted character.
        var converted = 0
        /// Words with at least one letter of the encoding's table, converted or not.
        var coded = 0
        /// Words without converted characters that are not Vietnamese syllables.
        var foreign = 0

        /// Stronger evidence first, then more of it, then the more common encoding, then
        /// fewer words changed that were correct as shown, then fewer foreign words.
        static func < (a: Score, b: Score) -> Bool {
            (a.strongest.rawValue, a.evidence, a.prior, b.converted - b.evidence, b.foreign)
                < (b.strongest.rawValue, b.evidence, b.prior, a.converted - a.evidence, a.foreign)
        }
    }

    /// The best acceptable reading of `units` among `encodings`; nil when none is acceptable
    /// or two different readings are equally good. `shown` is what the input showed for a byte.
    static func best(
        _ units: [Unit], among encodings: [LegacyVietnameseEncoding], shown: (UInt8) -> Unicode.Scalar
    ) -> (encoding: LegacyVietnameseEncoding, unicode: String)? {
        var found: [(encoding: LegacyVietnameseEncoding, text: String, score: Score)] = []
        for encoding in encodings {
            guard let pieces = read(units, as: encoding, shown: shown), var verdict = judge(pieces) else { continue }
            verdict.score.prior = encoding == .windows1258 ? 0 : 1
            found.append((encoding, verdict.text, verdict.score))
        }
        guard let top = found.max(by: { $0.score < $1.score }) else { return nil }
        if found.contains(where: { !($0.score < top.score) && $0.text != top.text }) { return nil }
        return (top.encoding, top.text)
    }

    /// The converted text and its score when `pieces` pass the tests of the type's
    /// description; nil otherwise.
    static func judge(_ pieces: [Piece]) -> (text: String, score: Score)? {
        let words = wordRanges(pieces)
        var score = Score()
        var wellFormed = 0
        for word in words {
            let reading = pieces[word].map(\.scalar)
            if pieces[word].contains(where: \.isCode) { score.coded += 1 }
            if pieces[word].contains(where: \.isConverted) {
                guard isSyllable(reading), isCasedLikeAWord(pieces[word]) else { return nil }
                score.converted += 1
                wellFormed += 1
                let found = evidence(shown: pieces[word].flatMap(\.shown), pieces: pieces[word])
                if found != .none {
                    score.evidence += 1
                    score.strongest = max(score.strongest, found)
                }
            } else if isSyllable(reading) {
                wellFormed += 1
            } else {
                score.foreign += 1
            }
        }
        let foreignTolerated = score.foreign == 0 || (score.converted >= 2 && score.converted >= 2 * score.foreign)
        switch score.strongest {
        case .none: return nil
        case .letter: guard score.coded >= 2, score.foreign == 0 else { return nil }
        case .pair: guard wellFormed >= 2, foreignTolerated else { return nil }
        case .impossible: guard wellFormed >= 2 || words.count == 1, foreignTolerated else { return nil }
        }

        var out = String.UnicodeScalarView()
        let capitals = capitalisedWords(pieces, words)
        var next = 0
        for (w, word) in words.enumerated() {
            out.append(contentsOf: pieces[next..<word.lowerBound].map(\.scalar))
            for piece in pieces[word] {
                out.append(piece.caseUnknown && capitals[w] ? upperCased(piece.scalar) : piece.scalar)
            }
            next = word.upperBound
        }
        out.append(contentsOf: pieces[next...].map(\.scalar))
        return (String(out), score)
    }

    /// How clearly a converted word shows that the input was not correct as it stood, from
    /// weakest to strongest.
    enum Evidence: Int, Comparable {
        /// None: the word was a correct syllable as shown.
        case none
        /// A Latin-1 letter standing for a Vietnamese one ("Bé" for Bộ, "ñ" for VNI's đ):
        /// Western words have such letters too.
        case letter
        /// A vowel followed by a diacritic byte shown as an accented letter (VNI's "oâ" and
        /// "aù", Windows-1258's "eò"): Western words have this only rarely (maïs, où).
        case pair
        /// Something no correct word shows: a symbol (or ª, µ, º) inside the word
        /// ("Th«ng"), or a change of case inside it: a capital after a small letter, a small
        /// letter after two capitals ("ViÖt", "TRøC").
        case impossible

        static func < (a: Evidence, b: Evidence) -> Bool { a.rawValue < b.rawValue }
    }

    /// The evidence a converted word gives against being correct as `shown`.
    static func evidence(shown: [Unicode.Scalar], pieces: ArraySlice<Piece>) -> Evidence {
        // Latin-1's ª, µ and º are letters, but no word has them.
        if shown.contains(where: { !$0.properties.isAlphabetic || $0 == "ª" || $0 == "µ" || $0 == "º" }) {
            return .impossible
        }
        for i in shown.indices.dropFirst() where shown[i].value >= 0x80 || shown[i - 1].value >= 0x80 {
            let (this, before) = (shown[i].properties, shown[i - 1].properties)
            if this.isUppercase && before.isLowercase { return .impossible }
            if i >= 2 && this.isLowercase && before.isUppercase && shown[i - 2].properties.isUppercase {
                return .impossible
            }
        }
        if isSyllable(shown) { return .none }
        return pieces.contains(where: { $0.kind == .markedLetter }) ? .pair : .letter
    }

    /// Whether a word's reading is in small letters, in capitals, or capitalised: no capital
    /// after the first letter unless all its letters are capitals (letters whose case the
    /// code does not tell aside).
    static func isCasedLikeAWord(_ word: ArraySlice<Piece>) -> Bool {
        var capitalAfterFirst = false
        var small = false
        for (i, piece) in word.enumerated() where !piece.caseUnknown {
            guard let letter = letters[piece.scalar] else { continue }
            if letter.isUpper { capitalAfterFirst = capitalAfterFirst || i > 0 } else { small = true }
        }
        return !(capitalAfterFirst && small)
    }

    /// The ranges of `pieces` that are words: maximal runs of letters.
    static func wordRanges(_ pieces: [Piece]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start: Int?
        for (i, piece) in pieces.enumerated() {
            if piece.isLetter {
                if start == nil { start = i }
            } else if let s = start {
                ranges.append(s..<i)
                start = nil
            }
        }
        if let s = start { ranges.append(s..<pieces.count) }
        return ranges
    }

    /// For each word, whether its TCVN3 letters of unknown case are capitals (see the type's
    /// description).
    static func capitalisedWords(_ pieces: [Piece], _ words: [Range<Int>]) -> [Bool] {
        func isUpper(_ piece: Piece) -> Bool? {
            guard !piece.caseUnknown, let letter = letters[piece.scalar] else { return nil }
            return letter.isUpper
        }
        let known = pieces.compactMap(isUpper)
        let textInCapitals = known.contains(true) && !known.contains(false)
        return words.map { word in
            guard pieces[word].contains(where: \.caseUnknown) else { return false }
            let cases = pieces[word].map(isUpper)
            if cases.contains(false) { return false }
            if cases.dropFirst().contains(true) { return true }
            return textInCapitals
        }
    }

    /// Whether `scalar` is a combining mark (NFD text has them).
    static func isCombiningMark(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: return false
        }
    }

    // MARK: - Readings

    /// `units` read as `encoding`; nil when they cannot be text in that encoding.
    static func read(_ units: [Unit], as encoding: LegacyVietnameseEncoding, shown: (UInt8) -> Unicode.Scalar)
        -> [Piece]?
    {
        var pieces: [Piece] = []
        pieces.reserveCapacity(units.count)
        for unit in units {
            let byte: UInt8
            switch unit {
            case .other(let scalar):
                pieces.append(Piece(scalar: scalar, shown: [scalar], kind: .other))
                continue
            case .byte(let b):
                byte = b
            }
            if byte < 0x80 {
                let scalar = Unicode.Scalar(byte)
                pieces.append(Piece(scalar: scalar, shown: [scalar], kind: letters[scalar] == nil ? .other : .letter))
                continue
            }
            let seen = shown(byte)
            switch encoding {
            case .tcvn3:
                if let letter = tcvn3Decoding[byte] {
                    pieces.append(Piece(scalar: letter.0, shown: [seen], kind: .code, caseUnknown: letter.1))
                } else {
                    guard let piece = symbol(byte, shown: seen) else { return nil }
                    pieces.append(piece)
                }
            case .vni:
                if let mark = vniMarks[byte] {
                    guard let last = pieces.last, last.isLetter, last.shown.count == 1,
                        let marked = vniApply(mark, to: last.scalar)
                    else { return nil }
                    pieces[pieces.count - 1] = Piece(scalar: marked, shown: last.shown + [seen], kind: .markedLetter)
                } else if let scalar = vniLetters[byte] {
                    pieces.append(Piece(scalar: scalar, shown: [seen], kind: .code))
                } else {
                    guard let piece = symbol(byte, shown: seen) else { return nil }
                    pieces.append(piece)
                }
            case .windows1258:
                if let tone = windows1258Tones[byte] {
                    guard let last = pieces.last, last.isLetter, last.shown.count == 1,
                        let letter = letters[last.scalar], letter.tone == .none,
                        let marked = vowel(letter.base, tone, upper: letter.isUpper)
                    else { return nil }
                    // The acute and the dot show as small letters (ì, ò), the others as capitals,
                    // which after a capital look like TCVN3's letters.
                    let kind: Piece.Kind = seen.properties.isLowercase ? .markedLetter : .code
                    pieces[pieces.count - 1] = Piece(scalar: marked, shown: last.shown + [seen], kind: kind)
                } else {
                    let value = windows1258Changes[byte] ?? windows1252(byte).value
                    guard let scalar = Unicode.Scalar(value), value >= 0xA0 else { return nil }
                    pieces.append(
                        Piece(scalar: scalar, shown: [seen], kind: scalar.properties.isAlphabetic ? .code : .other))
                }
            }
        }
        return pieces
    }

    /// A byte that is no letter of a legacy encoding, as the symbol Windows-1252 gives it;
    /// nil when it is a letter there (legacy text would not hold it) or undefined.
    static func symbol(_ byte: UInt8, shown: Unicode.Scalar) -> Piece? {
        let scalar = windows1252(byte)
        guard scalar.value >= 0xA0, !scalar.properties.isAlphabetic else { return nil }
        return Piece(scalar: scalar, shown: [shown], kind: .other)
    }

    /// Windows-1252's character for `byte`; the C1 control of the same value for the five
    /// bytes it leaves undefined.
    static func windows1252(_ byte: UInt8) -> Unicode.Scalar {
        guard (0x80..<0xA0).contains(byte) else { return Unicode.Scalar(byte) }
        let value = windows1252C1[Int(byte) - 0x80]
        return Unicode.Scalar(value) ?? Unicode.Scalar(byte)
    }

    /// The letter VNI's `mark` makes of the letter `base`; nil when it cannot mark it.
    static func vniApply(_ mark: VNIMark, to base: Unicode.Scalar) -> Unicode.Scalar? {
        guard let letter = letters[base], letter.tone == .none else { return nil }
        let plain: Unicode.Scalar
        switch (mark.kind, letter.base) {
        case (.tone, "a"), (.tone, "e"), (.tone, "o"), (.tone, "u"), (.tone, "y"), (.tone, "ơ"), (.tone, "ư"):
            plain = letter.base
        case (.circumflex, "a"): plain = "â"
        case (.circumflex, "e"): plain = "ê"
        case (.circumflex, "o"): plain = "ô"
        case (.breve, "a"): plain = "ă"
        default: return nil
        }
        return vowel(plain, mark.tone, upper: letter.isUpper)
    }

    // MARK: - Vietnamese letters

    /// A Vietnamese tone, in the order of the rows of `vowelRows`.
    enum Tone: Int, Sendable {
        case none, grave, hook, tilde, acute, dot
    }

    /// What a letter is made of: its lower-case letter without tone, its tone and its case.
    struct Letter: Sendable {
        /// The small letter without tone: a, ă, â, ..., đ, b, c, ...
        var base: Unicode.Scalar
        /// The tone the letter carries.
        var tone: Tone
        /// Whether the letter is a capital.
        var isUpper: Bool
    }

    /// The twelve vowels, small and capital, each without tone and then with grave, hook,
    /// tilde, acute and dot, as precomposed characters.
    static let vowelRows: [(small: [Unicode.Scalar], capital: [Unicode.Scalar])] = [
        ("aàảãáạ", "AÀẢÃÁẠ"), ("ăằẳẵắặ", "ĂẰẲẴẮẶ"), ("âầẩẫấậ", "ÂẦẨẪẤẬ"),
        ("eèẻẽéẹ", "EÈẺẼÉẸ"), ("êềểễếệ", "ÊỀỂỄẾỆ"), ("iìỉĩíị", "IÌỈĨÍỊ"),
        ("oòỏõóọ", "OÒỎÕÓỌ"), ("ôồổỗốộ", "ÔỒỔỖỐỘ"), ("ơờởỡớợ", "ƠỜỞỠỚỢ"),
        ("uùủũúụ", "UÙỦŨÚỤ"), ("ưừửữứự", "ƯỪỬỮỨỰ"), ("yỳỷỹýỵ", "YỲỶỸÝỴ"),
    ].map { (Array($0.0.unicodeScalars), Array($0.1.unicodeScalars)) }

    /// Every letter Vietnamese spelling uses (with the Latin consonants it does not, which
    /// make a word foreign), small and capital.
    static let letters: [Unicode.Scalar: Letter] = {
        var table: [Unicode.Scalar: Letter] = [:]
        for row in vowelRows {
            for tone in 0..<6 {
                let t = Tone(rawValue: tone)!
                table[row.small[tone]] = Letter(base: row.small[0], tone: t, isUpper: false)
                table[row.capital[tone]] = Letter(base: row.small[0], tone: t, isUpper: true)
            }
        }
        for consonant in "bcdfghjklmnpqrstvwxz".unicodeScalars {
            table[consonant] = Letter(base: consonant, tone: .none, isUpper: false)
            table[Unicode.Scalar(consonant.value - 0x20)!] = Letter(base: consonant, tone: .none, isUpper: true)
        }
        table["đ"] = Letter(base: "đ", tone: .none, isUpper: false)
        table["Đ"] = Letter(base: "đ", tone: .none, isUpper: true)
        return table
    }()

    /// The vowel `base` (small, without tone) with `tone`, small or capital.
    static func vowel(_ base: Unicode.Scalar, _ tone: Tone, upper: Bool) -> Unicode.Scalar? {
        guard let row = vowelRows.first(where: { $0.small[0] == base }) else { return nil }
        return (upper ? row.capital : row.small)[tone.rawValue]
    }

    /// The capital of a small Vietnamese letter.
    static func upperCased(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        guard let letter = letters[scalar], !letter.isUpper else { return scalar }
        if let capital = vowel(letter.base, letter.tone, upper: true) { return capital }
        if letter.base == "đ" { return "Đ" }
        return Unicode.Scalar(scalar.value - 0x20) ?? scalar
    }

    // MARK: - Syllables

    /// Where the tone may sit in a vowel nucleus (index into the nucleus), without a coda
    /// and with one; nil where the nucleus cannot stand that way.
    struct Nucleus: Sendable {
        /// The places for the tone when no consonant follows; nil: a consonant must follow.
        var open: [Int]?
        /// The places for the tone before a consonant; nil: no consonant may follow.
        var closed: [Int]?
    }

    /// The vowel nuclei of Vietnamese spelling, medial o/u included (after qu and gi the u
    /// and i belong to the onset). Where old and new spelling place the tone differently
    /// (hòa/hoà, thủy/thuỷ) both places are allowed.
    static let nuclei: [String: Nucleus] = {
        var table: [String: Nucleus] = [:]
        for v in ["a", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y"] { table[v] = Nucleus(open: [0], closed: [0]) }
        for v in ["ă", "â"] { table[v] = Nucleus(open: nil, closed: [0]) }
        for v in [
            "ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "ia", "iu", "oi", "ôi", "ơi", "ua", "ui", "ưa", "ưi", "ưu",
        ] {
            table[v] = Nucleus(open: [0], closed: nil)
        }
        for v in ["oa", "oe", "uy"] { table[v] = Nucleus(open: [0, 1], closed: [1]) }
        for v in ["oă", "uâ", "iê", "yê", "uô", "ươ", "oo"] { table[v] = Nucleus(open: nil, closed: [1]) }
        table["uê"] = Nucleus(open: [1], closed: [1])
        table["uơ"] = Nucleus(open: [1], closed: nil)
        for v in ["iêu", "yêu", "oai", "oay", "oao", "oeo", "uây", "uôi", "ươi", "ươu", "uya", "uyu"] {
            table[v] = Nucleus(open: [1], closed: nil)
        }
        table["uyê"] = Nucleus(open: nil, closed: [2])
        return table
    }()

    /// The rhymes (nucleus and coda, without tone) of Vietnamese, with ăk and uk of Central
    /// Highlands names (Đắk Lắk, Krông Búk) and a few of loanwords (tuýp, tuyn).
    static let rhymes: Set<String> = Set(
        """
        a ac ach ai am an ang anh ao ap at au ay ăc ăk ăm ăn ăng ăp ăt âc âm ân âng âp ât âu ây \
        e ec em en eng eo ep et ê êch êm ên ênh êp êt êu i ia ich im in inh ip it iu \
        iêc iêm iên iêng iêp iêt iêu o oc oi om on ong op ot ooc oong \
        oa oac oach oai oam oan oang oanh oao oap oat oay oăc oăm oăn oăng oăt oe oen oeo oet \
        ô ôc ôi ôm ôn ông ôp ôt ơ ơi ơm ơn ơp ơt u ua uc ui uk um un ung up ut \
        uân uâng uât uây uê uêch uênh uôc uôi uôm uôn uông uôt uơ \
        uy uya uych uyn uynh uyp uyt uyu uyên uyêt ư ưa ưc ưi ưm ưn ưng ưt ưu \
        ươc ươi ươm ươn ương ươp ươt ươu y ych ynh yt yêm yên yêng yêt yêu
        """.split(separator: " ").map(String.init))

    /// Onsets: the consonants and clusters a Vietnamese syllable can begin with (kr for
    /// Central Highlands names such as Krông Pắc), and none.
    static let onsets: [[Unicode.Scalar]] = [
        "", "b", "c", "ch", "d", "đ", "g", "gh", "gi", "h", "k", "kh", "kr", "l", "m", "n", "ng", "ngh", "nh",
        "p", "ph", "qu", "r", "s", "t", "th", "tr", "v", "x",
    ].map { Array($0.unicodeScalars) }

    /// Codas: the consonants a Vietnamese syllable can end with, and none.
    static let codas: [[Unicode.Scalar]] = ["", "c", "ch", "k", "m", "n", "ng", "nh", "p", "t"].map {
        Array($0.unicodeScalars)
    }

    /// Whether `scalars` spell one Vietnamese syllable (in any case).
    static func isSyllable(_ scalars: [Unicode.Scalar]) -> Bool {
        var bases: [Unicode.Scalar] = []
        var tone = Tone.none
        var tonePosition = 0
        for scalar in scalars {
            guard let letter = letters[scalar] else { return false }
            if letter.tone != .none {
                guard tone == .none else { return false }
                tone = letter.tone
                tonePosition = bases.count
            }
            bases.append(letter.base)
        }
        for onset in onsets where bases.starts(with: onset) && bases.count > onset.count {
            let rhyme = String(String.UnicodeScalarView(bases[onset.count...]))
            // After gi the i of iê is not written again: giêng, giết.
            guard rhymes.contains(rhyme) || (onset == ["g", "i"] && rhymes.contains("i" + rhyme)) else { continue }
            for coda in codas
            where bases.count - onset.count > coda.count && bases.suffix(coda.count).elementsEqual(coda) {
                let nucleus = Array(bases[onset.count..<(bases.count - coda.count)])
                guard let rule = nuclei[String(String.UnicodeScalarView(nucleus))],
                    let places = coda.isEmpty ? rule.open : rule.closed
                else { continue }
                if tone != .none && !places.contains(tonePosition - onset.count) { continue }
                if fits(onset: onset, nucleus: nucleus, coda: coda, tone: tone) { return true }
            }
        }
        return false
    }

    /// The spelling rules between onset, nucleus, coda and tone that the tables leave out.
    static func fits(onset: [Unicode.Scalar], nucleus: [Unicode.Scalar], coda: [Unicode.Scalar], tone: Tone) -> Bool {
        let first = nucleus[0]
        let frontVowels: [Unicode.Scalar] = ["e", "ê", "i"]
        switch String(String.UnicodeScalarView(onset)) {
        case "c": if frontVowels.contains(first) || first == "y" { return false }
        case "gh", "ngh": if !frontVowels.contains(first) { return false }
        // Krông of Central Highlands names only.
        case "kr": if nucleus != ["ô"] { return false }
        default: break
        }
        // Syllables ending in a stop carry the acute or the dot (or, unmarked, no tone).
        if ["c", "ch", "k", "p", "t"].contains(String(String.UnicodeScalarView(coda))) {
            if tone != .none && tone != .acute && tone != .dot { return false }
        }
        // y alone takes a coda only after qu (quýt, quỳnh).
        if nucleus == ["y"] && !coda.isEmpty && onset != ["q", "u"] { return false }
        return true
    }

    // MARK: - Tables

    /// TCVN3 (VN3) codes, one row for each vowel of `vowelRows` in the same order: the
    /// small vowel without tone, then with grave, hook, tilde, acute and dot. Capitals
    /// with tones have no codes of their own.
    static let tcvn3Vowels: [[UInt8]] = [
        [0x61, 0xB5, 0xB6, 0xB7, 0xB8, 0xB9],  // a
        [0xA8, 0xBB, 0xBC, 0xBD, 0xBE, 0xC6],  // ă
        [0xA9, 0xC7, 0xC8, 0xC9, 0xCA, 0xCB],  // â
        [0x65, 0xCC, 0xCE, 0xCF, 0xD0, 0xD1],  // e
        [0xAA, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6],  // ê
        [0x69, 0xD7, 0xD8, 0xDC, 0xDD, 0xDE],  // i
        [0x6F, 0xDF, 0xE1, 0xE2, 0xE3, 0xE4],  // o
        [0xAB, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9],  // ô
        [0xAC, 0xEA, 0xEB, 0xEC, 0xED, 0xEE],  // ơ
        [0x75, 0xEF, 0xF1, 0xF2, 0xF3, 0xF4],  // u
        [0xAD, 0xF5, 0xF6, 0xF7, 0xF8, 0xF9],  // ư
        [0x79, 0xFA, 0xFB, 0xFC, 0xFD, 0xFE],  // y
    ]

    /// TCVN3 codes of the other letters outside ASCII: the capitals that have one, and đ.
    static let tcvn3Others: [(code: UInt8, letter: Unicode.Scalar)] = [
        (0xA1, "Ă"), (0xA2, "Â"), (0xA3, "Ê"), (0xA4, "Ô"), (0xA5, "Ơ"), (0xA6, "Ư"), (0xA7, "Đ"), (0xAE, "đ"),
    ]

    /// TCVN3's letters by code (codes from 0x80), each with whether its case is unknown
    /// (a letter with a tone).
    static let tcvn3Decoding: [UInt8: (Unicode.Scalar, Bool)] = {
        var table: [UInt8: (Unicode.Scalar, Bool)] = [:]
        for (row, codes) in tcvn3Vowels.enumerated() {
            for (tone, code) in codes.enumerated() where code >= 0x80 {
                table[code] = (vowelRows[row].small[tone], tone != 0)
            }
        }
        for (code, letter) in tcvn3Others { table[code] = (letter, false) }
        return table
    }()

    /// A VNI diacritic byte: the mark it adds and the tone it carries.
    struct VNIMark: Sendable {
        /// The marks a VNI diacritic byte can add.
        enum Kind: Sendable { case tone, circumflex, breve }
        /// The mark: a tone alone, or the circumflex or breve with a tone or none.
        var kind: Kind
        /// The tone the byte carries.
        var tone: Tone
    }

    /// VNI diacritic bytes for a tone alone, as (after a capital, after a small letter),
    /// for grave, hook, tilde, acute and dot.
    static let vniToneBytes: [(UInt8, UInt8)] = [(0xD8, 0xF8), (0xDB, 0xFB), (0xD5, 0xF5), (0xD9, 0xF9), (0xCF, 0xEF)]

    /// VNI diacritic bytes for the circumflex (â ê ô) without tone and then with grave,
    /// hook, tilde, acute and dot, as (after a capital, after a small letter).
    static let vniCircumflexBytes: [(UInt8, UInt8)] = [
        (0xC2, 0xE2), (0xC0, 0xE0), (0xC5, 0xE5), (0xC3, 0xE3), (0xC1, 0xE1), (0xC4, 0xE4),
    ]

    /// VNI diacritic bytes for the breve (ă) without tone and then with grave, hook, tilde,
    /// acute and dot, as (after a capital, after a small letter).
    static let vniBreveBytes: [(UInt8, UInt8)] = [
        (0xCA, 0xEA), (0xC8, 0xE8), (0xDA, 0xFA), (0xDC, 0xFC), (0xC9, 0xE9), (0xCB, 0xEB),
    ]

    /// VNI's single-byte letters outside ASCII: đ, ơ, ư, i with tones, and ỵ.
    static let vniLetters: [UInt8: Unicode.Scalar] = [
        0xD1: "Đ", 0xF1: "đ", 0xD4: "Ơ", 0xF4: "ơ", 0xD6: "Ư", 0xF6: "ư",
        0xCC: "Ì", 0xEC: "ì", 0xC6: "Ỉ", 0xE6: "ỉ", 0xD3: "Ĩ", 0xF3: "ĩ", 0xCD: "Í", 0xED: "í", 0xD2: "Ị", 0xF2: "ị",
        0xCE: "Ỵ", 0xEE: "ỵ",
    ]

    /// VNI's diacritic bytes by code. Either form is accepted after a letter of either case.
    static let vniMarks: [UInt8: VNIMark] = {
        var table: [UInt8: VNIMark] = [:]
        for (i, bytes) in vniToneBytes.enumerated() {
            let mark = VNIMark(kind: .tone, tone: Tone(rawValue: i + 1)!)
            table[bytes.0] = mark
            table[bytes.1] = mark
        }
        for (kind, rows) in [(VNIMark.Kind.circumflex, vniCircumflexBytes), (.breve, vniBreveBytes)] {
            for (tone, bytes) in rows.enumerated() {
                let mark = VNIMark(kind: kind, tone: Tone(rawValue: tone)!)
                table[bytes.0] = mark
                table[bytes.1] = mark
            }
        }
        return table
    }()

    /// Windows-1252's characters for 0x80–0x9F (0 where undefined).
    static let windows1252C1: [UInt32] = [
        0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
        0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
        0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
        0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
    ]

    /// Where Windows-1258 differs from Windows-1252, besides its tone marks (0: undefined).
    static let windows1258Changes: [UInt8: UInt32] = [
        0x8A: 0, 0x8E: 0, 0x9A: 0, 0x9E: 0,
        0xC3: 0x0102, 0xD0: 0x0110, 0xD5: 0x01A0, 0xDD: 0x01AF,
        0xE3: 0x0103, 0xF0: 0x0111, 0xF5: 0x01A1, 0xFD: 0x01B0, 0xFE: 0x20AB,
    ]

    /// Windows-1258's combining tone marks, which follow the vowel they mark.
    static let windows1258Tones: [UInt8: Tone] = [0xCC: .grave, 0xD2: .hook, 0xDE: .tilde, 0xEC: .acute, 0xF2: .dot]
}
