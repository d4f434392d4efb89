import Foundation
import LoaxaCore
import Testing

/// The whole command tree of the built `loaxa`, as its argument parser describes it
/// (`--experimental-dump-help`): every command's help carries an example that parses, every
/// listing takes `--json` and prints JSON, and every `loaxa` line of the README and of the
/// operator guide is a command the parser accepts.
@Suite struct CommandLineSurfaceTests {
    /// One command of the tree: its arguments and subcommands.
    struct Command: Decodable {
        var commandName: String
        var discussion: String?
        var arguments: [Argument]?
        var subcommands: [Command]?

        struct Argument: Decodable {
            var kind: String  // flag, option, positional
            var names: [Name]?
            var isOptional: Bool
            var isRepeating: Bool
            var allValues: [String]?
        }

        struct Name: Decodable {
            var kind: String
            var name: String
        }

        func argument(named option: String) -> Argument? {
            arguments?.first { $0.names?.contains { n in (n.kind == "short" ? "-" : "--") + n.name == option } == true }
        }

        /// Leaf commands with their path from the root, `help` left out.
        func leaves(_ path: [String] = []) -> [([String], Command)] {
            let here = path + [commandName]
            guard let subcommands, !subcommands.isEmpty else { return [(here, self)] }
            return subcommands.filter { $0.commandName != "help" }.flatMap { $0.leaves(here) }
        }
    }

    struct Dump: Decodable { var command: Command }

    /// Commands that list things; each takes `--json`.
    static let listings = [["status"], ["schedule", "show"], ["queue", "list"], ["media", "scan"], ["media", "list"], ["log", "list"]]
    /// A command group run without a subcommand runs this one.
    static let defaultSubcommands = ["log": "list"]

    static func tree() throws -> Command {
        let r = try runProgram(Environment.binDir + "/loaxa", ["--experimental-dump-help"])
        guard r.status == 0 else { throw StationError("dump-help: \(r.stderr)") }
        return try JSONDecoder().decode(Dump.self, from: Data(r.stdout.utf8)).command
    }

    /// Splits a shell line into words: quotes, and `#` comments, a `|` pipe and a `>` redirection
    /// ending the command, as a shell would.
    static func words(_ line: String) -> [String] {
        var words: [String] = [], word = "", quote: Character?, inWord = false
        for c in line {
            if let q = quote {
                if c == q { quote = nil } else { word.append(c) }
            } else if c == "\"" || c == "'" {
                quote = c
                inWord = true
            } else if c == " " || c == "\t" {
                if inWord { words.append(word) }
                word = ""
                inWord = false
            } else if (c == "#" && !inWord) || c == "|" || c == ">" {
                break
            } else {
                word.append(c)
                inWord = true
            }
        }
        if inWord { words.append(word) }
        return words
    }

    /// Why the parser would refuse `words` (which start with `loaxa`), or nil when it accepts them.
    static func problem(_ words: [String], root: Command) -> String? {
        var command = root, rest = Array(words.dropFirst())
        while let subcommands = command.subcommands, !subcommands.isEmpty {
            if let next = rest.first, let sub = subcommands.first(where: { $0.commandName == next }) {
                command = sub
                rest.removeFirst()
            } else if let name = defaultSubcommands[command.commandName], let sub = subcommands.first(where: { $0.commandName == name }) {
                command = sub
            } else {
                return "no subcommand of \(command.commandName) named \(rest.first ?? "(none)")"
            }
        }
        var positionals = 0, seen: Set<String> = []
        let positional = command.arguments?.filter { $0.kind == "positional" } ?? []
        while !rest.isEmpty {
            let word = rest.removeFirst()
            guard word.hasPrefix("-") else {
                positionals += 1
                continue
            }
            let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
            guard let argument = command.argument(named: parts[0]) else { return "\(command.commandName) has no option \(parts[0])" }
            seen.insert(parts[0])
            guard argument.kind == "option" else { continue }
            let value = parts.count == 2 ? parts[1] : (rest.isEmpty ? nil : rest.removeFirst())
            guard let value else { return "\(parts[0]) needs a value" }
            if let values = argument.allValues, !values.contains(value) { return "\(parts[0]) \(value): not one of \(values)" }
        }
        // `--help` asks for nothing else.
        if seen.contains("--help") || seen.contains("-h") { return nil }
        let required = positional.filter { !$0.isOptional }.count
        if positionals < required || (positionals > positional.count && positional.last?.isRepeating != true) {
            return "\(command.commandName) takes \(positional.count) arguments, given \(positionals)"
        }
        for argument in command.arguments ?? [] where argument.kind == "option" && !argument.isOptional {
            let names = argument.names?.map { ($0.kind == "short" ? "-" : "--") + $0.name } ?? []
            if seen.isDisjoint(with: names) { return "\(command.commandName) needs \(names.joined(separator: " or "))" }
        }
        return nil
    }

