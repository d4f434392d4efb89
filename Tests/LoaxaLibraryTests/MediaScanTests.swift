import Foundation
import LoaxaCore
import LoaxaLibrary
import LoaxaMedia
import LoaxaStore
import Testing

/// Frames decoded from the file at `path`, counted by reading it to the end.
private func decodedFrames(_ path: String) throws -> Int64 {
    let reader = try AudioFileReader(path: path)
    let buffer = UnsafeMutablePointer<Float>.allocate(capacity: 4096 * reader.info.channels)
    defer { buffer.deallocate() }
    var total: Int64 = 0
    while case let n = try reader.read(into: buffer, frames: 4096), n > 0 { total += Int64(n) }
    return total
}

@Test func scanIndexesEveryFormatWithWhatItMeasured() throws {
    let f = try LibraryFixture(folderLanguages: ["tieng-mong": "hmn"])
    try f.add("speech-noise-22k.wav", as: "giam-ngheo/loi-noi.wav")
    try f.add("bursts-44k.mp3", as: "giam-ngheo/bursts.mp3")
    try f.add("chirp-48k.flac", as: "jingles/mo-dau.flac")
    try f.add("noise-speech.opus", as: "tieng-mong/tin-tuc.opus")
    try f.add("noise-vorbis-32k.ogg", as: "top-level.ogg")
    let results = try f.library.scan()
    #expect(results.map(\.change) == [.added, .added, .added, .added, .added])

    let entries = try f.log.libraryEntries()
    #expect(entries.count == 5)
    for entry in entries {
        let path = f.media + "/" + entry.path
        let content = try #require(entry.content)
        #expect(entry.sha256 == (try MediaHasher.sha256(path: path)))
        #expect(content.frames == (try decodedFrames(path)))
        #expect(content.loudnessLUFS > -70 && content.loudnessLUFS < 0)
        #expect(content.truePeakDBTP > -40 && content.truePeakDBTP <= 1)
        #expect(entry.state == .ok && entry.problem == nil)
        #expect(entry.approval == nil)
    }
    let wav = try #require(try f.entry("giam-ngheo/loi-noi.wav"))
    #expect(wav.topic == "giam-ngheo")
    #expect(wav.content?.format == "wav")
    #expect(wav.content?.sampleRate == 22050 && wav.content?.channels == 1)
    #expect(wav.content?.frames == 88200)
    #expect(wav.content?.durationMs == 4000)
    #expect(wav.title == "loi-noi" && wav.titleSource == "file_name")
    #expect(wav.language == "vi")
    let flac = try #require(try f.entry("jingles/mo-dau.flac"))
    #expect(flac.content?.frames == 144_000 && flac.content?.sampleRate == 48000 && flac.content?.channels == 2)
    #expect(try f.entry("tieng-mong/tin-tuc.opus")?.language == "hmn")
    #expect(try f.entry("tieng-mong/tin-tuc.opus")?.content?.format == "opus")
    #expect(try f.entry("top-level.ogg")?.topic == nil)
    #expect(try f.entry("giam-ngheo/bursts.mp3")?.content?.format == "mp3")
}

