import COgg
import COpus

/// Decodes an Ogg Opus file (RFC 7845) with libogg and libopus, always at 48 kHz.
///
/// Mapping family 0 (mono or stereo, nearly every file) goes through the single-stream
/// decoder (`opus_decode_float`), family 1 (up to 8 channels) through the multistream one;
/// other families are refused. The output gain of the OpusHead header is applied, pre-skip
/// is dropped from the start and the end is trimmed to the granule position of the last
/// (end-of-stream) page, so the frame count is exact. `info.headerFrames` comes from the
/// granule position of the stream's last page, found by reading the file's tail.
///
/// Streaming: a chunk of the file and its pages in libogg's buffers, and one decode buffer
/// of 120 ms (the longest Opus packet); nothing is allocated per packet.
///
/// Damaged input is an error, never concealed: a lost page, a page with a bad checksum, or
/// a packet libopus rejects makes `read` throw "decode error: …" (after handing out the
/// frames decoded before it). A file cut short in the middle of a page (an interrupted
/// copy) ends cleanly after the last complete packet, with no error, as libsndfile does;
/// `headerFrames`, from the last complete page, then still matches the count.
///
/// Chained streams (another Ogg Opus stream after the end of the first) are decoded one
/// after the other if they have the same channel count, else `read` throws. Of multiplexed
/// streams only the first Opus stream is decoded. For a chained file `headerFrames` counts
/// the first stream only (an estimate; the decoded count is exact), and finding its last
/// page means reading back through the later streams. A stream whose last page lacks the
/// end-of-stream flag is not trimmed at its end.
///
/// Seeking (`seek(toFrame:)`, before the first read) finds the page to start from by the
/// pages' granule positions, bisecting the file, and decodes from at least 500 ms before
/// the frame.
final class OggOpusReader {
    static let sampleRate = 48_000
    /// The longest Opus packet: 120 ms at 48 kHz.
    private static let maxPacketFrames = 5_760
    /// At most 255 packets end on one page (one lacing value each).
    private static let maxPacketsPerPage = 255
    /// Decoding after a seek starts at least this many samples before the frame sought:
    /// 500 ms. RFC 7845 §4.6 asks for 80 ms at least, but measured on noise (CELT, 16 to
    /// 96 kbit/s) the decoder is then still up to 0.1 away from a decoding from the start,
    /// as its band energies, predicted from the previous frame's, converge by half every
    /// 20 ms: 2e-3 after 200 ms, 6e-5 after 300, 2e-6 after 400, float rounding (3e-7) after
    /// 500 ms. Decoding the extra 420 ms costs well under a millisecond.
    static let seekPreRoll: Int64 = 24_000
    /// A seek bisects the file until the page sought lies within this many bytes, then
    /// scans them.
    private static let bisectionStopBytes: Int64 = 65_536

    let path: String
    private(set) var info: AudioFileInfo
    private let pages: OggPageReader
    private let stream: UnsafeMutablePointer<ogg_stream_state>
    /// The packets that end on the current page; they point into `stream`'s buffer and stay
    /// valid until the next page goes in.
    private let packets: UnsafeMutablePointer<ogg_packet>
    private var packetCount = 0
    private var packetIndex = 0

    private let channels: Int
    /// Decoded frames of the last packet; `pcmCount` of them from `pcmStart` are still to
    /// be handed out.
    private let pcm: UnsafeMutablePointer<Float>
    private var pcmStart = 0
    private var pcmCount = 0
    private var decoder = Decoder.none
    /// An error met after frames were handed out in the same `read`; thrown by the next.
    private var pendingError: OggOpusError?
    /// Whether the first stream's headers (OpusHead and OpusTags) have been read.
    private var headersRead = false

    // The current logical stream (a link of the chain).
    private var serial: Int32 = 0
    private var phase = Phase.tags
    private var nextPageNumber = 0
    private var preSkip: Int64 = 0
    private var gain: Float = 1
    /// The granule position of the stream's first sample, known from its first audio page.
    private var startGranule: Int64?
    /// The granule position just after the last decoded sample.
    private var position: Int64 = 0
    /// The granule position of the end-of-stream page: samples from there on are dropped.
    private var endGranule = Int64.max
    /// Samples before this granule position are dropped: where a seek asked to start.
    private var seekGranule = Int64.min
    /// Where the first page with audio of the first stream begins (set with `startGranule`).
    private var firstAudioPageOffset: Int64?

    private enum Phase {
        /// OpusHead read, the OpusTags packet is next.
        case tags
        case audio
        /// After the end-of-stream page: only a new stream (chain) can follow.
        case ended
    }

    fileprivate enum Decoder {
        case none
        case single(OpaquePointer)
        case multistream(OpaquePointer)
    }

