import CALSA
import CLinux

#if canImport(Glibc)
import Glibc
#endif

/// The audio thread's entry point (a plain C function: no actor isolation, no Task).
func audioThreadEntry(_ context: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    let output = Unmanaged<ALSAOutput>.fromOpaque(context!).takeRetainedValue()
    output.requestRealtime()
    output.runAudioLoop()
    return nil
}

/// Names the calling thread from static text: a String would be bridged to a temporary
/// C string, allocated and freed on the very thread whose allocations are being watched.
func setThreadName(_ name: StaticString) {
    name.withUTF8Buffer { bytes in
        _ = loaxa_set_thread_name(UnsafeRawPointer(bytes.baseAddress!).assumingMemoryBound(to: CChar.self))
    }
}

extension ALSAOutput {
    /// How long a new stream epoch wakes the audio thread every period.
    static let denseReportsNs: Int64 = 4_000_000_000

    /// Asks for SCHED_FIFO priority; records whether it was granted.
    func requestRealtime() {
        var param = sched_param()
        param.sched_priority = 70
        let ok = pthread_setschedparam(pthread_self(), SCHED_FIFO, &param) == 0
        realtime.store(ok, ordering: .releasing)
    }

    /// The loop: wait until the card has played `wakeFrames`, top its buffer up from the
    /// ring in whole periods, publish the card's position. A wake-up (`wake()`) ends the
    /// wait early, to serve a cut or to stop; after a cut the thread refills the card from
    /// what the renderer publishes (`Refill`). Everything it uses is allocated before it
    /// starts.
    func runAudioLoop() {
        let channels = settings.channels
        // The granted period; a device opened only later (missing at start) may grant
        // another, taken when it opens.
        var period = grantedPeriod
        // Room for a whole buffer: one write tops it up however late the wake-up was.
        let scratchFrames = grantedBuffer
        let scratch = UnsafeMutablePointer<Int16>.allocate(capacity: scratchFrames * channels)
        defer { scratch.deallocate() }
        var status: OpaquePointer?
        snd_pcm_status_malloc(&status)
        defer { snd_pcm_status_free(status) }
        var swParams: OpaquePointer?
        snd_pcm_sw_params_malloc(&swParams)
        defer { snd_pcm_sw_params_free(swParams) }
        // Lock what the loop touches (the ring, its scratch buffer) into RAM.
        let locked = ring.lockMemory() && mlock(scratch, scratchFrames * channels * MemoryLayout<Int16>.size) == 0
        memoryLocked.store(locked, ordering: .releasing)
        // From here on the thread carries its name: tools that watch the loop (the
        // allocation counter of the tests) know it by this name.
        setThreadName("loaxa-audio")

        var position: Int64 = 0
        var epoch: Int64 = 0
        // Each new stream epoch starts with a wake-up every period, so that the frame clock
        // gets a report every period and measures the card's rate within a second or two;
        // after `denseReportsNs` the thread wakes at `grantedWake` free frames again.
        var denseEpoch: Int64 = -1
        var denseUntilNs: Int64 = 0
        var availMin = grantedWake
        var refill = Refill(period: period, rate: settings.rate, silenceLimit: grantedBuffer)
        // Free frames in the card as of the last pointer read, less what was written since;
        // -1 when not known (a new stream, a cut, an error).
        var knownAvail = -1
        stateValue.store((pcm == nil ? DeviceState.lost : .running).rawValue, ordering: .releasing)
        defer { setThreadName("loaxa-audio-end") }

        while runFlag.load(ordering: .acquiring) {
            loopTurns.wrappingAdd(1, ordering: .relaxed)
            guard let pcm else {
                knownAvail = -1
                refill.stop()
                position = waitForDevice(from: position)
                if grantedPeriod != period {
                    period = grantedPeriod
                    refill = Refill(period: period, rate: settings.rate, silenceLimit: min(grantedBuffer, scratchFrames))
                }
                epoch += 1
                continue
            }
            if let keep = claimCut() {
                position = serveCut(pcm, keep: keep, position: position, refill: &refill)
                knownAvail = -1
            }
            if epoch != denseEpoch {
                denseEpoch = epoch
                denseUntilNs = SystemClocks.monotonicNs() + Self.denseReportsNs
                availMin = period
                _ = loaxa_pcm_set_avail_min(pcm, swParams, snd_pcm_uframes_t(availMin))
            } else if denseUntilNs != 0 && SystemClocks.monotonicNs() >= denseUntilNs {
                denseUntilNs = 0
                availMin = grantedWake
                _ = loaxa_pcm_set_avail_min(pcm, swParams, snd_pcm_uframes_t(availMin))
            }
            // Refilling, the card has room anyway: the thread waits for the renderer instead
            // (1 when woken, 0 otherwise), and looks at the ring every few milliseconds.
            let refilling = refill.active
            let waited =
                refilling
                ? loaxa_wake_wait(wakeFD, refill.timeoutMs(nowNs: SystemClocks.monotonicNs()))
                : loaxa_pcm_wait_or_wake(pcm, snd_pcm_sframes_t(knownAvail), snd_pcm_uframes_t(availMin), wakeFD, 500)
            knownAvail = -1
            if waited < 0 {
                refill.stop()
                recoverOrLose(pcm, code: Int32(waited), epoch: &epoch)
                continue
            }
            // Woken out of the device wait: a cut to serve, or a stop.
            if !refilling && waited == 2 { continue }
            let avail = Int(snd_pcm_avail_update(pcm))
            if avail < 0 {
                refill.stop()
                recoverOrLose(pcm, code: Int32(avail), epoch: &epoch)
                continue
            }
            // Whole periods only, so that every write ends on a period boundary.
            var frames = min(avail, scratchFrames) / period * period
            if refilling {
                frames = refill.frames(
                    room: frames, queued: grantedBuffer - avail, ready: ring.publishedPosition - position,
                    nowNs: SystemClocks.monotonicNs())
            }
            if frames > 0 {
                ring.consume(into: scratch, at: position, frames: frames)
                var done = 0
                while done < frames {
                    let n = Int(snd_pcm_writei(pcm, scratch + done * channels, snd_pcm_uframes_t(frames - done)))
                    if n < 0 {
                        // The rest of this write is lost; the restarted stream is a new clock
                        // epoch, so later frames still land at their right times.
                        refill.stop()
                        recoverOrLose(pcm, code: Int32(n), epoch: &epoch)
                        break
                    }
                    done += n
                }
                position += Int64(frames)
                if done < frames { continue }
            }
            knownAvail = avail - frames
            // One position report per wake-up: the thread wakes at a period boundary, when a
            // card that moves its position once a period has just moved it. Refilling, it
            // wakes at any moment, and reports nothing.
            if !refilling {
                publishPosition(pcm, status: status, position: position, epoch: epoch)
            }
        }
    }

