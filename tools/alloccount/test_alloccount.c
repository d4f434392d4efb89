/*
 * Tests for liballoccount.so.
 *
 *   test_alloccount LIB [NAME...]    run the tests (all, or those whose name
 *                                    contains one of the NAMEs)
 *   test_alloccount --child SCENARIO (used by the tests: runs one scenario,
 *                                    normally with LIB preloaded)
 *
 * Every scenario runs in a fresh process with LD_PRELOAD=LIB and its report
 * going to a temporary file; the driver then reads the reports back.  Prints
 * one line per test and `N passed, M failed`; exits non-zero on failure.
 * Link with -rdynamic so that dladdr() can name this program's functions.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TARGET "loaxa-audio"
#define RECHECK_EVERY 1024 /* as in alloccount.c */

/* ======================================================================== */
/* Child side: scenarios.                                                   */

static void *volatile sink; /* keeps the compiler from removing malloc/free pairs */
static atomic_int stop_workers;

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static void spin_until(atomic_int *flag)
{
    while (!atomic_load(flag)) {
        struct timespec ts = {0, 100000};
        nanosleep(&ts, NULL);
    }
}

static void name_self(const char *name)
{
    int r = pthread_setname_np(pthread_self(), name);
    if (r != 0) {
        fprintf(stderr, "pthread_setname_np(%s): %s\n", name, strerror(r));
        exit(90);
    }
}

/* Busy threads that allocate and lock all the time under other names. */
struct worker_arg {
    const char *name; /* NULL: keep the inherited name */
    int setname_result;
};

static void *worker(void *p)
{
    struct worker_arg *a = p;
    if (a->name)
        a->setname_result = pthread_setname_np(pthread_self(), a->name);
    static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    unsigned seed = (unsigned)(uintptr_t)p;
    void *keep[64] = {0};
    while (!atomic_load_explicit(&stop_workers, memory_order_relaxed)) {
        for (int i = 0; i < 64; i++) {
            seed = seed * 1103515245u + 12345u;
            size_t n = 1 + (seed >> 8) % 4096;
            switch (seed % 4) {
            case 0: free(keep[i]); keep[i] = malloc(n); break;
            case 1: keep[i] = realloc(keep[i], n); break;
            case 2: free(keep[i]); keep[i] = calloc(1, n); break;
            default: pthread_mutex_lock(&m); sink = keep[i]; pthread_mutex_unlock(&m); break;
            }
        }
    }
    for (int i = 0; i < 64; i++)
        free(keep[i]);
    return NULL;
}

#define NWORKERS 5
static struct worker_arg worker_args[NWORKERS] = {
    {NULL, 0}, {NULL, 0}, {NULL, 0},
    {"loaxa-audiox", 0},         /* a longer name that starts with the target */
    {"loaxa-audio-worker", 0},   /* 18 characters: pthread_setname_np refuses it */
};
static pthread_t workers[NWORKERS];

static void start_workers(void)
{
    for (int i = 0; i < NWORKERS; i++)
        pthread_create(&workers[i], NULL, worker, &worker_args[i]);
}

static void stop_and_join_workers(void)
{
    atomic_store(&stop_workers, 1);
    for (int i = 0; i < NWORKERS; i++)
        pthread_join(workers[i], NULL);
}

/* --- scenario "main": the audio-thread shape ------------------------------ */

static atomic_int phase1_done, phase2_go;
static pthread_mutex_t audio_lock = PTHREAD_MUTEX_INITIALIZER;

/* Phase 1: the loop body of a real-time thread: no allocation, no lock. */
__attribute__((noinline)) void phase1_work(void)
{
    static int16_t ring[4096], scratch[512];
    static atomic_long position;
    for (long i = 0; i < 100000; i++) {
        size_t at = (size_t)(i * 512) % 4096;
        memcpy(scratch, ring + at, sizeof scratch);
        scratch[i % 512] ^= (int16_t)i;
        atomic_store_explicit(&position, i, memory_order_release);
    }
}

/* Phase 2: the same loop with mistakes in it. */
__attribute__((noinline)) void phase2_work(void)
{
    for (int i = 0; i < 10; i++) {
        void *p = malloc(64);
        sink = p;
        free(p);
    }
    for (int i = 0; i < 3; i++) {
        pthread_mutex_lock(&audio_lock);
        pthread_mutex_unlock(&audio_lock);
    }
}

static void *audio_thread(void *unused)
{
    (void)unused;
    /* Before the rename: not counted. */
    for (int i = 0; i < 5; i++) {
        void *p = malloc(100);
        sink = p;
        free(p);
    }
    pthread_mutex_lock(&audio_lock);
    pthread_mutex_unlock(&audio_lock);

    name_self(TARGET);
    phase1_work();
    atomic_store(&phase1_done, 1);
    spin_until(&phase2_go);
    phase2_work();
    return NULL;
}

static int wait_for_report(const char *path, int count)
{
    for (int tries = 0; tries < 5000; tries++) {
        char buf[65536];
        int fd = open(path, O_RDONLY);
        if (fd >= 0) {
            ssize_t n = read(fd, buf, sizeof buf - 1);
            close(fd);
            buf[n > 0 ? n : 0] = '\0';
            int ends = 0;
            for (char *p = buf; (p = strstr(p, "\nend\n")) != NULL; p++)
                ends++;
            if (ends >= count)
                return 0;
        }
        sleep_ms(2);
    }
    return -1;
}

static int scenario_main(void)
{
    start_workers();
    sleep_ms(20); /* let the workers get going */
    pthread_t t;
    pthread_create(&t, NULL, audio_thread, NULL);
    spin_until(&phase1_done);
    kill(getpid(), SIGUSR2);
    if (wait_for_report(getenv("ALLOCCOUNT_OUT"), 1) != 0) {
        fprintf(stderr, "no report after SIGUSR2\n");
        return 91;
    }
    atomic_store(&phase2_go, 1);
    pthread_join(t, NULL);
    sleep_ms(20);
    stop_and_join_workers();
    printf("setname_long=%d\n", worker_args[4].setname_result);
    return 0;
}

