/// loaxad: the Loaxa daemon. Loads the station's config and schedules (refusing to start,
/// with every problem as FILE:LINE: message, if they are broken), then airs the schedule
/// until SIGTERM or SIGINT. Exit codes: 0 stopped, 1 not started (config, schedules or
/// device), 2 usage error.

import Foundation
import LoaxaDaemon
import LoaxaMedia
import LoaxaSchedule
import Logging

@main
struct Loaxad {
    static func main() async {
        let configPath: String
        do {
            switch try DaemonArguments(Array(CommandLine.arguments.dropFirst())) {
            case .help:
                print(DaemonArguments.usage)
                exit(0)
            case .run(let path):
                configPath = path
            }
        } catch {
            printError(error.description + "\n\n" + DaemonArguments.usage)
            exit(2)
        }
        do {
            try await run(configPath: configPath)
        } catch {
            printError("loaxad: \(error)")
            exit(1)
        }
    }

    static func run(configPath: String) async throws {
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
        let loaded = StationSetup.load(
            configPath: configPath, mediaDuration: MediaDuration.headerMicros, missingMediaIsFatal: false)
        switch loaded {
        case .success(let s):
            setup = s
            // Missing media does not stop the station: those items are logged skipped when due.
            for w in s.warnings { logger.warning("\(w.description)") }
        case .failure(let problems):
            printError(problems.description)
            printError("loaxad: not started: \(problems.count) problem(s) in the config or schedules")
            exit(1)
        }
        let station: Station
        do {
            station = try Station(setup: setup, configPath: configPath, logger: logger)
        } catch {
            printError("loaxad: cannot start: \(error)")
            exit(1)
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
        // SIGHUP reloads the schedule (as `loaxa schedule reload` does).
        signal(SIGHUP, SIG_IGN)
        let hangup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        hangup.setEventHandler { station.reloadOnSignal() }
        hangup.resume()
        try await station.run()
        for source in signalSources { source.cancel() }
        hangup.cancel()
    }

    static func printError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
