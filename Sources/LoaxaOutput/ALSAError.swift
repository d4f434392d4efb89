import CALSA

/// An ALSA call that failed: which call, on which device, and ALSA's own words for it.
public struct ALSAError: Error, CustomStringConvertible, Sendable {
    public var device: String
    public var function: String
    public var code: Int32
    /// What the device accepts, when the failure was a format it refused.
    public var accepts: String?

    public init(device: String, function: String, code: Int32, accepts: String? = nil) {
        self.device = device
        self.function = function
        self.code = code
        self.accepts = accepts
    }

    public var description: String {
        var s = "ALSA device \"\(device)\": \(function) failed: \(String(cString: snd_strerror(code)))"
        if let accepts, !accepts.isEmpty { s += " (the device accepts \(accepts))" }
        return s
    }
}
