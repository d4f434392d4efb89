#pragma once
#include <alsa/asoundlib.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/// Configures an open playback PCM: interleaved S16_LE at exactly `rate` and `channels`,
/// period and buffer near the sizes asked (updated to what the device granted), a start
/// threshold of one full buffer, a wake-up once `wake` frames are free (at least a period,
/// at most the buffer less a period), and monotonic timestamps in snd_pcm_status.
/// Returns 0 or a negative errno; on failure `what` names the step that failed.
static inline int loaxa_pcm_configure(snd_pcm_t *pcm, unsigned rate, unsigned channels,
                                      snd_pcm_uframes_t *period, snd_pcm_uframes_t *buffer,
                                      snd_pcm_uframes_t *wake, const char **what) {
    snd_pcm_hw_params_t *hw;
    snd_pcm_sw_params_t *sw;
    snd_pcm_hw_params_alloca(&hw);
    snd_pcm_sw_params_alloca(&sw);
    int err;
    *what = "snd_pcm_hw_params_any";
    if ((err = snd_pcm_hw_params_any(pcm, hw)) < 0) return err;
    *what = "snd_pcm_hw_params_set_access";
    if ((err = snd_pcm_hw_params_set_access(pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED)) < 0) return err;
    *what = "the sample format S16_LE";
    if ((err = snd_pcm_hw_params_set_format(pcm, hw, SND_PCM_FORMAT_S16_LE)) < 0) return err;
    *what = "the channel count";
    if ((err = snd_pcm_hw_params_set_channels(pcm, hw, channels)) < 0) return err;
    *what = "the sample rate";
    if ((err = snd_pcm_hw_params_set_rate(pcm, hw, rate, 0)) < 0) return err;
    *what = "snd_pcm_hw_params_set_period_size_near";
    if ((err = snd_pcm_hw_params_set_period_size_near(pcm, hw, period, NULL)) < 0) return err;
    *what = "snd_pcm_hw_params_set_buffer_size_near";
    if ((err = snd_pcm_hw_params_set_buffer_size_near(pcm, hw, buffer)) < 0) return err;
    *what = "snd_pcm_hw_params";
    if ((err = snd_pcm_hw_params(pcm, hw)) < 0) return err;
    snd_pcm_hw_params_get_period_size(hw, period, NULL);
    snd_pcm_hw_params_get_buffer_size(hw, buffer);
    if (*wake > *buffer - *period) *wake = *buffer - *period;
    if (*wake < *period) *wake = *period;

    *what = "snd_pcm_sw_params_current";
    if ((err = snd_pcm_sw_params_current(pcm, sw)) < 0) return err;
    *what = "snd_pcm_sw_params_set_start_threshold";
    if ((err = snd_pcm_sw_params_set_start_threshold(pcm, sw, *buffer)) < 0) return err;
    *what = "snd_pcm_sw_params_set_avail_min";
    if ((err = snd_pcm_sw_params_set_avail_min(pcm, sw, *wake)) < 0) return err;
    *what = "snd_pcm_sw_params_set_tstamp_mode";
    if ((err = snd_pcm_sw_params_set_tstamp_mode(pcm, sw, SND_PCM_TSTAMP_ENABLE)) < 0) return err;
    *what = "snd_pcm_sw_params_set_tstamp_type";
    if ((err = snd_pcm_sw_params_set_tstamp_type(pcm, sw, SND_PCM_TSTAMP_TYPE_MONOTONIC)) < 0) return err;
    *what = "snd_pcm_sw_params";
    if ((err = snd_pcm_sw_params(pcm, sw)) < 0) return err;
    return 0;
}

/// Sets how many free frames wake a waiting writer, through `sw` (allocated by the caller,
/// so that the audio thread allocates nothing). Returns 0 or a negative errno.
static inline int loaxa_pcm_set_avail_min(snd_pcm_t *pcm, snd_pcm_sw_params_t *sw,
                                          snd_pcm_uframes_t frames) {
    int err;
    if ((err = snd_pcm_sw_params_current(pcm, sw)) < 0) return err;
    if ((err = snd_pcm_sw_params_set_avail_min(pcm, sw, frames)) < 0) return err;
    return snd_pcm_sw_params(pcm, sw);
}

/// Describes what a PCM accepts (rates, channels, formats) into `out`, for error messages.
static inline void loaxa_pcm_describe(snd_pcm_t *pcm, char *out, size_t len) {
    snd_pcm_hw_params_t *hw;
    snd_pcm_hw_params_alloca(&hw);
    out[0] = 0;
    if (snd_pcm_hw_params_any(pcm, hw) < 0) return;
    unsigned rmin = 0, rmax = 0, cmin = 0, cmax = 0;
    snd_pcm_hw_params_get_rate_min(hw, &rmin, NULL);
    snd_pcm_hw_params_get_rate_max(hw, &rmax, NULL);
    snd_pcm_hw_params_get_channels_min(hw, &cmin);
    snd_pcm_hw_params_get_channels_max(hw, &cmax);
    int n = snprintf(out, len, "rates %u–%u Hz, channels %u–%u, formats", rmin, rmax, cmin, cmax);
    for (int f = 0; f <= SND_PCM_FORMAT_LAST && n > 0 && (size_t)n < len; f++) {
        if (snd_pcm_hw_params_test_format(pcm, hw, (snd_pcm_format_t)f) == 0) {
            const char *name = snd_pcm_format_name((snd_pcm_format_t)f);
            if (name) n += snprintf(out + n, len - n, " %s", name);
        }
    }
}

