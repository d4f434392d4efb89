/*
 * loaxavcard: a paced virtual ALSA playback card (alsa-lib ioplug plugin).
 *
 * The card consumes frames at the negotiated rate, skewed by a configurable
 * crystal error (ppm) and optionally sped up (speed, for benchmarks that play
 * long material in less time), measured against CLOCK_MONOTONIC.  Everything it
 * "plays" is appended to a capture file, and every run (a continuous stretch
 * of playing) is described by one line in a runs file, so a test can tell
 * when each captured frame reached the virtual DAC.  See README.md.
 *
 * Model.  A prepare() starts a "session": application frame a (counted from
 * the prepare, i.e. ioplug's appl_ptr) is stored at capture frame
 * cap_base + a.  start() begins a run (segment) at CLOCK_MONOTONIC t0 with
 * the segment's first frame seg_base; while running, the true hardware
 * position is
 *
 *     pos(t) = seg_base + floor((t - t0) * fps),
 *     fps = rate * speed * (1 + ppm/1e6) / 1e9
 *
 * so frame k reaches the DAC at t0 + (k - seg_base) / fps.  The stream
 * underruns (xrun) as soon as pos(t) reaches the application pointer.  A
 * pause ends a segment and the release starts a new one; xrun, drop, drain,
 * close and unplug end the session, and the capture is truncated to the
 * frames really played.
 *
 * Locking: ioplug calls some callbacks with its own mutex held and some
 * without, so all plugin state is guarded by one private mutex.  Helpers
 * whose name ends in _l expect it held.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <alsa/asoundlib.h>
#include <alsa/pcm_external.h>

#define VC_MAX_LIST 32
#define VC_MIN_PERIOD 32u
#define VC_MAX_PERIOD 65536u
#define VC_MIN_PERIODS 2u
#define VC_MAX_PERIODS 64u
#define VC_MAX_BUFFER_BYTES (4u * 1024u * 1024u)
#define VC_CAPBUF (128u * 1024u)
/* capture buffers that may wait for the disk: 64 x 128 KiB, 43 s of 48 kHz stereo */
#define VC_CAPQUEUE 64u
/* a delay() this soon after pointer() reuses its position (see vc_delay) */
#define VC_REUSE_NS 10000

enum vc_state {
	VC_IDLE,	/* no session (after open, hw_params, drop) */
	VC_PREPARED,	/* session open, not started */
	VC_RUNNING,	/* a segment is playing */
	VC_PAUSED,	/* session open, paused between segments */
	VC_XRUN,	/* session ended by an underrun, waiting for prepare */
	VC_GONE,	/* card unplugged: this handle is dead */
};

struct vcard {
	snd_pcm_ioplug_t io;
	pthread_mutex_t lock;

	/* configuration */
	char *capture;		/* capture path prefix or NULL */
	double ppm;
	double speed;		/* > 0; 1 is real time */
	bool period_position;
	unsigned int jitter_us;
	char *vanish_file;
	long vanish_after_ms;	/* < 0: off */
	unsigned int rates[VC_MAX_LIST], n_rates;
	unsigned int channels[VC_MAX_LIST], n_channels;
	unsigned int formats[VC_MAX_LIST], n_formats;
	uint64_t rng;

	int tfd;		/* timerfd, the poll descriptor */

	/* negotiated by hw_params / sw_params */
	bool have_hw;
	snd_pcm_format_t format;
	unsigned int rate, nch;
	size_t frame_bytes;
	snd_pcm_uframes_t period, buffer, avail_min, boundary;
	long double fps;	/* effective frames per nanosecond */

	/* stream */
	enum vc_state st;
	uint64_t seg_base;	/* appl-relative frame where this segment began */
	int64_t t0, t0_real;	/* segment start, CLOCK_MONOTONIC / CLOCK_REALTIME ns */
	uint64_t last_rep;	/* last reported position (monotonic floor) */
	int64_t last_ptr_ns;	/* when pointer() last computed last_rep */
	uint64_t last_ptr_appl;
	int64_t first_start;	/* first start on this handle, 0 = none yet */

	/* capture */
	int raw_fd;
	FILE *runs;
	uint64_t run_index;
	uint64_t cap_end;	/* bytes: end of the played data in the capture */
	uint64_t cap_base;	/* capture frame of session frame 0 */
	uint64_t cap_frames;	/* session frames stored (appl-relative) */
	unsigned char *buf;	/* write buffer for the capture */
	size_t buf_len;
	uint64_t buf_pos;	/* file offset of buf[0] */
	bool cap_error;

	/*
	 * The capture writer: full buffers wait in a queue and a thread of the
	 * card's own writes them to the file, in order, as a sound card's DMA
	 * never waits on a disk.  The application's writes only queue them (and
	 * wait only if the disk is 64 buffers behind).  Written buffers go back
	 * on a stack and the newest is reused first, so only the two or three
	 * in use are ever touched: the card adds little to its host's RSS.
	 */
	pthread_t writer;
	bool writer_started, writer_stop;
	pthread_mutex_t qlock;
	pthread_cond_t qcond;	/* a buffer was queued, or one was written */
	struct {
		unsigned char *data;
		size_t len;
		uint64_t pos;
	} queue[VC_CAPQUEUE];
	unsigned int qhead, qlen;	/* queued: qhead .. qhead + qlen - 1 */
	unsigned char *spare[VC_CAPQUEUE];	/* written buffers, newest last */
	unsigned int nspare;
};

/* ---------------------------------------------------------------- time */

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

static struct timespec ns_to_ts(int64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000), (long)(ns % 1000000000) };
	return ts;
}

static uint64_t appl_l(const struct vcard *vc)
{
	return (uint64_t)vc->io.appl_ptr;
}

static bool draining_l(const struct vcard *vc)
{
	return vc->io.state == SND_PCM_STATE_DRAINING;
}

/* true hardware position at time t (only meaningful while running) */
static uint64_t pos_true_l(const struct vcard *vc, int64_t t)
{
	if (t <= vc->t0)
		return vc->seg_base;
	return vc->seg_base + (uint64_t)floorl((long double)(t - vc->t0) * vc->fps);
}

/* CLOCK_MONOTONIC time at which segment-relative frame k reaches the DAC */
static int64_t frame_time_l(const struct vcard *vc, uint64_t k)
{
	return vc->t0 + (int64_t)ceill((long double)k / vc->fps);
}

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

/*
 * The position as the card reports it at time now: the true position,
 * possibly sampled at a jittered time and quantized to period boundaries,
 * never going backwards and never beyond the frames written.
 */
