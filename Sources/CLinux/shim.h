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
