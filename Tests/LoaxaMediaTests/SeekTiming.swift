import Foundation
import LoaxaMedia
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Not a check, a measurement: how long it takes to start a file part-way, for each file
/// named in LOAXA_SEEK_TIMING (separated by commas), at LOAXA_SEEK_TIMING_SECONDS into it
/// (3300, 55 minutes, by default). Prints the wall-clock and CPU time of opening a reader,
/// seeking and reading the first 4096 frames (which for Ogg Opus includes the pre-roll's
/// decoding), and of opening a `SegmentConverter` there and rendering its first 4096
/// frames at 48 kHz stereo. Meant for a release build.
@Test(.enabled(if: ProcessInfo.processInfo.environment["LOAXA_SEEK_TIMING"] != nil))
func seekTiming() throws {
    let environment = ProcessInfo.processInfo.environment
    let paths = try #require(environment["LOAXA_SEEK_TIMING"]).split(separator: ",").map(String.init)
    let seconds = Double(environment["LOAXA_SEEK_TIMING_SECONDS"] ?? "") ?? 3300
    let chunk = 4096
    let buffer = UnsafeMutablePointer<Float>.allocate(capacity: chunk * 8)
    defer { buffer.deallocate() }

    func clock(_ id: clockid_t) -> Double {
        var now = timespec()
        clock_gettime(id, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
    /// Wall-clock and thread CPU milliseconds of `work`, best and median of `runs`.
    func measure(runs: Int = 7, _ work: () throws -> Void) rethrows -> String {
        var wall: [Double] = []
        var cpu: [Double] = []
        for _ in 0..<runs {
            let (w, c) = (clock(CLOCK_MONOTONIC), clock(CLOCK_THREAD_CPUTIME_ID))
            try work()
            wall.append((clock(CLOCK_MONOTONIC) - w) * 1000)
            cpu.append((clock(CLOCK_THREAD_CPUTIME_ID) - c) * 1000)
        }
        wall.sort()
        cpu.sort()
        return String(
            format: "wall best %.2f ms, median %.2f ms; CPU best %.2f ms, median %.2f ms",
            wall[0], wall[runs / 2], cpu[0], cpu[runs / 2])
    }

    for path in paths {
        let info = try AudioFileReader(path: path).info
        let frame = Int64(seconds * Double(info.sampleRate))
        let reader = try measure {
            let reader = try AudioFileReader(path: path)
            try reader.seek(toFrame: frame)
            let n = try reader.read(into: buffer, frames: chunk)
            try #require(n == chunk)
        }
        let converter = try measure {
            let converter = try SegmentConverter(
                path: path, outputRate: 48000, outputChannels: 2, startingAtFrame: Int64(seconds * 48000))
            let n = try converter.render(into: buffer, frames: chunk)
            try #require(n == chunk)
        }
        print("\(path) (\(info.format), \(info.sampleRate) Hz) at \(seconds) s:")
        print("  open, seek, read 4096 frames: \(reader)")
        print("  converter at the offset, first 4096 frames: \(converter)")
    }
}