    /// Reads the card's position and timestamp and hands them to the frame clock.
    @inline(__always)
    func publishPosition(_ pcm: OpaquePointer, status: OpaquePointer?, position: Int64, epoch: Int64) {
        guard let status else { return }
        let before = SystemClocks.monotonicNs()
        guard snd_pcm_status(pcm, status) >= 0 else { return }
        let after = SystemClocks.monotonicNs()
        // Raw values: comparing the imported enum itself would instantiate its type
        // metadata on first use, which allocates.
        guard snd_pcm_status_get_state(status).rawValue == SND_PCM_STATE_RUNNING.rawValue else { return }
        let delay = Int64(snd_pcm_status_get_delay(status))
        var stamp = loaxa_pcm_status_htstamp_ns(status)
        // Some plugins leave the timestamp unset; then the moment of the call is the best
        // estimate of when the position was read.
        if stamp <= 0 || stamp > after || stamp < before - 1_000_000_000 {
            stamp = before + (after - before) / 2
        }
        clockReports.publish(ClockSample(frame: position - delay, monoNs: stamp, epoch: epoch))
    }

    /// Recovers from an error, starting a new clock epoch (the restarted stream maps to
    /// time afresh), or, if the device is gone, closes it for the loop to reopen.
    @inline(__always)
    func recoverOrLose(_ pcm: OpaquePointer, code: Int32, epoch: inout Int64) {
        if recover(pcm, code: code) {
            epoch += 1
        } else {
            lose(code: code)
        }
    }

