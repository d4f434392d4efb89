#pragma once
#ifndef _GNU_SOURCE
#define _GNU_SOURCE  /* struct ucred */
#endif
#include <sys/timerfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <pthread.h>

/// Names the calling thread (at most 15 bytes), as tools like top and gdb show it.
static inline int loaxa_set_thread_name(const char *name) {
    return prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0);
}

#include <sys/socket.h>
#include <sys/timex.h>

/// The uid of the process at the other end of a Unix socket (SO_PEERCRED), or -1.
static inline long long loaxa_peer_uid(int fd) {
    struct ucred cred;
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
