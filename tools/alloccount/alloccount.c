/*
 * alloccount: an LD_PRELOAD library that counts heap allocations, blocking
 * lock calls and futex waits made by the threads of a process whose name
 * equals $ALLOCCOUNT_THREAD (default "loaxa-audio"), and reports them at exit
 * and on SIGUSR2.  See README.md.
 *
 * Rules this file keeps:
 *  - The hooks never allocate and never take a lock of their own.  A counted
 *    call costs a few relaxed atomic operations and a scan of a small fixed
 *    array; an uncounted call costs a thread-local read and one relaxed load.
 *  - Nothing is resolved or formatted on the counted thread: it stores raw
 *    return addresses.  Symbol lookup happens when a report is written.
 *  - The signal handler only writes one byte to a non-blocking pipe.  A
 *    helper thread reads the pipe and writes the report.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <malloc.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/futex.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))
#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

/* How many hooked calls a thread makes between two reads of its own name,
 * in case it was renamed in a way the library does not see (a write to
 * /proc/self/task/TID/comm, a raw prctl system call). */
#define RECHECK_EVERY 1024
/* Distinct call sites kept per process. */
#define MAX_SITES 8
/* Thread ids of counted threads kept per process. */
#define MAX_TIDS 8

/* ------------------------------------------------------------------------ */
/* The functions this library wraps.                                         */

enum {
    /* counted */
    K_MALLOC,
    K_CALLOC,
    K_REALLOC,
    K_FREE,
    K_POSIX_MEMALIGN,
    K_ALIGNED_ALLOC,
    K_MEMALIGN,
    K_VALLOC,
    K_PVALLOC,
    K_MUTEX_LOCK,
    K_MUTEX_TIMEDLOCK,
    K_MUTEX_CLOCKLOCK,
    K_RWLOCK_RDLOCK,
    K_RWLOCK_WRLOCK,
    K_RWLOCK_TIMEDRDLOCK,
    K_RWLOCK_TIMEDWRLOCK,
    K_RWLOCK_CLOCKRDLOCK,
    K_RWLOCK_CLOCKWRLOCK,
    K_SPIN_LOCK,
    K_SEM_WAIT,
    K_SEM_TIMEDWAIT,
    K_SEM_CLOCKWAIT,
    K_COND_WAIT,
    K_COND_TIMEDWAIT,
    K_COND_CLOCKWAIT,
    K_FUTEX_WAIT, /* syscall(SYS_futex, ..., FUTEX_WAIT...) and the like */
    K_NCOUNTED,
    /* wrapped only to notice renames */
    K_SETNAME = K_NCOUNTED,
    K_PRCTL,
    K_NREAL
};

/* Which summary counter each function adds to. */
enum { G_MALLOCS, G_FREES, G_REALLOCS, G_LOCKS, G_CONDWAITS, G_FUTEXWAITS, G_N };

static const char *const group_names[G_N] = {"mallocs", "frees",     "reallocs",
                                             "locks",   "condwaits", "futexwaits"};

struct fn_info {
    const char *symbol;  /* name to look up */
    const char *version; /* preferred symbol version, or NULL */
    const char *label;   /* name in the report */
    int group;
};

/* Resolution order matters during bootstrap: free before the allocators, so
 * that once a real allocator is in use, the real free is already known. */
