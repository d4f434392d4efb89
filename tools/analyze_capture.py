#!/usr/bin/env python3
"""Check what a virtual sound card recorded against the segments that should have aired.

Usage:
    analyze_capture.py --capture PREFIX --rate 48000 --channels 2 [--ppm 0]
                       [--format S16_LE] [--min-corr 0.9] REF1 REF2 ...

The card writes PREFIX.raw (interleaved frames exactly as played) and PREFIX.runs,
one line per run of the device:

    run capture_frame_offset start_mono_ns start_realtime_ns rate channels format frames_played

The run's first frame reached the "DAC" at start_realtime_ns; capture frame f of
that run at start_realtime_ns + (f - capture_frame_offset) * 1e9 / (rate * (1 + ppm/1e6)).

Each REF (a media file, in airing order) is converted the way the daemon converts
it: decoded with libsndfile (every frame sf_readf_float returns), resampled with
libsoxr (float32 interleaved, SOXR_HQ, default recipe, source channel count,
streamed and then flushed), forced to exactly round(n * rate / src_rate) frames,
and mapped to the output channels (mono -> every channel, stereo -> mono as the
average, otherwise the first channels, padded with silence).

The converted segment is then found in the capture by content: the normalized
cross-correlation (FFT) of its first and last 0.25 s ("head", "tail") with the
capture, both reduced to the mean of their channels.  Peaks below --min-corr do
not count.  When several places match (a file aired twice, repetitive content),
the one nearest the expected place is chosen (for a head: where the previous
segment ended; for a tail: expected_frames after the head).

Prints JSON:

  rate, channels, format, ppm, min_corr
  total_frames            frames in PREFIX.raw
  runs                    the parsed PREFIX.runs
  segments[]              per REF:
    ref, found, error, src_rate, src_channels, decoded_frames,
    expected_frames       length of the converted segment
    head_frame            capture frame where the head matched (segment start)
    tail_frame            where the tail window matched minus (expected_frames - tail_len),
                          i.e. where the segment began judging by its tail
    head_corr, tail_corr  the normalized correlation at those peaks
    lost_or_added_frames  tail_frame - head_frame (negative: frames lost inside)
    start_realtime_ns     time of head_frame
    end_realtime_ns       time of frame head_frame + expected_frames
  joins[]                 per consecutive pair:
    from, to, gap_frames = head_frame[i+1] - (tail_frame[i] + expected_frames[i])
  ok                      every segment found

Exit status: 0 all segments found, 1 some not found or undecodable, 2 usage error.
"""

import argparse
import ctypes
import ctypes.util
import json
import math
import os
import sys
from fractions import Fraction

import numpy as np
from scipy import fft, signal

WINDOW_SECONDS = Fraction(1, 4)

# ------------------------------------------------------------------ libsndfile

SFM_READ = 0x10


class SF_INFO(ctypes.Structure):
    _fields_ = [
        ("frames", ctypes.c_int64),
        ("samplerate", ctypes.c_int),
        ("channels", ctypes.c_int),
        ("format", ctypes.c_int),
        ("sections", ctypes.c_int),
        ("seekable", ctypes.c_int),
    ]


_sndfile = None


def sndfile():
    global _sndfile
    if _sndfile is None:
        lib = ctypes.CDLL("libsndfile.so.1")
        lib.sf_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(SF_INFO)]
        lib.sf_open.restype = ctypes.c_void_p
        lib.sf_readf_float.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_float), ctypes.c_int64]
        lib.sf_readf_float.restype = ctypes.c_int64
        lib.sf_close.argtypes = [ctypes.c_void_p]
        lib.sf_close.restype = ctypes.c_int
        lib.sf_strerror.argtypes = [ctypes.c_void_p]
        lib.sf_strerror.restype = ctypes.c_char_p
        _sndfile = lib
    return _sndfile


class DecodeError(Exception):
    pass


