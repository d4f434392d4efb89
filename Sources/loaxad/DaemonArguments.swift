/// What loaxad's command line asks for: `--config PATH` (or `--config=PATH`) and
/// `--help` (`-h`); nothing else.
enum DaemonArguments: Equatable {
    /// Run the station whose config file is at this path.
    case run(configPath: String)
    /// Print the usage and exit.
    case help

    static let defaultConfigPath = "/etc/loaxa/loaxa.toml"

    static let usage = """
        USAGE: loaxad [--config PATH]

        The Loaxa playout daemon: airs the station's schedule through ALSA and logs every
        segment. Runs until SIGTERM or SIGINT.

        OPTIONS:
          --config PATH   The station's config file (default: \(defaultConfigPath)).
          -h, --help      Show this help.

        Example:
          loaxad --config /etc/loaxa/loaxa.toml
        """

    /// A command line that cannot be run; `description` is the message for stderr.
    struct UsageError: Error, Equatable, CustomStringConvertible {
        var description: String
    }

    /// Reads the arguments after the program name. A later `--config` replaces an earlier
    /// one; `--help` anywhere wins over everything but an unknown argument before it.
    init(_ arguments: [String]) throws(UsageError) {
        var configPath = Self.defaultConfigPath
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            switch argument {
            case "-h", "--help":
                self = .help
                return
            case "--config":
                guard let value = rest.popFirst() else {
                    throw UsageError(description: "loaxad: '--config' needs a path")
                }
                configPath = value
            case _ where argument.hasPrefix("--config="):
                configPath = String(argument.dropFirst("--config=".count))
            default:
                throw UsageError(description: "loaxad: unknown argument '\(argument)'")
            }
            if configPath.isEmpty { throw UsageError(description: "loaxad: '--config' needs a path") }
        }
        self = .run(configPath: configPath)
    }
}
