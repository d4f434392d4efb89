import CALSA
import CLinux
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The states of the cut handshake. Plain integers: the audio thread compares them in its
/// loop, where nothing may instantiate type metadata or run a lazy initialiser.
enum CutState {
    /// No cut asked for.
    static var idle: Int { 0 }
    /// The renderer asked for a cut and waits.
    static var requested: Int { 1 }
    /// The audio thread took the request and is serving it.
    static var claimed: Int { 2 }
    /// Served: the cut frame is in `cutResult`.
    static var done: Int { 3 }
}

// MARK: The renderer's side

extension ALSAOutput {
    /// Cuts the timeline at the earliest frame not yet heard, for a break-in (an emergency
    /// broadcast) or an operator's skip or stop, and returns that frame, C. Renderer thread
    /// only, and never while another `cut` runs.
    ///
    /// Frames before C are in the card and will play; whatever the ring and the card held
    /// from C on is dropped, and the renderer writes the new content at the ring's
    /// `publishedPosition`, which is now C. The audio thread takes back from the card all it
    /// can rewind but `keep` frames, in whole periods, so C lies between `keep` and
    /// `keep` + one period ahead of the position the card reported when the request was
    /// served.
    ///
    /// `keep` is what the card plays while the renderer writes the first new frames: one
    /// period or more, so have them ready before calling. A card that moves its position
    /// only once a period may be up to a period further on than it reports: keep two
    /// periods there for the same margin. Until the renderer has published what the card
    /// has room for, the audio thread writes only what it has published (`Refill`); if the
    /// card runs down to half a period first, it writes a period of silence at a time.
    /// `wake()` after the first write has the new frames taken at once.
    ///
    /// Where nothing can be taken back (the device is lost, refuses to rewind, or holds no
    /// more than `keep`), C is the audio thread's own position: the frames it has handed to
    /// ALSA play out. The frame clock is unaffected: the card's position does not move,
    /// and the frames it now plays keep their numbers' times (no new epoch).
    ///
    /// The audio thread answers within a millisecond or so. If it does not within
    /// `timeout` (it is not running), the request is withdrawn and nothing is cut: the
    /// result is then the ring's `publishedPosition`, where the renderer goes on writing.
    public func cut(keepingFrames keep: Int, timeout: Duration = .milliseconds(200)) -> Int64 {
        cutKeep.store(max(0, keep), ordering: .relaxed)
        cutState.store(CutState.requested, ordering: .releasing)
        wake()
        let deadline = SystemClocks.monotonicNs() + Self.nanoseconds(timeout)
        while cutState.load(ordering: .acquiring) != CutState.done {
            if SystemClocks.monotonicNs() >= deadline {
                let withdrawn = cutState.compareExchange(
                    expected: CutState.requested, desired: CutState.idle, ordering: .acquiringAndReleasing)
                if withdrawn.exchanged { return ring.publishedPosition }
                // The audio thread has taken it: it finishes without waiting on anything.
                while cutState.load(ordering: .acquiring) != CutState.done { usleep(200) }
                break
            }
            usleep(200)
        }
        let frame = cutResult.load(ordering: .relaxed)
        cutState.store(CutState.idle, ordering: .releasing)
        return frame
    }

    /// Wakes the audio thread out of its wait, from any thread. It costs a system call.
    /// After a cut it has the first new frames taken at once; otherwise the thread just
    /// goes back to its wait.
    public func wake() {
        loaxa_wake_signal(wakeFD)
    }

