import Foundation
import LoaxaCore
import Testing

/// Both cores kept busy by other processes while a block airs: no underrun, no gap.
/// `make soak` does the same with stress-ng for five minutes.
@Suite struct LoadTests {
    @Test func noUnderrunWhileBothCoresAreBusy() throws {
        let station = try TestStation()
        try station.writeConfig()
        let files = ["speech-noise-22k.wav", "bursts-44k.mp3", "chirp-48k.flac", "noise-speech.opus"]
        for f in files { try station.addMedia(f) }
        let start = WallTime(seconds: WallTime.now().microseconds / 1_000_000 + 5)
        try station.writeBlock(id: "tai-nang", start: start, files: files)
        let daemon = try station.startDaemon()

        // Two busy loops, one a core. (Not stress-ng here: a test process may block the
        // signals its timeout relies on, and its workers inherit that; `make soak` uses it.)
        var burners: [Process] = []
        for _ in 0..<2 {
            let burner = Process()
            burner.executableURL = URL(fileURLWithPath: "/bin/sh")
            burner.arguments = ["-c", "while :; do :; done"]
            try burner.run()
            burners.append(burner)
        }
        defer {
            for b in burners {
                kill(b.processIdentifier, SIGKILL)
                b.waitUntilExit()
            }
        }
        while WallTime.now() < start + 16_000_000 && daemon.isRunning { usleep(200_000) }
        let status = try station.loaxa(["status", "--json"])
        station.stop(daemon)

        #expect(status.stdout.contains("\"underruns\" : 0"), "\(status.stdout)")
        let records = try station.exportedRecords()
        #expect(records.count == files.count && records.allSatisfy { $0.outcome == "completed" && $0.underruns == 0 })
        let (capture, _) = try station.analyzeCapture(files)
        print("measured: under load, join gaps \(capture.joins.map(\.gap_frames)), frames lost or added \(capture.segments.map { $0.lost_or_added_frames ?? -1 })")
        for j in capture.joins { #expect(abs(j.gap_frames) <= 1) }
        for s in capture.segments { #expect(s.lost_or_added_frames == 0) }
    }
}