static const struct fn_info fns[K_NREAL] = {
    [K_MALLOC] = {"malloc", NULL, "malloc", G_MALLOCS},
    [K_CALLOC] = {"calloc", NULL, "calloc", G_MALLOCS},
    [K_REALLOC] = {"realloc", NULL, "realloc", G_REALLOCS},
    [K_FREE] = {"free", NULL, "free", G_FREES},
    [K_POSIX_MEMALIGN] = {"posix_memalign", NULL, "posix_memalign", G_MALLOCS},
    [K_ALIGNED_ALLOC] = {"aligned_alloc", NULL, "aligned_alloc", G_MALLOCS},
    [K_MEMALIGN] = {"memalign", NULL, "memalign", G_MALLOCS},
    [K_VALLOC] = {"valloc", NULL, "valloc", G_MALLOCS},
    [K_PVALLOC] = {"pvalloc", NULL, "pvalloc", G_MALLOCS},
    [K_MUTEX_LOCK] = {"pthread_mutex_lock", NULL, "mutex_lock", G_LOCKS},
    [K_MUTEX_TIMEDLOCK] = {"pthread_mutex_timedlock", NULL, "mutex_timedlock", G_LOCKS},
    [K_MUTEX_CLOCKLOCK] = {"pthread_mutex_clocklock", NULL, "mutex_clocklock", G_LOCKS},
    [K_RWLOCK_RDLOCK] = {"pthread_rwlock_rdlock", NULL, "rwlock_rdlock", G_LOCKS},
    [K_RWLOCK_WRLOCK] = {"pthread_rwlock_wrlock", NULL, "rwlock_wrlock", G_LOCKS},
    [K_RWLOCK_TIMEDRDLOCK] = {"pthread_rwlock_timedrdlock", NULL, "rwlock_timedrdlock", G_LOCKS},
    [K_RWLOCK_TIMEDWRLOCK] = {"pthread_rwlock_timedwrlock", NULL, "rwlock_timedwrlock", G_LOCKS},
    [K_RWLOCK_CLOCKRDLOCK] = {"pthread_rwlock_clockrdlock", NULL, "rwlock_clockrdlock", G_LOCKS},
    [K_RWLOCK_CLOCKWRLOCK] = {"pthread_rwlock_clockwrlock", NULL, "rwlock_clockwrlock", G_LOCKS},
    [K_SPIN_LOCK] = {"pthread_spin_lock", NULL, "spin_lock", G_LOCKS},
    [K_SEM_WAIT] = {"sem_wait", NULL, "sem_wait", G_LOCKS},
    [K_SEM_TIMEDWAIT] = {"sem_timedwait", NULL, "sem_timedwait", G_LOCKS},
    [K_SEM_CLOCKWAIT] = {"sem_clockwait", NULL, "sem_clockwait", G_LOCKS},
    /* glibc keeps an old LinuxThreads-era pthread_cond_* at GLIBC_2.2.5 on
     * x86_64, and plain dlsym may return it.  Ask for the current one; on
     * other architectures that version does not exist and dlsym is used. */
    [K_COND_WAIT] = {"pthread_cond_wait", "GLIBC_2.3.2", "cond_wait", G_CONDWAITS},
    [K_COND_TIMEDWAIT] = {"pthread_cond_timedwait", "GLIBC_2.3.2", "cond_timedwait", G_CONDWAITS},
    [K_COND_CLOCKWAIT] = {"pthread_cond_clockwait", NULL, "cond_clockwait", G_CONDWAITS},
    [K_FUTEX_WAIT] = {"syscall", NULL, "futex_wait", G_FUTEXWAITS},
    [K_SETNAME] = {"pthread_setname_np", NULL, "pthread_setname_np", -1},
    [K_PRCTL] = {"prctl", NULL, "prctl", -1},
};

static const int resolve_order[K_NREAL] = {
    K_FREE, K_MALLOC, K_CALLOC, K_REALLOC, K_POSIX_MEMALIGN, K_ALIGNED_ALLOC, K_MEMALIGN,
    K_VALLOC, K_PVALLOC, K_MUTEX_LOCK, K_MUTEX_TIMEDLOCK, K_MUTEX_CLOCKLOCK,
    K_RWLOCK_RDLOCK, K_RWLOCK_WRLOCK, K_RWLOCK_TIMEDRDLOCK, K_RWLOCK_TIMEDWRLOCK,
    K_RWLOCK_CLOCKRDLOCK, K_RWLOCK_CLOCKWRLOCK, K_SPIN_LOCK, K_SEM_WAIT, K_SEM_TIMEDWAIT,
    K_SEM_CLOCKWAIT, K_COND_WAIT, K_COND_TIMEDWAIT, K_COND_CLOCKWAIT, K_FUTEX_WAIT, K_SETNAME,
    K_PRCTL,
};

static _Atomic(void *) real_fn[K_NREAL];
static atomic_int reals_ready;

/* ------------------------------------------------------------------------ */
/* Per-thread state.  initial-exec TLS: reading it never calls into the     */
/* dynamic linker (which could allocate).                                    */

struct tstate {
    unsigned gen;    /* value of g_gen when the name was last read */
    int budget;      /* hooked calls left before the name is read again */
    int armed;       /* the name equals the target: count this thread */
    int in_dlsym;    /* inside dlsym: allocate from the bootstrap buffer */
    int in_report;   /* writing a report: count nothing */
    int noted;       /* this thread has been counted at some point */
};

static __thread struct tstate tl __attribute__((tls_model("initial-exec")));

/* Bumped whenever a thread may have been renamed (pthread_setname_np,
 * prctl(PR_SET_NAME) through libc, configuration loaded).  Starts at 1 so
 * that a new thread, whose gen is 0, reads its name on its first call. */
static atomic_uint g_gen = 1;

/* ------------------------------------------------------------------------ */
/* Configuration, read once by the constructor.                              */

static atomic_int cfg_state; /* 0 not loaded, 1 loading, 2 loaded */
static int cfg_enabled;
static int cfg_trap;
static char cfg_target[16];
static size_t cfg_target_len_given; /* length of ALLOCCOUNT_THREAD as given */
static char cfg_out[4096];

/* ------------------------------------------------------------------------ */
/* Counters.                                                                 */

