/// Local clock times as text, for messages.
enum ClockText {
    /// `06:30:00`; a time past midnight reads `00:30:00 next day`.
    static func format(micros: Int64) -> String {
        let seconds = micros / 1_000_000
        let dayOffset = seconds / 86_400
        let s = seconds % 86_400
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let text = "\(two(s / 3600)):\(two((s % 3600) / 60)):\(two(s % 60))"
        switch dayOffset {
        case 0: return text
        case 1: return text + " next day"
        default: return text + " \(dayOffset) days later"
        }
    }
}