/* --- renames by other means ------------------------------------------------ */

__attribute__((noinline)) static void alloc_free(int n)
{
    for (int i = 0; i < n; i++) {
        void *p = malloc(32);
        sink = p;
        free(p);
    }
}

static void *prctl_thread(void *unused)
{
    (void)unused;
    alloc_free(3);
    prctl(PR_SET_NAME, (unsigned long)TARGET, 0, 0, 0);
    alloc_free(4);
    prctl(PR_SET_NAME, (unsigned long)"elsewhere", 0, 0, 0);
    alloc_free(5);
    return NULL;
}

static int scenario_rename_prctl(void)
{
    pthread_t t;
    pthread_create(&t, NULL, prctl_thread, NULL);
    pthread_join(t, NULL);
    return 0;
}

static atomic_int renamed;

static void *renamed_by_other(void *unused)
{
    (void)unused;
    alloc_free(2);
    spin_until(&renamed);
    alloc_free(6);
    return NULL;
}

static int scenario_rename_other(void)
{
    pthread_t t;
    pthread_create(&t, NULL, renamed_by_other, NULL);
    sleep_ms(20);
    int r = pthread_setname_np(t, TARGET);
    atomic_store(&renamed, 1);
    pthread_join(t, NULL);
    return r == 0 ? 0 : 92;
}

static void *proc_comm_thread(void *unused)
{
    (void)unused;
    alloc_free(10);
    /* A rename the library cannot see: it notices within RECHECK_EVERY calls. */
    int fd = open("/proc/thread-self/comm", O_WRONLY);
    if (fd < 0 || write(fd, TARGET, strlen(TARGET)) != (ssize_t)strlen(TARGET))
        exit(93);
    close(fd);
    alloc_free(RECHECK_EVERY + 100);
    return NULL;
}

static int scenario_rename_proc(void)
{
    pthread_t t;
    pthread_create(&t, NULL, proc_comm_thread, NULL);
    pthread_join(t, NULL);
    return 0;
}

/* --- every wrapped function once ------------------------------------------- */

static pthread_mutex_t cm = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static atomic_int cond_waiting;
static int cond_done;

static void *cond_signaller(void *unused)
{
    (void)unused;
    spin_until(&cond_waiting);
    pthread_mutex_lock(&cm); /* gets it once the waiter sleeps in cond_wait */
    cond_done = 1;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&cm);
    return NULL;
}

static int cond_wait_calls;

void *every_thread(void *unused);
void *every_thread(void *unused)
{
    (void)unused;
    name_self(TARGET);
    void *p;
    p = malloc(10); p = realloc(p, 10000); free(p);
    p = calloc(3, 10); free(p);
    if (posix_memalign(&p, 64, 100) != 0) exit(94);
    free(p);
    p = aligned_alloc(64, 128); free(p);
    p = memalign(64, 100); free(p);
    p = valloc(100); free(p);
    p = pvalloc(100); free(p);

    struct timespec past = {0, 0}, later;
    clock_gettime(CLOCK_REALTIME, &later);
    later.tv_sec += 5;
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_timedlock(&m, &later); pthread_mutex_unlock(&m);
    pthread_mutex_clocklock(&m, CLOCK_MONOTONIC, &later); pthread_mutex_unlock(&m);
    pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
    pthread_rwlock_rdlock(&rw); pthread_rwlock_unlock(&rw);
    pthread_rwlock_wrlock(&rw); pthread_rwlock_unlock(&rw);
    pthread_rwlock_timedrdlock(&rw, &later); pthread_rwlock_unlock(&rw);
    pthread_rwlock_timedwrlock(&rw, &later); pthread_rwlock_unlock(&rw);
    pthread_rwlock_clockrdlock(&rw, CLOCK_MONOTONIC, &later); pthread_rwlock_unlock(&rw);
    pthread_rwlock_clockwrlock(&rw, CLOCK_MONOTONIC, &later); pthread_rwlock_unlock(&rw);
    pthread_spinlock_t sp;
    pthread_spin_init(&sp, PTHREAD_PROCESS_PRIVATE);
    pthread_spin_lock(&sp); pthread_spin_unlock(&sp);
    if (pthread_spin_trylock(&sp) == 0) pthread_spin_unlock(&sp); /* not counted */
    if (pthread_mutex_trylock(&m) == 0) pthread_mutex_unlock(&m); /* not counted */
    sem_t s;
    sem_init(&s, 0, 3);
    sem_wait(&s);
    sem_timedwait(&s, &later);
    sem_clockwait(&s, CLOCK_MONOTONIC, &later);
    if (sem_trywait(&s) == 0) sem_post(&s); /* not counted */

    /* A futex wait through syscall() (returns EAGAIN at once: the word is not 1);
     * a wake and other system calls are not counted. */
    static int word;
    syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 1, NULL, NULL, 0);
    syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    syscall(SYS_getpid);

    pthread_mutex_lock(&cm);
    pthread_cond_timedwait(&cv, &cm, &past);              /* times out at once */
    pthread_cond_clockwait(&cv, &cm, CLOCK_MONOTONIC, &past);
    atomic_store(&cond_waiting, 1);
    while (!cond_done) {
        cond_wait_calls++;
        pthread_cond_wait(&cv, &cm);
    }
    pthread_mutex_unlock(&cm);
    return NULL;
}

static int scenario_every(void)
{
    pthread_t t, s;
    pthread_create(&s, NULL, cond_signaller, NULL);
    pthread_create(&t, NULL, every_thread, NULL);
    pthread_join(t, NULL);
    pthread_join(s, NULL);
    printf("cond_wait_calls=%d\n", cond_wait_calls);
    return 0;
}

/* --- stress: many threads renaming back and forth, signals, thread churn --- */

#define STRESS_THREADS 4
#define STRESS_ROUNDS 20000