    /// An Ogg Opus reader for `path` if the file starts with an Ogg page holding an
    /// OpusHead packet; nil if it does not (or cannot be opened), so that libsndfile tries.
    static func open(path: String) throws(MediaError) -> OggOpusReader? {
        guard let pages = OggPageReader(path: path), pages.startsWithOpusHead() else { return nil }
        return try OggOpusReader(path: path, pages: pages)
    }

    private init(path: String, pages: OggPageReader) throws(MediaError) {
        func refuse(_ reason: String) -> MediaError { MediaError(path: path, message: "cannot decode: \(reason)") }
        let head: OpusHead
        do throws(OggOpusError) {
            guard try pages.next() == .page else { throw OggOpusError("damaged first Ogg page") }
            head = try OpusHead(packet: pages.body)
        } catch {
            throw refuse(error.reason)
        }
        self.path = path
        self.pages = pages
        channels = head.channels
        pcm = .allocate(capacity: Self.maxPacketFrames * channels)
        packets = .allocate(capacity: Self.maxPacketsPerPage)
        stream = .allocate(capacity: 1)
        stream.initialize(to: ogg_stream_state())
        ogg_stream_init(stream, ogg_page_serialno(pages.page))
        info = AudioFileInfo(sampleRate: Self.sampleRate, channels: channels, headerFrames: 0, format: "opus")

        // The headers, then the first audio page for where the stream starts. Damage in the
        // headers makes the file unusable; damage after them is reported by the first
        // `read`, like any later damage.
        do throws(OggOpusError) {
            try beginStream(head)
            _ = try loadAudioPage()
        } catch {
            guard headersRead else { throw refuse(error.reason) }
            pendingError = error
        }
        guard headersRead else { throw refuse("the file ends before its OpusTags header") }
        if let last = pages.lastGranulePosition(serial: serial) {
            info.headerFrames = max(0, last - (startGranule ?? 0) - preSkip)
        }
    }

    deinit {
        decoder.destroy()
        ogg_stream_clear(stream)
        stream.deallocate()
        packets.deallocate()
        pcm.deallocate()
    }

    /// Reads up to `frames` frames into `buffer`; 0 at the end of the file.
    func read(into buffer: UnsafeMutablePointer<Float>, frames: Int) throws(MediaError) -> Int {
        var done = 0
        while done < frames {
            if pcmCount > 0 {
                let n = min(pcmCount, frames - done)
                (buffer + done * channels).update(from: pcm + pcmStart * channels, count: n * channels)
                pcmStart += n
                pcmCount -= n
                done += n
                continue
            }
            do throws(OggOpusError) {
                if let pendingError { throw pendingError }
                guard try decodePacket() else { break }
            } catch {
                pendingError = error
                if done > 0 { break }
                throw MediaError(path: path, message: "decode error: \(error.reason)")
            }
        }
        return done
    }

    /// Moves to output frame `frame` of the stream (counted after pre-skip, as `read` from
    /// the start counts), so that the next `read` returns it; returns the frame reached,
    /// less than `frame` when that lies past the end of the first stream (`headerFrames`),
    /// for the caller to decode through a chained stream or find the file ended. Only
    /// before the first `read`.
    ///
    /// Only page headers are read on the way: the page to start from is the last one whose
    /// granule position (the end of its last packet) is at or before `seekPreRoll` samples
    /// ahead of the frame, found by bisecting the file. Its packets are dropped and the
    /// decoder, reset, starts with the next packet; what it decodes before the frame is
    /// dropped. When no page lies that early the reader stays at the stream's first audio
    /// page, where it was opened, and decodes from there. End trimming is unchanged.
    func seek(toFrame frame: Int64) throws(MediaError) -> Int64 {
        let within = min(frame, info.headerFrames)
        guard within > 0, let startGranule, let firstAudioPageOffset else { return 0 }
        let target = startGranule + preSkip + within
        seekGranule = target
        do throws(OggOpusError) {
            guard let page = try lastPage(atOrBefore: target - Self.seekPreRoll, from: firstAudioPageOffset) else {
                return within
            }
            // Back to where libogg would be before the page, with a decoder as new.
            pages.reposition(to: page.offset)
            ogg_stream_reset(stream)
            nextPageNumber = page.number
            pendingError = nil
            phase = .audio
            decoder.reset()
            guard try nextPage() else { throw OggOpusError("the file ends at byte \(page.offset)") }
            while try nextPacket() != nil {}
            packetCount = 0
            packetIndex = 0
            pcmCount = 0
            position = page.granule
            if page.endOfStream {
                phase = .ended
                endGranule = page.granule
            }
        } catch {
            throw MediaError(path: path, message: "cannot seek to frame \(frame): \(error.reason)")
        }
        return within
    }