static atomic_ulong counts[K_NCOUNTED];
static atomic_ulong callers; /* threads that made a wrapped call while named */
static atomic_uint ncaller_tids;
static atomic_int caller_tids[MAX_TIDS];
static atomic_ulong named; /* renames to the target through the wrappers */

struct site {
    atomic_uintptr_t addr; /* return address; 0 while the slot is being filled */
    atomic_int kind;
    atomic_ulong hits;
};
static struct site sites[MAX_SITES];
static atomic_uint nsites;          /* slots handed out (may exceed MAX_SITES) */
static atomic_ulong unlisted_calls; /* counted calls at sites that found no slot */
static atomic_int trapped;

/* ------------------------------------------------------------------------ */
/* Small helpers that only use system calls.                                 */

static void write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        buf += n;
        len -= (size_t)n;
    }
}

static void die(const char *what, const char *name)
{
    write_all(2, "alloccount: ", 12);
    write_all(2, what, strlen(what));
    if (name) {
        write_all(2, " ", 1);
        write_all(2, name, strlen(name));
    }
    write_all(2, "\n", 1);
    abort();
}

/* ------------------------------------------------------------------------ */
/* Bootstrap allocator: serves allocations made by dlsym itself (glibc's     */
/* dlerror machinery uses calloc/malloc) before the real functions are       */
/* known.  Its blocks are never given back; free() ignores them.             */

#define BOOT_SIZE (64 * 1024)
static _Alignas(64) unsigned char boot_buf[BOOT_SIZE];
static atomic_size_t boot_used;

static int is_boot(const void *p)
{
    const unsigned char *c = p;
    return c >= boot_buf && c < boot_buf + BOOT_SIZE;
}

/* Each block is preceded by its size in the 16 bytes before it. */
static void *boot_alloc(size_t size, size_t align)
{
    if (align < 16)
        align = 16;
    if (align > 4096 || size > BOOT_SIZE)
        die("bootstrap allocation too large", NULL);
    size_t need = size + align + 16;
    size_t start = atomic_fetch_add(&boot_used, need);
    if (start + need > BOOT_SIZE)
        die("bootstrap buffer exhausted", NULL);
    uintptr_t p = (uintptr_t)(boot_buf + start + 16);
    p = (p + align - 1) & ~(uintptr_t)(align - 1);
    ((size_t *)p)[-1] = size;
    return (void *)p; /* static storage: already zero */
}

static size_t boot_size(const void *p)
{
    return ((const size_t *)p)[-1];
}

/* ------------------------------------------------------------------------ */
/* Resolving the real functions.                                             */

static void resolve_all(void)
{
    for (int i = 0; i < K_NREAL; i++) {
        int k = resolve_order[i];
        if (atomic_load_explicit(&real_fn[k], memory_order_acquire))
            continue;
        tl.in_dlsym++;
        void *p = NULL;
        if (fns[k].version)
            p = dlvsym(RTLD_NEXT, fns[k].symbol, fns[k].version);
        if (!p)
            p = dlsym(RTLD_NEXT, fns[k].symbol);
        tl.in_dlsym--;
        if (!p)
            die("cannot find the real", fns[k].symbol);
        atomic_store_explicit(&real_fn[k], p, memory_order_release);
    }
    atomic_store_explicit(&reals_ready, 1, memory_order_release);
}

/* The real function k, or NULL while this thread is inside dlsym and k is
 * not known yet (the caller then uses the bootstrap path). */
static inline void *real(int k)
{
    void *p = atomic_load_explicit(&real_fn[k], memory_order_acquire);
    if (LIKELY(p != NULL))
        return p;
    if (tl.in_dlsym)
        return NULL;
    resolve_all();
    return atomic_load_explicit(&real_fn[k], memory_order_acquire);
}

static inline void *real_or_die(int k)
{
    void *p = real(k);
    if (UNLIKELY(!p))
        die("called during dlsym before it was resolved:", fns[k].symbol);
    return p;
}

/* ------------------------------------------------------------------------ */
/* Is the calling thread counted?                                            */

static __attribute__((noinline)) int recheck(struct tstate *t, unsigned g)
{
    if (atomic_load_explicit(&cfg_state, memory_order_acquire) != 2)
        return 0; /* before the constructor: leave gen stale, look again later */
    int armed = 0;
    if (cfg_enabled) {
        char name[17] = {0};
        /* The real prctl: this library's own wrappers are not involved. */
        int (*get)(int, ...) = (int (*)(int, ...))atomic_load_explicit(&real_fn[K_PRCTL],
                                                                      memory_order_acquire);
        if (get && get(PR_GET_NAME, (unsigned long)name, 0UL, 0UL, 0UL) == 0)
            armed = strncmp(name, cfg_target, 16) == 0;
    }
    if (armed && !t->noted) {
        t->noted = 1;
        atomic_fetch_add_explicit(&callers, 1, memory_order_relaxed);
        unsigned i = atomic_load_explicit(&ncaller_tids, memory_order_relaxed);
        if (i < MAX_TIDS) {
            i = atomic_fetch_add_explicit(&ncaller_tids, 1, memory_order_relaxed);
            if (i < MAX_TIDS)
                atomic_store_explicit(&caller_tids[i], (int)gettid(),
                                      memory_order_relaxed);
        }
    }
    t->armed = armed;
    t->gen = g;
    t->budget = RECHECK_EVERY;
    return armed;
}