static void *stress_thread(void *arg)
{
    long *counted_calls = arg;
    const char *other = "other";
    for (int i = 0; i < STRESS_ROUNDS; i++) {
        pthread_setname_np(pthread_self(), TARGET);
        void *p = malloc(16 + (size_t)(i % 64));
        sink = p;
        free(p);
        (*counted_calls)++;
        pthread_setname_np(pthread_self(), other);
        p = malloc(24);
        sink = p;
        free(p);
    }
    return NULL;
}

static void *churn_thread(void *unused)
{
    (void)unused;
    void *p = malloc(1000);
    sink = p;
    free(p);
    return NULL;
}

static int scenario_stress(void)
{
    start_workers();
    pthread_t t[STRESS_THREADS];
    long calls[STRESS_THREADS] = {0};
    for (int i = 0; i < STRESS_THREADS; i++)
        pthread_create(&t[i], NULL, stress_thread, &calls[i]);
    for (int i = 0; i < 200; i++) {
        pthread_t c;
        pthread_create(&c, NULL, churn_thread, NULL);
        pthread_join(c, NULL);
        if (i % 4 == 0)
            kill(getpid(), SIGUSR2);
        sleep_ms(1);
    }
    long total = 0;
    for (int i = 0; i < STRESS_THREADS; i++) {
        pthread_join(t[i], NULL);
        total += calls[i];
    }
    stop_and_join_workers();
    printf("expect_mallocs=%ld\n", total);
    return 0;
}

/* --- fork: the child counts only its own calls ----------------------------- */

static int scenario_fork(void)
{
    name_self(TARGET);
    alloc_free(2);
    fflush(stdout);
    pid_t pid = fork(); /* fork() itself is in the counted thread: may allocate */
    if (pid == 0) {
        alloc_free(3);
        exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    printf("child=%d\n", (int)pid);
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 95;
}

/* --- trap: the first counted call raises SIGTRAP ---------------------------- */

static int scenario_trap(int allocate)
{
    alloc_free(2); /* not counted: no trap */
    name_self(TARGET);
    phase1_work();
    if (allocate)
        alloc_free(1);
    return 0;
}

/* --- long names ------------------------------------------------------------- */

static int scenario_long_target(void)
{
    /* ALLOCCOUNT_THREAD is longer than 15 characters here. prctl() cuts the
     * name to 15; pthread_setname_np() refuses it. */
    int r = pthread_setname_np(pthread_self(), getenv("ALLOCCOUNT_THREAD"));
    alloc_free(1);
    prctl(PR_SET_NAME, (unsigned long)getenv("ALLOCCOUNT_THREAD"), 0, 0, 0);
    alloc_free(2);
    printf("setname_long=%d\n", r);
    return 0;
}

static atomic_int released;

static void *wait_for_release(void *unused)
{
    (void)unused;
    spin_until(&released);
    return NULL;
}

static int scenario_names(void)
{
    /* What Linux and glibc do with thread names of various lengths. */
    char got[64];
    int fails = 0;
    pthread_setname_np(pthread_self(), "start");

    int r = pthread_setname_np(pthread_self(), "abcdefghijklmno"); /* 15 */
    pthread_getname_np(pthread_self(), got, sizeof got);
    printf("setname 15 chars: result=%d name=%s\n", r, got);
    fails += r != 0 || strcmp(got, "abcdefghijklmno") != 0;

    r = pthread_setname_np(pthread_self(), "abcdefghijklmnop"); /* 16 */
    pthread_getname_np(pthread_self(), got, sizeof got);
    printf("setname 16 chars: result=%s name=%s\n", r == ERANGE ? "ERANGE" : "?", got);
    fails += r != ERANGE || strcmp(got, "abcdefghijklmno") != 0;

    r = prctl(PR_SET_NAME, (unsigned long)"0123456789abcdefghij", 0, 0, 0); /* 20 */
    prctl(PR_GET_NAME, (unsigned long)got, 0, 0, 0);
    printf("prctl(PR_SET_NAME) 20 chars: result=%d name=%s\n", r, got);
    fails += r != 0 || strcmp(got, "0123456789abcde") != 0;

    r = pthread_getname_np(pthread_self(), got, 15);
    printf("getname into 15 bytes: result=%s\n", r == ERANGE ? "ERANGE" : "?");
    fails += r != ERANGE;

    /* A new thread starts with its creator's name. */
    pthread_t t;
    pthread_create(&t, NULL, wait_for_release, NULL);
    r = pthread_getname_np(t, got, sizeof got);
    printf("new thread's name: %s\n", r == 0 ? got : "?");
    fails += r != 0 || strcmp(got, "0123456789abcde") != 0;
    atomic_store(&released, 1);
    pthread_join(t, NULL);
    return fails ? 96 : 0;
}

/* --- overhead --------------------------------------------------------------- */

static void *bench_thread(void *name)
{
    if (name)
        name_self(name);
    struct timespec a, b;
    const int n = 2000000;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < n; i++) {
        void *p = malloc(32);
        sink = p;
        free(p);
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    double ns = ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / n;
    printf("%s=%.1f\n", name ? "counted_ns" : "uncounted_ns", ns);
    return NULL;
}

static int scenario_bench(void)
{
    pthread_t t;
    pthread_create(&t, NULL, bench_thread, NULL);
    pthread_join(t, NULL);
    pthread_create(&t, NULL, bench_thread, TARGET);
    pthread_join(t, NULL);
    return 0;
}

static int run_scenario(const char *name)
{
    /* stdout allocates its buffer on first use: do that before anything is counted. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("scenario=%s\n", name);
    if (!strcmp(name, "main")) return scenario_main();
    if (!strcmp(name, "rename-prctl")) return scenario_rename_prctl();
    if (!strcmp(name, "rename-other")) return scenario_rename_other();
    if (!strcmp(name, "rename-proc")) return scenario_rename_proc();
    if (!strcmp(name, "every")) return scenario_every();
    if (!strcmp(name, "stress")) return scenario_stress();
    if (!strcmp(name, "fork")) return scenario_fork();
    if (!strcmp(name, "trap-alloc")) return scenario_trap(1);
    if (!strcmp(name, "trap-clean")) return scenario_trap(0);
    if (!strcmp(name, "long-target")) return scenario_long_target();
    if (!strcmp(name, "names")) return scenario_names();
    if (!strcmp(name, "bench")) return scenario_bench();
    fprintf(stderr, "unknown scenario %s\n", name);
    return 99;
}

/* ======================================================================== */
/* Driver side.                                                             */

static char lib_path[PATH_MAX];
static char self_path[PATH_MAX];
static char tmp_dir[1024];
static int passed, failed;
static int keep_tmp;
static char **filters;
static int nfilters;

#define OUT_MAX (1 << 20)

struct run {
    int status;          /* from waitpid, or -1 on timeout */
    char out[OUT_MAX];   /* the child's stdout */
    char rep[OUT_MAX];   /* the report file */
    char rep_path[PATH_MAX];
};

static struct run R;

static int selected(const char *name)
{
    if (nfilters == 0)
        return 1;
    for (int i = 0; i < nfilters; i++)
        if (strstr(name, filters[i]))
            return 1;
    return 0;
}

static void read_file(const char *path, char *buf, size_t cap)
{
    buf[0] = '\0';
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return;
    size_t len = 0;
    ssize_t n;
    while (len < cap - 1 && (n = read(fd, buf + len, cap - 1 - len)) > 0)
        len += (size_t)n;
    buf[len] = '\0';
    close(fd);
}

/* Runs argv (NULL: this program with --child scenario) with the library
 * preloaded (if preload) and NAME=VALUE pairs from env added. */
static void run(const char *tag, const char *scenario, char *const *argv, int preload,
                const char *const *env, int timeout_s)
{
    snprintf(R.rep_path, sizeof R.rep_path, "%s/%s.report", tmp_dir, tag);
    unlink(R.rep_path);
    int pfd[2];
    if (pipe(pfd) != 0) {
        perror("pipe");
        exit(2);
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(pfd[1], 1);
        close(pfd[0]);
        close(pfd[1]);
        struct rlimit no_core = {0, 0};
        setrlimit(RLIMIT_CORE, &no_core);
        if (preload)
            setenv("LD_PRELOAD", lib_path, 1);
        else
            unsetenv("LD_PRELOAD");
        setenv("ALLOCCOUNT_OUT", R.rep_path, 1);
        unsetenv("ALLOCCOUNT_THREAD");
        unsetenv("ALLOCCOUNT_TRAP");
        for (int i = 0; env && env[i]; i++) {
            char kv[512];
            snprintf(kv, sizeof kv, "%s", env[i]);
            char *eq = strchr(kv, '=');
            *eq = '\0';
            setenv(kv, eq + 1, 1);
        }
        if (argv) {
            execvp(argv[0], argv);
        } else {
            char *args[] = {self_path, "--child", (char *)scenario, NULL};
            execv(self_path, args);
        }
        _exit(127);
    }
    close(pfd[1]);
    fcntl(pfd[0], F_SETFL, O_NONBLOCK);
    size_t len = 0;
    R.out[0] = '\0';
    R.status = -1;
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        ssize_t n;
        while (len < OUT_MAX - 1 && (n = read(pfd[0], R.out + len, OUT_MAX - 1 - len)) > 0)
            len += (size_t)n;
        R.out[len] = '\0';
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            R.status = st;
            while (len < OUT_MAX - 1 && (n = read(pfd[0], R.out + len, OUT_MAX - 1 - len)) > 0)
                len += (size_t)n;
            R.out[len] = '\0';
            break;
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec > timeout_s) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            break;
        }
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
    close(pfd[0]);
    read_file(R.rep_path, R.rep, sizeof R.rep);
}