    /// The last page of the current stream from byte `start` on whose granule position is
    /// at most `granule`; nil if none is. Bisects the file (granule positions grow with
    /// the offset), then scans the last stretch page by page.
    private func lastPage(atOrBefore granule: Int64, from start: Int64) throws(OggOpusError) -> OggPageReader.Mark? {
        // The page sought, if any, begins in low..<high; `best` is the latest page found
        // that qualifies.
        var low = start
        var high = pages.fileSize
        var best: OggPageReader.Mark?
        while high - low > Self.bisectionStopBytes {
            let middle = low + (high - low) / 2
            var first: OggPageReader.Mark?
            try pages.scanGranulePages(serial: serial, from: middle, before: high) { page in
                first = page
                return false
            }
            if let first, first.granule <= granule {
                best = first
                low = first.offset
            } else {
                high = middle
            }
        }
        try pages.scanGranulePages(serial: serial, from: low, before: high) { page in
            guard page.granule <= granule else { return false }
            best = page
            return true
        }
        return best
    }

    /// Decodes the next packet into `pcm`, leaving in `pcmStart`/`pcmCount` the frames that
    /// survive pre-skip and end trimming (maybe none). False at the end of the file.
    private func decodePacket() throws(OggOpusError) -> Bool {
        while packetIndex == packetCount {
            guard try loadAudioPage() else { return false }
        }
        let packet = packets[packetIndex]
        packetIndex += 1
        guard packet.bytes > 0 else { throw OggOpusError("empty Opus packet \(packet.packetno) (lost data)") }
        let n = decoder.decode(packet, into: pcm, maxFrames: Self.maxPacketFrames)
        guard n >= 0 else {
            throw OggOpusError("Opus packet \(packet.packetno): \(String(cString: opus_strerror(n)))")
        }
        let first = position
        position += Int64(n)
        let keepFrom = max(first, (startGranule ?? 0) + preSkip, seekGranule)
        let keepTo = min(position, endGranule)
        if keepTo > keepFrom {
            pcmStart = Int(keepFrom - first)
            pcmCount = Int(keepTo - keepFrom)
            if gain != 1 {
                let samples = pcm + pcmStart * channels
                for i in 0..<(pcmCount * channels) { samples[i] *= gain }
            }
        }
        return true
    }

    /// Moves on to the next page of the current stream with at least one packet ending on
    /// it, starting a chained stream where one begins. False at the end of the file.
    private func loadAudioPage() throws(OggOpusError) -> Bool {
        while true {
            guard try nextPage() else { return false }
            if phase == .tags {
                guard let tags = try nextPacket() else { continue }
                let title = try OpusTags.title(packet: tags.data)
                // Only the first stream's title counts, not a chained one's.
                if !headersRead {
                    info.titleBytes = title
                    headersRead = true
                }
                phase = .audio
            }
            try collectPackets()
            if packetCount > 0 { return true }
        }
    }

    /// Puts the next page of the current stream into `stream`; pages of other streams are
    /// skipped, and a new stream beginning after the current one's headers is started as
    /// the next link of a chain. False at the end of the file.
    private func nextPage() throws(OggOpusError) -> Bool {
        while true {
            switch try pages.next() {
            case .end:
                return false
            case .damaged:
                // Bytes that are not a page after the end of a stream (an appended tag,
                // padding) are of no concern; inside one they are lost audio.
                if phase == .ended { continue }
                throw OggOpusError("damaged Ogg data before byte \(pages.position) (bad checksum or lost sync)")
            case .page:
                break
            }
            let page = pages.page
            if ogg_page_bos(page) != 0 {
                // Other streams beginning with ours are multiplexed with it (ignored); one
                // beginning after our headers is the next link of a chain.
                guard phase != .tags else { continue }
                guard OpusHead.hasMagic(pages.body) else { continue }
                let head = try OpusHead(packet: pages.body)
                guard head.channels == channels else {
                    throw OggOpusError(
                        "a chained Opus stream has \(head.channels) channels where the first has \(channels)")
                }
                ogg_stream_reset_serialno(stream, ogg_page_serialno(page))
                try beginStream(head)
                continue
            }
            guard ogg_page_serialno(page) == serial, phase != .ended else { continue }
            try pageIn()
            return true
        }
    }

    /// Starts decoding the stream whose first page (holding only `head`) is `pages.page`.
    private func beginStream(_ head: OpusHead) throws(OggOpusError) {
        serial = ogg_page_serialno(pages.page)
        nextPageNumber = ogg_page_pageno(pages.page)
        try pageIn()
        _ = try nextPacket()  // the OpusHead packet, already parsed
        decoder.destroy()
        decoder = .none
        decoder = try Decoder(head)
        phase = .tags
        preSkip = Int64(head.preSkip)
        gain = head.gainFactor
        startGranule = nil
        position = 0
        endGranule = .max
        seekGranule = .min
        packetCount = 0
        packetIndex = 0
    }

