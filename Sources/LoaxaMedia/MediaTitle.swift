import Foundation
import LoaxaCore

/// A segment's title as the library shows it: from the file's title tag, else its file
/// name without the extension, always in Unicode NFC.
///
/// Tags and names written on old Windows machines may hold Vietnamese in the legacy 8-bit
/// encodings TCVN3 and VNI, which read as garbage in Unicode ("Th«ng b¸o"). Such text is
/// converted when it reads as Vietnamese, and `note` says so; tag bytes that are neither
/// UTF-8 nor a legacy Vietnamese encoding are not shown at all (the file name is used).
public struct MediaTitle: Sendable, Hashable {
    public var text: String
    public var source: Source
    /// What was found and done, for the operator: set when the tag or name was in a legacy
    /// encoding, or a tag could not be read.
    public var note: String?

    public enum Source: String, Sendable, Hashable, Codable {
        case tag
        case fileName = "file_name"
        /// Given by the operator (`loaxa media import --title`).
        case operatorGiven = "operator"
    }

    public init(text: String, source: Source, note: String? = nil) {
        self.text = text
        self.source = source
        self.note = note
    }

    /// The title from `tagBytes` (a title tag's bytes, nil when there is none) or else from
    /// `fileName` (the file's name, any Unicode form, with or without its extension).
    public static func resolve(tagBytes: [UInt8]?, fileName: String) -> MediaTitle {
        var tagNote: String?
        if let tagBytes {
            if let text = String(validating: tagBytes, as: UTF8.self) {
                let cleaned = clean(text)
                if !cleaned.isEmpty {
                    if let legacy = LegacyVietnamese.detect(cleaned) {
                        let note = "the title tag is in the legacy \(legacy.encoding.rawValue) encoding "
                            + "(it reads \"\(cleaned)\"); shown converted"
                        return MediaTitle(text: clean(legacy.unicode), source: .tag, note: note)
                    }
                    return MediaTitle(text: cleaned, source: .tag)
                }
            } else if let legacy = LegacyVietnamese.decode(bytes: tagBytes), !clean(legacy.unicode).isEmpty {
                let note = "the title tag is in the legacy \(legacy.encoding.rawValue) encoding; shown converted"
                return MediaTitle(text: clean(legacy.unicode), source: .tag, note: note)
            } else {
                tagNote = "the title tag is not UTF-8 text and does not read as Vietnamese in TCVN3 or VNI; "
                    + "the file name is used"
            }
        }
        let stem = clean((fileName as NSString).deletingPathExtension)
        if let legacy = LegacyVietnamese.detect(stem) {
            let note = "the file name is in the legacy \(legacy.encoding.rawValue) encoding (it reads \"\(stem)\"); "
                + "shown converted"
            return MediaTitle(text: clean(legacy.unicode), source: .fileName, note: [tagNote, note].compactMap { $0 }.joined(separator: "; "))
        }
        return MediaTitle(text: stem, source: .fileName, note: tagNote)
    }

    /// `text` in NFC, control characters removed and white space collapsed and trimmed.
    public static func clean(_ text: String) -> String {
        let scalars = text.precomposedStringWithCanonicalMapping.unicodeScalars.map { scalar -> Character in
            scalar.properties.generalCategory == .control || scalar.properties.isWhitespace ? " " : Character(scalar)
        }
        return String(scalars).split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }
}