/* --- checking ---------------------------------------------------------------- */

static char why[4096];

static __attribute__((format(printf, 1, 2))) int fail(const char *fmt, ...)
{
    if (why[0] == '\0') {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, sizeof why, fmt, ap);
        va_end(ap);
    }
    return 0;
}

static void result(const char *name, int ok, const char *note)
{
    if (ok && why[0] == '\0') {
        passed++;
        printf("ok   %s%s%s\n", name, note ? ": " : "", note ? note : "");
    } else {
        failed++;
        keep_tmp = 1;
        printf("FAIL %s: %s\n", name, why[0] ? why : "(no detail)");
        if (R.rep[0])
            printf("---- report ----\n%s----\n", R.rep);
        if (R.out[0])
            printf("---- output ----\n%s----\n", R.out);
    }
    why[0] = '\0';
}

static int exited_ok(void)
{
    if (R.status == -1)
        return fail("timed out");
    if (WIFSIGNALED(R.status))
        return fail("killed by signal %d", WTERMSIG(R.status));
    if (WEXITSTATUS(R.status) != 0)
        return fail("exit status %d", WEXITSTATUS(R.status));
    return 1;
}

/* The k-th report (0-based) in text whose header has pid=PID (0: any),
 * copied into out; returns 0 if there is none. */
static int get_report(const char *text, int k, long pid, char *out, size_t cap)
{
    const char *p = text;
    while ((p = strstr(p, "alloccount report=")) != NULL) {
        const char *end = strstr(p, "\nend\n");
        if (!end)
            return 0;
        end += 5;
        int match = 1;
        if (pid) {
            char want[32];
            snprintf(want, sizeof want, " pid=%ld ", pid);
            const char *nl = strchr(p, '\n');
            const char *w = strstr(p, want);
            match = w && w < nl;
        }
        if (match && k-- == 0) {
            size_t n = (size_t)(end - p) < cap - 1 ? (size_t)(end - p) : cap - 1;
            memcpy(out, p, n);
            out[n] = '\0';
            return 1;
        }
        p = end;
    }
    return 0;
}

static int count_reports(const char *text)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, "alloccount report=")) != NULL; p++)
        n++;
    return n;
}