    /// The `loaxa` lines of the fenced code blocks of a Markdown file.
    static func commandLines(inDocument path: String) throws -> [String] {
        var lines: [String] = [], fenced = false
        for line in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("```") {
                fenced.toggle()
                continue
            }
            guard fenced else { continue }
            let command = trimmed.hasPrefix("sudo ") ? String(trimmed.dropFirst(5)) : trimmed
            if command.hasPrefix("loaxa ") || command == "loaxa" { lines.append(command) }
        }
        return lines
    }

    @Test func everyCommandsHelpHasAnExampleThatParses() throws {
        let root = try Self.tree()
        let leaves = root.leaves()
        #expect(leaves.count >= 19, "\(leaves.map { $0.0.joined(separator: " ") })")
        for (path, command) in leaves {
            let name = path.joined(separator: " ")
            let discussion = command.discussion ?? ""
            #expect(discussion.contains("Example"), "\(name): no example in its help")
            let examples = discussion.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0.hasPrefix("loaxa ") }
            #expect(!examples.isEmpty, "\(name): no example command")
            for example in examples {
                let problem = Self.problem(Self.words(example), root: root)
                #expect(problem == nil, "\(name): example `\(example)`: \(problem ?? "")")
            }
        }
    }

    @Test func everyLineOfTheReadmeAndTheGuideParses() throws {
        let root = try Self.tree()
        for document in ["README.md", "docs/huong-dan-su-dung.md"] {
            let lines = try Self.commandLines(inDocument: Environment.packageRoot + "/" + document)
            #expect(lines.count >= 15, "\(document): only \(lines.count) loaxa commands")
            for line in lines {
                let problem = Self.problem(Self.words(line), root: root)
                #expect(problem == nil, "\(document): `\(line)`: \(problem ?? "")")
            }
        }
    }

    /// The checker itself refuses what the parser refuses.
    @Test func theCheckerRefusesWhatTheParserRefuses() throws {
        let root = try Self.tree()
        for bad in ["loaxa queue ad x.wav", "loaxa report --format pdf", "loaxa media import x.wav", "loaxa queue remove",
                    "loaxa log export --format", "loaxa status --jsn"] {
            #expect(Self.problem(Self.words(bad), root: root) != nil, "\(bad)")
            let r = try runProgram(Environment.binDir + "/loaxa", Array(Self.words(bad).dropFirst()) + ["--config", "/nonexistent/loaxa.toml"])
            #expect(r.status == 2, "\(bad): the parser itself gave \(r.status)")
        }
        #expect(Self.words(#"loaxa media approve 12 --by "Nguyễn Văn An, Chủ tịch" # id"#) == ["loaxa", "media", "approve", "12", "--by", "Nguyễn Văn An, Chủ tịch"])
        #expect(Self.problem(Self.words("loaxa log --from 2025-06-01 --json"), root: root) == nil)
    }

    /// Each listing prints JSON with `--json`, from a station with a running daemon.
    @Test func everyListingTakesJSON() throws {
        let root = try Self.tree()
        let station = try TestStation()
        try station.writeConfig()
        // Titles from the file names, one of them decomposed (NFD), as some tools write them.
        try station.addMedia("chirp-48k.flac", as: "giam-ngheo/Gương thoát nghèo".decomposedStringWithCanonicalMapping + ".flac")
        try station.addMedia("speech-noise-22k.wav", as: "giam-ngheo/Hỗ trợ hộ nghèo vay vốn.wav")
        try station.writeBlock(id: "sang", start: WallTime(seconds: WallTime.now().microseconds / 1_000_000 + 3600), items: [#"{ topic = "giam-ngheo" }"#, "{ queue = true }"])
        let daemon = try station.startDaemon()
        defer { station.stop(daemon) }
        try station.waitUntilReady(daemon)
        for path in Self.listings {
            let leaf = root.leaves().first { Array($0.0.dropFirst()) == path }
            #expect(leaf?.1.argument(named: "--json") != nil, "\(path.joined(separator: " ")) takes no --json")
            let r = try station.loaxa(path + ["--json"])
            #expect(r.status == 0, "\(path): \(r.stderr)")
            #expect((try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) != nil, "\(path): not JSON: \(r.stdout.prefix(300))")
        }
        // The table for people keeps its columns aligned across Vietnamese titles, NFD or
        // not: the last column (PATH) starts at the same character in every line.
        let table = try station.loaxa(["media", "list"]).stdout.split(separator: "\n").map(String.init)
        try #require(table.count == 3, "\(table)")
        let pathColumn = table.map { line in line.distance(from: line.startIndex, to: line.range(of: "giam-ngheo/")?.lowerBound ?? line.range(of: "PATH")!.lowerBound) }
        #expect(Set(pathColumn).count == 1, "\(table.joined(separator: "\n"))")
    }
}