    /// Hands `pages.page` (of the current stream) to libogg, checking that none is missing.
    private func pageIn() throws(OggOpusError) {
        let number = ogg_page_pageno(pages.page)
        guard number == nextPageNumber else {
            throw OggOpusError("Ogg page \(nextPageNumber) is missing (found page \(number) after it)")
        }
        nextPageNumber = number + 1
        guard ogg_stream_pagein(stream, pages.page) == 0 else {
            throw OggOpusError("libogg refused Ogg page \(number)")
        }
    }

    /// The next complete packet from the pages put in so far; nil if none.
    private func nextPacket() throws(OggOpusError) -> ogg_packet? {
        var packet = ogg_packet()
        let result = ogg_stream_packetout(stream, &packet)
        if result < 0 { throw OggOpusError("data lost before Ogg page \(nextPageNumber - 1)") }
        return result > 0 ? packet : nil
    }

    /// Takes every packet ending on the current page into `packets`; on the stream's first
    /// audio page, works out where the stream starts, and on its last where it ends.
    private func collectPackets() throws(OggOpusError) {
        packetCount = 0
        packetIndex = 0
        while packetCount < Self.maxPacketsPerPage, let packet = try nextPacket() {
            packets[packetCount] = packet
            packetCount += 1
        }
        let page = pages.page
        let granule = ogg_page_granulepos(page)
        let endOfStream = ogg_page_eos(page) != 0
        if endOfStream {
            phase = .ended
            if granule >= 0 { endGranule = granule }
        }
        guard packetCount > 0, startGranule == nil else { return }
        // The page's granule position counts the samples up to the end of its last packet,
        // so the stream starts that many samples before it (RFC 7845 §4.5). If the first
        // page is also the last, its granule position trims the end and the start is 0;
        // a start before 0, which the RFC calls invalid, is taken as 0.
        var samples: Int64 = 0
        for i in 0..<packetCount {
            let n = opus_packet_get_nb_samples(packets[i].packet, Int32(packets[i].bytes), Int32(Self.sampleRate))
            if n > 0 { samples += Int64(n) }
        }
        let start = endOfStream || granule < 0 ? 0 : max(0, granule - samples)
        startGranule = start
        position = start
        if firstAudioPageOffset == nil { firstAudioPageOffset = pages.pageOffset }
    }
}

extension ogg_packet {
    var data: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: packet, count: bytes) }
}

extension OggOpusReader.Decoder {
    init(_ head: OpusHead) throws(OggOpusError) {
        var error: Int32 = 0
        if head.mappingFamily == 0 {
            let decoder = opus_decoder_create(Int32(OggOpusReader.sampleRate), Int32(head.channels), &error)
            guard let decoder, error == OPUS_OK else {
                throw OggOpusError("libopus refused the stream: \(String(cString: opus_strerror(error)))")
            }
            self = .single(decoder)
        } else {
            let decoder = head.mapping.withUnsafeBufferPointer { mapping in
                opus_multistream_decoder_create(
                    Int32(OggOpusReader.sampleRate), Int32(head.channels), Int32(head.streamCount),
                    Int32(head.coupledCount), mapping.baseAddress!, &error)
            }
            guard let decoder, error == OPUS_OK else {
                throw OggOpusError("libopus refused the stream: \(String(cString: opus_strerror(error)))")
            }
            self = .multistream(decoder)
        }
    }

    /// Decodes one packet; the frames decoded, or a negative libopus error code.
    func decode(_ packet: ogg_packet, into pcm: UnsafeMutablePointer<Float>, maxFrames: Int) -> Int32 {
        switch self {
        case .none:
            return OPUS_INVALID_STATE
        case .single(let decoder):
            return opus_decode_float(decoder, packet.packet, Int32(packet.bytes), pcm, Int32(maxFrames), 0)
        case .multistream(let decoder):
            return opus_multistream_decode_float(decoder, packet.packet, Int32(packet.bytes), pcm, Int32(maxFrames), 0)
        }
    }

    /// Returns the decoder to its state as created (OPUS_RESET_STATE), for a jump.
    func reset() {
        switch self {
        case .none: break
        case .single(let decoder): loaxa_opus_decoder_reset(decoder)
        case .multistream(let decoder): loaxa_opus_multistream_decoder_reset(decoder)
        }
    }

    func destroy() {
        switch self {
        case .none: break
        case .single(let decoder): opus_decoder_destroy(decoder)
        case .multistream(let decoder): opus_multistream_decoder_destroy(decoder)
        }
    }
}