static inline int counted(void)
{
    struct tstate *t = &tl;
    if (UNLIKELY(t->in_dlsym | t->in_report))
        return 0;
    unsigned g = atomic_load_explicit(&g_gen, memory_order_relaxed);
    if (LIKELY(t->gen == g) && LIKELY(--t->budget > 0))
        return t->armed;
    return recheck(t, g);
}

static __attribute__((noinline)) void record(int k, void *ra)
{
    atomic_fetch_add_explicit(&counts[k], 1, memory_order_relaxed);

    uintptr_t a = (uintptr_t)ra;
    unsigned n = atomic_load_explicit(&nsites, memory_order_acquire);
    if (n > MAX_SITES)
        n = MAX_SITES;
    for (unsigned i = 0; i < n; i++) {
        if (atomic_load_explicit(&sites[i].addr, memory_order_acquire) == a) {
            atomic_fetch_add_explicit(&sites[i].hits, 1, memory_order_relaxed);
            goto noted;
        }
    }
    if (n < MAX_SITES) {
        unsigned i = atomic_fetch_add_explicit(&nsites, 1, memory_order_acq_rel);
        if (i < MAX_SITES) {
            atomic_store_explicit(&sites[i].kind, k, memory_order_relaxed);
            atomic_store_explicit(&sites[i].hits, 1, memory_order_relaxed);
            atomic_store_explicit(&sites[i].addr, a, memory_order_release);
            goto noted;
        }
    }
    atomic_fetch_add_explicit(&unlisted_calls, 1, memory_order_relaxed);
noted:
    if (UNLIKELY(cfg_trap) && !atomic_exchange(&trapped, 1))
        raise(SIGTRAP);
}

#define COUNT(k)                                                                                   \
    do {                                                                                           \
        if (UNLIKELY(counted()))                                                                   \
            record((k), __builtin_return_address(0));                                              \
    } while (0)

/* ------------------------------------------------------------------------ */
/* The wrapped allocation functions.                                         */

typedef void *(*malloc_fn)(size_t);
typedef void *(*calloc_fn)(size_t, size_t);
typedef void *(*realloc_fn)(void *, size_t);
typedef void (*free_fn)(void *);
typedef int (*posix_memalign_fn)(void **, size_t, size_t);
typedef void *(*aligned_fn)(size_t, size_t);

EXPORT void *malloc(size_t size)
{
    malloc_fn fn = (malloc_fn)real(K_MALLOC);
    if (UNLIKELY(!fn))
        return boot_alloc(size, 16);
    COUNT(K_MALLOC);
    return fn(size);
}

EXPORT void *calloc(size_t n, size_t size)
{
    calloc_fn fn = (calloc_fn)real(K_CALLOC);
    if (UNLIKELY(!fn)) {
        if (size && n > SIZE_MAX / size)
            return NULL;
        return boot_alloc(n * size, 16);
    }
    COUNT(K_CALLOC);
    return fn(n, size);
}

EXPORT void free(void *p)
{
    if (UNLIKELY(p == NULL || is_boot(p)))
        return; /* free(NULL) does nothing and is not counted */
    free_fn fn = (free_fn)real(K_FREE);
    if (UNLIKELY(!fn))
        die("free of an unknown block during bootstrap", NULL);
    COUNT(K_FREE);
    fn(p);
}

EXPORT void *realloc(void *p, size_t size)
{
    realloc_fn fn = (realloc_fn)real(K_REALLOC);
    if (UNLIKELY(!fn || is_boot(p))) {
        /* A bootstrap block cannot be resized in place: copy it out. */
        if (p && !is_boot(p))
            die("realloc of an unknown block during bootstrap", NULL);
        COUNT(K_REALLOC);
        void *q = fn ? ((malloc_fn)real_or_die(K_MALLOC))(size) : boot_alloc(size, 16);
        if (q && p)
            memcpy(q, p, boot_size(p) < size ? boot_size(p) : size);
        return q;
    }
    COUNT(K_REALLOC);
    return fn(p, size);
}