static uint64_t pos_reported_l(struct vcard *vc, int64_t now, bool jitter)
{
	uint64_t p, w = appl_l(vc);

	if (jitter && vc->jitter_us) {
		int64_t span = (int64_t)vc->jitter_us * 1000;
		now += (int64_t)(xorshift(&vc->rng) % (uint64_t)(2 * span + 1)) - span;
	}
	p = pos_true_l(vc, now);
	if (vc->period_position)
		p = vc->seg_base + (p - vc->seg_base) / vc->period * vc->period;
	if (p < vc->last_rep)
		p = vc->last_rep;
	if (p > w)
		p = w;
	return p;
}

/* ------------------------------------------------------------- capture */

/* the writer thread: writes queued buffers in order until told to stop */
static void *cap_writer(void *arg)
{
	struct vcard *vc = arg;

	pthread_mutex_lock(&vc->qlock);
	for (;;) {
		while (!vc->qlen && !vc->writer_stop)
			pthread_cond_wait(&vc->qcond, &vc->qlock);
		if (!vc->qlen)
			break;
		unsigned int i = vc->qhead;
		pthread_mutex_unlock(&vc->qlock);
		size_t done = 0;
		while (done < vc->queue[i].len) {
			ssize_t n = pwrite(vc->raw_fd, vc->queue[i].data + done,
					   vc->queue[i].len - done,
					   (off_t)(vc->queue[i].pos + done));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				if (!vc->cap_error)
					SNDERR("loaxavcard: capture write failed: %s", strerror(errno));
				vc->cap_error = true;
				break;
			}
			done += (size_t)n;
		}
		pthread_mutex_lock(&vc->qlock);
		vc->spare[vc->nspare++] = vc->queue[i].data;
		vc->queue[i].data = NULL;
		vc->qhead = (vc->qhead + 1) % VC_CAPQUEUE;
		vc->qlen--;
		pthread_cond_broadcast(&vc->qcond);
	}
	pthread_mutex_unlock(&vc->qlock);
	return NULL;
}

/*
 * hands the write buffer to the writer thread and takes the newest spare one
 * (there is one whenever the queue has room: there are VC_CAPQUEUE + 1)
 */
static void cap_flush_l(struct vcard *vc)
{
	if (!vc->buf_len)
		return;
	pthread_mutex_lock(&vc->qlock);
	while (vc->qlen == VC_CAPQUEUE)
		pthread_cond_wait(&vc->qcond, &vc->qlock);
	unsigned int i = (vc->qhead + vc->qlen) % VC_CAPQUEUE;
	unsigned char *spare = vc->spare[--vc->nspare];
	vc->queue[i].data = vc->buf;
	vc->queue[i].len = vc->buf_len;
	vc->queue[i].pos = vc->buf_pos;
	vc->qlen++;
	pthread_cond_broadcast(&vc->qcond);
	pthread_mutex_unlock(&vc->qlock);
	vc->buf = spare;
	vc->buf_pos += vc->buf_len;
	vc->buf_len = 0;
}

/* flushes and waits until everything queued is in the file */
static void cap_sync_l(struct vcard *vc)
{
	cap_flush_l(vc);
	pthread_mutex_lock(&vc->qlock);
	while (vc->qlen)
		pthread_cond_wait(&vc->qcond, &vc->qlock);
	pthread_mutex_unlock(&vc->qlock);
}

static void cap_put_l(struct vcard *vc, const void *data, size_t n)
{
	if (vc->raw_fd < 0)
		return;
	if (vc->buf_len + n > VC_CAPBUF)
		cap_flush_l(vc);
	if (n > VC_CAPBUF) {	/* cannot happen with sane periods; keep it correct */
		size_t chunk;
		const unsigned char *p = data;
		while (n) {
			chunk = n > VC_CAPBUF ? VC_CAPBUF : n;
			cap_put_l(vc, p, chunk);
			p += chunk;
			n -= chunk;
		}
		return;
	}
	memcpy(vc->buf + vc->buf_len, data, n);
	vc->buf_len += n;
}

static void cap_zeros_l(struct vcard *vc, uint64_t n)
{
	static const unsigned char zeros[4096];

	while (n) {
		size_t chunk = n > sizeof(zeros) ? sizeof(zeros) : (size_t)n;
		cap_put_l(vc, zeros, chunk);
		n -= chunk;
	}
}

/* move the write position to session frame a (after a rewind) */
static void cap_seek_l(struct vcard *vc, uint64_t a)
{
	if (vc->raw_fd < 0)
		return;
	cap_flush_l(vc);
	vc->buf_pos = (vc->cap_base + a) * vc->frame_bytes;
}

/* append the frames of one transfer, interleaved, in the negotiated format */
static void cap_areas_l(struct vcard *vc, const snd_pcm_channel_area_t *areas,
			snd_pcm_uframes_t offset, snd_pcm_uframes_t size)
{
	unsigned int c, width = (unsigned int)(vc->frame_bytes / vc->nch) * 8;
	bool interleaved = true;
	snd_pcm_uframes_t i;

	if (vc->raw_fd < 0)
		return;
	for (c = 0; c < vc->nch; c++)
		if (areas[c].addr != areas[0].addr || areas[c].first != c * width ||
		    areas[c].step != vc->nch * width)
			interleaved = false;
	if (interleaved) {
		cap_put_l(vc, (const char *)areas[0].addr + offset * vc->frame_bytes,
			  size * vc->frame_bytes);
		return;
	}
	for (i = 0; i < size; i++)
		for (c = 0; c < vc->nch; c++) {
			const snd_pcm_channel_area_t *a = &areas[c];
			const char *src = (const char *)a->addr +
				(a->first + (offset + i) * a->step) / 8;
			cap_put_l(vc, src, width / 8);
		}
}

static void runs_line_l(struct vcard *vc, uint64_t end)
{
	if (!vc->runs)
		return;
	fprintf(vc->runs, "%llu %llu %lld %lld %u %u %s %llu\n",
		(unsigned long long)vc->run_index,
		(unsigned long long)(vc->cap_base + vc->seg_base),
		(long long)vc->t0, (long long)vc->t0_real, vc->rate, vc->nch,
		snd_pcm_format_name(vc->format),
		(unsigned long long)(end - vc->seg_base));
	fflush(vc->runs);
}

/*
 * End the session: the segment in progress (if any) ended at session
 * frame `end'; frames written after it were never played and are cut off.
 */
