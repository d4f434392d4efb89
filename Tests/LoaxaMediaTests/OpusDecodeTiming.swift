import Foundation
import Testing

@testable import LoaxaMedia

#if canImport(Glibc)
    import Glibc
#endif

/// Not a check, a measurement: the CPU time (of this thread) to decode the Ogg Opus file
/// named by LOAXA_OPUS_TIMING through libsndfile and through `OggOpusReader`, printed.
/// LOAXA_OPUS_TIMING_DECODERS picks which ("sndfile,opus" by default), e.g. to profile one
/// with `perf record`.
@Test(.enabled(if: ProcessInfo.processInfo.environment["LOAXA_OPUS_TIMING"] != nil))
func opusDecodeTiming() throws {
    let environment = ProcessInfo.processInfo.environment
    let path = try #require(environment["LOAXA_OPUS_TIMING"])
    let decoders = (environment["LOAXA_OPUS_TIMING_DECODERS"] ?? "sndfile,opus").split(separator: ",")
    let chunk = 4096
    let buffer = UnsafeMutablePointer<Float>.allocate(capacity: chunk * 8)
    defer { buffer.deallocate() }

    func threadCPUSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
    func measure(_ read: (UnsafeMutablePointer<Float>, Int) throws(MediaError) -> Int) throws -> (Double, Int) {
        let start = threadCPUSeconds()
        var frames = 0
        while true {
            let n = try read(buffer, chunk)
            if n == 0 { break }
            frames += n
        }
        return (threadCPUSeconds() - start, frames)
    }

    var times: [String: [Double]] = [:]
    for _ in 0..<3 {
        for decoder in decoders {
            let (seconds, frames): (Double, Int)
            switch decoder {
            case "sndfile":
                let reader = try SndFileReader(path: path)
                (seconds, frames) = try measure { buffer, n throws(MediaError) in
                    try reader.read(into: buffer, frames: n)
                }
            default:
                let reader = try #require(try OggOpusReader.open(path: path))
                (seconds, frames) = try measure { buffer, n throws(MediaError) in
                    try reader.read(into: buffer, frames: n)
                }
            }
            times[String(decoder), default: []].append(seconds)
            print("\(decoder): \(frames) frames, \(String(format: "%.3f", seconds)) s CPU")
        }
    }
    for (decoder, runs) in times.sorted(by: { $0.key < $1.key }) {
        let sorted = runs.sorted()
        print(
            "\(decoder): best \(String(format: "%.3f", sorted[0])) s, median \(String(format: "%.3f", sorted[sorted.count / 2])) s"
        )
    }
}