EXPORT int posix_memalign(void **out, size_t align, size_t size)
{
    posix_memalign_fn fn = (posix_memalign_fn)real(K_POSIX_MEMALIGN);
    if (UNLIKELY(!fn)) {
        *out = boot_alloc(size, align);
        return 0;
    }
    COUNT(K_POSIX_MEMALIGN);
    return fn(out, align, size);
}

EXPORT void *aligned_alloc(size_t align, size_t size)
{
    aligned_fn fn = (aligned_fn)real(K_ALIGNED_ALLOC);
    if (UNLIKELY(!fn))
        return boot_alloc(size, align);
    COUNT(K_ALIGNED_ALLOC);
    return fn(align, size);
}

EXPORT void *memalign(size_t align, size_t size)
{
    aligned_fn fn = (aligned_fn)real(K_MEMALIGN);
    if (UNLIKELY(!fn))
        return boot_alloc(size, align);
    COUNT(K_MEMALIGN);
    return fn(align, size);
}

EXPORT void *valloc(size_t size)
{
    malloc_fn fn = (malloc_fn)real(K_VALLOC);
    if (UNLIKELY(!fn))
        return boot_alloc(size, 4096);
    COUNT(K_VALLOC);
    return fn(size);
}

EXPORT void *pvalloc(size_t size)
{
    malloc_fn fn = (malloc_fn)real(K_PVALLOC);
    if (UNLIKELY(!fn))
        return boot_alloc((size + 4095) & ~(size_t)4095, 4096);
    COUNT(K_PVALLOC);
    return fn(size);
}

/* ------------------------------------------------------------------------ */
/* The wrapped blocking lock functions.  Every call is counted, contended or */
/* not: an uncontended lock still could have waited.  Try-locks cannot wait */
/* and are not wrapped.                                                      */

#define LOCK_WRAPPER(k, ret, name, params, args)                                                   \
    EXPORT ret name params                                                                         \
    {                                                                                              \
        ret(*fn) params = (ret(*) params)real_or_die(k);                                           \
        COUNT(k);                                                                                  \
        return fn args;                                                                            \
    }

LOCK_WRAPPER(K_MUTEX_LOCK, int, pthread_mutex_lock, (pthread_mutex_t * m), (m))
LOCK_WRAPPER(K_MUTEX_TIMEDLOCK, int, pthread_mutex_timedlock,
             (pthread_mutex_t *restrict m, const struct timespec *restrict t), (m, t))
LOCK_WRAPPER(K_MUTEX_CLOCKLOCK, int, pthread_mutex_clocklock,
             (pthread_mutex_t *restrict m, clockid_t c, const struct timespec *restrict t),
             (m, c, t))
LOCK_WRAPPER(K_RWLOCK_RDLOCK, int, pthread_rwlock_rdlock, (pthread_rwlock_t * l), (l))
LOCK_WRAPPER(K_RWLOCK_WRLOCK, int, pthread_rwlock_wrlock, (pthread_rwlock_t * l), (l))
LOCK_WRAPPER(K_RWLOCK_TIMEDRDLOCK, int, pthread_rwlock_timedrdlock,
             (pthread_rwlock_t *restrict l, const struct timespec *restrict t), (l, t))
LOCK_WRAPPER(K_RWLOCK_TIMEDWRLOCK, int, pthread_rwlock_timedwrlock,
             (pthread_rwlock_t *restrict l, const struct timespec *restrict t), (l, t))
LOCK_WRAPPER(K_RWLOCK_CLOCKRDLOCK, int, pthread_rwlock_clockrdlock,
             (pthread_rwlock_t *restrict l, clockid_t c, const struct timespec *restrict t),
             (l, c, t))
LOCK_WRAPPER(K_RWLOCK_CLOCKWRLOCK, int, pthread_rwlock_clockwrlock,
             (pthread_rwlock_t *restrict l, clockid_t c, const struct timespec *restrict t),
             (l, c, t))
LOCK_WRAPPER(K_SPIN_LOCK, int, pthread_spin_lock, (pthread_spinlock_t * l), (l))
LOCK_WRAPPER(K_SEM_WAIT, int, sem_wait, (sem_t * s), (s))
LOCK_WRAPPER(K_SEM_TIMEDWAIT, int, sem_timedwait,
             (sem_t *restrict s, const struct timespec *restrict t), (s, t))
LOCK_WRAPPER(K_SEM_CLOCKWAIT, int, sem_clockwait,
             (sem_t *restrict s, clockid_t c, const struct timespec *restrict t), (s, c, t))
LOCK_WRAPPER(K_COND_WAIT, int, pthread_cond_wait,
             (pthread_cond_t *restrict c, pthread_mutex_t *restrict m), (c, m))
LOCK_WRAPPER(K_COND_TIMEDWAIT, int, pthread_cond_timedwait,
             (pthread_cond_t *restrict c, pthread_mutex_t *restrict m,
              const struct timespec *restrict t),
             (c, m, t))