/* The line of rep that starts with prefix, copied into out. */
static int get_line(const char *rep, const char *prefix, int k, char *out, size_t cap)
{
    size_t pl = strlen(prefix);
    for (const char *p = rep; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (len >= pl && !strncmp(p, prefix, pl) && k-- == 0) {
            size_t n = len < cap - 1 ? len : cap - 1;
            memcpy(out, p, n);
            out[n] = '\0';
            return 1;
        }
        p += len + (nl ? 1 : 0);
    }
    return 0;
}

/* The value of key=NUMBER in line, or -1. */
static long field(const char *line, const char *key)
{
    char want[64];
    size_t kl = (size_t)snprintf(want, sizeof want, "%s=", key);
    for (const char *p = line; (p = strstr(p, want)) != NULL; p++)
        if (p == line || p[-1] == ' ' || p[-1] == '\n')
            return strtol(p + kl, NULL, 10);
    return -1;
}

/* The value of key=DECIMAL in text, or 0. */
static double dfield(const char *text, const char *key)
{
    char want[64];
    size_t kl = (size_t)snprintf(want, sizeof want, "%s=", key);
    for (const char *p = text; (p = strstr(p, want)) != NULL; p++)
        if (p == text || p[-1] == ' ' || p[-1] == '\n')
            return strtod(p + kl, NULL);
    return 0;
}

/* The string value of key=... in line (up to a space). */
static int sfield(const char *line, const char *key, char *out, size_t cap)
{
    char want[64];
    size_t kl = (size_t)snprintf(want, sizeof want, "%s=", key);
    for (const char *p = line; (p = strstr(p, want)) != NULL; p++)
        if (p == line || p[-1] == ' ' || p[-1] == '\n') {
            p += kl;
            size_t n = strcspn(p, " \n");
            n = n < cap - 1 ? n : cap - 1;
            memcpy(out, p, n);
            out[n] = '\0';
            return 1;
        }
    out[0] = '\0';
    return 0;
}

/* Checks the thread= line of rep against the six totals (-1: any). */
static int expect_totals(const char *what, const char *rep, long mallocs, long frees,
                         long reallocs, long locks, long condwaits, long futexwaits)
{
    char line[1024];
    if (!get_line(rep, "thread=", 0, line, sizeof line))
        return fail("%s: no thread= line", what);
    const char *keys[] = {"mallocs", "frees", "reallocs", "locks", "condwaits", "futexwaits"};
    long want[] = {mallocs, frees, reallocs, locks, condwaits, futexwaits};
    for (int i = 0; i < 6; i++)
        if (want[i] >= 0 && field(line, keys[i]) != want[i])
            return fail("%s: %s=%ld, expected %ld", what, keys[i], field(line, keys[i]), want[i]);
    return 1;
}

static long out_value(const char *key)
{
    return field(strstr(R.out, key) ? strstr(R.out, key) : "", key);
}

/* A site line for call=CALL whose symbol is SYM (followed by +offset);
 * returns its hits or -1. */
static long site_hits(const char *rep, const char *call, const char *sym)
{
    char line[2048], v[512];
    for (int k = 0; get_line(rep, "site ", k, line, sizeof line); k++) {
        sfield(line, "call", v, sizeof v);
        if (strcmp(v, call) != 0)
            continue;
        sfield(line, "sym", v, sizeof v);
        if (!strncmp(v, sym, strlen(sym)) && v[strlen(sym)] == '+')
            return field(line, "hits");
    }
    return -1;
}

/* A site line for call=CALL whose object's path contains OBJ; returns its hits or -1. */
static long site_hits_in(const char *rep, const char *call, const char *obj)
{
    char line[2048], v[1024];
    for (int k = 0; get_line(rep, "site ", k, line, sizeof line); k++) {
        sfield(line, "call", v, sizeof v);
        if (strcmp(v, call) != 0)
            continue;
        sfield(line, "obj", v, sizeof v);
        if (strstr(v, obj))
            return field(line, "hits");
    }
    return -1;
}

/* --- the tests ---------------------------------------------------------------- */

static char rep1[OUT_MAX / 4], rep2[OUT_MAX / 4];

/* Checks named=, live= and callers= on the thread= line of rep. */
static int expect_threads(const char *what, const char *rep, long named, long live, long callers)
{
    char line[1024];
    if (!get_line(rep, "thread=", 0, line, sizeof line))
        return fail("%s: no thread= line", what);
    const char *keys[] = {"named", "live", "callers"};
    long want[] = {named, live, callers};
    for (int i = 0; i < 3; i++)
        if (want[i] >= 0 && field(line, keys[i]) != want[i])
            return fail("%s: %s=%ld, expected %ld", what, keys[i], field(line, keys[i]), want[i]);
    return 1;
}

