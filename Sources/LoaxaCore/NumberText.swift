/// Number formatting without Foundation's `String(format:)`, which loads ICU's locale
/// machinery (a megabyte of memory in a daemon that otherwise never needs it).
public enum NumberText {
    /// `value` rounded to `places` decimals: `fixed(3.14159, 2)` is "3.14"; with `signed`,
    /// positive values get a "+".
    public static func fixed(_ value: Double, _ places: Int, signed: Bool = false) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf") }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        let whole = Int64(scaled / scale)
        let fraction = Int64(scaled - Double(whole) * scale)
        var text = String(whole)
        if places > 0 {
            let digits = String(fraction)
            text += "." + String(repeating: "0", count: max(0, places - digits.count)) + digits
        }
        if value < 0 && scaled != 0 { return "-" + text }
        return signed ? "+" + text : text
    }

    /// Lower-case hexadecimal of `bytes`.
    public static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
