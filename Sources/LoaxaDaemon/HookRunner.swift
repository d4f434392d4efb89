import Foundation
import LoaxaCore
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Runs the `[hooks]` commands (e.g. switching the amplifier relay on before a block and off
/// after it) without ever holding up the air: each runs on its own in the background, is
/// killed if it takes longer than `limit`, and its outcome is logged. A hook that fails or
/// hangs changes nothing about the block.
final class HookRunner: @unchecked Sendable {
    let logger: Logger
    let record: @Sendable (AirplayEvent) -> Void
    let now: @Sendable () -> WallTime
    let limit: Duration
    private let running = Mutex<[Process]>([])

    init(logger: Logger, limit: Duration = .seconds(10), now: @escaping @Sendable () -> WallTime, record: @escaping @Sendable (AirplayEvent) -> Void) {
        self.logger = logger
        self.limit = limit
        self.now = now
        self.record = record
    }

    /// Starts `command` with /bin/sh for `hook` (before_block, after_block) of `blockID`.
    func run(_ command: String, hook: String, blockID: String?) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.standardInput = FileHandle.nullDevice
        // Output goes to a file, not a pipe: a command that leaves a child holding a pipe open
        // could otherwise block the reader.
        let outputPath = NSTemporaryDirectory() + "loaxa-hook-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        let output = FileHandle(forWritingAtPath: outputPath)
        process.standardOutput = output
        process.standardError = output
        let started = now()
        let killed = Atomic<Bool>(false)
        process.terminationHandler = { [self] p in
            try? output?.close()
            let data = FileManager.default.contents(atPath: outputPath) ?? Data()
            try? FileManager.default.removeItem(atPath: outputPath)
            let text = String(decoding: data.prefix(500), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            let seconds = Double(now() - started) / 1e6
            let how: String
            if killed.load(ordering: .relaxed) {
                how = "killed after \(NumberText.fixed(seconds, 1)) s (limit \(limit))"
            } else if p.terminationReason == .uncaughtSignal {
                how = "ended by signal \(p.terminationStatus) after \(NumberText.fixed(seconds, 1)) s"
            } else {
                how = "exited \(p.terminationStatus) after \(NumberText.fixed(seconds, 2)) s"
            }
            let ok = !killed.load(ordering: .relaxed) && p.terminationReason == .exit && p.terminationStatus == 0
            let detail = "\(hook) `\(command)` \(how)" + (text.isEmpty ? "" : ": \(text)")
            if ok { logger.info("hook \(detail)") } else { logger.warning("hook \(detail)") }
            record(AirplayEvent(kind: .hookRan, at: now(), blockID: blockID, reason: ok ? nil : how, detail: detail))
            running.withLock { $0.removeAll { $0 === p } }
        }
        do {
            try process.run()
        } catch {
            logger.warning("hook \(hook) `\(command)` could not start: \(error)")
            record(AirplayEvent(kind: .hookRan, at: now(), blockID: blockID, reason: "could not start: \(error)", detail: "\(hook) `\(command)`"))
            return
        }
        running.withLock { $0.append(process) }
        let pid = process.processIdentifier
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int(limit.components.seconds * 1000))) {
            guard process.isRunning else { return }
            killed.store(true, ordering: .relaxed)
            kill(pid, SIGTERM)
            DispatchQueue.global().asyncAfter(deadline: .now() + 1) {
                if process.isRunning { kill(pid, SIGKILL) }
            }
        }
    }

    /// At shutdown: waits up to `limit` for the hooks still running (the after_block hook
    /// the stop itself started, that switches the amplifier off), so that they finish and
    /// their outcome is recorded before the daemon exits. A hook still running after that
    /// is left to finish on its own.
    func waitForRunning(upTo limit: Duration) {
        let deadline = ContinuousClock.now + limit
        while running.withLock({ !$0.isEmpty }) && ContinuousClock.now < deadline { usleep(10_000) }
    }
}
