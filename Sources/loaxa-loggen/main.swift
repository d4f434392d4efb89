import Foundation
import LoaxaCore
import LoaxaStore

// loaxa-loggen: writes a generated airplay log for `make bench` (the export and report
// figures over a million records). Not installed with Loaxa.
//
//   loaxa-loggen --records N --out PATH [--heartbeats K] [--from YYYY-MM-DD] [--seed S]

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("loaxa-loggen: \(message)\n".utf8))
    exit(2)
}

var options: [String: String] = [:]
var arguments = CommandLine.arguments.dropFirst()
while let name = arguments.popFirst() {
    guard name.hasPrefix("--"), let value = arguments.popFirst() else {
        fail("usage: loaxa-loggen --records N --out PATH [--heartbeats K] [--from YYYY-MM-DD] [--seed S]")
    }
    options[String(name.dropFirst(2))] = value
}
guard let records = options["records"].flatMap(Int.init), records > 0 else { fail("--records N (a positive number) is required") }
guard let out = options["out"] else { fail("--out PATH is required") }
guard let heartbeats = Int(options["heartbeats"] ?? "2"), heartbeats >= 0 else { fail("--heartbeats: not a number") }
guard let firstDay = CivilDate(options["from"] ?? "2021-01-01") else { fail("--from: not a date (YYYY-MM-DD)") }
guard let seed = UInt64(options["seed"] ?? "1") else { fail("--seed: not a number") }
if FileManager.default.fileExists(atPath: out) { fail("\(out) exists; the generator writes a new log only") }

do {
    let log = try AirplayLog(path: out)
    let generator = LogGenerator(records: records, heartbeats: heartbeats, firstDay: firstDay, seed: seed)
    var shown = 0
    try generator.run(into: log) { written in
        if written - shown >= 100_000 {
            shown = written
            FileHandle.standardError.write(Data("\(written) records\n".utf8))
        }
    }
    let head = try log.head()
    print("\(records) records; log head: \(head.map(\.description) ?? "empty")")
} catch {
    fail("\(error)")
}
