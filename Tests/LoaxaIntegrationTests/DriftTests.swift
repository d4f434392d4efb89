import Foundation
import LoaxaCore
import Testing

/// Cards whose crystal runs 3000 ppm fast or slow, reporting their position only once a
/// period and with jitter: every block still starts within 1 ms of its time. `make test`
/// runs two blocks 20 s apart; `make soak` sets LOAXA_DRIFT_MINUTES=10 for a block every
/// two minutes over ten minutes.
@Suite struct DriftTests {
    @Test(arguments: [3000, -3000])
    func blocksStartOnTimeOnADriftingCard(ppm: Int) throws {
        let minutes = Int(ProcessInfo.processInfo.environment["LOAXA_DRIFT_MINUTES"] ?? "") ?? 0
        let spacing: Int64 = minutes > 0 ? 120 : 20
        // Blocks at 0, 2, 4, … minutes: a run of at least `minutes`.
        let count = minutes > 0 ? minutes * 60 / Int(spacing) + 1 : 2
        let station = try TestStation(cardParameters: ["ppm", "\(ppm)", "period_position", "true", "jitter_us", "200"])
        try station.writeConfig()
        let files = ["chirp-48k.flac", "noise-speech.opus"]
        for f in files { try station.addMedia(f) }

        let first = WallTime.now().microseconds / 1_000_000 + 6
        var starts: [WallTime] = []
        var refs: [String] = []
        for i in 0..<count {
            let start = WallTime(seconds: first + Int64(i) * spacing)
            let file = files[i % files.count]
            try station.writeBlock(id: "khoi-\(i)", start: start, files: [file], name: "khoi-\(i).toml")
            starts.append(start)
            refs.append(file)
        }
        let daemon = try station.startDaemon()
        let end = starts.last! + 5_000_000
        while WallTime.now() < end && daemon.isRunning { usleep(200_000) }
        #expect(daemon.isRunning, "loaxad exited early: \(station.daemonLog)")
        station.stop(daemon)

        let (capture, _) = try station.analyzeCapture(refs, ppm: ppm)
        try #require(capture.segments.count == count)
        var errors: [Double] = []
        for (segment, start) in zip(capture.segments, starts) {
            let aired = try #require(segment.start_realtime_ns)
            let error = Double(aired - start.microseconds * 1000) / 1e6
            errors.append(error)
            #expect(abs(error) <= 1.0, "block at \(start) started \(error) ms off on a \(ppm) ppm card")
        }
        print("measured: \(ppm) ppm card, block start errors \(errors) ms")
    }
}