def decode(path):
    """All frames libsndfile decodes from path, as float32 (frames x channels), and the rate."""
    lib = sndfile()
    info = SF_INFO()
    handle = lib.sf_open(os.fsencode(path), SFM_READ, ctypes.byref(info))
    if not handle:
        raise DecodeError(lib.sf_strerror(None).decode("utf-8", "replace"))
    try:
        ch = info.channels
        if ch < 1 or info.samplerate < 1:
            raise DecodeError(f"bad stream parameters: {info.samplerate} Hz, {ch} channels")
        chunk = 16384
        buf = np.empty(chunk * ch, dtype=np.float32)
        ptr = buf.ctypes.data_as(ctypes.POINTER(ctypes.c_float))
        parts = []
        while True:
            got = lib.sf_readf_float(handle, ptr, chunk)
            if got <= 0:
                break
            parts.append(buf[: got * ch].copy())
        data = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
        return data.reshape(-1, ch), info.samplerate
    finally:
        lib.sf_close(handle)


# --------------------------------------------------------------------- libsoxr

SOXR_FLOAT32_I = 0
SOXR_HQ = 4


class soxr_io_spec_t(ctypes.Structure):
    _fields_ = [
        ("itype", ctypes.c_int),
        ("otype", ctypes.c_int),
        ("scale", ctypes.c_double),
        ("e", ctypes.c_void_p),
        ("flags", ctypes.c_ulong),
    ]


class soxr_quality_spec_t(ctypes.Structure):
    _fields_ = [
        ("precision", ctypes.c_double),
        ("phase_response", ctypes.c_double),
        ("passband_end", ctypes.c_double),
        ("stopband_begin", ctypes.c_double),
        ("e", ctypes.c_void_p),
        ("flags", ctypes.c_ulong),
    ]


_soxr = None


def soxr():
    global _soxr
    if _soxr is None:
        lib = ctypes.CDLL("libsoxr.so.0")
        lib.soxr_io_spec.argtypes = [ctypes.c_int, ctypes.c_int]
        lib.soxr_io_spec.restype = soxr_io_spec_t
        lib.soxr_quality_spec.argtypes = [ctypes.c_ulong, ctypes.c_ulong]
        lib.soxr_quality_spec.restype = soxr_quality_spec_t
        lib.soxr_create.argtypes = [
            ctypes.c_double, ctypes.c_double, ctypes.c_uint, ctypes.POINTER(ctypes.c_char_p),
            ctypes.POINTER(soxr_io_spec_t), ctypes.POINTER(soxr_quality_spec_t), ctypes.c_void_p,
        ]
        lib.soxr_create.restype = ctypes.c_void_p
        lib.soxr_process.argtypes = [
            ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t),
            ctypes.c_void_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t),
        ]
        lib.soxr_process.restype = ctypes.c_char_p
        lib.soxr_delete.argtypes = [ctypes.c_void_p]
        lib.soxr_delete.restype = None
        _soxr = lib
    return _soxr


def resample(data, src_rate, rate):
    """Streams data (frames x channels, float32) through libsoxr, then flushes it."""
    lib = soxr()
    ch = data.shape[1]
    io = lib.soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I)
    q = lib.soxr_quality_spec(SOXR_HQ, 0)
    err = ctypes.c_char_p()
    s = lib.soxr_create(float(src_rate), float(rate), ch, ctypes.byref(err),
                        ctypes.byref(io), ctypes.byref(q), None)
    if not s or err.value:
        raise DecodeError("soxr_create: " + (err.value or b"failed").decode())
    try:
        data = np.ascontiguousarray(data, dtype=np.float32)
        chunk = 4096
        olen = int(chunk * rate / src_rate) + 1024
        out = np.empty(olen * ch, dtype=np.float32)
        idone, odone = ctypes.c_size_t(), ctypes.c_size_t()
        parts = []
        pos, n = 0, data.shape[0]
        while pos < n:
            ilen = min(chunk, n - pos)
            e = lib.soxr_process(s, data[pos:].ctypes.data, ilen, ctypes.byref(idone),
                                 out.ctypes.data, olen, ctypes.byref(odone))
            if e:
                raise DecodeError("soxr_process: " + e.decode())
            parts.append(out[: odone.value * ch].copy())
            pos += idone.value
        while True:                                   # flush: NULL input until nothing comes out
            e = lib.soxr_process(s, None, 0, None, out.ctypes.data, olen, ctypes.byref(odone))
            if e:
                raise DecodeError("soxr_process (flush): " + e.decode())
            if odone.value == 0:
                break
            parts.append(out[: odone.value * ch].copy())
        y = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
        return y.reshape(-1, ch)
    finally:
        lib.soxr_delete(s)


