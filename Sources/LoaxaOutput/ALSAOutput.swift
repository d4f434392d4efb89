import CALSA
import CLinux
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The state of the output device, as the rest of the daemon sees it.
public enum DeviceState: Int, Sendable {
    case opening = 0, running = 1, lost = 2, stopped = 3

    public var name: String {
        switch self {
        case .opening: "opening"
        case .running: "running"
        case .lost: "lost"
        case .stopped: "stopped"
        }
    }
}

/// How the output is set up.
public struct OutputSettings: Sendable, Hashable {
    public var device: String
    public var rate: Int
    public var channels: Int
    /// Frames per period asked of the device: the granularity of the card's position and
    /// of each write.
    public var periodFrames: Int
    /// Frames in the device buffer: how long the card plays on if the thread stalls.
    public var bufferFrames: Int
    /// Free frames in the device buffer that wake the audio thread: it sleeps while the card
    /// plays this much, then tops the buffer up in one write.
    public var wakeFrames: Int
    /// The renderer's look-ahead ring, in frames.
    public var ringFrames: Int

    public init(
        device: String, rate: Int, channels: Int, periodFrames: Int? = nil, bufferFrames: Int? = nil,
        wakeFrames: Int? = nil, ringFrames: Int? = nil
    ) {
        self.device = device
        self.rate = rate
        self.channels = channels
        // 20 ms periods and a 16-period (320 ms) buffer, topped up when half of it has
        // played: the thread wakes about six times a second, and the card always holds at
        // least 160 ms when it does, enough to ride out a busy machine. The ring keeps
        // about 1.4 s decoded ahead.
        self.periodFrames = periodFrames ?? max(64, rate / 50)
        self.bufferFrames = bufferFrames ?? self.periodFrames * 16
        self.wakeFrames = wakeFrames ?? self.bufferFrames / 2
        self.ringFrames = ringFrames ?? max(rate * 4 / 3, self.bufferFrames * 4)
    }
}

/// Plays the output timeline through ALSA on one dedicated thread.
///
/// The audio thread only moves frames from the ring into the device, writing silence for
/// positions the renderer has not filled, and publishes the card's position for the frame
/// clock. It never allocates, locks, logs or touches the database in its loop. Device
/// failures are recovered from there: an underrun restarts the stream (a new clock epoch),
/// a vanished device is closed and reopened with backoff while the timeline keeps moving.
/// The renderer can cut the timeline at the earliest frame not yet heard (`cut`), taking
/// back what the ring and the card still held, and wake the thread (`wake`).
public final class ALSAOutput: @unchecked Sendable {
    public let settings: OutputSettings
    public let ring: FrameRing
    public let clock: FrameClock
    let clockReports = ClockSampleQueue()

    let runFlag = Atomic<Bool>(false)
    let stateValue = Atomic<Int>(DeviceState.opening.rawValue)
    /// Underruns since start.
    public let underruns = Atomic<Int64>(0)
    /// Turns of the audio thread's loop, waiting for a missing card included: the daemon
    /// answers systemd's watchdog only while this moves.
    public let loopTurns = Atomic<Int64>(0)
    /// Times the device was lost, and reopened.
    public let deviceLosses = Atomic<Int64>(0)
    public let reopenAttempts = Atomic<Int64>(0)
    /// The last device error code (negative errno), 0 if none.
    public let lastErrorCode = Atomic<Int32>(0)
    /// When the device was last lost (CLOCK_MONOTONIC).
    public let lostAtMonoNs = Atomic<Int64>(0)
    /// The timeline position at which playing resumed after the device came back.
    public let resumedAtPosition = Atomic<Int64>(0)
    /// Cuts served, frames taken back from the card by them, and rewinds the device
    /// refused or failed (those cuts then start after what the card already held).
    public let cuts = Atomic<Int64>(0)
    public let framesRewound = Atomic<Int64>(0)
    public let rewindFailures = Atomic<Int64>(0)

    /// The eventfd that wakes the audio thread out of its wait (`wake()`).
    let wakeFD: Int32
    /// The cut handshake (see `cut`): its state, the frames to keep, and the cut frame.
    let cutState = Atomic<Int>(CutState.idle)
    let cutKeep = Atomic<Int>(0)
    let cutResult = Atomic<Int64>(0)

