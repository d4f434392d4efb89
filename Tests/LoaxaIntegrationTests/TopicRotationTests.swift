import Foundation
import LoaxaCore
import Testing

/// `{ topic = X, count = N }` airs the N segments of the topic that aired least recently,
/// so that every segment airs in turn, and the rotation survives a restart.
@Suite struct TopicRotationAiringTests {
    @Test func topicItemsRotateAcrossBlocksAndRestarts() throws {
        let station = try TestStation()
        try station.writeConfig()
        try station.addMedia("chirp-48k.flac", as: "giam-ngheo/a-chirp.flac")
        try station.addMedia("loud-noise-48k.wav", as: "giam-ngheo/b-noise.wav")
        try station.addMedia("noise-vorbis-32k.ogg", as: "giam-ngheo/c-vorbis.ogg")
        func blocks(_ starts: [(String, WallTime)]) throws {
            let text = starts.map { id, at in
                let (date, time) = station.local(at)
                return "[[block]]\nid = \"\(id)\"\ndate = \(date)\nstart = \(time)\nitems = [{ topic = \"giam-ngheo\", count = 2 }]\n"
            }.joined(separator: "\n")
            try text.write(toFile: station.dir + "/schedules/test.toml", atomically: true, encoding: .utf8)
        }
        let first = WallTime(seconds: WallTime.now().microseconds / 1_000_000 + 6)
        try blocks([("mot", first), ("hai", first + 7_000_000)])
        var daemon = try station.startDaemon()
        while WallTime.now() < first + 13_500_000 && daemon.isRunning { usleep(200_000) }
        station.stop(daemon)

        let later = WallTime(seconds: WallTime.now().microseconds / 1_000_000 + 5)
        try blocks([("ba", later)])
        daemon = try station.startDaemon()
        while WallTime.now() < later + 6_500_000 && daemon.isRunning { usleep(200_000) }
        station.stop(daemon)

        let records = try station.exportedRecords()
        let aired = records.filter { $0.outcome == "completed" }.map { "\($0.block_id ?? "-") \($0.media)" }
        #expect(aired == [
            "mot giam-ngheo/a-chirp.flac", "mot giam-ngheo/b-noise.wav",
            "hai giam-ngheo/c-vorbis.ogg", "hai giam-ngheo/a-chirp.flac",
            "ba giam-ngheo/b-noise.wav", "ba giam-ngheo/c-vorbis.ogg",
        ], "\(records.map { "\($0.block_id ?? "-") \($0.media) \($0.outcome ?? "-")" })")
    }
}
