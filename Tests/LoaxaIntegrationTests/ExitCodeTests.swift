import Foundation
import LoaxaCore
import Testing

/// `loaxa` ends as SPEC §9 says: 0 done, 1 the input or request is wrong, 2 a usage error,
/// 3 the daemon is not reachable; and prints completion scripts a shell accepts.
@Suite struct ExitCodeTests {
    @Test func exitCodesFollowTheSpec() throws {
        let station = try TestStation()
        try station.writeConfig()
        try station.addMedia("chirp-48k.flac")
        let start = WallTime.now().microseconds / 1_000_000 + 3600
        try station.writeBlock(id: "sang", start: .init(seconds: start), files: ["chirp-48k.flac"])

        let cases: [([String], Int32, String)] = [
            (["schedule", "check"], 0, "OK"),
            (["no-such-command"], 2, "Error:"),
            (["log", "--from", "yesterday"], 2, "--from yesterday: not a date"),
            (["log", "--from", "2025-06-10", "--to", "2025-06-01"], 2, "Usage: loaxa log list"),
            (["report"], 2, "give the period"),
            (["report", "--period", "2025-h9"], 1, "--period 2025-h9"),
            (["status"], 3, "the daemon is not reachable"),
            (["queue", "list"], 3, "sudo systemctl start loaxad"),
        ]
        for (arguments, status, text) in cases {
            let result = try station.loaxa(arguments)
            #expect(result.status == status, "loaxa \(arguments.joined(separator: " ")): \(result.stderr)")
            #expect((result.stdout + result.stderr).contains(text), "loaxa \(arguments.joined(separator: " ")): \(result.stderr)")
        }
        // Without a config file the input is wrong, whatever the command.
        let missing = try runProgram(Environment.binDir + "/loaxa", ["status", "--config", station.dir + "/none.toml"])
        #expect(missing.status == 1, "\(missing.stderr)")
    }

    @Test func completionScriptsParse() throws {
        let bash = try runProgram(Environment.binDir + "/loaxa", ["completion", "bash"])
        #expect(bash.status == 0)
        #expect(bash.stdout.contains("report"), "the script completes every command")
        let script = NSTemporaryDirectory() + "loaxa-completion-\(UUID().uuidString).bash"
        defer { try? FileManager.default.removeItem(atPath: script) }
        try bash.stdout.write(toFile: script, atomically: true, encoding: .utf8)
        let checked = try runProgram("/bin/bash", ["-n", script])
        #expect(checked.status == 0, "bash -n: \(checked.stderr)")
        let zsh = try runProgram(Environment.binDir + "/loaxa", ["completion", "zsh"])
        #expect(zsh.status == 0 && zsh.stdout.hasPrefix("#compdef loaxa"))
        let fish = try runProgram(Environment.binDir + "/loaxa", ["completion", "fish"])
        #expect(fish.status == 2)
    }
}
