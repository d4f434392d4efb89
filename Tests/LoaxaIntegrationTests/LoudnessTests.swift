import Foundation
import LoaxaCore
import Testing

/// What tools/measure_loudness.py reads off the capture with ffmpeg's EBU R128 meter.
struct MeasuredLoudness: Decodable {
    var ref: String
    var source_lufs: Double
    var capture_lufs: Double
    var capture_true_peak_dbtp: Double
}

/// Segments far quieter and far louder than the target air at the target, checked on the
/// captured audio with an independent meter (ffmpeg's ebur128), never above −1 dBTP.
@Suite struct LoudnessTests {
    @Test func everySegmentAirsAtTheTargetLoudness() throws {
        let station = try TestStation()
        try station.writeConfig(extra: "")
        let files = ["quiet-noise-44k.wav", "loud-noise-48k.wav", "speech-noise-22k.wav", "chirp-48k.flac"]
        for f in files { try station.addMedia(f) }
        let start = WallTime(seconds: WallTime.now().microseconds / 1_000_000 + 5)
        try station.writeBlock(id: "am-luong", start: start, files: files)
        let daemon = try station.startDaemon()
        while WallTime.now() < start + 16_000_000 && daemon.isRunning { usleep(200_000) }
        station.stop(daemon)

        let (_, analysisJSON) = try station.analyzeCapture(files)
        let analysisPath = station.dir + "/analysis.json"
        try analysisJSON.write(toFile: analysisPath, atomically: true, encoding: .utf8)
        let measured = try runProgram(
            "/usr/bin/env",
            ["python3", Environment.packageRoot + "/tools/measure_loudness.py", "--capture", station.capturePrefix,
             "--rate", "48000", "--channels", "2", analysisPath])
        try #require(measured.status == 0, "meter: \(measured.stderr)")
        let segments = try JSONDecoder().decode([MeasuredLoudness].self, from: Data(measured.stdout.utf8))
        try #require(segments.count == files.count)
        for s in segments {
            let name = (s.ref as NSString).lastPathComponent
            print("measured: \(name): source \(s.source_lufs) LUFS, aired \(s.capture_lufs) LUFS, true peak \(s.capture_true_peak_dbtp) dBTP")
            #expect(abs(s.capture_lufs - -16) <= 0.5, "\(name) aired at \(s.capture_lufs) LUFS")
            #expect(s.capture_true_peak_dbtp <= -0.7, "\(name) peaks at \(s.capture_true_peak_dbtp) dBTP")
        }
    }
}