def expected_length(n, src_rate, rate):
    """round(n * rate / src_rate), halves rounded up, in exact integer arithmetic."""
    return (2 * n * rate + src_rate) // (2 * src_rate)


def map_channels(x, channels):
    src = x.shape[1]
    if src == channels:
        return x
    if src == 1:
        return np.repeat(x, channels, axis=1)
    if src == 2 and channels == 1:
        return x.mean(axis=1, keepdims=True, dtype=np.float32)
    y = np.zeros((x.shape[0], channels), dtype=np.float32)
    k = min(src, channels)
    y[:, :k] = x[:, :k]
    return y


def convert(path, rate, channels):
    """The reference for path as the daemon would play it: (frames x channels float32, info)."""
    data, src_rate = decode(path)
    n = data.shape[0]
    y = resample(data, src_rate, rate)
    want = expected_length(n, src_rate, rate)
    if y.shape[0] >= want:
        y = y[:want]
    else:
        y = np.concatenate([y, np.zeros((want - y.shape[0], y.shape[1]), dtype=np.float32)])
    info = {"src_rate": src_rate, "src_channels": data.shape[1], "decoded_frames": n}
    return map_channels(y, channels), info


# --------------------------------------------------------------------- capture

FORMATS = {
    "S16_LE": ("<i2", 32768.0),
    "S32_LE": ("<i4", 2147483648.0),
    "FLOAT_LE": ("<f4", 1.0),
    "FLOAT64_LE": ("<f8", 1.0),
    "U8": ("u1", None),
}


def read_capture(prefix, channels, fmt):
    dtype, scale = FORMATS[fmt]
    raw = np.fromfile(prefix + ".raw", dtype=dtype)
    frames = raw.size // channels
    raw = raw[: frames * channels].reshape(frames, channels)
    if fmt == "U8":
        x = (raw.astype(np.float64) - 128.0) / 128.0
    else:
        x = raw.astype(np.float64) / scale
    return x


def read_runs(path):
    runs = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            parts = line.split()
            if not parts or parts[0].startswith("#"):
                continue
            # The first field is the run's index (the virtual card) or the word "run".
            if not (parts[0] == "run" or parts[0].isdigit()) or len(parts) < 8:
                raise ValueError(f"{path}:{lineno}: bad run line: {line.strip()!r}")
            runs.append({
                "capture_frame_offset": int(parts[1]),
                "start_mono_ns": int(parts[2]),
                "start_realtime_ns": int(parts[3]),
                "rate": int(parts[4]),
                "channels": int(parts[5]),
                "format": parts[6],
                "frames_played": int(parts[7]),
            })
    runs.sort(key=lambda r: r["capture_frame_offset"])
    return runs


def realtime_ns(frame, runs, rate, ppm):
    """Wall time (ns) at which capture frame `frame` reached the DAC, or None without runs."""
    if frame is None or not runs:
        return None
    run = runs[0]
    for r in runs:
        if r["capture_frame_offset"] <= frame:
            run = r
    r_rate = run["rate"] or rate
    delta = Fraction(frame - run["capture_frame_offset"]) * 10**9 / (r_rate * (1 + ppm / 10**6))
    return run["start_realtime_ns"] + math.floor(delta + Fraction(1, 2))


