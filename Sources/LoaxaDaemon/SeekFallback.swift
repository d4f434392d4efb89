import LoaxaMedia

// Temporary: decode and discard up to the offset, until the converter can seek.
extension SegmentConverter {
    convenience init(path: String, outputRate: Int, outputChannels: Int, startingAtFrame offset: Int64) throws(MediaError) {
        try self.init(path: path, outputRate: outputRate, outputChannels: outputChannels)
        var left = offset
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 4096 * outputChannels)
        defer { scratch.deallocate() }
        while left > 0 {
            let n = try render(into: scratch, frames: Int(min(left, 4096)))
            if n == 0 { break }
            left -= Int64(n)
        }
    }
}
