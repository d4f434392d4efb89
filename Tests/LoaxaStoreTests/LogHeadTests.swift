import Foundation
import LoaxaStore
import Testing

@Test func aHeadIsReadBackAsPrinted() {
    let hash = Data((0..<32).map { UInt8($0 * 7 & 0xFF) })
    let head = LogHead(seq: 1234, hash: hash)
    #expect(LogHead(text: head.description) == head)
    #expect(LogHead(text: "1234:" + head.hashHex.uppercased()) == head)
    #expect(LogHead(text: "  seq 1234 sha256 \(head.hashHex)\n".trimmingCharacters(in: .whitespacesAndNewlines)) == head)
    #expect(LogHead(text: "seq 0 sha256 \(head.hashHex)") == nil)
    #expect(LogHead(text: "seq 12 sha256 \(head.hashHex.dropLast())") == nil)
    #expect(LogHead(text: "seq 12 sha256 +" + head.hashHex.dropFirst()) == nil)
    #expect(LogHead(text: "seq 12") == nil)
}