# ---------------------------------------------------------------- correlation

class Matcher:
    """Normalized cross-correlation of short windows against one capture signal."""

    def __init__(self, x, max_window):
        self.x = np.asarray(x, dtype=np.float64)
        self.cum = np.concatenate([[0.0], np.cumsum(self.x * self.x)])
        # The capture's spectrum is computed once and shared by every window.
        self.nfft = fft.next_fast_len(len(self.x) + max_window - 1, real=True)
        self.spec = fft.rfft(self.x, self.nfft, workers=-1)

    def ncc(self, t):
        t = np.asarray(t, dtype=np.float64)
        n = len(t)
        if n == 0 or n > len(self.x):
            return np.zeros(0)
        et = float(np.dot(t, t))
        if et <= 0:
            return np.zeros(len(self.x) - n + 1)
        if n > self.nfft - len(self.x) + 1:
            num = signal.fftconvolve(self.x, t[::-1], mode="valid")
        else:
            spec = self.spec * np.conj(fft.rfft(t, self.nfft))
            num = fft.irfft(spec, self.nfft, workers=-1)[: len(self.x) - n + 1]
        ex = np.maximum(self.cum[n:] - self.cum[:-n], 0.0)
        den = np.sqrt(et * ex)
        out = np.zeros_like(num)
        ok = ex > 1e-9 * et                  # windows of (near) silence never match
        out[ok] = num[ok] / den[ok]
        return out

    @staticmethod
    def peaks(c, threshold, width):
        """Local maxima of c above threshold: one per cluster of lags closer than width."""
        idx = np.flatnonzero(c >= threshold)
        if idx.size == 0:
            return []
        breaks = np.flatnonzero(np.diff(idx) > width) + 1
        found = []
        for group in np.split(idx, breaks):
            best = group[np.argmax(c[group])]
            found.append((int(best), float(c[best])))
        return found


def choose(peaks, lo, expected):
    """The peak at lag >= lo nearest to expected (the earliest one when expected is None)."""
    cands = [p for p in peaks if p[0] >= lo]
    if not cands:
        return None
    if expected is None:
        return cands[0]
    return min(cands, key=lambda p: (abs(p[0] - expected), p[0]))


# ----------------------------------------------------------------------- main