    var pcm: OpaquePointer?
    var grantedPeriod: Int
    var grantedBuffer: Int
    var grantedWake: Int
    var thread: pthread_t?
    /// Whether the audio thread got real-time scheduling.
    public let realtime = Atomic<Bool>(false)
    /// Whether the memory the audio thread touches is locked into RAM.
    public let memoryLocked = Atomic<Bool>(false)

    public var state: DeviceState { DeviceState(rawValue: stateValue.load(ordering: .acquiring)) ?? .lost }

    /// Why the device could not be opened at start, when `waitForDevice` let the output
    /// start without it; nil when it opened.
    public private(set) var missingAtStart: ALSAError?

    /// Opens the device and checks it accepts the format; the stream starts with `start()`.
    ///
    /// With `waitForDevice`, a device that cannot be opened (a USB card not plugged in yet,
    /// one another program holds) is not an error: the audio thread retries it as it does a
    /// card lost while playing, and the output's state is `lost` meanwhile.
    public init(settings: OutputSettings, waitForDevice: Bool = false) throws(ALSAError) {
        self.settings = settings
        ring = FrameRing(capacityFrames: settings.ringFrames, channels: settings.channels)
        clock = FrameClock(nominalRate: settings.rate, reports: clockReports)
        grantedPeriod = settings.periodFrames
        grantedBuffer = settings.bufferFrames
        grantedWake = settings.wakeFrames
        wakeFD = loaxa_wake_create()
        guard wakeFD >= 0 else {
            throw ALSAError(device: settings.device, function: "eventfd (the audio thread's wake-up)", code: -errno)
        }
        do {
            pcm = try openDevice()
        } catch {
            guard waitForDevice else { throw error }
            pcm = nil
            missingAtStart = error
            lastErrorCode.store(error.code, ordering: .relaxed)
            stateValue.store(DeviceState.lost.rawValue, ordering: .releasing)
        }
    }

    deinit {
        if let pcm { snd_pcm_close(pcm) }
        if wakeFD >= 0 { close(wakeFD) }
    }

    /// The period and buffer sizes the device granted, and the free frames that wake the
    /// audio thread.
    public var granted: (period: Int, buffer: Int, wake: Int) { (grantedPeriod, grantedBuffer, grantedWake) }

    /// Opens and configures the PCM; throws a clear error if it refuses the format.
    func openDevice() throws(ALSAError) -> OpaquePointer {
        var handle: OpaquePointer?
        let err = snd_pcm_open(&handle, settings.device, SND_PCM_STREAM_PLAYBACK, 0)
        guard err >= 0, let handle else {
            throw ALSAError(device: settings.device, function: "snd_pcm_open", code: err)
        }
        var period = snd_pcm_uframes_t(settings.periodFrames)
        var buffer = snd_pcm_uframes_t(settings.bufferFrames)
        var wake = snd_pcm_uframes_t(settings.wakeFrames)
        var what: UnsafePointer<CChar>?
        let cerr = loaxa_pcm_configure(
            handle, UInt32(settings.rate), UInt32(settings.channels), &period, &buffer, &wake, &what)
        if cerr < 0 {
            var text = [CChar](repeating: 0, count: 1024)
            loaxa_pcm_describe(handle, &text, text.count)
            snd_pcm_close(handle)
            let step = what.map { String(cString: $0) } ?? "configure"
            let asked = "\(settings.rate) Hz, \(settings.channels) channels, S16_LE"
            throw ALSAError(
                device: settings.device, function: "setting \(step) (asked for \(asked))", code: cerr,
                accepts: String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        grantedPeriod = Int(period)
        grantedBuffer = Int(buffer)
        grantedWake = Int(wake)
        return handle
    }

    /// Starts the audio thread. It asks for SCHED_FIFO and goes on without it if refused.
    public func start() {
        runFlag.store(true, ordering: .releasing)
        let context = Unmanaged.passRetained(self).toOpaque()
        var tid = pthread_t()
        pthread_create(&tid, nil, audioThreadEntry, context)
        thread = tid
    }

    /// Stops the audio thread and closes the device.
    public func stop() {
        guard runFlag.exchange(false, ordering: .acquiringAndReleasing) else { return }
        wake()
        if let thread { pthread_join(thread, nil) }
        thread = nil
        if let pcm {
            snd_pcm_drop(pcm)
            snd_pcm_close(pcm)
        }
        pcm = nil
        stateValue.store(DeviceState.stopped.rawValue, ordering: .releasing)
    }
}
