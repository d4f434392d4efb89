/// LoaxaOutput: the ALSA output, its dedicated audio thread, and the frame clock that maps
/// the card's frames to wall-clock time. It knows nothing of schedules or SQLite.

import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A single-producer, single-consumer window on the output timeline, in device frames.
///
/// Positions are absolute frame numbers since the stream began: position p is the p-th
/// frame the audio thread hands to ALSA. The producer (the renderer) writes frames for
/// positions at or after `publishedEnd` and publishes them; the consumer (the audio thread)
/// takes position after position and writes silence for any position the producer has
/// not published yet, so the card never runs dry and the timeline never shifts. A cut
/// (`ALSAOutput.cut`) moves both back to the first position not yet heard.
public final class FrameRing: @unchecked Sendable {
    /// Capacity in frames (a power of two).
    public let capacity: Int
    public let channels: Int
    private let mask: Int
    private let storage: UnsafeMutablePointer<Int16>
    /// Positions before this are written by the producer.
    private let published = Atomic<Int64>(0)
    /// The next position the consumer will take.
    private let consumed = Atomic<Int64>(0)
    /// Frames the consumer had to fill with silence because the producer had not
    /// written them in time (the renderer writes silence itself when nothing airs).
    public let starvedFrames = Atomic<Int64>(0)

    public init(capacityFrames: Int, channels: Int) {
        var cap = 1
        while cap < capacityFrames { cap <<= 1 }
        capacity = cap
        mask = cap - 1
        self.channels = channels
        storage = .allocate(capacity: cap * channels)
        storage.initialize(repeating: 0, count: cap * channels)
    }

    deinit {
        munlock(storage, capacity * channels * MemoryLayout<Int16>.size)
        storage.deallocate()
    }

    /// Locks the ring's memory into RAM so the audio thread never waits on a page fault.
    /// Returns false where not permitted (RLIMIT_MEMLOCK).
    func lockMemory() -> Bool {
        mlock(storage, capacity * channels * MemoryLayout<Int16>.size) == 0
    }

    // MARK: Consumer (audio thread): no allocation, no locks.

    /// Copies the frames for positions [position, position + frames) into `dst`, with
    /// silence for any position not published yet, and marks them consumed.
    @inline(__always)
    public func consume(into dst: UnsafeMutablePointer<Int16>, at position: Int64, frames: Int) {
        let end = published.load(ordering: .acquiring)
        let available = Int(max(0, min(Int64(frames), end - position)))
        var done = 0
        while done < available {
            let slot = Int(position + Int64(done)) & mask
            let n = min(available - done, capacity - slot)
            (dst + done * channels).update(from: storage + slot * channels, count: n * channels)
            done += n
        }
        if available < frames {
            (dst + available * channels).update(repeating: 0, count: (frames - available) * channels)
            starvedFrames.wrappingAdd(Int64(frames - available), ordering: .relaxed)
        }
        consumed.store(position + Int64(frames), ordering: .releasing)
    }

    /// Marks positions up to `position` consumed without copying (while the device is gone).
    public func skip(to position: Int64) {
        consumed.store(position, ordering: .releasing)
    }

    /// Moves both the consumer and the producer to `position`, at or before the consumer:
    /// what the producer had written from there on is dropped, and it writes on from
    /// `position`. Valid only inside `ALSAOutput.cut`'s handshake, where the audio thread
    /// calls it while the producer waits for the answer, so neither side moves meanwhile.
    func rewind(to position: Int64) {
        published.store(position, ordering: .releasing)
        consumed.store(position, ordering: .releasing)
    }

    // MARK: Producer (renderer thread)

    /// The next position the audio thread will take.
    public var consumedPosition: Int64 { consumed.load(ordering: .acquiring) }

    /// Positions before this have been written by the producer.
    public var publishedPosition: Int64 { published.load(ordering: .acquiring) }

    /// How far ahead the producer may write: positions before consumed + capacity.
    public var writableEnd: Int64 { consumedPosition + Int64(capacity) }

    /// Writes `frames` frames from `src` at positions starting at `publishedPosition`
    /// and publishes them. The caller keeps within `writableEnd`.
    public func write(_ src: UnsafePointer<Int16>, frames: Int) {
        let start = published.load(ordering: .relaxed)
        var done = 0
        while done < frames {
            let slot = Int(start + Int64(done)) & mask
            let n = min(frames - done, capacity - slot)
            (storage + slot * channels).update(from: src + done * channels, count: n * channels)
            done += n
        }
        published.store(start + Int64(frames), ordering: .releasing)
    }

    /// Where the producer may write next in place: up to `frames` frames at
    /// `publishedPosition`, fewer where the ring wraps. `publish(frames:)` then makes them
    /// the audio thread's. The caller keeps within `writableEnd`.
    public func writableRegion(frames: Int) -> (pointer: UnsafeMutablePointer<Int16>, frames: Int) {
        let slot = Int(published.load(ordering: .relaxed)) & mask
        return (storage + slot * channels, min(frames, capacity - slot))
    }

    /// Publishes `frames` frames written in place at `publishedPosition`.
    public func publish(frames: Int) {
        published.store(published.load(ordering: .relaxed) + Int64(frames), ordering: .releasing)
    }

    /// Moves the producer to `position` (at or after the consumer) when it fell behind.
    public func advancePublished(to position: Int64) {
        published.store(position, ordering: .releasing)
    }
}
