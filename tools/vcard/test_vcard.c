/*
 * Tests of the virtual playback card through the real libasound.
 *
 * Each test writes its own ALSA configuration with asoundrc.sh into a
 * temporary directory, points ALSA_CONFIG_PATH at it and opens "default".
 * Prints one line per test and a final "N passed, M failed"; exits non-zero
 * on any failure.  The temporary directory is removed when all tests pass.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <alsa/asoundlib.h>

/* short enough that every path built from them fits in PATH_MAX */
static char script[1024];	/* asoundrc.sh */
static char tmproot[1024];
#define DIRLEN 1536
static int test_failed;		/* checks failed in the current test */

#define CHECK(cond, ...) check((cond), #cond, __LINE__, __VA_ARGS__)

static bool check(bool ok, const char *expr, int line, const char *fmt, ...)
{
	va_list ap;

	if (ok)
		return true;
	test_failed++;
	printf("    FAILED (line %d: %s): ", line, expr);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	return false;
}

static void note(const char *fmt, ...)
{
	va_list ap;

	printf("    ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static int64_t now_ns(clockid_t c)
{
	struct timespec t;
	clock_gettime(c, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int64_t mono(void)
{
	return now_ns(CLOCK_MONOTONIC);
}

static int64_t ts_ns(const snd_htimestamp_t *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

static void sleep_ms(int ms)
{
	struct timespec t = { ms / 1000, (long)(ms % 1000) * 1000000 };
	while (nanosleep(&t, &t) < 0 && errno == EINTR)
		;
}

/* ------------------------------------------------------------ setup */

/* write a configuration with asoundrc.sh into tmproot/name and use it */
static bool use_card(char *dir, size_t dirlen, const char *name, const char *params)
{
	char cmd[4096], conf[PATH_MAX];
	FILE *f;
	size_t n;

	snprintf(dir, dirlen, "%s/%s", tmproot, name);
	snprintf(cmd, sizeof(cmd), "'%s' '%s' %s", script, dir, params ? params : "");
	f = popen(cmd, "r");
	if (!f)
		return false;
	if (!fgets(conf, sizeof(conf), f))
		conf[0] = 0;
	if (pclose(f) != 0 || !conf[0]) {
		printf("    asoundrc.sh failed: %s\n", cmd);
		test_failed++;
		return false;
	}
	n = strlen(conf);
	if (n && conf[n - 1] == '\n')
		conf[n - 1] = 0;
	setenv("ALSA_CONFIG_PATH", conf, 1);
	snd_config_update_free_global();	/* reload the configuration */
	return true;
}

static void path_in(char *out, size_t len, const char *dir, const char *file)
{
	snprintf(out, len, "%s/%s", dir, file);
}

struct setup {
	snd_pcm_format_t format;
	unsigned int rate, channels;
	snd_pcm_uframes_t period, buffer;
	snd_pcm_access_t access;
	snd_pcm_uframes_t start_threshold;	/* 0: the buffer size */
};

static const struct setup S16_48K = {
	SND_PCM_FORMAT_S16_LE, 48000, 2, 1024, 4096, SND_PCM_ACCESS_RW_INTERLEAVED, 0,
};

/* the same with a 340 ms buffer, for tests that must not underrun on a busy machine */
static const struct setup S16_48K_DEEP = {
	SND_PCM_FORMAT_S16_LE, 48000, 2, 1024, 16384, SND_PCM_ACCESS_RW_INTERLEAVED, 0,
};

static int configure(snd_pcm_t *pcm, const struct setup *s)
{
	snd_pcm_hw_params_t *hw;
	snd_pcm_sw_params_t *sw;
	snd_pcm_uframes_t v;
	int err;

	snd_pcm_hw_params_alloca(&hw);
	snd_pcm_sw_params_alloca(&sw);
	if ((err = snd_pcm_hw_params_any(pcm, hw)) < 0 ||
	    (err = snd_pcm_hw_params_set_access(pcm, hw, s->access)) < 0 ||
	    (err = snd_pcm_hw_params_set_format(pcm, hw, s->format)) < 0 ||
	    (err = snd_pcm_hw_params_set_channels(pcm, hw, s->channels)) < 0 ||
	    (err = snd_pcm_hw_params_set_rate(pcm, hw, s->rate, 0)) < 0 ||
	    (err = snd_pcm_hw_params_set_period_size(pcm, hw, s->period, 0)) < 0 ||
	    (err = snd_pcm_hw_params_set_buffer_size(pcm, hw, s->buffer)) < 0 ||
	    (err = snd_pcm_hw_params(pcm, hw)) < 0)
		return err;
	if ((err = snd_pcm_sw_params_current(pcm, sw)) < 0 ||
	    (err = snd_pcm_sw_params_set_tstamp_mode(pcm, sw, SND_PCM_TSTAMP_ENABLE)) < 0 ||
	    (err = snd_pcm_sw_params_set_tstamp_type(pcm, sw, SND_PCM_TSTAMP_TYPE_MONOTONIC)) < 0)
		return err;
	/* start once the buffer is full, so that a slow first write cannot underrun */
	v = s->start_threshold ? s->start_threshold : s->buffer;
	if ((err = snd_pcm_sw_params_set_start_threshold(pcm, sw, v)) < 0 ||
	    (err = snd_pcm_sw_params(pcm, sw)) < 0)
		return err;
	return 0;
}

static snd_pcm_t *open_card(const struct setup *s, int mode)
{
	snd_pcm_t *pcm;
	int err = snd_pcm_open(&pcm, "default", SND_PCM_STREAM_PLAYBACK, mode);

	if (!CHECK(err == 0, "open: %s", snd_strerror(err)))
		return NULL;
	err = configure(pcm, s);
	if (!CHECK(err == 0, "configure: %s", snd_strerror(err))) {
		snd_pcm_close(pcm);
		return NULL;
	}
	return pcm;
}

/* ------------------------------------------------------- data pattern */

/* a sample value unique to (frame, channel), in any of the formats */
static void gen(snd_pcm_format_t fmt, unsigned int ch, uint64_t first, size_t n, void *out)
{
	size_t i;
	unsigned int c;

	for (i = 0; i < n; i++)
		for (c = 0; c < ch; c++) {
			uint64_t f = first + i;
			size_t k = i * ch + c;
			switch (fmt) {
			case SND_PCM_FORMAT_S16_LE:
				/* the counting pattern: frame number, low and high half */
				((int16_t *)out)[k] = (int16_t)(uint16_t)(c & 1 ? f >> 16 : f);
				break;
			case SND_PCM_FORMAT_S32_LE:
				((int32_t *)out)[k] = (int32_t)(uint32_t)(f * 16 + c);
				break;
			default:
				((float *)out)[k] = (float)(f % 100000) + (float)c / 16.0f;
				break;
			}
		}
}

static size_t frame_bytes(const struct setup *s)
{
	return (size_t)snd_pcm_format_physical_width(s->format) / 8 * s->channels;
}

/* does the capture hold the pattern frames [first, first+n) at frame `at'? */
static bool capture_matches(const char *dir, const struct setup *s, uint64_t at,
			    uint64_t first, uint64_t n)
{
	char path[PATH_MAX];
	size_t fb = frame_bytes(s), chunk = 4096;
	unsigned char *got = malloc(chunk * fb), *want = malloc(chunk * fb);
	FILE *f;
	bool ok = true;

	path_in(path, sizeof(path), dir, "capture.raw");
	f = fopen(path, "rb");
	if (!f || !got || !want || fseeko(f, (off_t)(at * fb), SEEK_SET) != 0)
		ok = false;
	while (ok && n) {
		size_t k = n > chunk ? chunk : (size_t)n;
		gen(s->format, s->channels, first, k, want);
		if (fread(got, fb, k, f) != k || memcmp(got, want, k * fb) != 0) {
			uint64_t j;
			for (j = 0; j < k && f; j++)
				if (memcmp(got + j * fb, want + j * fb, fb)) {
					note("capture differs at frame %llu",
					     (unsigned long long)(at + (first - first) + j));
					break;
				}
			ok = false;
		}
		first += k;
		at += k;
		n -= k;
	}
	if (f)
		fclose(f);
	free(got);
	free(want);
	return ok;
}

static long long file_size(const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct stat sb;

	path_in(path, sizeof(path), dir, name);
	return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

struct run {
	unsigned long long index, offset, played;
	long long mono, real;
	unsigned int rate, channels;
	char format[32];
};

static int read_runs(const char *dir, struct run *runs, int max)
{
	char path[PATH_MAX], line[512];
	FILE *f;
	int n = 0;

	path_in(path, sizeof(path), dir, "capture.runs");
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (n < max && fgets(line, sizeof(line), f)) {
		struct run *r = &runs[n];
		if (sscanf(line, "%llu %llu %lld %lld %u %u %31s %llu", &r->index, &r->offset,
			   &r->mono, &r->real, &r->rate, &r->channels, r->format, &r->played) == 8)
			n++;
		else
			note("bad runs line: %s", line);
	}
	fclose(f);
	return n;
}

/* CLOCK_MONOTONIC time at which capture frame `frame' reached the DAC */
static double dac_time(const struct run *r, double ppm, unsigned long long frame)
{
	return (double)r->mono + (double)(frame - r->offset) * 1e9 / (r->rate * (1 + ppm / 1e6));
}

/* write n pattern frames, blocking; returns frames written or an error */
static long write_frames(snd_pcm_t *pcm, const struct setup *s, uint64_t *counter, size_t n)
{
	size_t fb = frame_bytes(s);
	unsigned char *buf = malloc(n * fb);
	long done = 0;

	gen(s->format, s->channels, *counter, n, buf);
	while ((size_t)done < n) {
		snd_pcm_sframes_t r = snd_pcm_writei(pcm, buf + (size_t)done * fb, n - (size_t)done);
		if (r < 0) {
			free(buf);
			return r;
		}
		done += r;
		*counter += (uint64_t)r;
	}
	free(buf);
	return done;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* print |error| statistics in microseconds; returns the 95th percentile */
static double error_stats(const char *what, double *err_ns, int n)
{
	double sum = 0, p50, p95, max;
	int i;

	if (n == 0)
		return INFINITY;
	for (i = 0; i < n; i++) {
		err_ns[i] = fabs(err_ns[i]);
		sum += err_ns[i];
	}
	qsort(err_ns, (size_t)n, sizeof(double), cmp_double);
	p50 = err_ns[n / 2];
	p95 = err_ns[(n * 95) / 100];
	max = err_ns[n - 1];
	note("%-34s n=%d mean %.1f us, median %.1f us, p95 %.1f us, max %.1f us", what, n,
	     sum / n / 1000, p50 / 1000, p95 / 1000, max / 1000);
	return p50;	/* the median: a busy machine preempts some calls, the median stays honest */
}

/* -------------------------------------------------------------- tests */

/*
 * (a) 2 s of the counting pattern at 48 kHz S16 stereo: paced in real time,
 * captured exactly, one correct runs line; measures how well snd_pcm_status,
 * snd_pcm_htimestamp and snd_pcm_delay predict the DAC time.
 */
static void test_play(void)
{
	enum { TOTAL = 96000, CHUNK = 480, NS = TOTAL / CHUNK };
	const struct setup *s = &S16_48K_DEEP;
	char dir[DIRLEN];
	struct run r[4];
	snd_pcm_t *pcm;
	snd_pcm_status_t *st;
	uint64_t w = 0;
	int64_t t_first, t_end, real_at, mono_at;
	static double e_status[NS], e_htime[NS], e_delay[NS];
	static int64_t s_ts[NS], s_dly[NS], s_w[NS], h_ts[NS], h_av[NS], d_t[NS], d_dly[NS];
	int n = 0, i, nonquant = 0, inconsistent = 0, err;
	snd_htimestamp_t trig = { 0, 0 };

	if (!use_card(dir, sizeof(dir), "play", NULL) || !(pcm = open_card(s, 0)))
		return;
	snd_pcm_status_alloca(&st);
	t_first = mono();
	while (w < TOTAL) {
		long r1 = write_frames(pcm, s, &w, CHUNK);
		snd_htimestamp_t ts;
		snd_pcm_uframes_t av;
		snd_pcm_sframes_t d;

		if (!CHECK(r1 == CHUNK, "writei: %s", snd_strerror((int)r1)))
			break;
		if (w < 4 * CHUNK)
			continue;	/* let the buffer fill */
		/* snd_pcm_status: tstamp + delay */
		snd_pcm_status(pcm, st);
		snd_pcm_status_get_htstamp(st, &ts);
		s_ts[n] = ts_ns(&ts);
		s_dly[n] = snd_pcm_status_get_delay(st);
		s_w[n] = (int64_t)w;
		/* equal unless preempted inside snd_pcm_status (see vc_delay) */
		if ((long)snd_pcm_status_get_avail(st) + snd_pcm_status_get_delay(st) !=
		    (long)s->buffer)
			inconsistent++;
		if ((w - (uint64_t)s_dly[n]) % s->period)
			nonquant++;
		/* snd_pcm_htimestamp: avail + timestamp */
		err = snd_pcm_htimestamp(pcm, &av, &ts);
		CHECK(err == 0, "htimestamp: %s", snd_strerror(err));
		h_ts[n] = ts_ns(&ts);
		h_av[n] = (int64_t)av;
		/* snd_pcm_delay with the application's own clock reading */
		d_t[n] = mono();
		err = snd_pcm_delay(pcm, &d);
		CHECK(err == 0, "delay: %s", snd_strerror(err));
		d_dly[n] = d;
		n++;
	}
	snd_pcm_status_get_trigger_htstamp(st, &trig);
	err = snd_pcm_drain(pcm);
	t_end = mono();
	CHECK(err == 0, "drain: %s", snd_strerror(err));
	mono_at = mono();
	real_at = now_ns(CLOCK_REALTIME);
	snd_pcm_close(pcm);

	note("2 s of audio took %.1f ms", (double)(t_end - t_first) / 1e6);
	CHECK(llabs(t_end - t_first - 2000000000LL) < 50000000LL, "elapsed %.3f s",
	      (double)(t_end - t_first) / 1e9);
	CHECK(read_runs(dir, r, 4) == 1, "one runs line");
	if (!CHECK(r[0].index == 0 && r[0].offset == 0 && r[0].rate == 48000 &&
		   r[0].channels == 2 && !strcmp(r[0].format, "S16_LE") && r[0].played == TOTAL,
		   "runs line %llu %llu %u %u %s %llu", r[0].index, r[0].offset, r[0].rate,
		   r[0].channels, r[0].format, r[0].played))
		return;
	CHECK(r[0].mono >= t_first && r[0].mono - t_first < 20000000, "start %lld vs first write %lld",
	      r[0].mono, (long long)t_first);
	note("trigger_tstamp - run start = %.1f us", (double)(ts_ns(&trig) - r[0].mono) / 1e3);
	CHECK(llabs(ts_ns(&trig) - r[0].mono) < 5000000, "trigger tstamp");
	/* both start clocks were read together */
	CHECK(llabs((real_at - r[0].real) - (mono_at - r[0].mono)) < 5000000,
	      "realtime and monotonic start disagree");
	CHECK(file_size(dir, "capture.raw") == TOTAL * 4, "capture size %lld",
	      file_size(dir, "capture.raw"));
	CHECK(capture_matches(dir, s, 0, 0, TOTAL), "capture content");
	CHECK(nonquant > 0, "continuous position expected");
	CHECK(inconsistent <= n / 20, "status avail + delay != buffer in %d of %d", inconsistent, n);

	/* predicted DAC time of the next frame written vs. the true one */
	for (i = 0; i < n; i++) {
		double truth = dac_time(&r[0], 0, (unsigned long long)s_w[i]);
		e_status[i] = (double)s_ts[i] + (double)s_dly[i] * 1e9 / 48000 - truth;
		e_htime[i] = (double)h_ts[i] +
			(double)((int64_t)s->buffer - h_av[i]) * 1e9 / 48000 - truth;
		e_delay[i] = (double)d_t[i] + (double)d_dly[i] * 1e9 / 48000 - truth;
	}
	CHECK(error_stats("snd_pcm_status tstamp+delay:", e_status, n) < 100000,
	      "status timing too far off");
	CHECK(error_stats("snd_pcm_htimestamp ts+buffer-avail:", e_htime, n) < 100000,
	      "htimestamp timing too far off");
	CHECK(error_stats("own clock + snd_pcm_delay:", e_delay, n) < 100000,
	      "delay timing too far off");
}

/* play `ms' with the buffer kept full, then drop; returns the measured rate */
static double measure_rate(const char *name, double ppm, int ms)
{
	const struct setup *s = &S16_48K;
	char dir[DIRLEN], params[64];
	struct run r[2];
	snd_pcm_t *pcm;
	uint64_t w = 0;
	int64_t t_drop, t_first;
	double rate;

	snprintf(params, sizeof(params), "ppm %g", ppm);
	if (!use_card(dir, sizeof(dir), name, params) || !(pcm = open_card(s, 0)))
		return 0;
	t_first = mono();
	while (mono() - t_first < (int64_t)ms * 1000000)
		if (!CHECK(write_frames(pcm, s, &w, 256) == 256, "write"))
			break;
	t_drop = mono();
	snd_pcm_drop(pcm);
	snd_pcm_close(pcm);
	if (!CHECK(read_runs(dir, r, 2) == 1, "one runs line"))
		return 0;
	rate = (double)r[0].played * 1e9 / (double)(t_drop - r[0].mono);
	CHECK(file_size(dir, "capture.raw") == (long long)r[0].played * 4, "capture = played");
	CHECK(capture_matches(dir, s, 0, 0, r[0].played), "capture content");
	CHECK(r[0].played < w, "written but unplayed frames must not be captured");
	note("ppm %+g: %llu frames in %.3f s -> %.1f Hz (%+.0f ppm)", ppm, r[0].played,
	     (double)(t_drop - r[0].mono) / 1e9, rate, (rate / 48000 - 1) * 1e6);
	return rate;
}

/* (b) a +3000 ppm card drains faster than a -3000 ppm one */
static void test_ppm(void)
{
	double fast = measure_rate("ppm_fast", 3000, 1000);
	double slow = measure_rate("ppm_slow", -3000, 1000);

	CHECK(fast > slow, "fast %.1f <= slow %.1f", fast, slow);
	CHECK(fabs((fast / 48000 - 1) * 1e6 - 3000) < 500, "fast card at %.0f ppm",
	      (fast / 48000 - 1) * 1e6);
	CHECK(fabs((slow / 48000 - 1) * 1e6 + 3000) < 500, "slow card at %.0f ppm",
	      (slow / 48000 - 1) * 1e6);
}

/*
 * speed 4: 2 s of audio plays (and drains) in about 0.5 s of CLOCK_MONOTONIC,
 * poll() wakes at the sped-up period boundaries, the capture is complete and
 * the DAC times follow start + frames / (rate * speed).
 */
static void test_speed(void)
{
	enum { TOTAL = 96000, CHUNK = 480 };
	/* The deep buffer: at speed 4 the usual one lasts 21 ms, which a loaded machine can
	 * take from the writer between two writes. */
	const struct setup *s = &S16_48K_DEEP;
	char dir[DIRLEN];
	struct run r[2];
	snd_pcm_t *pcm;
	snd_pcm_status_t *st;
	uint64_t w = 0;
	int64_t t_first, t_end;
	static double err_ns[256];
	static int64_t ts[256], dl[256], ww[256];
	int n = 0, i, err;

	if (!use_card(dir, sizeof(dir), "speed", "speed 4") || !(pcm = open_card(s, 0)))
		return;
	snd_pcm_status_alloca(&st);
	t_first = mono();
	while (w < TOTAL) {
		snd_htimestamp_t t;
		if (!CHECK(write_frames(pcm, s, &w, CHUNK) == CHUNK, "write"))
			break;
		if (w < s->buffer || n >= 256)
			continue;
		snd_pcm_status(pcm, st);
		snd_pcm_status_get_htstamp(st, &t);
		ts[n] = ts_ns(&t);
		dl[n] = snd_pcm_status_get_delay(st);
		ww[n] = (int64_t)w;
		n++;
	}
	err = snd_pcm_drain(pcm);
	t_end = mono();
	CHECK(err == 0, "drain: %s", snd_strerror(err));
	snd_pcm_close(pcm);

	note("2 s of audio at speed 4 took %.1f ms", (double)(t_end - t_first) / 1e6);
	CHECK(llabs(t_end - t_first - 500000000LL) < 30000000LL, "elapsed %.3f s",
	      (double)(t_end - t_first) / 1e9);
	if (!CHECK(read_runs(dir, r, 2) == 1, "one runs line"))
		return;
	/* the runs line is unchanged: the nominal rate, not rate * speed */
	CHECK(r[0].rate == 48000 && r[0].played == TOTAL, "runs line rate %u played %llu",
	      r[0].rate, r[0].played);
	CHECK(file_size(dir, "capture.raw") == TOTAL * 4, "capture size");
	CHECK(capture_matches(dir, s, 0, 0, TOTAL), "capture content");
	/* DAC time = start + frames / (rate * speed): tstamp + delay / (rate * speed) */
	for (i = 0; i < n; i++)
		err_ns[i] = (double)ts[i] + (double)dl[i] * 1e9 / (48000.0 * 4) -
			((double)r[0].mono + (double)((uint64_t)ww[i] - r[0].offset) * 1e9 / (48000.0 * 4));
	CHECK(error_stats("status tstamp+delay/(rate*speed):", err_ns, n) < 100000,
	      "timing at speed 4 too far off");
}

/*
 * A non-blocking drain that an application finishes the way mpd does: poll()
 * and snd_pcm_state() only, never reading the position.  The card ends the
 * drain by itself once the last frame has played, without a busy loop.
 */
static void test_nonblock_drain(void)
{
	const struct setup *s = &S16_48K;
	char dir[DIRLEN];
	struct run r[2];
	struct pollfd pfd[4];
	snd_pcm_t *pcm;
	uint64_t w = 0;
	int64_t t_drain, t_done = 0;
	int nfds, wakeups = 0, err;
	long res;

	/* as mpd does: open blocking, then switch (ioplug only sees the switch) */
	if (!use_card(dir, sizeof(dir), "nbdrain", NULL) || !(pcm = open_card(s, 0)))
		return;
	snd_pcm_nonblock(pcm, 1);
	nfds = snd_pcm_poll_descriptors(pcm, pfd, 4);
	/* 0.3 s: write what fits, wait for room with poll() */
	while (w < 14400) {
		res = write_frames(pcm, s, &w, 480);
		if (res == -EAGAIN) {
			poll(pfd, (nfds_t)nfds, 1000);
			continue;
		}
		if (!CHECK(res == 480, "write: %s", snd_strerror((int)res)))
			break;
	}
	t_drain = mono();
	err = snd_pcm_drain(pcm);
	CHECK(err == -EAGAIN, "non-blocking drain gave %s", snd_strerror(err));
	while (snd_pcm_state(pcm) == SND_PCM_STATE_DRAINING && wakeups < 1000) {
		unsigned short rev = 0;
		if (!CHECK(poll(pfd, (nfds_t)nfds, 1000) == 1, "poll timed out while draining"))
			break;
		snd_pcm_poll_descriptors_revents(pcm, pfd, (unsigned int)nfds, &rev);
		wakeups++;
	}
	t_done = mono();
	note("drain of %.1f ms ended after %d wakeups, %.1f ms", (double)s->buffer / 48.0,
	     wakeups, (double)(t_done - t_drain) / 1e6);
	CHECK(snd_pcm_state(pcm) == SND_PCM_STATE_SETUP, "state %s after the drain",
	      snd_pcm_state_name(snd_pcm_state(pcm)));
	CHECK(wakeups <= 20, "%d wakeups: busy loop while draining", wakeups);
	CHECK(t_done - t_drain < 200000000, "drain took %.1f ms", (double)(t_done - t_drain) / 1e6);
	/* the stream can be prepared and used again */
	err = snd_pcm_prepare(pcm);
	CHECK(err == 0, "prepare after drain: %s", snd_strerror(err));
	snd_pcm_close(pcm);
	if (CHECK(read_runs(dir, r, 2) == 1, "one runs line"))
		CHECK(r[0].played == w, "played %llu of %llu", r[0].played, (unsigned long long)w);
	CHECK(capture_matches(dir, s, 0, 0, w), "capture content");
}

/* (c) an application that stops writing gets an underrun, then a second run */
static void test_xrun(void)
{
	struct setup s = S16_48K;
	char dir[DIRLEN];
	struct run r[4];
	snd_pcm_t *pcm;
	uint64_t w = 0, first;
	long res;
	int err, n;

	s.period = 480;
	s.buffer = 1920;	/* 40 ms */
	if (!use_card(dir, sizeof(dir), "xrun", NULL) || !(pcm = open_card(&s, 0)))
		return;
	CHECK(write_frames(pcm, &s, &w, 14400) == 14400, "first 0.3 s");
	first = w;
	sleep_ms(100);
	CHECK(snd_pcm_state(pcm) == SND_PCM_STATE_RUNNING, "state before noticing");
	res = write_frames(pcm, &s, &w, 480);
	CHECK(res == -EPIPE, "write after the gap gave %ld (%s)", res, snd_strerror((int)res));
	CHECK(snd_pcm_state(pcm) == SND_PCM_STATE_XRUN, "state %s",
	      snd_pcm_state_name(snd_pcm_state(pcm)));
	CHECK(snd_pcm_avail_update(pcm) == -EPIPE, "avail after xrun");
	err = snd_pcm_prepare(pcm);
	CHECK(err == 0, "prepare: %s", snd_strerror(err));
	CHECK(write_frames(pcm, &s, &w, 14400) == 14400, "second 0.3 s");
	err = snd_pcm_drain(pcm);
	CHECK(err == 0, "drain: %s", snd_strerror(err));
	snd_pcm_close(pcm);

	n = read_runs(dir, r, 4);
	if (!CHECK(n == 2, "%d runs lines", n))
		return;
	CHECK(r[0].index == 0 && r[0].offset == 0 && r[0].played == first, "run 0: %llu %llu",
	      r[0].offset, r[0].played);
	CHECK(r[1].index == 1 && r[1].offset == first && r[1].played == w - first,
	      "run 1: %llu %llu", r[1].offset, r[1].played);
	CHECK(r[1].mono > (long long)dac_time(&r[0], 0, first) + 50000000,
	      "second run starts after the gap");
	CHECK(file_size(dir, "capture.raw") == (long long)w * 4, "capture size");
	CHECK(capture_matches(dir, &s, 0, 0, w), "capture content");
}

static void quiet(const char *file, int line, const char *function, int err,
		  const char *fmt, ...)
{
	(void)file;
	(void)line;
	(void)function;
	(void)err;
	(void)fmt;
}

/* (d) refuse_open, absent_file, a second open of the same card, capture */
static void test_open_failures(void)
{
	char dir[DIRLEN], absent[PATH_MAX], params[PATH_MAX + 32];
	snd_pcm_t *pcm, *pcm2;
	int err, fd;

	if (!use_card(dir, sizeof(dir), "refuse", "refuse_open true"))
		return;
	err = snd_pcm_open(&pcm, "default", SND_PCM_STREAM_PLAYBACK, 0);
	CHECK(err == -EBUSY, "refuse_open gave %s", snd_strerror(err));
	if (err == 0)
		snd_pcm_close(pcm);

	snprintf(absent, sizeof(absent), "%s/unplugged", tmproot);
	snprintf(params, sizeof(params), "absent_file '%s'", absent);
	if (!use_card(dir, sizeof(dir), "absent", params))
		return;
	fd = open(absent, O_CREAT | O_WRONLY, 0644);
	close(fd);
	err = snd_pcm_open(&pcm, "default", SND_PCM_STREAM_PLAYBACK, 0);
	CHECK(err == -ENODEV, "absent card gave %s", snd_strerror(err));
	if (err == 0)
		snd_pcm_close(pcm);
	unlink(absent);
	err = snd_pcm_open(&pcm, "default", SND_PCM_STREAM_PLAYBACK, 0);
	if (CHECK(err == 0, "replugged card: %s", snd_strerror(err))) {
		/* one open at a time, as a hardware device */
		err = snd_pcm_open(&pcm2, "default", SND_PCM_STREAM_PLAYBACK, 0);
		CHECK(err == -EBUSY, "second open gave %s", snd_strerror(err));
		if (err == 0)
			snd_pcm_close(pcm2);
		snd_pcm_close(pcm);
	}
	err = snd_pcm_open(&pcm, "default", SND_PCM_STREAM_CAPTURE, 0);
	CHECK(err == -ENOENT, "capture stream gave %s", snd_strerror(err));
	if (err == 0)
		snd_pcm_close(pcm);

	/* configuration mistakes */
	{
		static const char *bad[] = {
			"no_such_key 1", "formats S24_LE", "rates 4000", "channels 9",
			"ppm fast", "jitter_us -5", "period_position maybe",
		};
		size_t k;
		for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
			if (!use_card(dir, sizeof(dir), "badconf", bad[k]))
				return;
			snd_lib_error_set_handler(quiet);
			err = snd_pcm_open(&pcm, "default", SND_PCM_STREAM_PLAYBACK, 0);
			snd_lib_error_set_handler(NULL);
			CHECK(err == -EINVAL, "'%s' gave %s", bad[k], snd_strerror(err));
			if (err == 0)
				snd_pcm_close(pcm);
		}
	}
}

/* (e) unplugging mid-stream: vanish_file, then vanish_after_ms */
static void test_vanish(void)
{
	const struct setup *s = &S16_48K;
	char dir[DIRLEN], vf[PATH_MAX], params[PATH_MAX + 32];
	struct run r[4];
	snd_pcm_t *pcm;
	uint64_t w = 0;
	int64_t t_first, t_gone = 0;
	long res = 0;
	int err, fd, n;

	snprintf(vf, sizeof(vf), "%s/unplug.flag", tmproot);
	snprintf(params, sizeof(params), "vanish_file '%s'", vf);
	if (!use_card(dir, sizeof(dir), "vanish", params) || !(pcm = open_card(s, 0)))
		return;
	t_first = mono();
	for (;;) {
		if (!t_gone && mono() - t_first > 300000000) {
			fd = open(vf, O_CREAT | O_WRONLY, 0644);
			close(fd);
			t_gone = mono();
		}
		res = write_frames(pcm, s, &w, 256);
		if (res < 0 || mono() - t_first > 2000000000)
			break;
	}
	CHECK(res == -ENODEV, "write after unplug gave %ld (%s)", res, snd_strerror((int)res));
	CHECK(mono() - t_gone < 100000000, "unplug noticed %.1f ms late",
	      (double)(mono() - t_gone) / 1e6);
	CHECK(snd_pcm_state(pcm) == SND_PCM_STATE_DISCONNECTED, "state %s",
	      snd_pcm_state_name(snd_pcm_state(pcm)));
	err = snd_pcm_prepare(pcm);
	CHECK(err == -ENODEV, "prepare after unplug gave %s", snd_strerror(err));
	snd_pcm_close(pcm);
	err = snd_pcm_open(&pcm, "default", SND_PCM_STREAM_PLAYBACK, 0);
	CHECK(err == -ENODEV, "open while unplugged gave %s", snd_strerror(err));
	if (err == 0)
		snd_pcm_close(pcm);
	n = read_runs(dir, r, 4);
	if (CHECK(n == 1, "%d runs lines", n)) {
		double played_ms = (double)r[0].played / 48.0;
		double expect_ms = (double)(t_gone - r[0].mono) / 1e6;
		note("unplugged after %.1f ms, card played %.1f ms", expect_ms, played_ms);
		CHECK(played_ms >= expect_ms - 1 && played_ms < expect_ms + 50, "played %.1f ms",
		      played_ms);
		CHECK(file_size(dir, "capture.raw") == (long long)r[0].played * 4,
		      "capture truncated to the played frames");
		CHECK(capture_matches(dir, s, 0, 0, r[0].played), "capture content");
	}

	/* replugged: a new handle plays on, the capture continues */
	unlink(vf);
	if ((pcm = open_card(s, 0))) {
		uint64_t w2 = r[0].played;	/* continue the pattern where it was cut */
		CHECK(write_frames(pcm, s, &w2, 4800) == 4800, "write after replug");
		CHECK(snd_pcm_drain(pcm) == 0, "drain");
		snd_pcm_close(pcm);
		n = read_runs(dir, r, 4);
		if (CHECK(n == 2, "%d runs lines after replug", n)) {
			CHECK(r[1].index == 1 && r[1].offset == r[0].played && r[1].played == 4800,
			      "run 1: %llu %llu %llu", r[1].index, r[1].offset, r[1].played);
			CHECK(capture_matches(dir, s, 0, 0, r[0].played + 4800), "capture content");
		}
	}

	/* vanish_after_ms: the card disappears at an exact moment; wait via snd_pcm_wait */
	if (!use_card(dir, sizeof(dir), "vanish_after", "vanish_after_ms 200") ||
	    !(pcm = open_card(s, 0)))
		return;
	w = 0;
	t_first = mono();
	for (;;) {
		snd_pcm_sframes_t av;
		res = snd_pcm_wait(pcm, 1000);
		if (res < 0)
			break;
		av = snd_pcm_avail_update(pcm);
		if (av < 0) {
			res = av;
			break;
		}
		res = write_frames(pcm, s, &w, (size_t)av);
		if (res < 0 || mono() - t_first > 2000000000)
			break;
	}
	CHECK(res == -ENODEV, "snd_pcm_wait/write after unplug gave %ld (%s)", res,
	      snd_strerror((int)res));
	CHECK(mono() - t_first < 300000000, "unplug noticed after %.1f ms",
	      (double)(mono() - t_first) / 1e6);
	snd_pcm_close(pcm);
	n = read_runs(dir, r, 4);
	if (CHECK(n == 1, "%d runs lines", n)) {
		CHECK(r[0].played >= 9599 && r[0].played <= 9600, "played %llu frames in 200 ms",
		      r[0].played);
		CHECK(file_size(dir, "capture.raw") == (long long)r[0].played * 4, "capture size");
	}
}

/* (f) period_position: avail and delay move in whole periods; poll() loop */
static void test_period_position(void)
{
	const struct setup *s = &S16_48K;
	char dir[DIRLEN];
	snd_pcm_t *pcm;
	snd_pcm_status_t *st;
	struct pollfd pfd[4];
	uint64_t w = 0;
	int64_t t_first;
	int nfds, samples = 0, bad = 0, wakeups = 0, spurious = 0, err, i;
	static int64_t e_ts[512], e_d[512], e_w[512];
	static double e_ns[512];
	struct run r[2];

	if (!use_card(dir, sizeof(dir), "period", "period_position true") ||
	    !(pcm = open_card(s, SND_PCM_NONBLOCK)))
		return;
	snd_pcm_status_alloca(&st);
	nfds = snd_pcm_poll_descriptors(pcm, pfd, 4);
	CHECK(nfds == 1, "%d poll descriptors", nfds);
	t_first = mono();
	while (mono() - t_first < 500000000) {
		unsigned short rev = 0;
		snd_pcm_sframes_t av, d;

		av = snd_pcm_avail_update(pcm);
		if (!CHECK(av >= 0, "avail: %s", snd_strerror((int)av)))
			break;
		if (av > 0)
			CHECK(write_frames(pcm, s, &w, (size_t)av) == av, "write");
		/* hardware position = written - delay: on period boundaries only */
		snd_pcm_status(pcm, st);
		d = snd_pcm_status_get_delay(st);
		if (samples < 512) {
			snd_htimestamp_t t;
			snd_pcm_status_get_htstamp(st, &t);
			e_ts[samples] = ts_ns(&t);
			e_d[samples] = d;
			e_w[samples] = (int64_t)w;
		}
		samples++;
		if ((w - (uint64_t)d) % s->period || (s->buffer - snd_pcm_status_get_avail(st)) != (uint64_t)d)
			bad++;
		if (snd_pcm_delay(pcm, &d) == 0 && (w - (uint64_t)d) % s->period)
			bad++;
		err = poll(pfd, (nfds_t)nfds, 1000);
		if (!CHECK(err == 1, "poll timed out"))
			break;
		snd_pcm_poll_descriptors_revents(pcm, pfd, (unsigned int)nfds, &rev);
		wakeups++;
		if (!(rev & POLLOUT))
			spurious++;
		else {
			av = snd_pcm_avail_update(pcm);
			CHECK(av >= (snd_pcm_sframes_t)s->period, "POLLOUT with avail %ld", (long)av);
		}
	}
	snd_pcm_drop(pcm);
	snd_pcm_close(pcm);
	note("%d samples, %d wakeups (%d without POLLOUT) in 0.5 s", samples, wakeups, spurious);
	CHECK(bad == 0, "%d of %d positions not on a period boundary", bad, samples);
	if (CHECK(read_runs(dir, r, 2) == 1, "one runs line")) {
		int m = samples < 512 ? samples : 512;
		for (i = 0; i < m; i++)
			e_ns[i] = (double)e_ts[i] + (double)e_d[i] * 1e9 / 48000 -
				dac_time(&r[0], 0, (unsigned long long)e_w[i]);
		/* the position lags by up to one period (21.3 ms) */
		CHECK(error_stats("status tstamp+delay, period_position:", e_ns, m) < 21400000,
		      "timing beyond one period");
	}
	/* 0.5 s at 1024-frame periods: about 23 period interrupts */
	CHECK(wakeups >= 18 && wakeups <= 30, "%d wakeups", wakeups);
}

/* (g) a card that only does 48000 Hz refuses 44100 Hz at hw_params */
static void test_restricted(void)
{
	char dir[DIRLEN];
	snd_pcm_t *pcm;
	snd_pcm_hw_params_t *hw;
	unsigned int rate = 44100;
	int err;

	if (!use_card(dir, sizeof(dir), "restricted", "rates 48000 channels 2 formats S16_LE"))
		return;
	err = snd_pcm_open(&pcm, "default", SND_PCM_STREAM_PLAYBACK, 0);
	if (!CHECK(err == 0, "open: %s", snd_strerror(err)))
		return;
	snd_pcm_hw_params_alloca(&hw);
	snd_pcm_hw_params_any(pcm, hw);
	err = snd_pcm_hw_params_set_rate(pcm, hw, 44100, 0);
	CHECK(err == -EINVAL, "44100 Hz gave %s", snd_strerror(err));
	err = snd_pcm_hw_params_set_format(pcm, hw, SND_PCM_FORMAT_FLOAT_LE);
	CHECK(err == -EINVAL, "FLOAT_LE gave %s", snd_strerror(err));
	err = snd_pcm_hw_params_set_channels(pcm, hw, 1);
	CHECK(err == -EINVAL, "1 channel gave %s", snd_strerror(err));
	err = snd_pcm_hw_params_set_rate_near(pcm, hw, &rate, 0);
	CHECK(err == 0 && rate == 48000, "rate near 44100 -> %u", rate);
	snd_pcm_close(pcm);

	/* the whole hw_params fails for an application insisting on 44100 */
	err = snd_pcm_open(&pcm, "default", SND_PCM_STREAM_PLAYBACK, 0);
	if (CHECK(err == 0, "open")) {
		snd_lib_error_set_handler(quiet);	/* alsa-lib would print its complaint */
		err = snd_pcm_set_params(pcm, SND_PCM_FORMAT_S16_LE, SND_PCM_ACCESS_RW_INTERLEAVED,
					 2, 44100, 0, 100000);
		snd_lib_error_set_handler(NULL);
		CHECK(err < 0, "snd_pcm_set_params at 44100 succeeded");
		snd_pcm_close(pcm);
	}
}

/* other formats and access types are captured interleaved, as written */
static void test_formats(void)
{
	struct setup fl = { SND_PCM_FORMAT_FLOAT_LE, 44100, 1, 441, 1764,
			    SND_PCM_ACCESS_MMAP_INTERLEAVED, 0 };
	struct setup s32 = { SND_PCM_FORMAT_S32_LE, 96000, 6, 960, 3840,
			     SND_PCM_ACCESS_RW_NONINTERLEAVED, 0 };
	char dir[DIRLEN];
	struct run r[4];
	snd_pcm_t *pcm;
	uint64_t w = 0;
	int n;

	if (!use_card(dir, sizeof(dir), "formats", NULL))
		return;
	/* FLOAT_LE mono through mmap access */
	if ((pcm = open_card(&fl, 0))) {
		float buf[441];
		int i;
		for (i = 0; i < 19; i++) {
			snd_pcm_sframes_t res;
			gen(fl.format, 1, w, 441, buf);
			res = snd_pcm_mmap_writei(pcm, buf, 441);
			if (!CHECK(res == 441, "mmap_writei: %s", snd_strerror((int)res)))
				break;
			w += 441;
		}
		CHECK(snd_pcm_drain(pcm) == 0, "drain");
		snd_pcm_close(pcm);
	}
	/* S32_LE, 6 channels, non-interleaved */
	if ((pcm = open_card(&s32, 0))) {
		int32_t inter[960 * 6], planes[6][960];
		void *bufs[6];
		uint64_t w2 = 0;
		int i, c, k;
		for (i = 0; i < 20; i++) {
			snd_pcm_sframes_t res;
			gen(s32.format, 6, w2, 960, inter);
			for (k = 0; k < 960; k++)
				for (c = 0; c < 6; c++)
					planes[c][k] = inter[k * 6 + c];
			for (c = 0; c < 6; c++)
				bufs[c] = planes[c];
			res = snd_pcm_writen(pcm, bufs, 960);
			if (!CHECK(res == 960, "writen: %s", snd_strerror((int)res)))
				break;
			w2 += 960;
		}
		CHECK(snd_pcm_drain(pcm) == 0, "drain");
		snd_pcm_close(pcm);
	}
	n = read_runs(dir, r, 4);
	if (!CHECK(n == 2, "%d runs lines", n))
		return;
	CHECK(!strcmp(r[0].format, "FLOAT_LE") && r[0].rate == 44100 && r[0].channels == 1 &&
	      r[0].played == 8379, "run 0: %s %u %u %llu", r[0].format, r[0].rate,
	      r[0].channels, r[0].played);
	CHECK(capture_matches(dir, &fl, 0, 0, 8379), "FLOAT_LE capture");
	/* 8379 * 4 bytes = 1396.5 frames of 24 bytes: the next run starts at 1397 */
	CHECK(!strcmp(r[1].format, "S32_LE") && r[1].rate == 96000 && r[1].channels == 6 &&
	      r[1].offset == 1397 && r[1].played == 19200, "run 1: %s %u %u %llu %llu",
	      r[1].format, r[1].rate, r[1].channels, r[1].offset, r[1].played);
	CHECK(capture_matches(dir, &s32, 1397, 0, 19200), "S32_LE capture");
	CHECK(file_size(dir, "capture.raw") == (1397 + 19200) * 24, "capture size");
}

/* jitter_us: positions wobble around the truth but stay monotonic */
static void test_jitter(void)
{
	const struct setup *s = &S16_48K;
	char dir[DIRLEN];
	struct run r[2];
	snd_pcm_t *pcm;
	snd_pcm_status_t *st;
	static double err_ns[2000];
	static int64_t ts[2000], dl[2000], ww[2000];
	uint64_t w = 0, last_hw = 0;
	int n = 0, i, backwards = 0;
	double maxe = 0;

	if (!use_card(dir, sizeof(dir), "jitter", "jitter_us 500") || !(pcm = open_card(s, 0)))
		return;
	snd_pcm_status_alloca(&st);
	while (n < 2000 && w < 24000) {
		snd_htimestamp_t t;
		if (!CHECK(write_frames(pcm, s, &w, 64) == 64, "write"))
			break;
		if (w < s->buffer)
			continue;
		snd_pcm_status(pcm, st);
		snd_pcm_status_get_htstamp(st, &t);
		ts[n] = ts_ns(&t);
		dl[n] = snd_pcm_status_get_delay(st);
		ww[n] = (int64_t)w;
		if (w - (uint64_t)dl[n] < last_hw)
			backwards++;
		last_hw = w - (uint64_t)dl[n];
		n++;
	}
	snd_pcm_drop(pcm);
	snd_pcm_close(pcm);
	if (!CHECK(read_runs(dir, r, 2) == 1, "one runs line"))
		return;
	for (i = 0; i < n; i++) {
		err_ns[i] = (double)ts[i] + (double)dl[i] * 1e9 / 48000 -
			dac_time(&r[0], 0, (unsigned long long)ww[i]);
		if (fabs(err_ns[i]) > maxe)
			maxe = fabs(err_ns[i]);
	}
	error_stats("status with jitter_us 500:", err_ns, n);
	CHECK(backwards == 0, "position went backwards %d times", backwards);
	/* jitter of up to 500 us, plus up to one frame of position quantization */
	CHECK(maxe > 200000 && maxe < 530000, "max error %.0f us", maxe / 1000);
}

/* pause ends a run; the release starts the next one where it stopped */
static void test_pause(void)
{
	const struct setup *s = &S16_48K;
	char dir[DIRLEN];
	struct run r[4];
	snd_pcm_t *pcm;
	uint64_t w = 0;
	int n, err;

	if (!use_card(dir, sizeof(dir), "pause", NULL) || !(pcm = open_card(s, 0)))
		return;
	CHECK(write_frames(pcm, s, &w, 9600) == 9600, "write");
	err = snd_pcm_pause(pcm, 1);
	CHECK(err == 0, "pause: %s", snd_strerror(err));
	sleep_ms(100);
	err = snd_pcm_pause(pcm, 0);
	CHECK(err == 0, "release: %s", snd_strerror(err));
	CHECK(write_frames(pcm, s, &w, 4800) == 4800, "write");
	CHECK(snd_pcm_drain(pcm) == 0, "drain");
	snd_pcm_close(pcm);
	n = read_runs(dir, r, 4);
	if (!CHECK(n == 2, "%d runs lines", n))
		return;
	CHECK(r[1].offset == r[0].played && r[0].played + r[1].played == w,
	      "runs %llu+%llu, %llu+%llu", r[0].offset, r[0].played, r[1].offset, r[1].played);
	CHECK(r[1].mono - (long long)dac_time(&r[0], 0, r[1].offset) > 90000000,
	      "the pause lasted");
	CHECK(capture_matches(dir, s, 0, 0, w), "capture content");
}

/* snd_pcm_rewind replaces queued frames, snd_pcm_forward skips (plays silence) */
static void test_rewind_forward(void)
{
	struct setup s = S16_48K;
	char dir[DIRLEN];
	struct run r[2];
	snd_pcm_t *pcm;
	snd_pcm_sframes_t res;
	uint64_t w = 0, other = 1000000, kept, fwd;
	int err;

	s.buffer = 8192;
	if (!use_card(dir, sizeof(dir), "rewind", NULL) || !(pcm = open_card(&s, 0)))
		return;
	CHECK(write_frames(pcm, &s, &w, 8192) == 8192, "fill");
	res = snd_pcm_rewind(pcm, 2048);
	CHECK(res == 2048, "rewind gave %ld", (long)res);
	kept = w - (uint64_t)res;
	/* overwrite the rewound frames with another part of the pattern */
	CHECK(write_frames(pcm, &s, &other, 2048) == 2048, "rewrite");
	snd_pcm_wait(pcm, 1000);
	res = snd_pcm_forward(pcm, 256);
	CHECK(res == 256, "forward gave %ld", (long)res);
	fwd = (uint64_t)res;
	w = 2000000;
	CHECK(write_frames(pcm, &s, &w, 1024) == 1024, "write after forward");
	err = snd_pcm_drain(pcm);
	CHECK(err == 0, "drain: %s", snd_strerror(err));
	snd_pcm_close(pcm);
	if (!CHECK(read_runs(dir, r, 2) == 1, "one runs line"))
		return;
	CHECK(r[0].played == kept + 2048 + fwd + 1024, "played %llu", r[0].played);
	CHECK(capture_matches(dir, &s, 0, 0, kept), "kept frames");
	CHECK(capture_matches(dir, &s, kept, 1000000, 2048), "rewritten frames");
	CHECK(capture_matches(dir, &s, kept + 2048 + fwd, 2000000, 1024), "frames after forward");
	{
		/* the skipped frames are silence */
		char path[PATH_MAX];
		unsigned char z[256 * 4], got[256 * 4];
		FILE *f;
		memset(z, 0, sizeof(z));
		path_in(path, sizeof(path), dir, "capture.raw");
		f = fopen(path, "rb");
		CHECK(f && fseek(f, (long)((kept + 2048) * 4), SEEK_SET) == 0 &&
		      fread(got, 4, 256, f) == 256 && !memcmp(got, z, sizeof(z)), "forwarded frames");
		if (f)
			fclose(f);
	}
}

/* an application that leaves period and buffer to ALSA gets a working setup */
static void test_defaults(void)
{
	static const snd_pcm_format_t fmts[] = {
		SND_PCM_FORMAT_S16_LE, SND_PCM_FORMAT_S32_LE, SND_PCM_FORMAT_FLOAT_LE,
	};
	static const unsigned int chans[] = { 1, 2, 8 };
	char dir[DIRLEN];
	snd_pcm_t *pcm;
	snd_pcm_hw_params_t *hw;
	snd_pcm_uframes_t buffer = 0, period = 0;
	int err, i, j;

	if (!use_card(dir, sizeof(dir), "defaults", NULL))
		return;
	snd_pcm_hw_params_alloca(&hw);
	for (i = 0; i < 3; i++)
		for (j = 0; j < 3; j++) {
			err = snd_pcm_open(&pcm, "default", SND_PCM_STREAM_PLAYBACK, 0);
			if (!CHECK(err == 0, "open: %s", snd_strerror(err)))
				return;
			snd_pcm_hw_params_any(pcm, hw);
			snd_pcm_hw_params_set_access(pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED);
			snd_pcm_hw_params_set_format(pcm, hw, fmts[i]);
			snd_pcm_hw_params_set_channels(pcm, hw, chans[j]);
			snd_pcm_hw_params_set_rate(pcm, hw, 44100, 0);
			err = snd_pcm_hw_params(pcm, hw);
			snd_pcm_get_params(pcm, &buffer, &period);
			CHECK(err == 0, "%s x%u: %s", snd_pcm_format_name(fmts[i]), chans[j],
			      snd_strerror(err));
			CHECK(period >= 32 && period <= 65536 && buffer >= 2 * period &&
			      buffer <= 64 * period, "period %lu buffer %lu", period, buffer);
			snd_pcm_close(pcm);
		}
	/* the common latency-based helper */
	err = snd_pcm_open(&pcm, "default", SND_PCM_STREAM_PLAYBACK, 0);
	if (CHECK(err == 0, "open")) {
		err = snd_pcm_set_params(pcm, SND_PCM_FORMAT_S16_LE, SND_PCM_ACCESS_RW_INTERLEAVED,
					 2, 48000, 1, 100000);
		snd_pcm_get_params(pcm, &buffer, &period);
		CHECK(err == 0 && buffer == 4800, "set_params: %s, buffer %lu", snd_strerror(err),
		      buffer);
		snd_pcm_close(pcm);
	}
}

/* ---------------------------------------------------------------- main */

static void rm_rf(const char *dir)
{
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*fn)(void);
	} tests[] = {
		{ "play 2 s, pacing, capture, runs, timestamps", test_play },
		{ "ppm +3000 faster than -3000", test_ppm },
		{ "speed 4: 2 s drains in 0.5 s", test_speed },
		{ "non-blocking drain ends by itself", test_nonblock_drain },
		{ "underrun, recovery, second run", test_xrun },
		{ "refuse_open, absent_file, busy, capture", test_open_failures },
		{ "unplug mid-stream (vanish_file, vanish_after_ms)", test_vanish },
		{ "period_position and poll()", test_period_position },
		{ "restricted rates/formats/channels", test_restricted },
		{ "FLOAT_LE mmap, S32_LE non-interleaved", test_formats },
		{ "jitter_us", test_jitter },
		{ "pause", test_pause },
		{ "rewind and forward", test_rewind_forward },
		{ "ALSA's default period and buffer", test_defaults },
	};
	char exe[PATH_MAX];
	const char *tmp = getenv("TMPDIR");
	int i, passed = 0, failed = 0;
	ssize_t len;

	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len <= 0) {
		fprintf(stderr, "cannot find myself\n");
		return 2;
	}
	exe[len] = 0;
	/* the test binary lives in build/, the script one level up */
	snprintf(script, sizeof(script), "%s/../asoundrc.sh", dirname(exe));
	snprintf(tmproot, sizeof(tmproot), "%s/vcard-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(tmproot)) {
		perror("mkdtemp");
		return 2;
	}
	for (i = 0; i < (int)(sizeof(tests) / sizeof(tests[0])); i++) {
		int64_t t = mono();
		if (argc > 1 && !strstr(tests[i].name, argv[1]))
			continue;
		test_failed = 0;
		printf("%s\n", tests[i].name);
		fflush(stdout);
		tests[i].fn();
		printf("  %s (%.2f s)\n", test_failed ? "FAIL" : "ok", (double)(mono() - t) / 1e9);
		fflush(stdout);
		if (test_failed)
			failed++;
		else
			passed++;
	}
	if (failed)
		printf("files kept in %s\n", tmproot);
	else
		rm_rf(tmproot);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
