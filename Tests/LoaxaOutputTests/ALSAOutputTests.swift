import Foundation
import LoaxaOutput
import Testing

/// Points this process's ALSA at the virtual card: `vcard` takes any format, `picky` only
/// 44.1 kHz stereo; the cut tests play on `cuta`, `cutb` and `cutc` (each recording to a
/// capture named after it), `unplugging` (gone while the file `unplugged` exists) and
/// `plain`. ALSA reads its configuration once per process, so it is set up once.
let virtualCardConfig: String = {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    let lib = ProcessInfo.processInfo.environment["LOAXA_VCARD"]
        ?? root + "/tools/vcard/build/libasound_module_pcm_loaxavcard.so"
    let dir = NSTemporaryDirectory() + "loaxa-output-\(UUID().uuidString.prefix(8))"
    try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let path = dir + "/asoundrc"
    try! """
        pcm_type.loaxavcard { lib "\(lib)" }
        pcm.vcard { type loaxavcard capture "\(dir)/capture" ppm 2000 }
        pcm.picky { type loaxavcard rates "44100" channels 2 }
        pcm.cuta { type loaxavcard capture "\(dir)/cuta" }
        pcm.cutb { type loaxavcard capture "\(dir)/cutb" }
        pcm.cutc { type loaxavcard capture "\(dir)/cutc" }
        pcm.unplugging { type loaxavcard vanish_file "\(dir)/unplugged" }
        pcm.plain { type loaxavcard }
        """.write(toFile: path, atomically: true, encoding: .utf8)
    setenv("ALSA_CONFIG_PATH", path, 1)
    return dir
}()

@Suite(.serialized)
struct ALSAOutputTests {
    @Test func aRefusedFormatNamesTheDeviceAndWhatItAccepts() throws {
        _ = virtualCardConfig
        #expect {
            _ = try ALSAOutput(settings: OutputSettings(device: "picky", rate: 48000, channels: 2))
        } throws: { error in
            let text = "\(error)"
            return text.contains("\"picky\"") && text.contains("48000 Hz") && text.contains("44100")
        }
    }

    @Test func aMissingDeviceIsNamed() throws {
        _ = virtualCardConfig
        #expect {
            _ = try ALSAOutput(settings: OutputSettings(device: "nosuchcard", rate: 48000, channels: 2))
        } throws: { error in
            "\(error)".contains("\"nosuchcard\"") && "\(error)".contains("snd_pcm_open")
        }
    }

    /// The stream runs, silence flows, and the clock learns the card's rate: this card's
    /// crystal runs 2000 ppm fast, so it plays 48096 frames a second.
    @Test func theStreamRunsAndTheClockFollowsTheCard() throws {
        _ = virtualCardConfig
        let output = try ALSAOutput(settings: OutputSettings(device: "vcard", rate: 48000, channels: 2))
        output.start()
        let start = Date()
        var model: FrameClockModel?
        while Date().timeIntervalSince(start) < 4 {
            usleep(20_000)
            model = output.clock.update() ?? model
        }
        output.stop()
        let m = try #require(model)
        // 4 s at 48 kHz, plus the buffer written ahead.
        #expect(output.ring.consumedPosition > 4 * 48000)
        #expect(output.underruns.load(ordering: .relaxed) == 0)
        #expect(abs(m.measuredRate - 48096) < 15, "measured \(m.measuredRate) Hz")
        #expect(output.state == .stopped)
    }
}
