import ArgumentParser
import Foundation
import LoaxaCore
import LoaxaLibrary
import LoaxaSchedule
import LoaxaStore

#if canImport(Glibc)
    import Glibc
#endif

struct MediaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "media", abstract: "The media library: index, list, import and approve segments.",
        subcommands: [Scan.self, List.self, Import.self, Approve.self, Unapprove.self])

    struct Scan: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Index the media folder: analyse new and changed files, refuse those that cannot air.",
            discussion: """
                The first folder under the media folder is the segment's topic. Files not changed since \
                the last scan are not analysed again. Exits 1 when a file was refused (the others are \
                indexed all the same).
                It runs at a lower CPU priority (nice 10), so that a station on air keeps the CPU it needs.
                Example:
                  loaxa media scan
                """)

        @OptionGroup var options: ConfigOption
        @Flag(name: .long, help: "Print JSON instead of text.") var json = false

        func run() throws {
            let config = try options.loadConfig()
            let library = try openLibrary(config)
            // Decoding whole files is background work: a station on air keeps the CPU first.
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
            let started = DispatchTime.now().uptimeNanoseconds
            let results: [MediaLibrary.FileResult]
            do {
                results = try library.scan { result in
                    if !json, result.change != .unchanged { print(MediaOutput.line(result)) }
                }
            } catch {
                printError("loaxa: \(error)")
                throw ExitCode(1)
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            let summary = MediaOutput.Summary(results, seconds: seconds)
            if json {
                print(jsonText(MediaOutput.ScanJSON(summary: summary, files: results.map(MediaOutput.FileJSON.init))))
            } else {
                print(summary.text)
            }
            if summary.refused > 0 { throw ExitCode(1) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the segments of the library.",
            discussion: """
                Without --all, only segments that can air. Times are in station time.
                Examples:
                  loaxa media list --topic giam-ngheo
                  loaxa media list --all --json
                """)

        @OptionGroup var options: ConfigOption
        @Option(help: "Only this topic (the first folder under the media folder).") var topic: String?
        @Flag(name: .long, help: "Also files refused or gone from the folder, with the reason.") var all = false
        @Flag(name: .long, help: "Print JSON instead of text.") var json = false

        func run() throws {
            let config = try options.loadConfig()
            guard let log = try AirplayLog.openReadOnly(path: config.paths.database) else {
                if json { print("[]") } else { print("The library is empty: run `loaxa media scan` first.") }
                return
            }
            let states: Set<LibraryEntry.State> = all ? Set(LibraryEntry.State.allCases) : [.ok]
            let entries: [LibraryEntry]
            do {
                entries = try log.libraryEntries(topic: topic?.precomposedStringWithCanonicalMapping, states: states)
            } catch {
                printError("loaxa: cannot read the media library in \(config.paths.database): \(error). Run `loaxa media scan` first.")
                throw ExitCode(1)
            }
            let zone = config.station.timeZone
            if json {
                print(jsonText(entries.map { MediaOutput.EntryJSON($0, zone: zone) }))
            } else if entries.isEmpty {
                print(topic == nil ? "The library is empty: run `loaxa media scan` first." : "No segments in the topic \(topic!).")
            } else {
                print(MediaOutput.table(entries, zone: zone, showState: all).joined(separator: "\n"))
            }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy audio files into a topic's folder and index them.",
            discussion: """
                Each file is checked first (it decodes, has audio, is not too long); a refused file is \
                not copied. It is copied under its name in Unicode NFC. A file of the same name with \
                other content is refused unless --replace is given.
                Examples:
                  loaxa media import /media/usb/*.mp3 --topic giam-ngheo
                  loaxa media import ~/ghi-am.wav --topic thong-bao --title "Thông báo họp dân thôn 3"
                """)

        @OptionGroup var options: ConfigOption
        @Argument(help: "The audio files.") var files: [String]
        @Option(help: "The topic: the folder under the media folder to copy them into.") var topic: String
        @Option(help: "The title to show (one file only); else the file's title tag or name.") var title: String?
        @Flag(name: .long, help: "Replace a file of the same name that has other content.") var replace = false

        func validate() throws {
            if files.isEmpty { throw ValidationError("give at least one file to import") }
            if title != nil && files.count > 1 { throw ValidationError("--title names one file; import the files one at a time") }
        }

        func run() throws {
            let config = try options.loadConfig()
            let library = try openLibrary(config)
            var refused = 0
            for file in files {
                do {
                    let result = try library.importFile(
                        LocalPath.fromCurrentDirectory(file), into: topic, title: title, existing: replace ? .replace : .refuse)
                    print(MediaOutput.line(result))
                    if result.change == .refused { refused += 1 }
                } catch {
                    print("refused    \(file): \(error.message)")
                    refused += 1
                }
            }
            if refused > 0 {
                printError("loaxa: \(refused) of \(files.count) files refused")
                throw ExitCode(1)
            }
        }
    }

    struct Approve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record that a segment's content was approved for air.",
            discussion: """
                The approval belongs to the file's content: a file replaced later needs approving again. \
                It is recorded in the airplay log. With require_approval = true in [playout], only \
                approved segments air (queued ones are approved by the operator who queues them).
                Example:
                  loaxa media approve 12 --by "Nguyễn Văn An, Chủ tịch UBND xã"
                """)

        @OptionGroup var options: ConfigOption
        @Argument(help: "The segment: its id in `loaxa media list`, or its path under the media folder.") var id: String
        @Option(help: "Who approved it (name and office).") var by: String

        func run() throws {
            let config = try options.loadConfig()
            let library = try openLibrary(config)
            let entry = try airableEntry(library, id)
            let name = by.trimmingCharacters(in: .whitespacesAndNewlines).precomposedStringWithCanonicalMapping
            guard !name.isEmpty else { throw ValidationError("--by is empty; give the approver's name") }
            let approval = try library.log.approve(entry, approvedBy: name, operatorName: currentUserName())
            print("approved #\(entry.id) \(entry.path) (\(entry.title)) in the name of \(name), log event \(approval.eventSeq)")
            for other in try library.log.libraryEntries(states: [.ok]) where other.sha256 == entry.sha256 && other.id != entry.id {
                print("the same content is also at #\(other.id) \(other.path): approved too")
            }
        }
    }

    struct Unapprove: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Withdraw a segment's approval.",
            discussion: "Example:\n  loaxa media unapprove 12")

        @OptionGroup var options: ConfigOption
        @Argument(help: "The segment: its id in `loaxa media list`, or its path under the media folder.") var id: String

        func run() throws {
            let config = try options.loadConfig()
            let library = try openLibrary(config)
            guard let entry = try library.entry(named: id) else { throw notFound(id) }
            if let withdrawn = try library.log.unapprove(entry, operatorName: currentUserName()) {
                print("withdrew the approval of #\(entry.id) \(entry.path) given by \(withdrawn.approvedBy)")
            } else {
                print("#\(entry.id) \(entry.path) was not approved; nothing changed")
            }
        }
    }
}

