import Foundation
@testable import LoaxaSchedule
import Testing

/// The zoneinfo reader agrees with Foundation's TimeZone, hour by hour-ish, from 1970 to 2037,
/// for a zone without daylight saving and for three with it (north and south).
@Test(arguments: ["Asia/Ho_Chi_Minh", "Europe/Berlin", "America/New_York", "Australia/Sydney"])
func zoneinfoAgreesWithFoundation(identifier: String) throws {
    let tzif = try #require(TZif(identifier: identifier))
    let zone = try #require(TimeZone(identifier: identifier))
    var mismatches = 0
    // Every 7 h 13 min: lands on every hour of the day across the years.
    for seconds in stride(from: Int64(0), to: 2_145_000_000, by: 26_000) {
        let expected = zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds)))
        if tzif.offset(at: seconds) != expected { mismatches += 1 }
    }
    #expect(mismatches == 0)
}

@Test func posixFootersWithAFixedOffset() {
    #expect(TZif.fixedOffset(posix: "<+07>-7") == Int32(25_200))
    #expect(TZif.fixedOffset(posix: "UTC0") == Int32(0))
    #expect(TZif.fixedOffset(posix: "<-0330>3:30") == Int32(-12_600))
    #expect(TZif.fixedOffset(posix: "CET-1CEST,M3.5.0,M10.5.0/3") == nil)
}

@Test func unknownOrUnsafeNamesAreRefused() {
    #expect(TZif(identifier: "Asia/Nowhere") == nil)
    #expect(TZif(identifier: "../../etc/passwd") == nil)
    #expect(TZif(identifier: "/etc/localtime") == nil)
}
