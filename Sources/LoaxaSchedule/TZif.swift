import Foundation

/// A time zone's rules read straight from the system's zoneinfo file (TZif, RFC 8536).
///
/// Reading the file ourselves keeps the daemon off Foundation's ICU time-zone machinery,
/// which costs some 4 MB of memory to load for what is, in Vietnam, one fixed offset.
/// Debian ships "fat" files whose transition table runs to 2037; past its end the POSIX
/// rule in the footer is used when it is a fixed offset, else the last offset in force.
struct TZif: Hashable, Sendable {
    /// Transition instants (Unix seconds) and the UTC offset in force from each.
    private let transitions: [Int64]
    private let offsets: [Int32]
    /// The offset before the first transition.
    private let initialOffset: Int32
    /// The footer's fixed offset, when it has no daylight-saving part.
    private let footerOffset: Int32?

    /// Reads the zone named `identifier` from TZDIR or /usr/share/zoneinfo; nil if absent
    /// or malformed.
    init?(identifier: String) {
        guard !identifier.isEmpty, !identifier.hasPrefix("/"), !identifier.split(separator: "/").contains("..")
        else { return nil }
        let dir = ProcessInfo.processInfo.environment["TZDIR"] ?? "/usr/share/zoneinfo"
        guard let data = FileManager.default.contents(atPath: dir + "/" + identifier) else { return nil }
        self.init(data: [UInt8](data))
    }

    init?(data: [UInt8]) {
        func u32(_ at: Int) -> Int? {
            guard at + 4 <= data.count else { return nil }
            return Int(data[at]) << 24 | Int(data[at + 1]) << 16 | Int(data[at + 2]) << 8 | Int(data[at + 3])
        }
        func i32(_ at: Int) -> Int32? { u32(at).map { Int32(truncatingIfNeeded: $0) } }
        func i64(_ at: Int) -> Int64? {
            guard let hi = u32(at), let lo = u32(at + 4) else { return nil }
            return Int64(bitPattern: UInt64(hi) << 32 | UInt64(lo))
        }
        /// Counts at a header: isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt.
        func counts(_ at: Int) -> [Int]? {
            guard data.count >= at + 44, data[at] == 0x54, data[at + 1] == 0x5A, data[at + 2] == 0x69, data[at + 3] == 0x66
            else { return nil }
            return (0..<6).compactMap { u32(at + 20 + $0 * 4) }
        }
        guard let v1 = counts(0), v1.count == 6 else { return nil }
        var base = 0
        var timeSize = 4
        if data[4] >= 0x32 {
            // Version 2+: skip the 32-bit block, read the 64-bit one.
            let v1Length = 44 + v1[3] * 5 + v1[4] * 6 + v1[5] + v1[2] * 8 + v1[1] + v1[0]
            base = v1Length
            timeSize = 8
        }
        guard let c = counts(base), c.count == 6 else { return nil }
        let (leapcnt, timecnt, typecnt, charcnt, isstdcnt, isutcnt) = (c[2], c[3], c[4], c[5], c[1], c[0])
        guard typecnt > 0 else { return nil }
        var p = base + 44
        var times: [Int64] = []
        for i in 0..<timecnt {
            guard let t = timeSize == 8 ? i64(p + i * 8) : i32(p + i * 4).map(Int64.init) else { return nil }
            times.append(t)
        }
        p += timecnt * timeSize
        guard p + timecnt <= data.count else { return nil }
        let indices = (0..<timecnt).map { Int(data[p + $0]) }
        p += timecnt
        var typeOffsets: [Int32] = []
        var typeIsDST: [Bool] = []
        for i in 0..<typecnt {
            guard let off = i32(p + i * 6), p + i * 6 + 4 < data.count else { return nil }
            typeOffsets.append(off)
            typeIsDST.append(data[p + i * 6 + 4] != 0)
        }
        p += typecnt * 6 + charcnt + leapcnt * (timeSize + 4) + isstdcnt + isutcnt
        guard indices.allSatisfy({ $0 < typecnt }) else { return nil }
        transitions = times
        offsets = indices.map { typeOffsets[$0] }
        initialOffset = typeOffsets[typeIsDST.firstIndex(of: false) ?? 0]
        // The footer: "\nPOSIX-TZ\n".
        var footer: Int32?
        if timeSize == 8, p < data.count, data[p] == 0x0A, let end = data[(p + 1)...].firstIndex(of: 0x0A) {
            footer = Self.fixedOffset(posix: String(decoding: data[(p + 1)..<end], as: UTF8.self))
        }
        footerOffset = footer
    }

    /// Seconds to add to UTC at Unix time `seconds`.
    func offset(at seconds: Int64) -> Int {
        guard let first = transitions.first, seconds >= first else { return Int(initialOffset) }
        if seconds >= transitions[transitions.count - 1], let footerOffset { return Int(footerOffset) }
        var lo = 0, hi = transitions.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if transitions[mid] <= seconds { lo = mid } else { hi = mid - 1 }
        }
        return Int(offsets[lo])
    }

    /// The UTC offset of a POSIX TZ string with no daylight-saving part ("<+07>-7", "UTC0");
    /// nil when it has one. POSIX offsets count west of Greenwich, hence the sign flip.
    static func fixedOffset(posix: String) -> Int32? {
        var s = Substring(posix)
        if s.hasPrefix("<") {
            guard let close = s.firstIndex(of: ">") else { return nil }
            s = s[s.index(after: close)...]
        } else {
            s = s.drop { $0.isLetter }
        }
        var sign: Int32 = 1
        if s.first == "+" || s.first == "-" {
            sign = s.first == "-" ? -1 : 1
            s = s.dropFirst()
        }
        let digits = s.prefix { $0.isNumber || $0 == ":" }
        guard !digits.isEmpty, s.count == digits.count else { return nil }  // a DST part follows
        let parts = digits.split(separator: ":").compactMap { Int32($0) }
        guard !parts.isEmpty else { return nil }
        let seconds = parts[0] * 3600 + (parts.count > 1 ? parts[1] * 60 : 0) + (parts.count > 2 ? parts[2] : 0)
        return -sign * seconds
    }
}
