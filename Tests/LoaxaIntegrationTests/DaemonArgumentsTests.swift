import Foundation
import Testing

/// loaxad's command line: `--config PATH` or `--config=PATH`, `--help`; anything else is a
/// usage error (exit 2) that says what was wrong and shows the usage.
@Suite struct DaemonArgumentsTests {
    let loaxad = Environment.binDir + "/loaxad"

    @Test func helpPrintsTheUsageWithAnExample() throws {
        for flag in ["--help", "-h"] {
            let result = try runProgram(loaxad, [flag])
            #expect(result.status == 0)
            #expect(result.stdout.contains("USAGE: loaxad [--config PATH]"), "\(result.stdout)")
            #expect(result.stdout.contains("loaxad --config /etc/loaxa/loaxa.toml"), "\(result.stdout)")
            #expect(result.stderr.isEmpty)
        }
    }

    @Test func anUnknownArgumentIsAUsageError() throws {
        let result = try runProgram(loaxad, ["--config", "/nonexistent/loaxa.toml", "--verbose"])
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("loaxad: unknown argument '--verbose'\n"), "\(result.stderr)")
        #expect(result.stderr.contains("USAGE: loaxad"), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test func configWithoutAPathIsAUsageError() throws {
        for arguments in [["--config"], ["--config="]] {
            let result = try runProgram(loaxad, arguments)
            #expect(result.status == 2, "\(arguments)")
            #expect(result.stderr.hasPrefix("loaxad: '--config' needs a path\n"), "\(result.stderr)")
        }
    }

    /// Both spellings reach the config loader, which names the file it could not read.
    @Test func bothSpellingsOfConfigAreTaken() throws {
        let path = NSTemporaryDirectory() + "loaxa-missing-\(UUID().uuidString.prefix(8)).toml"
        for arguments in [["--config", path], ["--config=" + path]] {
            let result = try runProgram(loaxad, arguments)
            #expect(result.status == 1, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(path), "\(result.stderr)")
            #expect(result.stderr.contains("loaxad: not started"), "\(result.stderr)")
        }
    }
}
