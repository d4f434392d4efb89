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
        case .queue: return "Hàng chờ"
        case .priority: return "Ưu tiên"
        case .emergency: return "Khẩn cấp"
        }
    }

    /// The daemon records why an airing ended in English, and the log keeps it so (it is
    /// hashed evidence). Reports give the reasons it writes in Vietnamese, names and numbers
    /// kept; a reason it does not know (a decoder's error text, say) stays as recorded.
    public static func reason(_ english: String) -> String {
        for (prefix, vietnamese) in reasonPrefixes where english.hasPrefix(prefix) {
            let rest = String(english.dropFirst(prefix.count))
            return vietnamese(rest)
        }
        return english
    }

    /// Each English start of a reason, and how the reason reads in Vietnamese given the rest.
    static let reasonPrefixes: [(String, @Sendable (String) -> String)] = [
        ("skipped by ", { "Người vận hành \($0) cho bỏ qua" }),
        ("the block was stopped by ", { "Người vận hành \($0) dừng buổi phát" }),
        ("replaced before it aired: ", { "Bị thay trước khi phát: " + reason($0) }),
        ("the block's length was reached", { _ in "Hết thời lượng của buổi phát" }),
        ("its start passed ", { rest in
            let seconds = rest.prefix { $0.isNumber }
            return "Đã quá giờ phát \(seconds) giây khi chưa kịp phát"
        }),
        ("its time passed while the station was not airing", { _ in "Đã qua giờ phát khi đài chưa hoạt động (buổi phát được nối vào muộn)" }),
        ("the daemon stopped without closing it", { _ in
            "Chương trình phát dừng đột ngột (bị tắt, gặp lỗi hoặc mất điện); bản ghi được đóng khi khởi động lại, tại thời điểm cuối cùng biết chắc đã phát"
        }),
        ("the daemon was stopped", { _ in "Chương trình phát được tắt" }),
        ("the sound card ", { rest in
            guard let range = rest.range(of: " was lost") else { return "Card âm thanh " + rest }
            return "Mất card âm thanh \(rest[..<range.lowerBound])" + rest[range.upperBound...]
        }),
        ("expired: queue entry ", { rest in
            "Hết hạn: mục \(rest.prefix { $0.isNumber }) trong hàng chờ chưa được phát trước giờ hết hạn"
        }),
        ("cut by an emergency broadcast (", { rest in
            // "(MEDIA, queued by USER)"
            let inside = rest.hasSuffix(")") ? String(rest.dropLast()) : rest
            guard let by = inside.range(of: ", queued by ", options: .backwards) else { return "Bị ngắt để phát tin khẩn cấp (\(inside))" }
            return "Bị ngắt để phát tin khẩn cấp (\(inside[..<by.lowerBound]), do \(inside[by.upperBound...]) đưa vào hàng chờ)"
        }),
        ("file not found: ", { "Không tìm thấy tệp \($0)" }),
        ("not approved", { _ in "Chưa được duyệt nội dung" }),
        ("block full", { _ in "Buổi phát đã hết thời lượng" }),
    ]

    private static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : String(n) }
}
