import Foundation
import LoaxaCore
import Testing

/// The audio thread's loop allocates nothing and takes no lock, shown on the real thread of
/// the real daemon during a real block: tools/alloccount, preloaded, counts every heap call
/// and blocking lock made by the thread named loaxa-audio (the name it takes just before its
/// loop and drops just after).
@Suite struct AudioThreadTests {
    @Test func theLoopAllocatesNothingAndTakesNoLock() throws {
        let library = Environment.packageRoot + "/tools/alloccount/build/liballoccount.so"
        try #require(FileManager.default.fileExists(atPath: library), "build it with make -C tools/alloccount")
        let station = try TestStation()
        try station.writeConfig()
        let files = ["speech-noise-22k.wav", "bursts-44k.mp3", "noise-speech.opus"]
        for f in files { try station.addMedia(f) }
        let start = WallTime(seconds: WallTime.now().microseconds / 1_000_000 + 5)
        try station.writeBlock(id: "rt", start: start, files: files)
        let report = station.dir + "/alloccount.txt"
        let daemon = try station.startDaemon(extraEnvironment: [
            "LD_PRELOAD": library, "ALLOCCOUNT_THREAD": "loaxa-audio", "ALLOCCOUNT_OUT": report,
        ])
        // Mid-block, and again at the end of it, ask for a report.
        while WallTime.now() < start + 6_000_000 && daemon.isRunning { usleep(100_000) }
        kill(daemon.processIdentifier, SIGUSR2)
        while WallTime.now() < start + 12_000_000 && daemon.isRunning { usleep(100_000) }
        kill(daemon.processIdentifier, SIGUSR2)
        usleep(300_000)
        station.stop(daemon)

        let text = try String(contentsOfFile: report, encoding: .utf8)
        let lines = text.split(separator: "\n").filter { $0.hasPrefix("thread=loaxa-audio ") }
        try #require(lines.count >= 2, "no reports: \(text)")
        func field(_ line: Substring, _ name: String) -> Int? {
            line.split(separator: " ").first { $0.hasPrefix(name + "=") }.flatMap { Int($0.dropFirst(name.count + 1)) }
        }
        print("measured: audio thread during the block: \(lines[1])")
        for line in lines.prefix(2) {
            // The thread was alive and named while the block aired.
            #expect(field(line, "live") == 1, "\(line)")
            for counter in ["mallocs", "frees", "reallocs", "condwaits", "futexwaits"] {
                #expect(field(line, counter) == 0, "\(counter) in \(line)\n\(text)")
            }
        }
        // The only locks are the virtual card's own (a test device's driver, not Loaxa's):
        // every lock call site lies in the card's plugin, and none went unlisted.
        let firstReport = text.components(separatedBy: "\nend\n")[0]
        let sites = firstReport.split(separator: "\n").filter { $0.hasPrefix("site ") }
        for site in sites {
            #expect(site.contains("call=mutex_lock") && site.contains("libasound_module_pcm_loaxavcard.so"), "\(site)")
        }
        #expect(firstReport.contains("unlisted_calls=0"), "\(firstReport)")
        // And the block did air.
        let records = try station.exportedRecords()
        #expect(records.filter { $0.outcome == "completed" }.count == files.count)
    }
}
