import Foundation
import LoaxaCore
import Testing

/// The amplifier relay: `before_block` runs its lead time before the block, `after_block`
/// after it ends. A hook that fails or hangs is logged and changes nothing about the block.
@Suite struct HookTests {
    @Test func hooksRunAroundTheBlockAndNeverHoldItUp() throws {
        let station = try TestStation()
        let marks = station.dir + "/marks"
        try station.writeConfig(extra: """
            [hooks]
            before_block = "date +%s.%N >> \(marks); echo 'relay on'; exit 3"
            before_block_lead_s = 3
            after_block = "date +%s.%N >> \(marks); exec sleep 30"
            """)
        try station.addMedia("chirp-48k.flac")
        let start = WallTime(seconds: WallTime.now().microseconds / 1_000_000 + 7)
        try station.writeBlock(id: "loa", start: start, files: ["chirp-48k.flac"])

        let daemon = try station.startDaemon()
        // The block ends 3 s after its start; the hanging after_block hook is killed 10 s later.
        while WallTime.now() < start + 14_500_000 && daemon.isRunning { usleep(200_000) }
        station.stop(daemon)

        let times = try String(contentsOfFile: marks, encoding: .utf8).split(separator: "\n").compactMap { Double($0) }
        try #require(times.count == 2, "hooks ran \(times.count) times")
        let startSeconds = Double(start.microseconds) / 1e6
        // before_block 3 s ahead (the daemon wakes when it is due), after_block as the
        // block ends (3 s long), within process start-up.
        #expect(abs(times[0] - (startSeconds - 3)) < 0.5, "before_block ran at \(times[0] - startSeconds) s")
        #expect(abs(times[1] - (startSeconds + 3)) < 0.5, "after_block ran at \(times[1] - startSeconds) s")

        let log = station.daemonLog
        #expect(log.contains("before_block") && log.contains("exited 3") && log.contains("relay on"), "\(log)")
        #expect(log.contains("after_block") && log.contains("killed after"), "\(log)")

        // The failing hook did not hold the block up.
        let (capture, _) = try station.analyzeCapture(["chirp-48k.flac"])
        let error = Double(capture.segments[0].start_realtime_ns! - start.microseconds * 1000) / 1e6
        #expect(abs(error) <= 1.0, "block start error \(error) ms")
    }
}
