#pragma once
#include <sys/timerfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <pthread.h>

/// Names the calling thread (at most 15 bytes), as tools like top and gdb show it.
static inline int loaxa_set_thread_name(const char *name) {
    return prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0);
}
