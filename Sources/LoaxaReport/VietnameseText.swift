import LoaxaCore

/// How the reports write dates, lengths and outcomes for a Vietnamese reader.
public enum VietnameseText {
    /// 19/05/2025
    public static func date(_ d: CivilDate) -> String {
        two(d.day) + "/" + two(d.month) + "/" + String(d.year)
    }

    /// 19/05/2025 17:30:05, station time.
    public static func dateTime(_ t: WallTime, zone: @Sendable (WallTime) -> Int) -> String {
        let (seconds, _) = floorDivMod(t.microseconds + Int64(zone(t)) * 1_000_000, 1_000_000)
        let (days, second) = floorDivMod(seconds, 86_400)
        let d = CivilDate(daysSinceEpoch: days)
        return date(d) + " " + two(Int(second / 3600)) + ":" + two(Int(second % 3600 / 60)) + ":" + two(Int(second % 60))
    }

    /// 05/2025
    public static func month(year: Int, month: Int) -> String { two(month) + "/" + String(year) }

    /// A length as h:mm:ss (or m:ss under an hour).
    public static func duration(ms: Int64) -> String {
        let s = max(0, ms) / 1000
        let h = s / 3600, m = s % 3600 / 60, sec = s % 60
        return h > 0 ? "\(h):" + two(Int(m)) + ":" + two(Int(sec)) : "\(m):" + two(Int(sec))
    }

    /// Minutes with one decimal, as a number for the spreadsheets.
    public static func minutes(ms: Int64) -> Double { (Double(ms) / 6_000).rounded() / 10 }

    public static func outcome(_ o: SegmentOutcome?) -> String {
        switch o {
        case .completed: return "Phát trọn vẹn"
        case .interrupted: return "Bị ngắt giữa chừng"
        case .skipped: return "Bỏ qua, không phát"
        case .failed: return "Lỗi khi phát"
        case .notAired: return "Không phát được"
        case nil: return "Đang phát"
        }
    }

    public static func source(_ s: SegmentSource) -> String {
        switch s {
        case .schedule: return "Theo lịch"
        case .queue: return "Hàng đợi"
        case .priority: return "Ưu tiên"
        case .emergency: return "Khẩn cấp"
        }
    }

    private static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : String(n) }
}
