import CLinux
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Notices when the system clock is set (stepped), through a timerfd that the kernel
/// cancels on every clock change (TFD_TIMER_CANCEL_ON_SET), and reports each step.
public final class ClockStepWatcher: @unchecked Sendable {
    private let onStep: @Sendable (_ stepMicros: Int64) -> Void
    private let running = Atomic<Bool>(true)
    private var fd: Int32 = -1
    private var thread: Thread?

    public init(onStep: @escaping @Sendable (Int64) -> Void) {
        self.onStep = onStep
    }

    public func start() {
        fd = timerfd_create(CLOCK_REALTIME, Int32(TFD_CLOEXEC))
        guard fd >= 0 else { return }
        let t = Thread { [self] in self.loop() }
        t.name = "loaxa-clockwatch"
        thread = t
        t.start()
    }

    public func stop() {
        running.store(false, ordering: .releasing)
        if fd >= 0 {
            // Wake the read: arm the timer to fire now.
            var spec = itimerspec()
            spec.it_value.tv_nsec = 1
            timerfd_settime(fd, 0, &spec, nil)
        }
    }

    private func arm() {
        // A timer far in the future, cancelled whenever the clock is set.
        var spec = itimerspec()
        spec.it_value.tv_sec = Int(Int32.max)
        timerfd_settime(fd, Int32(TFD_TIMER_ABSTIME) | Int32(TFD_TIMER_CANCEL_ON_SET), &spec, nil)
    }

    private func loop() {
        var offset = SystemClocks.wallOffsetNs()
        arm()
        var expirations: UInt64 = 0
        while running.load(ordering: .acquiring) {
            let n = read(fd, &expirations, 8)
            if n < 0 && errno == ECANCELED {
                let now = SystemClocks.wallOffsetNs()
                onStep((now - offset) / 1000)
                offset = now
                arm()
            } else if n < 0 && errno == EINTR {
                continue
            } else if !running.load(ordering: .acquiring) {
                break
            } else {
                arm()
            }
        }
        close(fd)
    }
}