    static func nanoseconds(_ d: Duration) -> Int64 {
        let (seconds, attoseconds) = d.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

// MARK: The audio thread's side

/// After a cut the card holds only the frames kept, and the renderer is writing the new
/// ones from the cut on. Were the thread to top the card up as usual, it would write
/// silence where those frames belong. So until the renderer has published what the card
/// has room for, the thread writes only published frames, in whole periods, looking at the
/// ring every 2 ms or when woken (`wake()`). If the card runs down to half a period first,
/// the renderer is late: the thread gives the card one period, silence where nothing is
/// published, and waits on; the renderer's first frames then air that much later rather
/// than a whole buffer of silence later. After a buffer's worth of such silence it stops
/// waiting and tops the card up as usual.
struct Refill {
    let period: Int
    let rate: Int
    /// How much silence the thread writes while waiting before it gives up waiting.
    let silenceLimit: Int
    /// When the card, at its nominal rate, is down to `lowWater` frames; 0 when not refilling.
    private(set) var lowWaterAtNs: Int64 = 0
    private var silenceWritten = 0

    init(period: Int, rate: Int, silenceLimit: Int) {
        self.period = period
        self.rate = rate
        self.silenceLimit = silenceLimit
    }

    var active: Bool { lowWaterAtNs != 0 }

    /// The longest wait between two looks at the ring.
    static var lookMs: Int64 { 2 }

    /// Frames left in the card when the thread stops waiting for the renderer.
    var lowWater: Int { period / 2 }

    /// Starts refilling with `queued` frames in the card.
    mutating func start(queued: Int, nowNs: Int64) {
        silenceWritten = 0
        lowWaterAtNs = lowWaterTime(queued: queued, nowNs: nowNs)
    }

    /// Stops refilling (the stream failed, or the renderer caught up).
    mutating func stop() {
        lowWaterAtNs = 0
    }

    /// How long to wait for the renderer, in whole milliseconds (at least 1 while the card
    /// is above its low-water mark, so that the thread never spins).
    func timeoutMs(nowNs: Int64) -> Int32 {
        let left = lowWaterAtNs - nowNs
        if left <= 0 { return 0 }
        return Int32(min(Self.lookMs, (left + 999_999) / 1_000_000))
    }

    /// The frames to write now, of `room` (whole periods) the card has room for, with
    /// `queued` in the card and `ready` published by the renderer; refilling ends when the
    /// renderer has caught up, or after `silenceLimit` of silence.
    mutating func frames(room: Int, queued: Int, ready: Int64, nowNs: Int64) -> Int {
        if ready >= Int64(room) {
            stop()
            return room
        }
        var frames = Int(max(0, ready)) / period * period
        if frames == 0 && queued <= lowWater {
            silenceWritten += period
            if silenceWritten > silenceLimit {
                stop()
                return room
            }
            frames = min(period, room)
        }
        lowWaterAtNs = lowWaterTime(queued: queued + frames, nowNs: nowNs)
        return frames
    }

    private func lowWaterTime(queued: Int, nowNs: Int64) -> Int64 {
        let above = Int64(max(0, queued - lowWater))
        // Never 0, which means "not refilling".
        return max(1, nowNs + above * 1_000_000_000 / Int64(rate))
    }
}

extension ALSAOutput {
    /// Takes a pending cut request; returns the frames to keep, or nil if none is pending.
    @inline(__always)
    func claimCut() -> Int? {
        guard cutState.load(ordering: .relaxed) == CutState.requested else { return nil }
        let claim = cutState.compareExchange(
            expected: CutState.requested, desired: CutState.claimed, ordering: .acquiring)
        return claim.exchanged ? cutKeep.load(ordering: .relaxed) : nil
    }

    /// Answers a claimed request: the ring restarts at `frame`, the cut frame.
    @inline(__always)
    func finishCut(at frame: Int64) {
        ring.rewind(to: frame)
        cutResult.store(frame, ordering: .relaxed)
        cuts.wrappingAdd(1, ordering: .relaxed)
        cutState.store(CutState.done, ordering: .releasing)
    }

    /// Serves a claimed cut on a running device: takes back from the card all it can
    /// rewind but `keep` frames, in whole periods (so that writes still end on period
    /// boundaries), and answers with the position moved back by what was taken. A refused
    /// rewind is counted and takes nothing back. Returns the new position; `refill` starts.
    @inline(__always)
    func serveCut(_ pcm: OpaquePointer, keep: Int, position: Int64, refill: inout Refill) -> Int64 {
        let period = refill.period
        // A fresh hardware position, which the rewindable count is taken from.
        let avail = Int(snd_pcm_avail_update(pcm))
        var taken = 0
        if avail >= 0 {
            let rewindable = Int(snd_pcm_rewindable(pcm))
            if rewindable < 0 {
                rewindFailures.wrappingAdd(1, ordering: .relaxed)
            } else {
                let want = max(0, rewindable - keep) / period * period
                if want > 0 {
                    let got = Int(snd_pcm_rewind(pcm, snd_pcm_uframes_t(want)))
                    if got > 0 {
                        taken = got
                    } else {
                        rewindFailures.wrappingAdd(1, ordering: .relaxed)
                    }
                }
            }
            refill.start(queued: grantedBuffer - avail - taken, nowNs: SystemClocks.monotonicNs())
        }
        // After an error (an underrun, a lost device) the loop's next call reports it and
        // recovers; the cut is still at the first frame not handed to ALSA.
        let frame = position - Int64(taken)
        framesRewound.wrappingAdd(Int64(taken), ordering: .relaxed)
        finishCut(at: frame)
        return frame
    }
}