@Test func filesThatCannotAirAreRefusedWithTheReasonAndTheScanGoesOn() throws {
    let f = try LibraryFixture(maxMinutes: 1)
    try f.add("speech-noise-22k.wav", as: "giam-ngheo/tot.wav")
    try f.add("broken.wav", as: "giam-ngheo/hong.wav")
    try f.run(["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", f.media + "/giam-ngheo/rong.wav", "trim", "0", "0"])
    try f.run(["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", f.media + "/giam-ngheo/dai.wav", "synth", "61", "sine", "440"])
    try f.run(["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", f.media + "/giam-ngheo/vua.wav", "synth", "59", "sine", "440"])
    _ = FileManager.default.createFile(atPath: f.media + "/giam-ngheo/cat-do.mp3", contents: Data())
    _ = FileManager.default.createFile(atPath: f.media + "/giam-ngheo/ghi-am.m4a", contents: Data([1, 2, 3]))
    _ = FileManager.default.createFile(atPath: f.media + "/giam-ngheo/ghi-chu.txt", contents: Data("x".utf8))
    // TCVN3 bytes of "Thông báo", as an old Windows program wrote the name.
    try f.writeRawName(Array("Th".utf8) + [0xAB] + Array("ng b".utf8) + [0xB8] + Array("o.wav".utf8), in: "giam-ngheo",
        contentsOf: testAudio + "/speech-noise-22k.wav")

    let results = try f.library.scan()
    let byPath = Dictionary(results.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
    #expect(byPath["giam-ngheo/tot.wav"]?.change == .added)
    #expect(byPath["giam-ngheo/vua.wav"]?.change == .added)
    #expect(byPath["giam-ngheo/hong.wav"]?.problem?.hasPrefix("cannot decode") == true)
    #expect(byPath["giam-ngheo/rong.wav"]?.problem?.contains("no audio") == true)
    #expect(byPath["giam-ngheo/cat-do.mp3"]?.problem?.contains("empty (0 bytes)") == true)
    #expect(byPath["giam-ngheo/dai.wav"]?.problem?.contains("too long") == true)
    #expect(byPath["giam-ngheo/dai.wav"]?.problem?.contains("max_segment_minutes = 1") == true)
    #expect(byPath["giam-ngheo/ghi-am.m4a"]?.problem?.contains("convert it") == true)
    #expect(byPath["giam-ngheo/ghi-chu.txt"] == nil)
    let raw = try #require(byPath["giam-ngheo/Th\\xABng b\\xB8o.wav"])
    #expect(raw.change == .refused)
    #expect(raw.problem?.contains("not UTF-8") == true)
    #expect(raw.problem?.contains("Thông báo.wav") == true)

    // Refused files the library could name are kept with their reason; the rest air.
    #expect(try f.log.libraryEntries().map(\.path) == ["giam-ngheo/tot.wav", "giam-ngheo/vua.wav"])
    let refused = try f.log.libraryEntries(states: [.refused]).map(\.path).sorted()
    #expect(refused == ["giam-ngheo/cat-do.mp3", "giam-ngheo/dai.wav", "giam-ngheo/hong.wav", "giam-ngheo/rong.wav"])
}

@Test func namesFromAMacAndFromWindowsAreOneSegmentName() throws {
    let f = try LibraryFixture()
    let nfc = "Thông báo họp dân.wav"
    let nfd = nfc.decomposedStringWithCanonicalMapping
    #expect(Array(nfc.utf8) != Array(nfd.utf8))
    try f.add("speech-noise-22k.wav", as: "thong-bao/" + nfd)
    _ = try f.library.scan()
    let entry = try #require(try f.entry("thong-bao/" + nfc))
    #expect(entry.diskPath == "thong-bao/" + nfd)
    #expect(Array(entry.title.utf8) == Array("Thông báo họp dân".utf8))

    // The same name in NFC beside it: one segment name, so one is refused.
    try f.add("chirp-48k.flac", as: "thong-bao/" + nfc)
    let results = try f.library.scan()
    #expect(results.filter { $0.change == .refused }.count == 1)
    #expect(results.first { $0.change == .refused }?.problem?.contains("another Unicode form") == true)
    #expect(try f.log.libraryEntries().count == 1)
    #expect(try f.entry("thong-bao/" + nfc)?.diskPath == "thong-bao/" + nfc)
}

@Test func aRescanReadsOnlyWhatChanged() throws {
    let f = try LibraryFixture()
    try f.add("speech-noise-22k.wav", as: "giam-ngheo/a.wav")
    try f.add("chirp-48k.flac", as: "giam-ngheo/b.flac")
    let first = try f.library.scan()
    #expect(first.allSatisfy { $0.analysedFrames > 0 })
    let before = try #require(try f.entry("giam-ngheo/a.wav"))

    let second = try f.library.scan()
    #expect(second.map(\.change) == [.unchanged, .unchanged])
    #expect(second.allSatisfy { $0.analysedFrames == 0 })

    // Touched, same content: hashed again, not decoded again.
    try FileManager.default.setAttributes(
        [.modificationDate: Date(timeIntervalSinceNow: 60)], ofItemAtPath: f.media + "/giam-ngheo/a.wav")
    let third = try f.library.scan()
    #expect(third.map(\.change) == [.unchanged, .unchanged])
    #expect(third.allSatisfy { $0.analysedFrames == 0 })

    // The same content copied under another name is not decoded either.
    try f.add("speech-noise-22k.wav", as: "giam-ngheo/c.wav")
    let fourth = try f.library.scan()
    #expect(fourth.first { $0.path == "giam-ngheo/c.wav" }?.change == .added)
    #expect(fourth.allSatisfy { $0.analysedFrames == 0 })

    // Replaced in place: a new hash, the same id and time added.
    try f.add("loud-noise-48k.wav", as: "giam-ngheo/a.wav")
    let fifth = try f.library.scan()
    #expect(fifth.first { $0.path == "giam-ngheo/a.wav" }?.change == .changed)
    let after = try #require(try f.entry("giam-ngheo/a.wav"))
    #expect(after.id == before.id && after.addedAt == before.addedAt)
    #expect(after.sha256 != before.sha256)
    #expect(after.content?.sampleRate == 48000)

    // A media folder that is not there (a disk not mounted) is an error, not files deleted.
    var away = f.settings
    away.mediaFolder = f.root + "/not-mounted"
    #expect(throws: MediaLibrary.ScanError.self) { try MediaLibrary(settings: away, log: f.log).scan() }
    #expect(try f.entry("giam-ngheo/b.flac")?.state == .ok)

    // Removed: kept, marked missing; back again: the same id.
    try FileManager.default.removeItem(atPath: f.media + "/giam-ngheo/b.flac")
    let sixth = try f.library.scan()
    #expect(sixth.first { $0.path == "giam-ngheo/b.flac" }?.change == .missing)
    #expect(try f.entry("giam-ngheo/b.flac")?.state == .missing)
    let missingID = try f.entry("giam-ngheo/b.flac")?.id
    try f.add("chirp-48k.flac", as: "giam-ngheo/b.flac")
    _ = try f.library.scan()
    #expect(try f.entry("giam-ngheo/b.flac")?.id == missingID)
    #expect(try f.entry("giam-ngheo/b.flac")?.state == .ok)
}

@Test func approvalBelongsToTheContentAndIsEvidence() throws {
    let f = try LibraryFixture()
    try f.add("speech-noise-22k.wav", as: "giam-ngheo/a.wav")
    try f.add("speech-noise-22k.wav", as: "thong-bao/a-copy.wav")
    _ = try f.library.scan()
    let entry = try #require(try f.entry("giam-ngheo/a.wav"))
    let approval = try f.log.approve(entry, approvedBy: "Nguyễn Văn An", operatorName: "canbo")
    #expect(try f.entry("giam-ngheo/a.wav")?.approval == approval)
    // The same content elsewhere is approved by the same act.
    #expect(try f.entry("thong-bao/a-copy.wav")?.approval?.approvedBy == "Nguyễn Văn An")

    let events = try f.log.events()
    let approved = try #require(events.last)
    #expect(approved.kind == "media_approved")
    #expect(approved.sha256 == entry.sha256 && approved.approvedBy == "Nguyễn Văn An")
    #expect(approved.seq == approval.eventSeq)

    // Replaced in place: the new content is not approved.
    try f.add("chirp-48k.flac", as: "giam-ngheo/a.wav")
    _ = try f.library.scan()
    #expect(try f.entry("giam-ngheo/a.wav")?.approval == nil)
    #expect(try f.entry("thong-bao/a-copy.wav")?.approval != nil)

    let copy = try #require(try f.entry("thong-bao/a-copy.wav"))
    #expect(try f.log.unapprove(copy, operatorName: "canbo")?.approvedBy == "Nguyễn Văn An")
    #expect(try f.entry("thong-bao/a-copy.wav")?.approval == nil)
    #expect(try f.log.unapprove(copy, operatorName: "canbo") == nil)
    #expect(try f.log.events().last?.kind == "media_unapproved")
    guard case .intact(let count, _) = try f.log.verify() else {
        Issue.record("the chain does not verify")
        return
    }
    #expect(count == 2)
}

@Test func importChecksCopiesUnderAnNFCNameAndIndexes() throws {
    let f = try LibraryFixture()
    let outside = f.root + "/usb"
    try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
    let nfd = "Chương trình số 1.wav".decomposedStringWithCanonicalMapping
    try FileManager.default.copyItem(atPath: testAudio + "/speech-noise-22k.wav", toPath: outside + "/" + nfd)
    try FileManager.default.copyItem(atPath: testAudio + "/broken.wav", toPath: outside + "/hong.wav")

    // A new topic folder takes the media folder's mode (a packaged station's 2770, setgid),
    // not the importing officer's umask.
    chmod(f.media, 0o2770)
    let result = try f.library.importFile(outside + "/" + nfd, into: "giam-ngheo")
    #expect(result.change == .added)
    let folderMode = (try FileManager.default.attributesOfItem(atPath: f.media + "/giam-ngheo")[.posixPermissions] as? NSNumber)?.intValue
    #expect(folderMode == 0o2770, "\(String(folderMode ?? -1, radix: 8))")
    let names = try FileManager.default.contentsOfDirectory(atPath: f.media + "/giam-ngheo")
    #expect(names.map { Array($0.utf8) } == [Array("Chương trình số 1.wav".utf8)])
    #expect(result.entry?.path == "giam-ngheo/Chương trình số 1.wav")
    #expect(result.entry?.content?.frames == 88200)

    // Refused before anything is copied.
    #expect(throws: MediaLibrary.ImportError.self) { try f.library.importFile(outside + "/hong.wav", into: "giam-ngheo") }
    #expect(!FileManager.default.fileExists(atPath: f.media + "/giam-ngheo/hong.wav"))
    #expect(throws: MediaLibrary.ImportError.self) { try f.library.importFile(outside + "/" + nfd, into: "../ra-ngoai") }

    // The same content again: only indexed. Other content under the name: refused, or replaced.
    #expect(try f.library.importFile(outside + "/" + nfd, into: "giam-ngheo").change == .unchanged)
    try FileManager.default.removeItem(atPath: outside + "/" + nfd)
    try FileManager.default.copyItem(atPath: testAudio + "/loud-noise-48k.wav", toPath: outside + "/" + nfd)
    #expect(throws: MediaLibrary.ImportError.self) { try f.library.importFile(outside + "/" + nfd, into: "giam-ngheo") }
    let replaced = try f.library.importFile(outside + "/" + nfd, into: "giam-ngheo", existing: .replace)
    #expect(replaced.change == .changed && replaced.entry?.content?.sampleRate == 48000)

    // A title the operator gives outlives rescans.
    let titled = try f.library.importFile(
        testAudio + "/chirp-48k.flac", into: "thong-bao", title: "Thông báo  tiêm chủng".decomposedStringWithCanonicalMapping)
    #expect(titled.entry.map { Array($0.title.utf8) } == Array("Thông báo tiêm chủng".utf8))
    #expect(titled.entry?.titleSource == "operator")
    _ = try f.library.scan()
    #expect(try f.entry("thong-bao/chirp-48k.flac")?.title == "Thông báo tiêm chủng")
    #expect(try f.log.libraryEntries().count == 2)
}

@Test func titlesComeFromTagsAndLegacyTagsAreConverted() throws {
    let f = try LibraryFixture()
    try FileManager.default.createDirectory(atPath: f.media + "/giam-ngheo", withIntermediateDirectories: true)
    let source = testAudio + "/bursts-44k.mp3"
    for (name, title) in [("unicode.mp3", "Gương thoát nghèo"), ("tcvn3.mp3", "G­¬ng tho¸t nghÌo")] {
        try f.run([
            "ffmpeg", "-loglevel", "error", "-y", "-i", source, "-c", "copy", "-metadata", "title=\(title)",
            f.media + "/giam-ngheo/" + name,
        ])
    }
    let results = try f.library.scan()
    #expect(results.allSatisfy { $0.change == .added }, "\(results)")
    let unicode = try #require(try f.entry("giam-ngheo/unicode.mp3"))
    #expect(unicode.title == "Gương thoát nghèo" && unicode.titleSource == "tag" && unicode.titleNote == nil)
    let legacy = try #require(try f.entry("giam-ngheo/tcvn3.mp3"))
    #expect(legacy.title == "Gương thoát nghèo" && legacy.titleSource == "tag")
    #expect(legacy.titleNote?.contains("TCVN3") == true)
}
