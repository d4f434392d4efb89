#pragma once
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <pthread.h>
#include <stdint.h>
#include <unistd.h>

/// Names the calling thread (at most 15 bytes), as tools like top and gdb show it.
static inline int loaxa_set_thread_name(const char *name) {
    return prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0);
}

#include <sys/socket.h>
#include <sys/timex.h>

/// The credentials SO_PEERCRED fills in: the layout of glibc's `struct ucred`, which is
/// declared only under _GNU_SOURCE (defining that here would change how other modules
/// see the system headers).
struct loaxa_ucred {
    pid_t pid;
    uid_t uid;
    gid_t gid;
};

/// The uid of the process at the other end of a Unix socket (SO_PEERCRED), or -1.
static inline long long loaxa_peer_uid(int fd) {
    struct loaxa_ucred cred;
    socklen_t length = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &length) != 0) return -1;
    return (long long)cred.uid;
}

/// Whether the kernel considers the system clock synchronized (by NTP or PTP): 1 when it
/// is, 0 when the unsynchronized flag is set or the state is TIME_ERROR, -1 when it
/// cannot be read. Reading (modes = 0) needs no privilege.
static inline int loaxa_clock_synchronized(void) {
    struct timex tx = { 0 };
    int state = adjtimex(&tx);
    if (state < 0) return -1;
    return (state == TIME_ERROR || (tx.status & STA_UNSYNC)) ? 0 : 1;
}

/// A non-blocking eventfd that one thread signals to wake another out of poll(); -1 on
/// failure, with errno set.
static inline int loaxa_wake_create(void) {
    return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

/// Signals the eventfd `fd`. Signals not yet waited for add up, and one wait clears them all.
static inline void loaxa_wake_signal(int fd) {
    uint64_t one = 1;
    (void)!write(fd, &one, sizeof one);
}
