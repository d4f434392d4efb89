import CLinux
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A failed socket call: which call, on which path, and errno's text.
public struct ControlSocketError: Error, CustomStringConvertible, Sendable {
    public var function: String
    public var path: String
    public var code: Int32

    public var description: String { "\(function) on \(path): \(String(cString: strerror(code)))" }

    /// True when nobody listens at the path (no daemon running).
    public var isUnreachable: Bool { [ENOENT, ECONNREFUSED, ENOTSOCK].contains(code) }
}

/// Calls a socket function, retrying on EINTR, and throws with errno otherwise.
@discardableResult
func sys(_ function: String, _ path: String, _ body: () -> Int32) throws(ControlSocketError) -> Int32 {
    while true {
        let r = body()
        if r >= 0 { return r }
        if errno == EINTR { continue }
        throw ControlSocketError(function: function, path: path, code: errno)
    }
}

/// Calls `body` with the Unix socket address of `path`; nil when the path is too long. A
/// path starting with `@` names a socket in the abstract namespace (as systemd writes
/// `$NOTIFY_SOCKET`), whose address is exactly as long as its name.
func withSocketAddress<T>(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T? {
    var addr = sockaddr_un()
    addr.sun_family = sa_family_t(AF_UNIX)
    var bytes = Array(path.utf8)
    let abstract = bytes.first == UInt8(ascii: "@")
    if abstract { bytes[0] = 0 }
    guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else { return nil }
    withUnsafeMutableBytes(of: &addr.sun_path) { raw in
        raw.copyBytes(from: bytes)
        raw[bytes.count] = 0
    }
    let length = abstract ? MemoryLayout<sa_family_t>.size + bytes.count : MemoryLayout<sockaddr_un>.size
    return withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(length)) }
    }
}

func readAll(_ fd: Int32, limit: Int = 1 << 20) -> Data {
    var data = Data()
    var buffer = [UInt8](repeating: 0, count: 4096)
    while data.count < limit {
        let n = read(fd, &buffer, buffer.count)
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { break }
        data.append(contentsOf: buffer[0..<n])
        if buffer[n - 1] == UInt8(ascii: "\n") { break }
    }
    return data
}

func writeAll(_ fd: Int32, _ data: Data) {
    data.withUnsafeBytes { raw in
        var off = 0
        while off < raw.count {
            let n = write(fd, raw.baseAddress! + off, raw.count - off)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            off += n
        }
    }
}

/// The CLI's side: one request, one response.
public enum ControlClient {
    public static func send(_ request: ControlRequest, to path: String) throws -> ControlResponse {
        let fd = try sys("socket", path) { socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0) }
        defer { close(fd) }
        let r = withSocketAddress(path) { addr, len in connect(fd, addr, len) }
        guard let r else { throw ControlSocketError(function: "connect", path: path, code: ENAMETOOLONG) }
        if r < 0 { throw ControlSocketError(function: "connect", path: path, code: errno) }
        var line = try JSONEncoder().encode(request)
        line.append(UInt8(ascii: "\n"))
        writeAll(fd, line)
        shutdown(fd, Int32(SHUT_WR))
        let reply = readAll(fd)
        return try JSONDecoder().decode(ControlResponse.self, from: reply)
    }
}

/// The daemon's side: accepts connections on its own thread and answers each request
/// with `handler`. The socket is made 0660: only its owner and group may talk to it.
public final class ControlServer: @unchecked Sendable {
    public let path: String
    private let listener: Int32
    private let handler: @Sendable (ControlRequest, ControlPeer) -> ControlResponse
    private var thread: Thread?

    public init(path: String, handler: @escaping @Sendable (ControlRequest, ControlPeer) -> ControlResponse) throws {
        self.path = path
        self.handler = handler
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        unlink(path)
        let fd = try sys("socket", path) { socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0) }
        // On Linux the file bind creates takes the socket's own mode (less the umask): set
        // before bind, no one else can connect even for the moment before the chmod.
        fchmod(fd, 0o660)
        let bound = withSocketAddress(path) { addr, len in bind(fd, addr, len) }
        guard let bound, bound == 0 else {
            let code = bound == nil ? ENAMETOOLONG : errno
            close(fd)
            throw ControlSocketError(function: "bind", path: path, code: code)
        }
        guard chmod(path, 0o660) == 0 else {
            let code = errno
            close(fd)
            unlink(path)
            throw ControlSocketError(function: "chmod", path: path, code: code)
        }
        try sys("listen", path) { listen(fd, 16) }
        listener = fd
    }

    /// Starts answering on a background thread.
    public func start() {
        let t = Thread { [self] in self.serve() }
        t.name = "loaxa-control"
        thread = t
        t.start()
    }

    /// Stops listening and removes the socket file.
    public func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        unlink(path)
    }

    private func serve() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            let data = readAll(client)
            let response: ControlResponse
            if let request = try? JSONDecoder().decode(ControlRequest.self, from: data) {
                response = handler(request, Self.peer(of: client))
            } else {
                response = ControlResponse(ok: false, error: "malformed request")
            }
            var out = (try? JSONEncoder().encode(response)) ?? Data()
            out.append(UInt8(ascii: "\n"))
            writeAll(client, out)
            close(client)
        }
    }

    /// The user at the other end of `fd` (SO_PEERCRED), named from the password database.
    static func peer(of fd: Int32) -> ControlPeer {
        let raw = loaxa_peer_uid(fd)
        guard raw >= 0, let uid = uid_t(exactly: raw) else { return ControlPeer(uid: UInt32.max, user: "unknown") }
        var entry = passwd()
        var found: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        if getpwuid_r(uid, &entry, &buffer, buffer.count, &found) == 0, let found, let name = found.pointee.pw_name {
            return ControlPeer(uid: uid, user: String(cString: name))
        }
        return ControlPeer(uid: uid, user: "uid \(uid)")
    }
}