LOCK_WRAPPER(K_COND_CLOCKWAIT, int, pthread_cond_clockwait,
             (pthread_cond_t *restrict c, pthread_mutex_t *restrict m, clockid_t k,
              const struct timespec *restrict t),
             (c, m, k, t))

/* syscall(): the Swift runtime, Dispatch and Synchronization.Mutex wait on   */
/* futexes through it.  Only the calls that can sleep are counted; a futex   */
/* lock that is free makes no system call at all, so these are real waits   */
/* (or attempts at one).  glibc's syscall() takes six long arguments.        */

static int futex_waits(long nr, long op)
{
#ifdef SYS_futex_waitv
    if (nr == SYS_futex_waitv)
        return 1;
#endif
    if (nr != SYS_futex)
        return 0;
    switch (op & FUTEX_CMD_MASK) {
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET:
    case FUTEX_LOCK_PI:
    case FUTEX_WAIT_REQUEUE_PI:
#ifdef FUTEX_LOCK_PI2
    case FUTEX_LOCK_PI2:
#endif
        return 1;
    default:
        return 0;
    }
}

EXPORT long syscall(long nr, ...)
{
    va_list ap;
    va_start(ap, nr);
    long a1 = va_arg(ap, long), a2 = va_arg(ap, long), a3 = va_arg(ap, long);
    long a4 = va_arg(ap, long), a5 = va_arg(ap, long), a6 = va_arg(ap, long);
    va_end(ap);
    long (*fn)(long, ...) = (long (*)(long, ...))real_or_die(K_FUTEX_WAIT);
    if (UNLIKELY(futex_waits(nr, a2)))
        COUNT(K_FUTEX_WAIT);
    return fn(nr, a1, a2, a3, a4, a5, a6);
}

/* ------------------------------------------------------------------------ */
/* Renames: after one, every thread reads its name again on its next call.  */

/* Counts a successful rename to the target (the kernel keeps 15 characters). */
static void note_rename(const char *name)
{
    if (name && atomic_load_explicit(&cfg_state, memory_order_acquire) == 2 && cfg_enabled &&
        strncmp(name, cfg_target, 15) == 0 && strlen(cfg_target) == strnlen(name, 15))
        atomic_fetch_add_explicit(&named, 1, memory_order_relaxed);
}

EXPORT int pthread_setname_np(pthread_t thread, const char *name)
{
    int (*fn)(pthread_t, const char *) = (int (*)(pthread_t, const char *))real_or_die(K_SETNAME);
    int r = fn(thread, name);
    atomic_fetch_add_explicit(&g_gen, 1, memory_order_release);
    if (r == 0)
        note_rename(name);
    return r;
}

/* glibc's own prctl takes its four optional arguments as unsigned longs. */
EXPORT int prctl(int option, ...)
{
    va_list ap;
    va_start(ap, option);
    unsigned long a2 = va_arg(ap, unsigned long);
    unsigned long a3 = va_arg(ap, unsigned long);
    unsigned long a4 = va_arg(ap, unsigned long);
    unsigned long a5 = va_arg(ap, unsigned long);
    va_end(ap);
    int (*fn)(int, ...) = (int (*)(int, ...))real_or_die(K_PRCTL);
    int r = fn(option, a2, a3, a4, a5);
    if (option == PR_SET_NAME) {
        atomic_fetch_add_explicit(&g_gen, 1, memory_order_release);
        if (r == 0)
            note_rename((const char *)a2);
    }
    return r;
}

/* ------------------------------------------------------------------------ */
/* Reports.                                                                  */

static char report_buf[16384];
static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned report_seq;

struct out {
    char *buf;
    size_t len, cap;
};

