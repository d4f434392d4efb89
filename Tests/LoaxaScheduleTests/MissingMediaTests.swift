import Foundation
import LoaxaCore
import LoaxaSchedule
import Testing

/// A file a schedule names can go missing while the station runs for years: `schedule
/// check` reports it as an error, the daemon keeps the block and airs the rest.
@Test func missingMediaIsAnErrorForCheckButOnlyAWarningForTheDaemon() throws {
    let dir = NSTemporaryDirectory() + "loaxa-missing-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir + "/schedules", withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: dir + "/media/a", withIntermediateDirectories: true)
    _ = FileManager.default.createFile(atPath: dir + "/media/a/here.wav", contents: Data())
    try "[station]\nname = \"X\"\n".write(toFile: dir + "/loaxa.toml", atomically: true, encoding: .utf8)
    try """
        [[block]]
        id = "sang"
        date = 2026-01-05
        start = 06:00:00
        items = [
          { file = "a/here.wav" },
          { file = "a/gone.wav" },
        ]
        """.write(toFile: dir + "/schedules/s.toml", atomically: true, encoding: .utf8)

    guard case .failure(let problems) = StationSetup.load(configPath: dir + "/loaxa.toml", mediaDuration: { _ in 1_000_000 }) else {
        Issue.record("a missing file must fail the check")
        return
    }
    #expect(problems.count == 1)
    #expect(problems.description.hasSuffix("s.toml:7: block \"sang\": file \"a/gone.wav\" not found in the media folder (\(dir)/media/a/gone.wav)"))

    let daemon = StationSetup.load(configPath: dir + "/loaxa.toml", mediaDuration: { _ in 1_000_000 }, missingMediaIsFatal: false)
    let setup = try daemon.get()
    #expect(setup.warnings.count == 1 && setup.warnings[0].line == 7)
    let planned = setup.schedule.plannedBlocks(on: CivilDate(year: 2026, month: 1, day: 5), zone: setup.config.station.timeZone)
    #expect(planned.first?.items == [.file("a/here.wav"), .file("a/gone.wav")])
}