    /// Recovers from an underrun or a suspend. Returns false if the device is gone.
    func recover(_ pcm: OpaquePointer, code: Int32) -> Bool {
        lastErrorCode.store(code, ordering: .relaxed)
        if code == -EPIPE {
            underruns.wrappingAdd(1, ordering: .relaxed)
            return snd_pcm_prepare(pcm) >= 0
        }
        if code == -ESTRPIPE {
            var r = snd_pcm_resume(pcm)
            while r == -EAGAIN {
                usleep(10_000)
                r = snd_pcm_resume(pcm)
            }
            return r >= 0 || snd_pcm_prepare(pcm) >= 0
        }
        if code == -EINTR || code == -EAGAIN { return true }
        return false
    }

    /// The device is gone: close it; the loop then waits for it to come back.
    func lose(code: Int32) {
        lastErrorCode.store(code, ordering: .relaxed)
        lostAtMonoNs.store(SystemClocks.monotonicNs(), ordering: .relaxed)
        deviceLosses.wrappingAdd(1, ordering: .releasing)
        if let pcm {
            snd_pcm_close(pcm)
        }
        pcm = nil
        stateValue.store(DeviceState.lost.rawValue, ordering: .releasing)
    }

    /// Reopens the device with backoff (250 ms doubling to 2 s), moving the timeline on in
    /// real time meanwhile so the schedule keeps its place. Returns the position to resume at.
    ///
    /// The timeline follows the card's last known position (the last clock sample) at the
    /// nominal rate, so the first frame written to the reopened card, which it plays at
    /// once, is the frame that was due to be heard at that moment.
    func waitForDevice(from start: Int64) -> Int64 {
        // Reopening allocates (alsa-lib builds a new PCM): a recovery path, not the loop.
        setThreadName("loaxa-reopen")
        defer { setThreadName("loaxa-audio") }
        let anchor = clockReports.latest()
        var position = start
        var backoffMs: Int64 = 250
        func due() -> Int64 {
            guard let anchor else { return position }
            let elapsed = SystemClocks.monotonicNs() - anchor.monoNs
            return max(position, anchor.frame + elapsed * Int64(settings.rate) / 1_000_000_000)
        }
        while runFlag.load(ordering: .acquiring) {
            reopenAttempts.wrappingAdd(1, ordering: .relaxed)
            do {
                pcm = try openDevice()
                position = due()
                ring.skip(to: position)
                resumedAtPosition.store(position, ordering: .relaxed)
                stateValue.store(DeviceState.running.rawValue, ordering: .releasing)
                return position
            } catch {
                lastErrorCode.store(error.code, ordering: .relaxed)
            }
            // Every 20 ms, or at once when woken: a cut is served at the position due, as
            // nothing is in a card to take back.
            let retryNs = SystemClocks.monotonicNs() + backoffMs * 1_000_000
            while SystemClocks.monotonicNs() < retryNs, runFlag.load(ordering: .acquiring) {
                loopTurns.wrappingAdd(1, ordering: .relaxed)
                _ = loaxa_wake_wait(wakeFD, 20)
                position = due()
                ring.skip(to: position)
                if claimCut() != nil { finishCut(at: position) }
            }
            backoffMs = min(backoffMs * 2, 2_000)
        }
        return position
    }
}