static __attribute__((format(printf, 2, 3))) void outf(struct out *o, const char *fmt, ...)
{
    if (o->len >= o->cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->len += (size_t)n < o->cap - o->len ? (size_t)n : o->cap - o->len - 1;
}

static int open_out(void)
{
    if (cfg_out[0] == '\0')
        return 2;
    char path[sizeof cfg_out + 32];
    size_t j = 0;
    for (size_t i = 0; cfg_out[i] && j < sizeof path - 24; i++) {
        if (cfg_out[i] == '%' && cfg_out[i + 1] == 'p') {
            j += (size_t)snprintf(path + j, sizeof path - j, "%d", (int)getpid());
            i++;
        } else {
            path[j++] = cfg_out[i];
        }
    }
    path[j] = '\0';
    return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

static void describe_site(struct out *o, unsigned idx, uintptr_t a, int kind, unsigned long hits)
{
    outf(o, "site %u call=%s hits=%lu addr=%#lx", idx, fns[kind].label, hits, (unsigned long)a);
    Dl_info info;
    struct link_map *map = NULL;
    /* Look up the call instruction (a - 1), not the one after it. */
    if (a && dladdr1((void *)(a - 1), &info, (void **)&map, RTLD_DL_LINKMAP)) {
        if (info.dli_sname && info.dli_saddr)
            outf(o, " sym=%s+%#lx", info.dli_sname, (unsigned long)(a - (uintptr_t)info.dli_saddr));
        else
            outf(o, " sym=?");
        const char *file = info.dli_fname;
        char exe[1024];
        if (!file || !*file) {
            ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
            exe[n > 0 ? n : 0] = '\0';
            file = exe;
        }
        /* obj=FILE+OFFSET: the offset is what `addr2line -f -e FILE` wants. */
        uintptr_t bias = map ? (uintptr_t)map->l_addr : (uintptr_t)info.dli_fbase;
        outf(o, " obj=%s+%#lx", file, (unsigned long)(a - bias));
    } else {
        outf(o, " sym=? obj=?");
    }
    outf(o, "\n");
}

/* Threads of this process whose name is the target now; their ids go to
 * tids (at most MAX_TIDS of them). */
static int find_live(int *tids)
{
    if (!cfg_enabled)
        return 0;
    DIR *d = opendir("/proc/self/task");
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        char path[300], name[32];
        snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        ssize_t len = read(fd, name, sizeof name - 1);
        close(fd);
        if (len <= 0)
            continue;
        name[len] = '\0';
        if (name[len - 1] == '\n')
            name[len - 1] = '\0';
        if (strcmp(name, cfg_target) == 0) {
            if (n < MAX_TIDS)
                tids[n] = atoi(e->d_name);
            n++;
        }
    }
    closedir(d);
    return n;
}

static void report(const char *reason)
{
    tl.in_report++;
    pthread_mutex_lock(&report_lock);

    struct out o = {report_buf, 0, sizeof report_buf};
    unsigned long c[K_NCOUNTED], g[G_N] = {0};
    for (int k = 0; k < K_NCOUNTED; k++) {
        c[k] = atomic_load_explicit(&counts[k], memory_order_relaxed);
        g[fns[k].group] += c[k];
    }
    outf(&o, "alloccount report=%u reason=%s pid=%d exe=%s target=%s", ++report_seq, reason,
         (int)getpid(), program_invocation_short_name, cfg_enabled ? cfg_target : "(none)");
    if (cfg_target_len_given > 15)
        outf(&o, " target_truncated_from=%zu", cfg_target_len_given);
    outf(&o, "\n");

    outf(&o, "thread=%s", cfg_enabled ? cfg_target : "(none)");
    for (int i = 0; i < G_N; i++)
        outf(&o, " %s=%lu", group_names[i], g[i]);
    int live_tids[MAX_TIDS];
    int live = find_live(live_tids);
    outf(&o, " named=%lu live=%d callers=%lu\n", atomic_load_explicit(&named, memory_order_relaxed),
         live, atomic_load_explicit(&callers, memory_order_relaxed));

    outf(&o, "tids live=");
    if (live == 0)
        outf(&o, "-");
    for (int i = 0; i < live && i < MAX_TIDS; i++)
        outf(&o, "%s%d", i ? "," : "", live_tids[i]);
    unsigned nt = atomic_load_explicit(&ncaller_tids, memory_order_relaxed);
    outf(&o, " callers=");
    if (nt == 0)
        outf(&o, "-");
    for (unsigned i = 0; i < nt && i < MAX_TIDS; i++)
        outf(&o, "%s%d", i ? "," : "", atomic_load_explicit(&caller_tids[i], memory_order_relaxed));
    outf(&o, "\n");

    outf(&o, "calls");
    for (int k = 0; k < K_NCOUNTED; k++)
        outf(&o, " %s=%lu", fns[k].label, c[k]);
    outf(&o, "\n");

    /* Merge slots that two threads filled with the same address at once. */
    unsigned n = atomic_load_explicit(&nsites, memory_order_acquire);
    if (n > MAX_SITES)
        n = MAX_SITES;
    uintptr_t seen[MAX_SITES];
    unsigned long seen_hits[MAX_SITES];
    int seen_kind[MAX_SITES];
    unsigned listed = 0;
    for (unsigned i = 0; i < n; i++) {
        uintptr_t a = atomic_load_explicit(&sites[i].addr, memory_order_acquire);
        if (a == 0)
            continue; /* being filled right now */
        unsigned long h = atomic_load_explicit(&sites[i].hits, memory_order_relaxed);
        unsigned j = 0;
        while (j < listed && seen[j] != a)
            j++;
        if (j == listed) {
            seen[j] = a;
            seen_hits[j] = 0;
            seen_kind[j] = atomic_load_explicit(&sites[i].kind, memory_order_relaxed);
            listed++;
        }
        seen_hits[j] += h;
    }
    for (unsigned j = 0; j < listed; j++)
        describe_site(&o, j + 1, seen[j], seen_kind[j], seen_hits[j]);
    outf(&o, "sites listed=%u unlisted_calls=%lu\n", listed,
         atomic_load_explicit(&unlisted_calls, memory_order_relaxed));
    outf(&o, "end\n");

    int fd = open_out();
    if (fd >= 0) {
        write_all(fd, o.buf, o.len); /* one write: reports do not interleave */
        if (fd != 2)
            close(fd);
    }

    pthread_mutex_unlock(&report_lock);
    tl.in_report--;
}

/* ------------------------------------------------------------------------ */
/* SIGUSR2: the handler writes a byte to a pipe; the helper thread reports.  */

static int sig_pipe[2] = {-1, -1};
static atomic_int sig_pipe_w = -1;

static void on_sigusr2(int sig)
{
    (void)sig;
    int saved = errno;
    int fd = atomic_load_explicit(&sig_pipe_w, memory_order_relaxed);
    if (fd >= 0) {
        char b = 1;
        ssize_t r = write(fd, &b, 1); /* non-blocking: a full pipe drops the byte */
        (void)r;
    }
    errno = saved;
}

static void *signal_helper(void *arg)
{
    int fd = (int)(intptr_t)arg;
    char buf[64];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf); /* several signals at once: one report */
        if (n > 0)
            report("signal");
        else if (n == 0 || errno != EINTR)
            return NULL;
    }
}