/// The station's library, its database opened for writing (created if needed).
private func openLibrary(_ config: StationConfig) throws -> MediaLibrary {
    do {
        try FileManager.default.createDirectory(
            atPath: (config.paths.database as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        return MediaLibrary(settings: LibrarySettings(config: config), log: try AirplayLog(path: config.paths.database))
    } catch {
        printError("loaxa: \(error)")
        throw ExitCode(1)
    }
}

/// The entry `name` names, which must be able to air.
private func airableEntry(_ library: MediaLibrary, _ name: String) throws -> LibraryEntry {
    guard let entry = try library.entry(named: name) else { throw notFound(name) }
    switch entry.state {
    case .ok:
        return entry
    case .refused:
        printError("loaxa: #\(entry.id) \(entry.path) cannot air (\(entry.problem ?? "refused")); fix or replace the file, then scan")
    case .missing:
        printError("loaxa: #\(entry.id) \(entry.path) is no longer in the media folder")
    }
    throw ExitCode(1)
}

private func notFound(_ name: String) -> ExitCode {
    printError("loaxa: no segment \(name) in the library; see `loaxa media list` for ids, or run `loaxa media scan`")
    return ExitCode(1)
}

/// The user running the command, as the system names it.
func currentUserName() -> String? {
    guard let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name else { return nil }
    return String(cString: name)
}