static void test_main(void)
{
    if (!selected("audio-thread"))
        return;
    run("main", "main", NULL, 1, NULL, 60);
    int ran = exited_ok();
    if (ran && count_reports(R.rep) != 2)
        ran = fail("%d reports, expected 2 (SIGUSR2 and exit)", count_reports(R.rep));
    if (ran && (!get_report(R.rep, 0, 0, rep1, sizeof rep1) ||
                !get_report(R.rep, 1, 0, rep2, sizeof rep2)))
        ran = fail("reports not found");
    if (ran && !strstr(rep1, " reason=signal "))
        ran = fail("first report is not the SIGUSR2 one");
    if (ran && !strstr(rep2, " reason=exit "))
        ran = fail("second report is not the exit one");

    /* Phase 1 made no wrapped call at all: the thread is live and named, but
     * has not called anything (callers=0). */
    int ok = ran && expect_totals("SIGUSR2 report", rep1, 0, 0, 0, 0, 0, 0) &&
             expect_threads("SIGUSR2 report", rep1, 1, 1, 0);
    result("audio-thread: the report after phase 1 (SIGUSR2) counts nothing", ok, NULL);

    ok = ran && expect_totals("exit report", rep2, 10, 10, 0, 3, 0, 0) &&
         expect_threads("exit report", rep2, 1, 0, 1);
    if (ok) {
        char ln[1024];
        get_line(rep2, "calls", 0, ln, sizeof ln);
        if (field(ln, "malloc") != 10 || field(ln, "free") != 10 || field(ln, "mutex_lock") != 3)
            ok = fail("calls line: %s", ln);
    }
    result("audio-thread: phase 2 counts 10 mallocs, 10 frees, 3 locks", ok, NULL);

    ok = ran;
    if (ok) {
        long m = site_hits(rep2, "malloc", "phase2_work");
        long f = site_hits(rep2, "free", "phase2_work");
        long l = site_hits(rep2, "mutex_lock", "phase2_work");
        if (m != 10 || f != 10 || l != 3)
            ok = fail("sites in phase2_work: malloc %ld, free %ld, mutex_lock %ld", m, f, l);
        char sl[1024];
        if (ok && get_line(rep2, "sites", 0, sl, sizeof sl) &&
            (field(sl, "listed") != 3 || field(sl, "unlisted_calls") != 0))
            ok = fail("%s", sl);
    }
    char note[1024] = "";
    if (ok) {
        char sl[1024], sym[256], obj[512];
        get_line(rep2, "site 1", 0, sl, sizeof sl);
        sfield(sl, "sym", sym, sizeof sym);
        sfield(sl, "obj", obj, sizeof obj);
        const char *base = strrchr(obj, '/');
        snprintf(note, sizeof note, "site 1 sym=%s obj=%s", sym, base ? base + 1 : obj);
    }
    result("audio-thread: call sites resolve to phase2_work", ok, note[0] ? note : NULL);

    ok = ran;
    if (ok && out_value("setname_long") != ERANGE)
        ok = fail("pthread_setname_np with 18 characters returned %ld", out_value("setname_long"));
    result("audio-thread: other threads (unnamed, 'loaxa-audiox', a refused long name) not counted",
           ok, NULL);
}

static void test_rename_prctl(void)
{
    if (!selected("rename-prctl"))
        return;
    run("rename-prctl", "rename-prctl", NULL, 1, NULL, 30);
    int ok = exited_ok() && get_report(R.rep, 0, 0, rep1, sizeof rep1) &&
             expect_totals("report", rep1, 4, 4, 0, 0, 0, 0);
    result("rename-prctl: counted from prctl(PR_SET_NAME) on, not after renaming away", ok,
           NULL);
}

static void test_rename_other(void)
{
    if (!selected("rename-other"))
        return;
    run("rename-other", "rename-other", NULL, 1, NULL, 30);
    int ok = exited_ok() && get_report(R.rep, 0, 0, rep1, sizeof rep1) &&
             expect_totals("report", rep1, 6, 6, 0, 0, 0, 0);
    result("rename-other: a thread renamed by another thread is counted from then on", ok,
           NULL);
}

static void test_rename_proc(void)
{
    if (!selected("rename-proc"))
        return;
    run("rename-proc", "rename-proc", NULL, 1, NULL, 30);
    int ok = exited_ok() && get_report(R.rep, 0, 0, rep1, sizeof rep1);
    char line[1024], note[128] = "";
    if (ok && get_line(rep1, "thread=", 0, line, sizeof line)) {
        long m = field(line, "mallocs"), f = field(line, "frees");
        long total = RECHECK_EVERY + 100;
        /* The name is read again within RECHECK_EVERY calls (malloc and free both
         * count as calls): at most RECHECK_EVERY / 2 pairs are missed. */
        if (m < total - RECHECK_EVERY / 2 - 1 || m > total || labs(m - f) > 1)
            ok = fail("mallocs=%ld frees=%ld of %ld", m, f, total);
        snprintf(note, sizeof note, "%ld of %ld counted", m, total);
    } else if (ok) {
        ok = fail("no thread= line");
    }
    result("rename-proc: a rename through /proc is noticed within the recheck interval", ok,
           note[0] ? note : NULL);
}

static void test_every(void)
{
    if (!selected("every"))
        return;
    run("every", "every", NULL, 1, NULL, 30);
    int ok = exited_ok() && get_report(R.rep, 0, 0, rep1, sizeof rep1);
    long cw = out_value("cond_wait_calls");
    if (ok && cw < 1)
        ok = fail("cond_wait_calls=%ld", cw);
    char ln[2048];
    if (ok && !get_line(rep1, "calls", 0, ln, sizeof ln))
        ok = fail("no calls line");
    const char *ones[] = {"malloc", "calloc", "realloc", "posix_memalign", "aligned_alloc",
                          "memalign", "valloc", "pvalloc", "mutex_timedlock", "mutex_clocklock",
                          "rwlock_rdlock", "rwlock_wrlock", "rwlock_timedrdlock",
                          "rwlock_timedwrlock", "rwlock_clockrdlock", "rwlock_clockwrlock",
                          "spin_lock", "sem_wait", "sem_timedwait", "sem_clockwait",
                          "cond_timedwait", "cond_clockwait", "mutex_lock"};
    for (size_t i = 0; ok && i < sizeof ones / sizeof ones[0]; i++)
        if (field(ln, ones[i]) != 1)
            ok = fail("%s=%ld, expected 1", ones[i], field(ln, ones[i]));
    if (ok && field(ln, "futex_wait") != 1)
        ok = fail("futex_wait=%ld, expected 1", field(ln, "futex_wait"));
    if (ok && field(ln, "free") != 7)
        ok = fail("free=%ld, expected 7", field(ln, "free"));
    if (ok && field(ln, "cond_wait") != cw)
        ok = fail("cond_wait=%ld, the thread called it %ld times", field(ln, "cond_wait"), cw);
    if (ok)
        ok = expect_totals("report", rep1, 7, 7, 1, 13, 2 + cw, 1);
    result("every: each wrapped function counted once, try-locks not counted", ok, NULL);

    /* 7 + 1 + 7 + 13 + 2 + cw + 1 counted calls at 32 distinct sites: 8 listed. */
    char sl[512];
    long total = 7 + 1 + 7 + 13 + 2 + cw + 1;
    if (ok && get_line(rep1, "sites", 0, sl, sizeof sl) &&
        (field(sl, "listed") != 8 || field(sl, "unlisted_calls") != total - 8))
        ok = fail("%s (expected listed=8 unlisted_calls=%ld)", sl, total - 8);
    if (ok && site_hits(rep1, "malloc", "every_thread") != 1)
        ok = fail("no malloc site in every_thread");
    result("every: the first 8 distinct sites are listed, the rest counted as unlisted", ok,
           NULL);
}

