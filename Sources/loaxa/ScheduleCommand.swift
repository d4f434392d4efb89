import ArgumentParser
import Foundation
import LoaxaControl
import LoaxaCore
import LoaxaLibrary
import LoaxaMedia
import LoaxaSchedule
import LoaxaStore

struct ScheduleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule", abstract: "Check the schedules, show a day's timeline, reload them in the daemon.",
        subcommands: [Check.self, Show.self, Reload.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the config, the schedules, the media they name and the plans; print every problem as FILE:LINE: message.",
            discussion: "Exits 0 when all is well, 1 when there are problems.\nExample:\n  loaxa schedule check --config /etc/loaxa/loaxa.toml")

        @OptionGroup var options: ConfigOption

        func run() throws {
            switch StationSetup.load(configPath: options.config, mediaDuration: MediaDuration.headerMicros) {
            case .success(let setup):
                let (plans, problems) = Plan.loadAll(folder: setup.config.paths.plans)
                guard problems.isEmpty else {
                    print(DiagnosticList(problems).description)
                    printError("\(problems.count) problem(s) found in the plans")
                    throw ExitCode(1)
                }
                let targets = plans.reduce(0) { $0 + $1.targets.count }
                print("\(setup.config.file): OK — \(setup.schedule.blocks.count) blocks, \(plans.count) plans with \(targets) targets, no problems found")
            case .failure(let problems):
                print(problems.description)
                printError("\(problems.count) problem(s) found")
                throw ExitCode(1)
            }
        }
    }

    struct Reload: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make the running daemon read the config and schedules again.",
            discussion: """
                The block on air finishes as it was; waiting blocks follow the new schedule. A schedule \
                with problems is refused (they are printed as FILE:LINE: message) and the old one stays.
                Example:
                  loaxa schedule reload
                """)

        @OptionGroup var options: ConfigOption

        func run() throws {
            let config = try options.loadConfig()
            let response = try askDaemon(ControlRequest(command: "reload"), config: config)
            guard response.ok else {
                printError(response.error ?? "the daemon refused the reload")
                throw ExitCode(1)
            }
            print(response.message ?? "reloaded")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a day's timeline: every block that starts that day and what it airs, with planned times.",
            discussion: """
                Topic items show the segments the rotation would pick, from the airplay log when there \
                is one (read only: the daemon need not run); days after today follow the rotation on \
                from today. Files that are missing or cannot be read are marked, and so are items that \
                would not fit in their block ("block full"). For today, the segments waiting in the \
                operator queue are placed at the queue items they would air at, when the daemon is \
                running; otherwise a queue item reads "(operator queue)". A block that runs past \
                midnight belongs to the day it starts.
                Exits 0 when shown, 1 when the config or the schedules have problems.
                Examples:
                  loaxa schedule show --config /etc/loaxa/loaxa.toml
                  loaxa schedule show --date 2025-03-08 --json
                """)

        @OptionGroup var options: ConfigOption
        @Option(help: "The day (YYYY-MM-DD, station time); default today.") var date: String?
        @Flag(name: .long, help: "Print JSON instead of a table.") var json = false

        /// How far ahead the rotation is followed day by day; a later day starts from the
        /// log as it is, this many days before it.
        static let maxSimulatedDays = 3660

        func validate() throws {
            if let date, CivilDate(date) == nil {
                throw ValidationError("--date \(date): not a date; write it as YYYY-MM-DD, such as 2025-03-08")
            }
        }

        func run() throws {
            let headers = MediaHeaders()
            let setup: StationSetup
            switch StationSetup.load(
                configPath: options.config, mediaDuration: headers.durationMicros, missingMediaIsFatal: false)
            {
            case .success(let loaded):
                setup = loaded
            case .failure(let problems):
                printError(problems.description)
                printError("\(problems.count) problem(s) found; fix them to see the timeline")
                throw ExitCode(1)
            }
            for warning in setup.warnings { printError(warning.description) }

            let zone = setup.config.station.timeZone
            let today = zone.localDate(of: WallTime.now())
            let day = date.flatMap(CivilDate.init) ?? today
            // The library's view of the topics, as the daemon picks them (read-only; none if
            // the log cannot be opened).
            let log = (try? AirplayLog.openReadOnly(path: setup.config.paths.database)) ?? nil
            let folder = TimelineMedia.folder(setup.config.paths.media) { headers.durationMicros($0) }
            var topics: [String: [TopicSegment]] = [:]
            let media = TimelineMedia(file: folder.file) { topic in
                if let known = topics[topic] { return known }
                let view = MediaLibrary.topicView(
                    folder.topic(topic), topic: topic, mediaFolder: setup.config.paths.media, log: log)
                topics[topic] = view.segments
                return view.segments
            }
            let lastAired = lastAired(before: day, today: today, setup: setup, media: media, log: log)
            var timeline = setup.schedule.timeline(
                on: day, zone: zone, media: media, lastAired: lastAired,
                queue: day == today ? waitingQueue(setup.config) : [])
            let requireApproval = setup.config.playout.requireApproval
            for b in timeline.blocks.indices {
                for e in timeline.blocks[b].entries.indices {
                    let entry = timeline.blocks[b].entries[e]
                    guard entry.note != .missing, let name = entry.media else { continue }
                    let path = MediaFile.locate(name, in: setup.config.paths.media) ?? setup.config.paths.media + "/" + name
                    let known = MediaLibrary.currentEntry(media: name, at: path, log: log)
                    if entry.title == nil {
                        timeline.blocks[b].entries[e].title = known?.title ?? headers.title(of: path, media: name)
                    }
                    if requireApproval, entry.kind != .queue, entry.note == nil, !approved(path, known, log: log) {
                        timeline.blocks[b].entries[e].note = .notApproved
                    }
                }
            }
            if json {
                print(try TimelineOutput.json(timeline, zone: zone))
            } else {
                let heading = "\(setup.config.station.name) — \(day) (\(Weekday(of: day))), \(zone)"
                print(TimelineOutput.table(timeline, zone: zone, heading: heading))
            }
        }

        /// Whether the content of the file at `path` is approved: as the library's current
        /// entry `known` says, else by hashing the file.
        func approved(_ path: String, _ known: LibraryEntry?, log: AirplayLog?) -> Bool {
            if let known { return known.approval != nil }
            guard let log, let sha256 = try? MediaHasher.sha256(path: path) else { return false }
            return (try? log.approval(sha256: sha256)) != nil
        }

        /// The normal entries waiting in the running daemon's queue; none when it does not
        /// answer (the timeline is shown all the same).
        func waitingQueue(_ config: StationConfig) -> [QueuedSegment] {
            guard let response = try? ControlClient.send(ControlRequest(command: "queue-list"), to: config.paths.socket)
            else { return [] }
            return (response.queue ?? []).filter { $0.priority == "normal" && $0.state == "waiting" }.map {
                QueuedSegment(media: $0.media, title: $0.title, durationMicros: ($0.durationMs ?? 0) * 1000, blockID: $0.block)
            }
        }

        /// When each segment last aired before `day`: the log's airings up to the start of
        /// `day` (of today, for a later day), then the rotation followed from today to `day`.
        /// With no log, or one that cannot be read, nothing has aired.
        func lastAired(
            before day: CivilDate, today: CivilDate, setup: StationSetup, media: TimelineMedia, log: AirplayLog?
        ) -> [String: WallTime] {
            let zone = setup.config.station.timeZone
            let first = max(min(day, today), day.adding(days: -Self.maxSimulatedDays))
            var aired: [String: WallTime] = [:]
            do {
                if let log {
                    let start = zone.wallTime(date: first, secondOfDay: 0)
                    for topic in setup.schedule.topics {
                        aired = TopicRotation.merging(aired, try log.lastAired(topic: topic, before: start))
                    }
                }
            } catch {
                printError("loaxa: \(error); topics are shown as if none of their segments had aired")
            }
            var date = first
            while date < day {
                let timeline = setup.schedule.timeline(on: date, zone: zone, media: media, lastAired: aired)
                aired = timeline.lastAired(after: aired)
                date = date.adding(days: 1)
            }
            return aired
        }
    }
}

/// Each media file's header, read once: its duration and title.
final class MediaHeaders {
    private var known: [String: AudioFileInfo?] = [:]

    func info(_ path: String) -> AudioFileInfo? {
        if let info = known[path] { return info }
        let info = try? AudioFileReader(path: path).info
        known[path] = info
        return info
    }

    /// The header's duration in microseconds; nil when the file cannot be read.
    func durationMicros(_ path: String) -> Int64? { info(path)?.headerMicros }

    /// The title from the file's tags, else its name without extension, in Unicode NFC (as
    /// the daemon logs it for a file the library does not know).
    func title(of path: String, media: String) -> String {
        MediaTitle.resolve(tagBytes: info(path)?.titleBytes, fileName: (media as NSString).lastPathComponent).text
    }
}

extension Schedule {
    /// The topics the blocks' items name.
    var topics: Set<String> {
        var out = Set<String>()
        for block in blocks {
            for case .topic(let topic, _) in block.items { out.insert(topic) }
        }
        return out
    }
}