/// The status timestamp (CLOCK_MONOTONIC as configured) in nanoseconds; 0 when unset.
static inline long long loaxa_pcm_status_htstamp_ns(const snd_pcm_status_t *st) {
    snd_htimestamp_t ts;
    snd_pcm_status_get_htstamp(st, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/// The error snd_pcm_wait reports for the PCM's state: -EPIPE after an underrun, -ESTRPIPE
/// when suspended, -ENODEV when the device is gone; `otherwise` in any other state.
static inline int loaxa_pcm_state_error(snd_pcm_t *pcm, int otherwise) {
    switch (snd_pcm_state(pcm)) {
    case SND_PCM_STATE_XRUN: return -EPIPE;
    case SND_PCM_STATE_SUSPENDED: return -ESTRPIPE;
    case SND_PCM_STATE_DISCONNECTED: return -ENODEV;
    default: return otherwise;
    }
}

/// Clears the eventfd `fd` if it was signalled; returns whether it was.
static inline int loaxa_wake_clear(int fd) {
    uint64_t count;
    return read(fd, &count, sizeof count) == (ssize_t)sizeof count;
}

/// The most poll descriptors a PCM may have here (one, or a few for some plugins).
#define LOAXA_PCM_MAX_POLLFDS 16

/// Waits as snd_pcm_wait(pcm, timeout_ms) does, until `avail_min` frames are free (the
/// value last set in the sw params), and also returns when the eventfd `wakefd` is
/// signalled. Returns 1 when the device has room, 2 when woken (the eventfd is cleared),
/// 0 on timeout, or a negative errno as snd_pcm_wait (-EPIPE, -ESTRPIPE, -ENODEV, ...).
/// The descriptors live on the stack: nothing is allocated.
///
/// `known_avail` is the caller's count of free frames as of its last
/// snd_pcm_avail_update, less what it has written since (the pointer only moves on, so
/// there are at least that many), as snd_pcm_wait uses alsa-lib's cached pointer: when it
/// already reaches `avail_min` there is no wait, and the device is not asked again. A
/// negative value means unknown: the device is asked.
static inline int loaxa_pcm_wait_or_wake(snd_pcm_t *pcm, snd_pcm_sframes_t known_avail,
                                         snd_pcm_uframes_t avail_min, int wakefd, int timeout_ms) {
    struct pollfd fds[LOAXA_PCM_MAX_POLLFDS + 1];
    snd_pcm_sframes_t avail = known_avail >= 0 ? known_avail : snd_pcm_avail_update(pcm);
    if (avail < 0) return (int)avail;
    if ((snd_pcm_uframes_t)avail >= avail_min) return loaxa_pcm_state_error(pcm, 1);
    int n = snd_pcm_poll_descriptors_count(pcm);
    if (n <= 0 || n > LOAXA_PCM_MAX_POLLFDS) return -EIO;
    if (snd_pcm_poll_descriptors(pcm, fds, (unsigned)n) != n) return -EIO;
    fds[n].fd = wakefd;
    fds[n].events = POLLIN;
    for (;;) {
        for (int i = 0; i <= n; i++) fds[i].revents = 0;
        int got = poll(fds, (nfds_t)n + 1, timeout_ms);
        if (got < 0) {
            if (errno == EINTR) continue;
            return -errno;
        }
        if (got == 0) return 0;
        if (fds[n].revents & POLLIN) {
            loaxa_wake_clear(wakefd);
            return 2;
        }
        unsigned short revents = 0;
        int err = snd_pcm_poll_descriptors_revents(pcm, fds, (unsigned)n, &revents);
        if (err < 0) return err;
        if (revents & (POLLERR | POLLNVAL)) return loaxa_pcm_state_error(pcm, -EIO);
        if (revents & POLLOUT) return 1;
    }
}

/// Waits up to `timeout_ms` for the eventfd `wakefd`. Returns 1 if it was signalled (it is
/// cleared), else 0: a failed poll (interrupted) counts as a timeout, never as a device error.
static inline int loaxa_wake_wait(int wakefd, int timeout_ms) {
    struct pollfd fd = { .fd = wakefd, .events = POLLIN, .revents = 0 };
    if (poll(&fd, 1, timeout_ms) <= 0) return 0;
    loaxa_wake_clear(wakefd);
    return 1;
}
