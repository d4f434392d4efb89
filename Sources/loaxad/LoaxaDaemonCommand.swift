/// loaxad: the Loaxa daemon. Loads the station's config and schedules (refusing to start,
/// with every problem as FILE:LINE: message, if they are broken), then airs the schedule
/// until SIGTERM or SIGINT.

import ArgumentParser
import Foundation
import LoaxaDaemon
import LoaxaMedia
import LoaxaSchedule
import Logging

@main
struct LoaxaDaemonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loaxad",
        abstract: "The Loaxa playout daemon: airs the station's schedule through ALSA and logs every segment.",
        discussion: "Example:\n  loaxad --config /etc/loaxa/loaxa.toml")

    @Option(name: .long, help: "The station's config file.")
    var config = "/etc/loaxa/loaxa.toml"

    func run() async throws {
        // Only the audio thread uses the PCM once it is open (opened before the thread
        // starts, closed after it ends), so alsa-lib's per-call PCM mutex is not needed:
        // without it the audio thread's loop takes no lock at all. An operator may still
        // set the variable to 1.
        setenv("LIBASOUND_THREAD_SAFE", "0", 0)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
        let logger = Logger(label: "loaxad")
        let setup: StationSetup
        switch StationSetup.load(configPath: config, mediaDuration: MediaDuration.headerMicros, missingMediaIsFatal: false) {
        case .success(let s):
            setup = s
            // Missing media does not stop the station: those items are logged skipped when due.
            for w in s.warnings { logger.warning("\(w.description)") }
        case .failure(let problems):
            FileHandle.standardError.write(Data((problems.description + "\n").utf8))
            FileHandle.standardError.write(Data("loaxad: not started: \(problems.count) problem(s) in the config or schedules\n".utf8))
            throw ExitCode(1)
        }
        let station: Station
        do {
            station = try Station(setup: setup, logger: logger)
        } catch {
            FileHandle.standardError.write(Data("loaxad: cannot start: \(error)\n".utf8))
            throw ExitCode(1)
        }
        // SIGTERM and SIGINT are not delivered as signals but read by dispatch sources,
        // which ask the station to stop; run() then shuts down and returns.
        let signalSources = [SIGTERM, SIGINT].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { station.stop() }
            source.resume()
            return source
        }
        try await station.run()
        signalSources.forEach { $0.cancel() }
    }
}