static void test_stress(void)
{
    if (!selected("stress"))
        return;
    run("stress", "stress", NULL, 1, NULL, 120);
    int ok = exited_ok();
    long want = out_value("expect_mallocs");
    int n = count_reports(R.rep);
    if (ok && want != (long)STRESS_THREADS * STRESS_ROUNDS)
        ok = fail("expect_mallocs=%ld", want);
    if (ok && n < 2)
        ok = fail("%d reports", n);
    if (ok && !get_report(R.rep, n - 1, 0, rep1, sizeof rep1))
        ok = fail("no last report");
    if (ok)
        ok = expect_totals("exit report", rep1, want, want, 0, 0, 0, 0);
    if (ok)
        ok = expect_threads("exit report", rep1, (long)STRESS_THREADS * STRESS_ROUNDS, 0,
                            STRESS_THREADS);
    char note[128];
    snprintf(note, sizeof note, "%ld counted mallocs, %d reports", want, n);
    result("stress: 4 threads renaming 40000 times each, workers, thread churn, SIGUSR2 storm",
           ok, note);
}

static void test_fork(void)
{
    if (!selected("fork"))
        return;
    run("fork", "fork", NULL, 1, NULL, 30);
    int ok = exited_ok();
    long child = out_value("child");
    if (ok && !get_report(R.rep, 0, child, rep1, sizeof rep1))
        ok = fail("no report from the child %ld", child);
    if (ok)
        ok = expect_totals("child's report", rep1, 3, 3, 0, 0, 0, 0);
    if (ok && !get_report(R.rep, 0, 0, rep2, sizeof rep2))
        ok = fail("no reports");
    /* The parent's report: the one that is not the child's. */
    for (int k = 0; ok && get_report(R.rep, k, 0, rep2, sizeof rep2); k++) {
        char want[32];
        snprintf(want, sizeof want, " pid=%ld ", child);
        if (strstr(rep2, want))
            continue;
        /* fork() may allocate in the parent (atfork handlers): at least 2. */
        char line[1024];
        get_line(rep2, "thread=", 0, line, sizeof line);
        if (field(line, "mallocs") < 2 || field(line, "frees") < 2)
            ok = fail("parent: %s", line);
        break;
    }
    result("fork: a forked child reports its own calls only", ok, NULL);
}

static void test_trap(void)
{
    if (!selected("trap"))
        return;
    const char *env[] = {"ALLOCCOUNT_TRAP=1", NULL};
    run("trap-alloc", "trap-alloc", NULL, 1, env, 30);
    int ok = R.status != -1 && WIFSIGNALED(R.status) && WTERMSIG(R.status) == SIGTRAP;
    if (!ok)
        fail("status %#x, expected death by SIGTRAP", R.status);
    result("trap: ALLOCCOUNT_TRAP=1 stops at the first counted call", ok, NULL);
    run("trap-clean", "trap-clean", NULL, 1, env, 30);
    result("trap: no trap when the named thread does not allocate", exited_ok(), NULL);
}

static void test_long_target(void)
{
    if (!selected("long-target"))
        return;
    const char *env[] = {"ALLOCCOUNT_THREAD=loaxa-audio-output", NULL};
    run("long-target", "long-target", NULL, 1, env, 30);
    int ok = exited_ok() && get_report(R.rep, 0, 0, rep1, sizeof rep1) &&
             expect_totals("report", rep1, 2, 2, 0, 0, 0, 0);
    if (ok && !strstr(rep1, " target=loaxa-audio-out target_truncated_from=18"))
        ok = fail("header does not show the truncation");
    if (ok && out_value("setname_long") != ERANGE)
        ok = fail("pthread_setname_np returned %ld", out_value("setname_long"));
    result("long-target: a target over 15 characters matches its first 15", ok, NULL);
}

static void test_names(void)
{
    if (!selected("names"))
        return;
    run("names", "names", NULL, 0, NULL, 30);
    int ok = exited_ok();
    const char *body = strchr(R.out, '\n'); /* after the scenario= line */
    printf("%s", body ? body + 1 : R.out);
    result("names: 15 characters fit; pthread_setname_np refuses 16+, prctl truncates", ok, NULL);
}

