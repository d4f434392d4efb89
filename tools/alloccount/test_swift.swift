// A Swift process for test_alloccount: Dispatch and Foundation work on other
// threads, and a pthread shaped like the audio thread.
//   under the name "loaxa-audio":  a loop with atomics only (nothing to count)
//   under the name "loaxa-phase2": one class instance that escapes (a malloc in
//                                  swift_slowAlloc) and one contended Mutex (a
//                                  futex wait)
// Prints "swift ok".
import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

// pthread_setname_np is not visible through Glibc (it needs _GNU_SOURCE).
typealias SetName = @convention(c) (pthread_t, UnsafePointer<CChar>) -> Int32
let setName = unsafeBitCast(dlsym(nil, "pthread_setname_np"), to: SetName.self)

final class Node { var next: Node?; var value = 0 }
nonisolated(unsafe) var keep: Node?
let mutex = Mutex(0)
let position = Atomic<Int>(0)
let holding = Atomic<Bool>(false)

@inline(never) func phase1(_ scratch: UnsafeMutablePointer<Int16>) {
    for i in 0..<100_000 {
        scratch[i % 512] &+= Int16(truncatingIfNeeded: i)
        position.store(i, ordering: .releasing)
    }
}

@inline(never) func phase2() -> Int {
    let n = Node()                       // swift_allocObject -> malloc
    keep = n                             // escapes: stays on the heap
    n.value = position.load(ordering: .acquiring)
    while !holding.load(ordering: .acquiring) {}
    return mutex.withLock { $0 += n.value; return $0 }   // contended: futex wait
}

// Everything else: Dispatch, Foundation, JSON, on other threads.
let group = DispatchGroup()
for i in 0..<8 {
    DispatchQueue.global().async(group: group) {
        var a = [String]()
        for j in 0..<5_000 { a.append("\(i)-\(j)") }
        _ = try? JSONSerialization.data(withJSONObject: a)
        mutex.withLock { $0 += 1 }
    }
}

var tid = pthread_t()
let scratch = UnsafeMutablePointer<Int16>.allocate(capacity: 512)
scratch.initialize(repeating: 0, count: 512)
pthread_create(&tid, nil, { p in
    let scratch = p!.assumingMemoryBound(to: Int16.self)
    _ = setName(pthread_self(), "loaxa-audio")
    phase1(scratch)
    _ = setName(pthread_self(), "loaxa-phase2")
    let r = phase2()
    _ = setName(pthread_self(), "loaxa-done")
    return UnsafeMutableRawPointer(bitPattern: r | 1)
}, scratch)
group.wait()
mutex.withLock { _ in
    holding.store(true, ordering: .releasing)
    usleep(100_000)                      // the audio thread waits for the lock meanwhile
}
pthread_join(tid, nil)
print("swift ok")