def analyze(prefix, rate, channels, refs, ppm=0.0, fmt="S16_LE", min_corr=0.9, channel=None):
    ppm = Fraction(str(ppm))
    cap = read_capture(prefix, channels, fmt)
    runs_path = prefix + ".runs"
    runs = read_runs(runs_path) if os.path.exists(runs_path) else []
    total = cap.shape[0]
    mono = cap[:, channel] if channel is not None else cap.mean(axis=1)
    win = int(WINDOW_SECONDS * rate)
    matcher = Matcher(mono, win)

    segments = []
    lo = 0                 # no segment may start before this capture frame
    expect_next = None     # where the next segment should start, from the previous tail
    for ref in refs:
        seg = {"ref": ref, "found": False, "error": None, "src_rate": None, "src_channels": None,
               "decoded_frames": None, "expected_frames": None, "head_frame": None,
               "tail_frame": None, "head_corr": None, "tail_corr": None,
               "lost_or_added_frames": None, "start_realtime_ns": None, "end_realtime_ns": None}
        segments.append(seg)
        try:
            y, info = convert(ref, rate, channels)
        except (DecodeError, OSError) as e:
            seg["error"] = f"cannot decode: {e}"
            continue
        seg.update(info)
        n = y.shape[0]
        seg["expected_frames"] = n
        if n == 0:
            seg["error"] = "no frames decoded"
            continue
        ym = y[:, channel] if channel is not None else y.mean(axis=1, dtype=np.float64)
        hl = min(win, n)
        head, tail = ym[:hl], ym[n - hl:]

        hc = matcher.ncc(head)
        h = choose(Matcher.peaks(hc, min_corr, hl), lo, expect_next)
        # Report the best correlation even when it is too weak to count.
        if h is None:
            seg["head_corr"] = float(hc[lo:].max()) if hc[lo:].size else None
        else:
            seg["head_frame"], seg["head_corr"] = h
        tc = matcher.ncc(tail) if hl < n else hc
        t_lo = seg["head_frame"] if seg["head_frame"] is not None else lo
        t_expect = (seg["head_frame"] + n - hl) if seg["head_frame"] is not None else (
            expect_next + n - hl if expect_next is not None else None)
        t = choose(Matcher.peaks(tc, min_corr, hl), t_lo, t_expect)
        if t is None:
            seg["tail_corr"] = float(tc[t_lo:].max()) if tc[t_lo:].size else None
        else:
            seg["tail_frame"], seg["tail_corr"] = t[0] - (n - hl), t[1]

        if seg["head_frame"] is not None:
            lo = seg["head_frame"] + 1
            seg["start_realtime_ns"] = realtime_ns(seg["head_frame"], runs, rate, ppm)
            seg["end_realtime_ns"] = realtime_ns(seg["head_frame"] + n, runs, rate, ppm)
        if seg["tail_frame"] is not None:
            lo = max(lo, seg["tail_frame"] + n - hl + 1)
            expect_next = seg["tail_frame"] + n
        elif seg["head_frame"] is not None:
            expect_next = seg["head_frame"] + n
        if seg["head_frame"] is not None and seg["tail_frame"] is not None:
            seg["found"] = True
            seg["lost_or_added_frames"] = seg["tail_frame"] - seg["head_frame"]
        elif seg["error"] is None:
            missing = [w for w in ("head", "tail") if seg[w + "_frame"] is None]
            seg["error"] = f"{' and '.join(missing)} not found (correlation below {min_corr})"

    joins = []
    for a, b in zip(segments, segments[1:]):
        gap = None
        if a["tail_frame"] is not None and b["head_frame"] is not None:
            gap = b["head_frame"] - (a["tail_frame"] + a["expected_frames"])
        joins.append({"from": a["ref"], "to": b["ref"], "gap_frames": gap,
                      "gap_ms": None if gap is None else round(gap * 1000 / rate, 3)})

    return {
        "capture": prefix,
        "rate": rate,
        "channels": channels,
        "format": fmt,
        "ppm": float(ppm),
        "min_corr": min_corr,
        "total_frames": total,
        "runs": runs,
        "segments": segments,
        "joins": joins,
        "ok": all(s["found"] for s in segments),
    }


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--capture", required=True, help="PREFIX of PREFIX.raw and PREFIX.runs")
    p.add_argument("--rate", type=int, required=True, help="the device's frame rate")
    p.add_argument("--channels", type=int, required=True, help="the device's channel count")
    p.add_argument("--ppm", type=float, default=0.0, help="the card's clock error in ppm")
    p.add_argument("--format", default="S16_LE", choices=sorted(FORMATS), help="sample format of PREFIX.raw")
    p.add_argument("--min-corr", type=float, default=0.9, help="weakest correlation that counts as found")
    p.add_argument("--channel", type=int, default=None, help="correlate this channel (default: mean of channels)")
    p.add_argument("refs", nargs="+", metavar="REF", help="media files in the order they should have aired")
    a = p.parse_args(argv)
    if a.rate <= 0 or a.channels <= 0 or (a.channel is not None and not 0 <= a.channel < a.channels):
        p.error("bad --rate, --channels or --channel")
    try:
        result = analyze(a.capture, a.rate, a.channels, a.refs, a.ppm, a.format, a.min_corr, a.channel)
    except (OSError, ValueError) as e:
        print(f"analyze_capture: {e}", file=sys.stderr)
        return 2
    json.dump(result, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