static void after_fork_in_child(void)
{
    /* The helper thread did not survive the fork and the pipe is shared with
     * the parent: stop answering SIGUSR2.  Start the counts afresh, so that
     * the child reports only its own calls. */
    atomic_store(&sig_pipe_w, -1);
    if (sig_pipe[0] >= 0)
        close(sig_pipe[0]);
    if (sig_pipe[1] >= 0)
        close(sig_pipe[1]);
    sig_pipe[0] = sig_pipe[1] = -1;
    for (int k = 0; k < K_NCOUNTED; k++)
        atomic_store(&counts[k], 0);
    atomic_store(&callers, 0);
    atomic_store(&ncaller_tids, 0);
    atomic_store(&named, 0);
    for (int i = 0; i < MAX_SITES; i++)
        atomic_store(&sites[i].addr, 0);
    atomic_store(&nsites, 0);
    atomic_store(&unlisted_calls, 0);
    pthread_mutex_init(&report_lock, NULL);
    report_seq = 0;
    atomic_fetch_add(&g_gen, 1); /* the child's thread re-reads its name */
    tl.armed = 0;
    tl.noted = 0;
}

static void start_signal_helper(void)
{
    if (pipe2(sig_pipe, O_CLOEXEC) != 0)
        return;
    fcntl(sig_pipe[1], F_SETFL, fcntl(sig_pipe[1], F_GETFL) | O_NONBLOCK);

    /* The helper blocks every signal, so the process's own signals keep going
     * to the threads that expect them. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_t tid;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    int ok = pthread_create(&tid, &attr, signal_helper, (void *)(intptr_t)sig_pipe[0]) == 0;
    pthread_attr_destroy(&attr);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!ok)
        return;
    pthread_setname_np(tid, "alloccount");

    atomic_store(&sig_pipe_w, sig_pipe[1]);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigusr2;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR2, &sa, NULL);
}

/* ------------------------------------------------------------------------ */
/* Start and end.                                                            */

__attribute__((constructor(101))) static void alloccount_init(void)
{
    if (!atomic_load(&reals_ready))
        resolve_all();

    int expected = 0;
    if (!atomic_compare_exchange_strong(&cfg_state, &expected, 1))
        return;
    const char *t = getenv("ALLOCCOUNT_THREAD");
    if (!t)
        t = "loaxa-audio";
    cfg_enabled = t[0] != '\0';
    cfg_target_len_given = strlen(t);
    /* The kernel keeps 15 characters of a thread's name; compare that much. */
    strncpy(cfg_target, t, 15);
    cfg_target[15] = '\0';
    const char *o = getenv("ALLOCCOUNT_OUT");
    if (o && strcmp(o, "-") != 0 && strlen(o) < sizeof cfg_out)
        strcpy(cfg_out, o);
    const char *trap = getenv("ALLOCCOUNT_TRAP");
    cfg_trap = trap && trap[0] && strcmp(trap, "0") != 0;
    atomic_store_explicit(&cfg_state, 2, memory_order_release);
    atomic_fetch_add(&g_gen, 1);

    pthread_atfork(NULL, NULL, after_fork_in_child);
    start_signal_helper();
}

__attribute__((destructor(101))) static void alloccount_fini(void)
{
    if (atomic_load(&cfg_state) == 2)
        report("exit");
}