static void session_end_l(struct vcard *vc, uint64_t end, bool segment_open)
{
	if (segment_open) {
		runs_line_l(vc, end);
		vc->run_index++;
	}
	if (vc->raw_fd >= 0) {
		cap_sync_l(vc);
		/* nothing played: keep the end (no alignment padding for nothing) */
		if (end > 0)
			vc->cap_end = (vc->cap_base + end) * vc->frame_bytes;
		if (ftruncate(vc->raw_fd, (off_t)vc->cap_end) < 0 && !vc->cap_error) {
			SNDERR("loaxavcard: capture truncate failed: %s", strerror(errno));
			vc->cap_error = true;
		}
		vc->buf_pos = vc->cap_end;
	}
}

/* end whatever session is open at time now, as a drop would */
static void stop_l(struct vcard *vc, int64_t now)
{
	uint64_t p, w = appl_l(vc);

	switch (vc->st) {
	case VC_RUNNING:
		p = pos_true_l(vc, now);
		session_end_l(vc, p < w ? p : w, true);
		break;
	case VC_PAUSED:
		session_end_l(vc, vc->seg_base, false);
		break;
	case VC_PREPARED:
		session_end_l(vc, 0, false);
		break;
	default:
		return;
	}
	vc->st = VC_IDLE;
}

/* ------------------------------------------------------------ pollfd */

