import LoaxaCore

extension StationConfig {
    /// `[report]`: how the period reports read. Every heading has a Vietnamese default;
    /// a commune sets what its district asks for (the issuing office, to whom it is sent,
    /// who signs), which sections appear and in which order, what its topic folders are
    /// called, and its reporting periods (some districts close the half-year on 14 June).
    ///
    /// ```toml
    /// [report]
    /// issuer = "UBND XÃ CẨM CHÂU"
    /// recipient = "Phòng Văn hóa và Thông tin huyện Cẩm Thủy"
    /// sections = ["summary", "targets", "topics", "programmes", "incomplete"]
    ///
    /// [report.topics]
    /// giam-ngheo = "Giảm nghèo bền vững"
    ///
    /// [report.periods]
    /// h1 = { title = "6 tháng đầu năm", from = "12-15", to = "06-14" }
    /// ```
    public struct Report: Hashable, Sendable {
        /// The report's title line.
        public var title = "BÁO CÁO KẾT QUẢ THÔNG TIN, TUYÊN TRUYỀN TRÊN HỆ THỐNG ĐÀI TRUYỀN THANH"
        /// The office that issues it, above the title (e.g. "UBND XÃ CẨM CHÂU"); none by default.
        public var issuer: String?
        /// To whom it is sent ("Kính gửi: ..."); none by default.
        public var recipient: String?
        /// Who signs it, under the tables (a title such as "Công chức Văn hóa - Xã hội").
        public var signer: String?
        /// The sections, in order.
        public var sections: [ReportSection] = ReportSection.allCases
        /// Names of topics (media folders) as the report shows them; a topic not named
        /// here is shown by its folder name.
        public var topicTitles: [String: String] = [:]
        /// Reporting periods by id: the defaults (`h1`, `h2`, `q1` to `q4`) and the
        /// config's own, which replace a default of the same id.
        public var periods: [String: ReportPeriod] = ReportPeriod.defaults

        public init() {}

        /// What the report calls `topic`.
        public func title(ofTopic topic: String) -> String {
            topicTitles[topic] ?? topic
        }
    }
}

/// A section of the period report (SPEC §10).
public enum ReportSection: String, Hashable, Sendable, CaseIterable {
    /// Broadcasts held and missed, segments aired, airtime, the log's head.
    case summary
    /// Target, achieved and shortfall for each target of the plans in force.
    case targets
    case topics, months, blocks
    /// Each distinct segment (by content) with times aired and first and last airing.
    case programmes
    case emergencies
    /// Every airing that did not complete, with its reason.
    case incomplete
}

/// A reporting period of the year, from one month-day to another; when `from` comes after
/// `to` the period starts in the year before (15 December to 14 June).
public struct ReportPeriod: Hashable, Sendable {
    public var title: String
    public var from: MonthDay
    public var to: MonthDay

    public init(title: String, from: MonthDay, to: MonthDay) {
        self.title = title
        self.from = from
        self.to = to
    }

    /// The first and last day of this period for `year` (the year it ends in).
    public func days(in year: Int) -> (first: CivilDate, last: CivilDate) {
        let startYear = from > to ? year - 1 : year
        return (from.date(in: startYear), to.date(in: year))
    }

    public static let defaults: [String: ReportPeriod] = [
        "h1": ReportPeriod(title: "6 tháng đầu năm", from: MonthDay(1, 1), to: MonthDay(6, 30)),
        "h2": ReportPeriod(title: "6 tháng cuối năm", from: MonthDay(7, 1), to: MonthDay(12, 31)),
        "q1": ReportPeriod(title: "Quý I", from: MonthDay(1, 1), to: MonthDay(3, 31)),
        "q2": ReportPeriod(title: "Quý II", from: MonthDay(4, 1), to: MonthDay(6, 30)),
        "q3": ReportPeriod(title: "Quý III", from: MonthDay(7, 1), to: MonthDay(9, 30)),
        "q4": ReportPeriod(title: "Quý IV", from: MonthDay(10, 1), to: MonthDay(12, 31)),
    ]
}

/// A day of the year without the year ("06-14").
public struct MonthDay: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var month: Int
    public var day: Int

    public init(_ month: Int, _ day: Int) {
        self.month = month
        self.day = day
    }

    /// Reads "MM-DD"; nil unless it is a day some year has (29 February is one).
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCII) }),
            let month = Int(parts[0]), let day = Int(parts[1]), (1...12).contains(month),
            (1...CivilDate.daysIn(month: month, year: 2024)).contains(day)
        else { return nil }
        self.init(month, day)
    }

    /// This day in `year`; 29 February is the 28th in a year that has no 29th.
    public func date(in year: Int) -> CivilDate {
        CivilDate(year: year, month: month, day: min(day, CivilDate.daysIn(month: month, year: year)))
    }

    public static func < (a: MonthDay, b: MonthDay) -> Bool { (a.month, a.day) < (b.month, b.day) }

    public var description: String {
        (month < 10 ? "0" : "") + "\(month)-" + (day < 10 ? "0" : "") + "\(day)"
    }
}
