import CLinux
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Tells systemd how the service is (`sd_notify`), without libsystemd: one datagram to the
/// Unix socket named by `$NOTIFY_SOCKET` per message. A name starting with `@` is in the
/// abstract namespace. Outside systemd (no `$NOTIFY_SOCKET`) there is no notifier.
public final class SystemdNotifier: Sendable {
    private let fd: Int32
    private let address: String
    /// Half of `$WATCHDOG_USEC`, when the unit sets `WatchdogSec=`: how often to send
    /// `WATCHDOG=1`.
    public let watchdogIntervalMicros: Int64?

    public init?(environment: [String: String] = ProcessInfo.processInfo.environment) {
        guard let path = environment["NOTIFY_SOCKET"], !path.isEmpty, withSocketAddress(path, { _, _ in () }) != nil
        else { return nil }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        self.fd = fd
        address = path
        // WATCHDOG_PID, when set, names the process the watchdog is for.
        let forUs = environment["WATCHDOG_PID"].map { Int32($0) == getpid() } ?? true
        watchdogIntervalMicros = forUs ? environment["WATCHDOG_USEC"].flatMap(Int64.init).map { $0 / 2 } : nil
    }

    deinit { close(fd) }

    /// Sends `message` ("READY=1", "WATCHDOG=1", "STATUS=..."); true when it was sent.
    @discardableResult
    public func send(_ message: String) -> Bool {
        let bytes = Array(message.utf8)
        let sent = withSocketAddress(address) { sa, length in
            sendto(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL), sa, length)
        }
        return sent == bytes.count
    }
}