static void timer_set_l(struct vcard *vc, int64_t abs_ns, int64_t interval_ns)
{
	struct itimerspec its;

	memset(&its, 0, sizeof(its));
	if (abs_ns == 0) {
		/* disarm */
	} else if (abs_ns < 0) {
		its.it_value.tv_nsec = 1;	/* relative: fire now */
		its.it_interval = ns_to_ts(interval_ns);
		timerfd_settime(vc->tfd, 0, &its, NULL);
		return;
	} else {
		its.it_value = ns_to_ts(abs_ns);
		its.it_interval = ns_to_ts(interval_ns);
	}
	timerfd_settime(vc->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

/*
 * Arm the timerfd for the next moment the application should wake up.  Like
 * a card's period interrupt it fires on period boundaries of the running
 * clock (the first one at which avail >= avail_min, then every period);
 * it fires at once when the condition already holds, and in xrun/unplugged
 * state so that poll() reports the error.  Re-arming also clears a pending
 * expiration.
 */
static void rearm_l(struct vcard *vc, int64_t now, uint64_t w)
{
	uint64_t need, k, p;
	int64_t per_ns, target;

	if (!vc->have_hw) {
		timer_set_l(vc, 0, 0);
		return;
	}
	per_ns = (int64_t)ceill((long double)vc->period / vc->fps);
	switch (vc->st) {
	case VC_XRUN:
	case VC_GONE:
		timer_set_l(vc, -1, 0);
		return;
	case VC_PREPARED:
	case VC_PAUSED:
		if (vc->buffer - (w - vc->seg_base) >= vc->avail_min)
			timer_set_l(vc, -1, 0);
		else
			timer_set_l(vc, 0, 0);
		return;
	case VC_RUNNING:
		break;
	default:
		timer_set_l(vc, 0, 0);
		return;
	}
	if (draining_l(vc)) {
		target = frame_time_l(vc, w - vc->seg_base);
	} else {
		need = w + vc->avail_min;
		need = need > vc->buffer ? need - vc->buffer : 0;
		p = pos_true_l(vc, now);
		if (vc->period_position)
			p = vc->seg_base + (p - vc->seg_base) / vc->period * vc->period;
		if (p >= need) {
			timer_set_l(vc, -1, per_ns);
			return;
		}
		k = (need - vc->seg_base + vc->period - 1) / vc->period;
		target = frame_time_l(vc, k * vc->period);
	}
	if (vc->vanish_after_ms >= 0 && vc->first_start) {
		int64_t tv = vc->first_start + (int64_t)vc->vanish_after_ms * 1000000;
		if (tv < target)
			target = tv;
	}
	if (target <= now)
		timer_set_l(vc, -1, per_ns);
	else
		timer_set_l(vc, target, per_ns);
}

/* ------------------------------------------------------- unplug, xrun */

/* The card goes away at time tv: end the session as it stood then. */
static void vanish_l(struct vcard *vc, int64_t tv)
{
	uint64_t p, w = appl_l(vc);

	switch (vc->st) {
	case VC_RUNNING:
		p = tv > vc->t0 ? pos_true_l(vc, tv) : vc->seg_base;
		session_end_l(vc, p < w ? p : w, true);
		break;
	case VC_PAUSED:
		session_end_l(vc, vc->seg_base, false);
		break;
	case VC_PREPARED:
		session_end_l(vc, 0, false);
		break;
	default:
		break;
	}
	vc->st = VC_GONE;
	snd_pcm_ioplug_set_state(&vc->io, SND_PCM_STATE_DISCONNECTED);
	rearm_l(vc, tv, appl_l(vc));
}

/* check the unplug conditions; returns true when the card is gone */
static bool gone_l(struct vcard *vc, int64_t now)
{
	if (vc->st == VC_GONE)
		return true;
	if (vc->vanish_after_ms >= 0 && vc->first_start) {
		int64_t tv = vc->first_start + (int64_t)vc->vanish_after_ms * 1000000;
		if (now >= tv) {
			vanish_l(vc, tv);
			return true;
		}
	}
	if (vc->vanish_file && access(vc->vanish_file, F_OK) == 0) {
		vanish_l(vc, now);
		return true;
	}
	return false;
}

/*
 * While running: has the card run out of frames at time now?  The card
 * needs frame w at the moment pos reaches w (the kernel's avail >=
 * stop_threshold with the default threshold), except while draining, where
 * that is the normal end.  On underrun the session ends with every written
 * frame played.
 */
static bool xrun_check_l(struct vcard *vc, int64_t now)
{
	uint64_t w = appl_l(vc);

	if (vc->st != VC_RUNNING || draining_l(vc) || pos_true_l(vc, now) < w)
		return false;
	/* (after a snd_pcm_reset() appl_ptr may be behind what was played) */
	session_end_l(vc, w > vc->last_rep ? w : vc->last_rep, true);
	vc->st = VC_XRUN;
	snd_pcm_ioplug_set_state(&vc->io, SND_PCM_STATE_XRUN);
	rearm_l(vc, now, appl_l(vc));
	return true;
}

/* ----------------------------------------------------------- callbacks */

static snd_pcm_sframes_t wrap(const struct vcard *vc, uint64_t p)
{
	/* SND_PCM_IOPLUG_FLAG_BOUNDARY_WA: positions wrap at the boundary */
	return (snd_pcm_sframes_t)(vc->boundary ? p % vc->boundary : p);
}

static snd_pcm_sframes_t vc_pointer(snd_pcm_ioplug_t *io)
{
	struct vcard *vc = io->private_data;
	snd_pcm_sframes_t ret;
	int64_t now;
	uint64_t w;

	pthread_mutex_lock(&vc->lock);
	now = mono_ns();
	if (gone_l(vc, now)) {
		/* a negative value would turn into XRUN; keep DISCONNECTED */
		ret = wrap(vc, vc->last_rep);
		goto out;
	}
	switch (vc->st) {
	case VC_RUNNING:
		if (xrun_check_l(vc, now)) {
			ret = -EPIPE;
			break;
		}
		w = appl_l(vc);
		vc->last_rep = pos_reported_l(vc, now, true);
		if (draining_l(vc) && pos_true_l(vc, now) >= w)
			vc->last_rep = w;
		vc->last_ptr_ns = now;
		vc->last_ptr_appl = w;
		ret = wrap(vc, vc->last_rep);
		break;
	case VC_XRUN:
		ret = -EPIPE;
		break;
	default:
		ret = wrap(vc, vc->last_rep);
		break;
	}
out:
	pthread_mutex_unlock(&vc->lock);
	return ret;
}

/*
 * Frames written but not yet played.  snd_pcm_status() calls pointer(),
 * takes its timestamp and then calls delay(); reusing the position pointer()
 * just computed keeps status.delay and status.avail consistent with each
 * other (avail + delay == buffer_size) and within a microsecond of the
 * timestamp.  A lone snd_pcm_delay() computes a fresh position.
 */
static int vc_delay(snd_pcm_ioplug_t *io, snd_pcm_sframes_t *delayp)
{
	struct vcard *vc = io->private_data;
	int64_t now;
	uint64_t w, p;
	int ret = 0;

	pthread_mutex_lock(&vc->lock);
	now = mono_ns();
	w = appl_l(vc);
	if (gone_l(vc, now)) {
		ret = -ENODEV;
		goto out;
	}
	switch (vc->st) {
	case VC_RUNNING:
		if (xrun_check_l(vc, now)) {
			ret = -EPIPE;
			break;
		}
		if (now - vc->last_ptr_ns < VC_REUSE_NS && vc->last_ptr_appl == w) {
			p = vc->last_rep;
		} else {
			p = pos_reported_l(vc, now, true);
			if (draining_l(vc) && pos_true_l(vc, now) >= w)
				p = w;
			vc->last_rep = p;
		}
		*delayp = (snd_pcm_sframes_t)(w - p);
		break;
	case VC_PREPARED:
	case VC_PAUSED:
		*delayp = (snd_pcm_sframes_t)(w - vc->seg_base);
		break;
	case VC_XRUN:
		ret = -EPIPE;
		break;
	default:
		ret = -EBADFD;
		break;
	}
out:
	pthread_mutex_unlock(&vc->lock);
	return ret;
}

static snd_pcm_sframes_t vc_transfer(snd_pcm_ioplug_t *io,
				     const snd_pcm_channel_area_t *areas,
				     snd_pcm_uframes_t offset, snd_pcm_uframes_t size)
{
	struct vcard *vc = io->private_data;
	snd_pcm_sframes_t ret = (snd_pcm_sframes_t)size;
	int64_t now;
	uint64_t a;

	pthread_mutex_lock(&vc->lock);
	now = mono_ns();
	if (gone_l(vc, now)) {
		ret = -ENODEV;
		goto out;
	}
	switch (vc->st) {
	case VC_PREPARED:
	case VC_PAUSED:
		break;
	case VC_RUNNING:
		if (xrun_check_l(vc, now))
			ret = -EPIPE;
		break;
	case VC_XRUN:
		ret = -EPIPE;
		break;
	default:
		ret = -EBADFD;
		break;
	}
	if (ret < 0)
		goto out;
	/* ioplug advances appl_ptr after we return: it is the first frame's index */
	a = appl_l(vc);
	if (a < vc->cap_frames) {
		cap_seek_l(vc, a);	/* snd_pcm_rewind() took frames back */
	} else if (a > vc->cap_frames) {
		/* snd_pcm_forward() skipped frames: the card plays silence */
		cap_zeros_l(vc, (a - vc->cap_frames) * vc->frame_bytes);
	}
	cap_areas_l(vc, areas, offset, size);
	vc->cap_frames = a + size;
	if (vc->cap_error)
		ret = -EIO;
	/* ioplug advances appl_ptr only after we return */
	rearm_l(vc, now, a + size);
out:
	pthread_mutex_unlock(&vc->lock);
	return ret;
}

static void begin_segment_l(struct vcard *vc)
{
	vc->t0 = mono_ns();
	vc->t0_real = clock_ns(CLOCK_REALTIME);
	if (!vc->first_start)
		vc->first_start = vc->t0;
	vc->last_rep = vc->seg_base;
	vc->last_ptr_ns = 0;
	vc->st = VC_RUNNING;
}

static int vc_start(snd_pcm_ioplug_t *io)
{
	struct vcard *vc = io->private_data;
	int ret = 0;

	pthread_mutex_lock(&vc->lock);
	if (gone_l(vc, mono_ns())) {
		ret = -ENODEV;
	} else if (vc->st != VC_PREPARED) {
		ret = -EBADFD;
	} else if (appl_l(vc) == 0) {
		ret = -EPIPE;	/* as the kernel: nothing to play */
	} else {
		vc->seg_base = 0;
		begin_segment_l(vc);
		rearm_l(vc, vc->t0, appl_l(vc));
	}
	pthread_mutex_unlock(&vc->lock);
	return ret;
}

static int vc_stop(snd_pcm_ioplug_t *io)
{
	struct vcard *vc = io->private_data;
	int64_t now;

	pthread_mutex_lock(&vc->lock);
	now = mono_ns();
	if (!gone_l(vc, now)) {
		stop_l(vc, now);
		if (vc->st == VC_XRUN)
			vc->st = VC_IDLE;
		rearm_l(vc, now, appl_l(vc));
	}
	pthread_mutex_unlock(&vc->lock);
	return 0;
}

static int vc_prepare(snd_pcm_ioplug_t *io)
{
	struct vcard *vc = io->private_data;
	int64_t now;
	int ret = 0;

	pthread_mutex_lock(&vc->lock);
	now = mono_ns();
	if (gone_l(vc, now)) {
		ret = -ENODEV;
		goto out;
	}
	if (!vc->have_hw) {
		ret = -EBADFD;
		goto out;
	}
	stop_l(vc, now);
	/* a new session starts at the first whole frame after the played data */
	vc->cap_base = (vc->cap_end + vc->frame_bytes - 1) / vc->frame_bytes;
	vc->cap_frames = 0;
	if (vc->raw_fd >= 0) {
		cap_flush_l(vc);
		vc->buf_pos = vc->cap_base * vc->frame_bytes;
	}
	vc->seg_base = 0;
	vc->last_rep = 0;
	vc->last_ptr_ns = 0;
	vc->st = VC_PREPARED;
	/* ioplug has reset appl_ptr to 0 already */
	rearm_l(vc, now, appl_l(vc));
out:
	pthread_mutex_unlock(&vc->lock);
	return ret;
}

static int vc_drain(snd_pcm_ioplug_t *io)
{
	struct vcard *vc = io->private_data;
	int ret = 0;

	pthread_mutex_lock(&vc->lock);
	for (;;) {
		int64_t now = mono_ns(), until;
		uint64_t w = appl_l(vc);

		if (gone_l(vc, now)) {
			ret = -ENODEV;
			break;
		}
		if (vc->st == VC_PREPARED) {
			if (w == 0)
				break;	/* nothing to play: done */
			vc->seg_base = 0;
			begin_segment_l(vc);	/* drain starts a prepared stream */
			rearm_l(vc, vc->t0, appl_l(vc));
			continue;
		}
		if (vc->st != VC_RUNNING || pos_true_l(vc, now) >= w)
			break;
		if (vc->io.nonblock) {
			ret = -EAGAIN;	/* the application polls; pointer() ends it */
			break;
		}
		/* sleep until the last frame is played, waking to watch for unplug */
		until = frame_time_l(vc, w - vc->seg_base);
		if (until - now > 20000000)
			until = now + 20000000;
		pthread_mutex_unlock(&vc->lock);
		{
			struct timespec ts = ns_to_ts(until);
			while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
				;
		}
		pthread_mutex_lock(&vc->lock);
	}
	pthread_mutex_unlock(&vc->lock);
	/* on 0 ioplug calls stop(), which ends the session with all frames played */
	return ret;
}

static int vc_pause(snd_pcm_ioplug_t *io, int enable)
{
	struct vcard *vc = io->private_data;
	int64_t now;
	int ret = 0;

	pthread_mutex_lock(&vc->lock);
	now = mono_ns();
	if (gone_l(vc, now)) {
		ret = -ENODEV;
	} else if (enable) {
		if (vc->st != VC_RUNNING) {
			ret = -EBADFD;
		} else if (xrun_check_l(vc, now)) {
			ret = -EPIPE;
		} else {
			/* the segment ends here; written frames stay queued */
			uint64_t p = pos_true_l(vc, now);
			runs_line_l(vc, p);
			vc->run_index++;
			vc->seg_base = p;
			vc->last_rep = p;
			vc->st = VC_PAUSED;
			rearm_l(vc, now, appl_l(vc));
		}
	} else {
		if (vc->st != VC_PAUSED) {
			ret = -EBADFD;
		} else {
			begin_segment_l(vc);
			rearm_l(vc, vc->t0, appl_l(vc));
		}
	}
	pthread_mutex_unlock(&vc->lock);
	return ret;
}

static int vc_hw_params(snd_pcm_ioplug_t *io, snd_pcm_hw_params_t *params)
{
	struct vcard *vc = io->private_data;
	int64_t now;
	int ret = 0;

	(void)params;
	pthread_mutex_lock(&vc->lock);
	now = mono_ns();
	if (gone_l(vc, now)) {
		ret = -ENODEV;
		goto out;
	}
	stop_l(vc, now);
	vc->st = VC_IDLE;
	/*
	 * ioplug constrains period and buffer in bytes only; the frame limits
	 * are checked here for the formats/channels whose byte range is wider.
	 */
	if (io->period_size < VC_MIN_PERIOD || io->period_size > VC_MAX_PERIOD ||
	    io->buffer_size < VC_MIN_PERIODS * io->period_size ||
	    io->buffer_size > VC_MAX_PERIODS * io->period_size) {
		SNDERR("loaxavcard: period %lu / buffer %lu frames out of range",
		       (unsigned long)io->period_size, (unsigned long)io->buffer_size);
		ret = -EINVAL;
		goto out;
	}
	vc->format = io->format;
	vc->rate = io->rate;
	vc->nch = io->channels;
	vc->frame_bytes = (size_t)snd_pcm_format_physical_width(io->format) / 8 * io->channels;
	vc->period = io->period_size;
	vc->buffer = io->buffer_size;
	vc->avail_min = vc->period;
	vc->fps = (long double)vc->rate * (long double)vc->speed *
		  (1.0L + (long double)vc->ppm / 1e6L) / 1e9L;
	vc->have_hw = true;
	rearm_l(vc, now, appl_l(vc));
out:
	pthread_mutex_unlock(&vc->lock);
	return ret;
}

static int vc_hw_free(snd_pcm_ioplug_t *io)
{
	struct vcard *vc = io->private_data;
	int64_t now;

	pthread_mutex_lock(&vc->lock);
	now = mono_ns();
	if (!gone_l(vc, now)) {
		stop_l(vc, now);
		vc->st = VC_IDLE;
	}
	vc->have_hw = false;
	timer_set_l(vc, vc->st == VC_GONE ? -1 : 0, 0);
	pthread_mutex_unlock(&vc->lock);
	return 0;
}

static int vc_sw_params(snd_pcm_ioplug_t *io, snd_pcm_sw_params_t *params)
{
	struct vcard *vc = io->private_data;
	snd_pcm_uframes_t v;

	pthread_mutex_lock(&vc->lock);
	if (snd_pcm_sw_params_get_avail_min(params, &v) == 0)
		vc->avail_min = v ? v : 1;
	if (snd_pcm_sw_params_get_boundary(params, &v) == 0)
		vc->boundary = v;
	rearm_l(vc, mono_ns(), appl_l(vc));
	pthread_mutex_unlock(&vc->lock);
	return 0;
}

static int vc_poll_revents(snd_pcm_ioplug_t *io, struct pollfd *pfd, unsigned int nfds,
			   unsigned short *revents)
{
	struct vcard *vc = io->private_data;
	uint64_t ticks, w, p;
	unsigned short ev = 0;
	int64_t now;

	(void)pfd;
	(void)nfds;
	/* consume the expiration; the real condition is computed below */
	if (read(vc->tfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		return -errno;

	pthread_mutex_lock(&vc->lock);
	now = mono_ns();
	w = appl_l(vc);
	if (gone_l(vc, now)) {
		ev = POLLOUT | POLLERR;
		goto out;
	}
	switch (vc->st) {
	case VC_RUNNING:
		if (xrun_check_l(vc, now)) {
			ev = POLLOUT | POLLERR;
		} else if (draining_l(vc)) {
			/*
			 * Like a kernel driver at its period interrupt, the
			 * card ends a drain by itself once the last frame has
			 * played: an application that polls and only reads
			 * snd_pcm_state() (ioplug's does not look at the
			 * position) sees the stream leave DRAINING.
			 */
			if (pos_true_l(vc, now) >= w) {
				session_end_l(vc, w, true);
				vc->st = VC_IDLE;
				vc->last_rep = w;
				snd_pcm_ioplug_set_state(&vc->io, SND_PCM_STATE_SETUP);
			}
			ev = POLLOUT;
		} else {
			p = pos_reported_l(vc, now, false);
			if (vc->buffer - (w - p) >= vc->avail_min)
				ev = POLLOUT;
		}
		break;
	case VC_PREPARED:
	case VC_PAUSED:
		if (vc->buffer - (w - vc->seg_base) >= vc->avail_min)
			ev = POLLOUT;
		break;
	default:
		ev = POLLOUT | POLLERR;	/* xrun or not set up, as the kernel says */
		break;
	}
out:
	rearm_l(vc, now, appl_l(vc));
	pthread_mutex_unlock(&vc->lock);
	*revents = ev;
	return 0;
}

static void vc_dump(snd_pcm_ioplug_t *io, snd_output_t *out)
{
	struct vcard *vc = io->private_data;

	snd_output_printf(out, "Loaxa virtual card: ppm %g speed %g%s jitter %u us capture %s\n",
			  vc->ppm, vc->speed, vc->period_position ? " period_position" : "",
			  vc->jitter_us, vc->capture ? vc->capture : "(none)");
	if (io->pcm && snd_pcm_state(io->pcm) != SND_PCM_STATE_OPEN) {
		snd_output_printf(out, "Its setup is:\n");
		snd_pcm_dump_setup(io->pcm, out);
	}
}

static void vc_free(struct vcard *vc)
{
	unsigned int i;

	if (vc->writer_started) {
		pthread_mutex_lock(&vc->qlock);
		vc->writer_stop = true;
		pthread_cond_broadcast(&vc->qcond);
		pthread_mutex_unlock(&vc->qlock);
		pthread_join(vc->writer, NULL);
	}
	for (i = 0; i < VC_CAPQUEUE; i++)
		free(vc->queue[i].data);
	for (i = 0; i < vc->nspare; i++)
		free(vc->spare[i]);
	pthread_mutex_destroy(&vc->qlock);
	pthread_cond_destroy(&vc->qcond);
	if (vc->raw_fd >= 0)
		close(vc->raw_fd);	/* also releases the flock */
	if (vc->runs)
		fclose(vc->runs);
	if (vc->tfd >= 0)
		close(vc->tfd);
	pthread_mutex_destroy(&vc->lock);
	free(vc->buf);
	free(vc->capture);
	free(vc->vanish_file);
	free(vc);
}

static int vc_close(snd_pcm_ioplug_t *io)
{
	struct vcard *vc = io->private_data;
	int64_t now;

	pthread_mutex_lock(&vc->lock);
	now = mono_ns();
	if (!gone_l(vc, now))
		stop_l(vc, now);
	if (vc->raw_fd >= 0)
		cap_sync_l(vc);
	pthread_mutex_unlock(&vc->lock);
	vc_free(vc);
	return 0;
}

static const snd_pcm_ioplug_callback_t vc_callback = {
	.start = vc_start,
	.stop = vc_stop,
	.pointer = vc_pointer,
	.transfer = vc_transfer,
	.close = vc_close,
	.hw_params = vc_hw_params,
	.hw_free = vc_hw_free,
	.sw_params = vc_sw_params,
	.prepare = vc_prepare,
	.drain = vc_drain,
	.pause = vc_pause,
	.poll_revents = vc_poll_revents,
	.dump = vc_dump,
	.delay = vc_delay,
};

/* -------------------------------------------------------- configuration */

static const unsigned int vc_supported_formats[] = {
	SND_PCM_FORMAT_S16_LE, SND_PCM_FORMAT_S32_LE, SND_PCM_FORMAT_FLOAT_LE,
};

static int add_list_item(const char *key, const char *s, unsigned int *list, unsigned int *n,
			 bool is_format)
{
	unsigned long v;
	char *end;
	size_t i;

	if (*n >= VC_MAX_LIST) {
		SNDERR("loaxavcard: too many values for %s", key);
		return -EINVAL;
	}
	if (is_format) {
		snd_pcm_format_t f = snd_pcm_format_value(s);
		for (i = 0; i < sizeof(vc_supported_formats) / sizeof(vc_supported_formats[0]); i++)
			if ((unsigned int)f == vc_supported_formats[i]) {
				list[(*n)++] = (unsigned int)f;
				return 0;
			}
		SNDERR("loaxavcard: unsupported format %s (S16_LE, S32_LE, FLOAT_LE)", s);
		return -EINVAL;
	}
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v == 0 || v > 1000000) {
		SNDERR("loaxavcard: bad value '%s' for %s", s, key);
		return -EINVAL;
	}
	list[(*n)++] = (unsigned int)v;
	return 0;
}

/* a list given as "a b,c", as an integer, or as a compound [ a b c ] */
static int parse_list(snd_config_t *n, const char *key, unsigned int *list, unsigned int *count,
		      bool is_format)
{
	snd_config_iterator_t i, next;
	const char *str;
	long lv;
	int err;

	if (snd_config_get_type(n) == SND_CONFIG_TYPE_COMPOUND) {
		snd_config_for_each(i, next, n) {
			err = parse_list(snd_config_iterator_entry(i), key, list, count, is_format);
			if (err < 0)
				return err;
		}
		return 0;
	}
	if (snd_config_get_integer(n, &lv) == 0) {
		char tmp[32];
		snprintf(tmp, sizeof(tmp), "%ld", lv);
		return add_list_item(key, tmp, list, count, is_format);
	}
	if (snd_config_get_string(n, &str) < 0) {
		SNDERR("loaxavcard: %s must be a list", key);
		return -EINVAL;
	}
	{
		char *dup = strdup(str), *save = NULL, *tok;
		if (!dup)
			return -ENOMEM;
		err = 0;
		for (tok = strtok_r(dup, " ,\t", &save); tok && err == 0;
		     tok = strtok_r(NULL, " ,\t", &save))
			err = add_list_item(key, tok, list, count, is_format);
		free(dup);
		return err;
	}
}

static int get_real(snd_config_t *n, const char *key, double *out)
{
	const char *s;
	char *end;

	if (snd_config_get_ireal(n, out) == 0)
		return 0;
	if (snd_config_get_string(n, &s) == 0) {
		*out = strtod(s, &end);
		if (end != s && *end == 0)
			return 0;
	}
	SNDERR("loaxavcard: %s must be a number", key);
	return -EINVAL;
}

static int get_long(snd_config_t *n, const char *key, long *out)
{
	double d;
	int err = get_real(n, key, &d);

	if (err < 0)
		return err;
	if (d != floor(d) || d < -1e12 || d > 1e12) {
		SNDERR("loaxavcard: %s must be an integer", key);
		return -EINVAL;
	}
	*out = (long)d;
	return 0;
}

static int get_bool(snd_config_t *n, const char *key, bool *out)
{
	int v = snd_config_get_bool(n);

	if (v < 0) {
		SNDERR("loaxavcard: %s must be a boolean", key);
		return -EINVAL;
	}
	*out = v != 0;
	return 0;
}

static int get_str(snd_config_t *n, const char *key, char **out)
{
	const char *s;

	if (snd_config_get_string(n, &s) < 0) {
		SNDERR("loaxavcard: %s must be a string", key);
		return -EINVAL;
	}
	free(*out);
	*out = strdup(s);
	return *out ? 0 : -ENOMEM;
}

static int open_capture(struct vcard *vc)
{
	size_t len = strlen(vc->capture) + 8;
	char *path = malloc(len);
	struct stat sb;
	int c, err = 0;

	if (!path)
		return -ENOMEM;
	snprintf(path, len, "%s.raw", vc->capture);
	vc->raw_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (vc->raw_fd < 0) {
		err = -errno;
		SNDERR("loaxavcard: cannot open %s: %s", path, strerror(errno));
		goto out;
	}
	/* one open handle per capture, as one open per hardware device */
	if (flock(vc->raw_fd, LOCK_EX | LOCK_NB) < 0) {
		err = errno == EWOULDBLOCK ? -EBUSY : -errno;
		goto out;
	}
	if (fstat(vc->raw_fd, &sb) < 0) {
		err = -errno;
		goto out;
	}
	vc->cap_end = (uint64_t)sb.st_size;
	vc->buf_pos = vc->cap_end;
	vc->buf = malloc(VC_CAPBUF);
	if (!vc->buf) {
		err = -ENOMEM;
		goto out;
	}
	/* allocated now, not by the application's writes; touched only when used */
	while (vc->nspare < VC_CAPQUEUE) {
		vc->spare[vc->nspare] = malloc(VC_CAPBUF);
		if (!vc->spare[vc->nspare]) {
			err = -ENOMEM;
			goto out;
		}
		vc->nspare++;
	}
	if (pthread_create(&vc->writer, NULL, cap_writer, vc) != 0) {
		err = -EAGAIN;
		goto out;
	}
	vc->writer_started = true;
	snprintf(path, len, "%s.runs", vc->capture);
	vc->runs = fopen(path, "a+e");
	if (!vc->runs) {
		err = -errno;
		SNDERR("loaxavcard: cannot open %s: %s", path, strerror(errno));
		goto out;
	}
	/* run numbers continue those already in the file */
	rewind(vc->runs);
	while ((c = getc(vc->runs)) != EOF)
		if (c == '\n')
			vc->run_index++;
out:
	free(path);
	return err;
}

SND_PCM_PLUGIN_DEFINE_FUNC(loaxavcard)
{
	snd_config_iterator_t i, next;
	struct vcard *vc;
	bool refuse_open = false;
	char *absent_file = NULL;
	long seed = 0, v;
	unsigned int min_fb, max_fb, k;
	int err;

	(void)root;
	vc = calloc(1, sizeof(*vc));
	if (!vc)
		return -ENOMEM;
	pthread_mutex_init(&vc->lock, NULL);
	pthread_mutex_init(&vc->qlock, NULL);
	pthread_cond_init(&vc->qcond, NULL);
	vc->raw_fd = -1;
	vc->tfd = -1;
	vc->vanish_after_ms = -1;
	vc->speed = 1.0;

	snd_config_for_each(i, next, conf) {
		snd_config_t *n = snd_config_iterator_entry(i);
		const char *id;

		if (snd_config_get_id(n, &id) < 0)
			continue;
		if (!strcmp(id, "comment") || !strcmp(id, "type") || !strcmp(id, "hint"))
			continue;
		if (!strcmp(id, "capture"))
			err = get_str(n, id, &vc->capture);
		else if (!strcmp(id, "ppm"))
			err = get_real(n, id, &vc->ppm);
		else if (!strcmp(id, "speed"))
			err = get_real(n, id, &vc->speed);
		else if (!strcmp(id, "rates"))
			err = parse_list(n, id, vc->rates, &vc->n_rates, false);
		else if (!strcmp(id, "channels"))
			err = parse_list(n, id, vc->channels, &vc->n_channels, false);
		else if (!strcmp(id, "formats"))
			err = parse_list(n, id, vc->formats, &vc->n_formats, true);
		else if (!strcmp(id, "period_position"))
			err = get_bool(n, id, &vc->period_position);
		else if (!strcmp(id, "jitter_us")) {
			err = get_long(n, id, &v);
			if (!err && (v < 0 || v > 1000000)) {
				SNDERR("loaxavcard: jitter_us outside 0..1000000");
				err = -EINVAL;
			}
			if (!err)
				vc->jitter_us = (unsigned int)v;
		} else if (!strcmp(id, "refuse_open"))
			err = get_bool(n, id, &refuse_open);
		else if (!strcmp(id, "absent_file"))
			err = get_str(n, id, &absent_file);
		else if (!strcmp(id, "vanish_file"))
			err = get_str(n, id, &vc->vanish_file);
		else if (!strcmp(id, "vanish_after_ms")) {
			err = get_long(n, id, &vc->vanish_after_ms);
			if (!err && vc->vanish_after_ms < 0) {
				SNDERR("loaxavcard: vanish_after_ms must not be negative");
				err = -EINVAL;
			}
		} else if (!strcmp(id, "seed"))
			err = get_long(n, id, &seed);
		else {
			SNDERR("loaxavcard: unknown parameter %s", id);
			err = -EINVAL;
		}
		if (err < 0)
			goto fail;
	}
	if (vc->ppm <= -1e6 || vc->ppm >= 1e6) {
		SNDERR("loaxavcard: ppm out of range");
		err = -EINVAL;
		goto fail;
	}
	if (!(vc->speed >= 0.01 && vc->speed <= 1000)) {
		SNDERR("loaxavcard: speed outside 0.01..1000");
		err = -EINVAL;
		goto fail;
	}
	for (k = 0; k < vc->n_rates; k++)
		if (vc->rates[k] < 8000 || vc->rates[k] > 192000) {
			SNDERR("loaxavcard: rate %u outside 8000..192000", vc->rates[k]);
			err = -EINVAL;
			goto fail;
		}
	for (k = 0; k < vc->n_channels; k++)
		if (vc->channels[k] > 8) {
			SNDERR("loaxavcard: channels %u outside 1..8", vc->channels[k]);
			err = -EINVAL;
			goto fail;
		}

	/* the card's presence, checked before anything is opened */
	if (stream != SND_PCM_STREAM_PLAYBACK) {
		err = -ENOENT;	/* playback only: there is no capture device */
		goto fail;
	}
	if (refuse_open) {
		err = -EBUSY;
		goto fail;
	}
	if ((absent_file && access(absent_file, F_OK) == 0) ||
	    (vc->vanish_file && access(vc->vanish_file, F_OK) == 0)) {
		err = -ENODEV;
		goto fail;
	}

	vc->rng = seed ? (uint64_t)seed : (uint64_t)mono_ns() ^ ((uint64_t)getpid() << 32);
	if (!vc->rng)
		vc->rng = 0x9e3779b97f4a7c15ULL;
	vc->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (vc->tfd < 0) {
		err = -errno;
		goto fail;
	}
	if (vc->capture) {
		err = open_capture(vc);
		if (err < 0)
			goto fail;
	}

	vc->io.version = SND_PCM_IOPLUG_VERSION;
	vc->io.name = "Loaxa virtual playback card";
	vc->io.callback = &vc_callback;
	vc->io.private_data = vc;
	vc->io.poll_fd = vc->tfd;
	vc->io.poll_events = POLLIN;
	vc->io.mmap_rw = 0;
	/*
	 * MONOTONIC: snd_pcm_htimestamp() uses CLOCK_MONOTONIC.  BOUNDARY_WA:
	 * pointer() reports positions modulo the boundary, not the buffer
	 * size, so a position that moved by exactly one buffer between two
	 * calls (the end of a drain of a full buffer) is not mistaken for no
	 * movement.
	 */
	vc->io.flags = SND_PCM_IOPLUG_FLAG_MONOTONIC | SND_PCM_IOPLUG_FLAG_BOUNDARY_WA;
	err = snd_pcm_ioplug_create(&vc->io, name, stream, mode);
	if (err < 0)
		goto fail;

	{
		static const unsigned int access_list[] = {
			SND_PCM_ACCESS_RW_INTERLEAVED, SND_PCM_ACCESS_MMAP_INTERLEAVED,
			SND_PCM_ACCESS_RW_NONINTERLEAVED, SND_PCM_ACCESS_MMAP_NONINTERLEAVED,
		};
		const unsigned int *fl = vc->n_formats ? vc->formats : vc_supported_formats;
		unsigned int nf = vc->n_formats ? vc->n_formats
			: (unsigned int)(sizeof(vc_supported_formats) / sizeof(vc_supported_formats[0]));
		unsigned int min_ch = 1, max_ch = 8;

		min_fb = 4;
		max_fb = 2;
		for (k = 0; k < nf; k++) {
			unsigned int b = (unsigned int)snd_pcm_format_physical_width(fl[k]) / 8;
			if (b < min_fb)
				min_fb = b;
			if (b > max_fb)
				max_fb = b;
		}
		if (vc->n_channels) {
			min_ch = 8;
			max_ch = 1;
			for (k = 0; k < vc->n_channels; k++) {
				if (vc->channels[k] < min_ch)
					min_ch = vc->channels[k];
				if (vc->channels[k] > max_ch)
					max_ch = vc->channels[k];
			}
		}
		min_fb *= min_ch;
		max_fb *= max_ch;

		err = snd_pcm_ioplug_set_param_list(&vc->io, SND_PCM_IOPLUG_HW_ACCESS,
						    4, access_list);
		if (err >= 0)
			err = snd_pcm_ioplug_set_param_list(&vc->io, SND_PCM_IOPLUG_HW_FORMAT,
							    nf, fl);
		if (err >= 0)
			err = vc->n_channels
				? snd_pcm_ioplug_set_param_list(&vc->io, SND_PCM_IOPLUG_HW_CHANNELS,
								vc->n_channels, vc->channels)
				: snd_pcm_ioplug_set_param_minmax(&vc->io, SND_PCM_IOPLUG_HW_CHANNELS,
								  1, 8);
		if (err >= 0)
			err = vc->n_rates
				? snd_pcm_ioplug_set_param_list(&vc->io, SND_PCM_IOPLUG_HW_RATE,
								vc->n_rates, vc->rates)
				: snd_pcm_ioplug_set_param_minmax(&vc->io, SND_PCM_IOPLUG_HW_RATE,
								  8000, 192000);
		if (err >= 0)
			err = snd_pcm_ioplug_set_param_minmax(&vc->io, SND_PCM_IOPLUG_HW_PERIOD_BYTES,
							      VC_MIN_PERIOD * min_fb,
							      VC_MAX_BUFFER_BYTES / VC_MIN_PERIODS);
		if (err >= 0)
			err = snd_pcm_ioplug_set_param_minmax(&vc->io, SND_PCM_IOPLUG_HW_PERIODS,
							      VC_MIN_PERIODS, VC_MAX_PERIODS);
		/*
		 * Like a real card's buffer_bytes_max.  It also keeps ALSA's
		 * choice for an application that sets no buffer size (the largest
		 * buffer in 64 periods) within the period limits for any frame
		 * size: 4 MiB / 64 = 64 KiB = 32768 S16 mono or 2048 8-channel
		 * 32-bit frames.
		 */
		if (err >= 0)
			err = snd_pcm_ioplug_set_param_minmax(&vc->io, SND_PCM_IOPLUG_HW_BUFFER_BYTES,
							      VC_MIN_PERIODS * VC_MIN_PERIOD * min_fb,
							      VC_MAX_BUFFER_BYTES);
		if (err < 0) {
			free(absent_file);
			snd_pcm_ioplug_delete(&vc->io);	/* calls vc_close */
			return err;
		}
	}
	free(absent_file);
	*pcmp = vc->io.pcm;
	return 0;

fail:
	free(absent_file);
	vc_free(vc);
	return err;
}

/* exports the versioned entry point alsa-lib looks up (the macro ends in ';') */
SND_PCM_PLUGIN_SYMBOL(loaxavcard)
