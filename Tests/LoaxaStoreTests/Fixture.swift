import Foundation
import LoaxaCore

@testable import LoaxaStore

/// Shared values and event builders for the store tests.
enum Fixture {
    /// 2024-05-19T10:30:00Z, 17:30 in Vietnam.
    static let base = WallTime(microseconds: 1_716_114_600_000_000)

    /// Vietnam's offset from UTC: +07:00, no daylight saving.
    static let vietnam: @Sendable (WallTime) -> Int = { _ in 7 * 3600 }

    /// "Thông báo tiêm chủng" in NFC, spelled with escapes so the source file's own
    /// normalization cannot matter.
    static let vietnameseTitle = "Th\u{00F4}ng b\u{00E1}o ti\u{00EA}m ch\u{1EE7}ng"

    /// `base` plus whole seconds and extra microseconds.
    static func at(_ seconds: Int64, micros: Int64 = 0) -> WallTime {
        base + seconds * 1_000_000 + micros
    }

    /// A clock that always reads `base`.
    static let clock: @Sendable () -> WallTime = { base }

    /// An empty in-memory log.
    static func memoryLog() throws -> AirplayLog {
        try AirplayLog.inMemory(clock: clock)
    }

    /// A fresh folder under the system's temporary folder.
    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("loaxa-store-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The events of one complete airing: queued, started, a heartbeat, ended.
    static func airing(
        _ segment: String, startingAt start: WallTime, frames: Int64 = 480_000, rate: Int = 48_000,
        outcome: SegmentOutcome = .completed, reason: String? = nil, title: String? = "Tin xã",
        media: String = "tin/tin-xa.mp3"
    ) -> [AirplayEvent] {
        [
            AirplayEvent(
                kind: .segmentQueued, at: start + -200_000, blockID: "sang", scheduledAt: start,
                segment: segment, source: .schedule, media: media, title: title, topic: "tin-tuc",
                sha256: String(repeating: "ab", count: 32), plannedMs: frames * 1000 / Int64(rate),
                deviceRate: rate, clockSynchronized: true),
            AirplayEvent(kind: .segmentStarted, at: start, segment: segment, deviceRate: rate),
            AirplayEvent(
                kind: .segmentHeartbeat, at: start + 5_000_000, segment: segment,
                playedFrames: min(frames, Int64(rate) * 5)),
            AirplayEvent(
                kind: .segmentEnded, at: start + frames * 1_000_000 / Int64(rate), segment: segment,
                playedFrames: frames, deviceRate: rate, outcome: outcome, reason: reason, underruns: 0),
        ]
    }
}
