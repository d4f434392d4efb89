import ArgumentParser
import Foundation
import LoaxaControl

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show what is on air, the next block and the sound card's state.",
        discussion: "Example:\n  loaxa status --config /etc/loaxa/loaxa.toml")

    @OptionGroup var options: ConfigOption
    @Flag(name: .long, help: "Print JSON instead of text.") var json = false

    func run() throws {
        let config = try options.loadConfig()
        let response = try askDaemon(ControlRequest(command: "status"), config: config)
        guard response.ok, let s = response.status else {
            printError("loaxa: \(response.error ?? "no status")")
            throw ExitCode(1)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(s), as: UTF8.self))
            return
        }
        // The log is the station's evidence: when it cannot be written, that comes first.
        if let log = s.airplayLog, let error = log.writeError {
            let waiting = log.eventsWaiting == 1 ? "1 event waits in memory and is" : "\(log.eventsWaiting) events wait in memory and are"
            print("AIRPLAY LOG NOT WRITABLE: \(error); \(waiting) retried")
        }
        var rows: [(String, String)] = [
            ("Station", s.station), ("Now", s.now),
            ("Device", "\(s.device) (\(s.deviceState), \(s.rate) Hz, \(s.channels) ch)"),
        ]
        if let a = s.onAir {
            rows.append(("On air", "\(a.blockID) — \(a.blockTitle)"))
            if let m = a.media {
                var text = "\(a.title ?? m) [\(m)]"
                if let p = a.positionMs, let d = a.durationMs { text += " \(clock(p)) / \(clock(d))" }
                rows.append(("Segment", text))
            }
        } else {
            rows.append(("On air", "nothing (silence)"))
        }
        rows.append(("Next block", s.nextBlock.map { "\($0.id) — \($0.title) at \($0.start)" } ?? "none scheduled"))
        if let clock = s.clock {
            rows.append(("Clock", clock == "synchronized"
                ? "synchronized (NTP)"
                : "\(clock.uppercased()): the time may be wrong; blocks are not marked missed or joined late until NTP sets it"))
        }
        if let queued = s.queued { rows.append(("Queue", queued == 0 ? "empty" : "\(queued) waiting (loaxa queue list)")) }
        if let log = s.airplayLog { rows.append(("Airplay log", Self.describe(log))) }
        rows.append(("Underruns", "\(s.underruns)"))
        rows.append(("Real-time", (s.realtime ? "yes" : "no") + ", memory " + (s.memoryLocked ? "locked" : "not locked")))
        rows.append(("Last error", s.lastError ?? "none"))
        let width = rows.map { $0.0.count }.max() ?? 0
        for (k, v) in rows { print(k.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + v) }
    }

    /// How the log is written: "WAL, synchronous FULL, 0 events waiting", or what fails.
    static func describe(_ log: StatusReport.AirplayLogState) -> String {
        var parts: [String] = []
        if let mode = log.journalMode, let sync = log.synchronous {
            let names = [0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"]
            parts.append("\(mode.uppercased()), synchronous \(names[sync] ?? "\(sync)")")
        }
        parts.append(log.writeError == nil ? "\(log.eventsWaiting) events waiting" : "NOT WRITABLE, \(log.eventsWaiting) events waiting")
        return parts.joined(separator: ", ")
    }

    func clock(_ ms: Int64) -> String {
        let s = ms / 1000
        return String(format: "%d:%02d", s / 60, s % 60)
    }
}