static void test_python(void)
{
    if (!selected("python"))
        return;
    char *argv[] = {"python3", "-c", "import json; print(json.dumps(list(range(10))))", NULL};
    run("python", NULL, argv, 1, NULL, 60);
    if (R.status != -1 && WIFEXITED(R.status) && WEXITSTATUS(R.status) == 127 && !R.out[0]) {
        printf("skip python: python3 not found\n");
        return;
    }
    int ok = exited_ok();
    if (ok && strcmp(R.out, "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]\n") != 0)
        ok = fail("output %s", R.out);
    int n = count_reports(R.rep), py = 0;
    if (ok && n == 0)
        ok = fail("no report");
    for (int k = 0; ok && k < n; k++) {
        get_report(R.rep, k, 0, rep1, sizeof rep1);
        ok = expect_totals("report", rep1, 0, 0, 0, 0, 0, 0) &&
             expect_threads("report", rep1, 0, 0, 0);
        py += strstr(rep1, " exe=python") != NULL;
    }
    if (ok && py == 0)
        ok = fail("no report from python itself");
    char note[64];
    snprintf(note, sizeof note, "%d report(s), all zero", n);
    result("python: a real interpreter runs normally, nothing counted", ok, note);

    /* The positive control: python renames its main thread (through ctypes,
     * i.e. the wrapped prctl) and then allocates. */
    char *argv2[] = {"python3", "-c",
                     "import ctypes\n"
                     "ctypes.CDLL(None).prctl(15, b'loaxa-audio', 0, 0, 0)\n"
                     "l = [str(i) * 1000 for i in range(1000)]\n"
                     "print(len(l))",
                     NULL};
    run("python-named", NULL, argv2, 1, NULL, 60);
    ok = exited_ok();
    if (ok && strcmp(R.out, "1000\n") != 0)
        ok = fail("output %s", R.out);
    long m = -1;
    for (int k = 0; ok && get_report(R.rep, k, 0, rep1, sizeof rep1); k++) {
        if (!strstr(rep1, " exe=python"))
            continue;
        char line[1024];
        get_line(rep1, "thread=", 0, line, sizeof line);
        m = field(line, "mallocs");
        ok = expect_threads("python's report", rep1, 1, 1, 1);
    }
    if (ok && m < 1000)
        ok = fail("python's report: mallocs=%ld, expected at least 1000", m);
    snprintf(note, sizeof note, "mallocs=%ld", m);
    result("python: after renaming its main thread to the target, its allocations count", ok,
           note);
}

static void test_swift(void)
{
    if (!selected("swift"))
        return;
    /* build/test_swift, built by the Makefile when swiftc is installed. */
    char bin[PATH_MAX];
    snprintf(bin, sizeof bin, "%s", self_path);
    char *slash = strrchr(bin, '/');
    snprintf(slash + 1, sizeof bin - (size_t)(slash + 1 - bin), "test_swift");
    if (access(bin, X_OK) != 0) {
        printf("skip swift: %s not built (no swiftc)\n", bin);
        return;
    }
    char *argv[] = {bin, NULL};
    /* Phase 1 under the name loaxa-audio: a loop with atomics, no allocation. */
    const char *env1[] = {"ALLOCCOUNT_THREAD=loaxa-audio", NULL};
    run("swift-1", NULL, argv, 1, env1, 60);
    int ok = exited_ok();
    if (ok && strcmp(R.out, "swift ok\n") != 0)
        ok = fail("output %s", R.out);
    ok = ok && get_report(R.rep, 0, 0, rep1, sizeof rep1) &&
         expect_totals("report", rep1, 0, 0, 0, 0, 0, 0) && expect_threads("report", rep1, 1, 0, 0);
    result("swift: Dispatch, Foundation and a pthread loop with atomics: nothing counted", ok,
           NULL);

    /* Phase 2 under the name loaxa-phase2: one class instance that escapes and
     * one contended Synchronization.Mutex. */
    const char *env2[] = {"ALLOCCOUNT_THREAD=loaxa-phase2", NULL};
    run("swift-2", NULL, argv, 1, env2, 60);
    ok = exited_ok() && get_report(R.rep, 0, 0, rep1, sizeof rep1) &&
         expect_totals("report", rep1, -1, 0, 0, 0, 0, -1);
    char line[1024];
    if (ok && get_line(rep1, "thread=", 0, line, sizeof line) &&
        (field(line, "mallocs") < 1 || field(line, "futexwaits") < 1))
        ok = fail("%s", line);
    if (ok && site_hits(rep1, "malloc", "swift_slowAlloc") < 1)
        ok = fail("the malloc site is not swift_slowAlloc");
    if (ok && site_hits_in(rep1, "futex_wait", "libswiftSynchronization") < 1)
        ok = fail("the futex wait is not in Synchronization.Mutex");
    result("swift: swift_allocObject's malloc and a contended Mutex's futex wait are counted", ok,
           NULL);
}

static void test_bench(void)
{
    if (!selected("bench"))
        return;
    run("bench-plain", "bench", NULL, 0, NULL, 60);
    double plain = dfield(R.out, "uncounted_ns");
    int ok = exited_ok();
    run("bench-lib", "bench", NULL, 1, NULL, 60);
    ok = ok && exited_ok();
    double lib = dfield(R.out, "uncounted_ns");
    double cnt = dfield(R.out, "counted_ns");
    char note[160];
    snprintf(note, sizeof note,
             "malloc+free pair: %.1f ns without the library, %.1f ns uncounted thread, "
             "%.1f ns counted thread",
             plain, lib, cnt);
    result("bench: overhead (measured, not checked)", ok, note);
}

static void cleanup_tmp(void)
{
    char cmd[PATH_MAX];
    if (keep_tmp) {
        printf("temporary files kept in %s\n", tmp_dir);
        return;
    }
    /* The directory holds only report files. */
    DIR *d = opendir(tmp_dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(cmd, sizeof cmd, "%s/%s", tmp_dir, e->d_name);
        unlink(cmd);
    }
    if (d)
        closedir(d);
    if (rmdir(tmp_dir) != 0)
        fprintf(stderr, "could not remove %s\n", tmp_dir);
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--child"))
        return run_scenario(argv[2]);
    if (argc < 2) {
        fprintf(stderr, "usage: %s LIB [NAME...]\n", argv[0]);
        return 2;
    }
    if (!realpath(argv[1], lib_path) || !realpath("/proc/self/exe", self_path)) {
        fprintf(stderr, "cannot find %s or myself\n", argv[1]);
        return 2;
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(tmp_dir, sizeof tmp_dir, "%s/alloccount-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(tmp_dir)) {
        perror("mkdtemp");
        return 2;
    }
    filters = argv + 2;
    nfilters = argc - 2;
    setvbuf(stdout, NULL, _IOLBF, 0);

    test_main();
    test_rename_prctl();
    test_rename_other();
    test_rename_proc();
    test_every();
    test_stress();
    test_fork();
    test_trap();
    test_long_target();
    test_names();
    test_python();
    test_swift();
    test_bench();

    cleanup_tmp();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
