#!/usr/bin/env python3
"""Writes docs/BENCHMARKS.md from the JSON results of tools/bench/run.sh.

Usage: report.py --results DIR --out FILE --speed N --elapsed SECONDS [--quick 0|1]
                 [--finished "YYYY-MM-DD HH:MM UTC"]
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
from datetime import datetime, timezone

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MIB = 1024


def load(results, name, program):
    try:
        with open(os.path.join(results, f"{name}-{program}.json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def sh(*cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT).stdout.strip()
    except OSError:
        return ""


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def fmt_cpu(r):
    if not r or r.get("cpu_seconds_per_audio_hour") is None:
        return "failed"
    text = f"{r['cpu_seconds_per_audio_hour']:.1f} s"
    return text if r.get("ok") else text + " (incomplete)"


def fmt_rss(r):
    if not r or r.get("peak_rss_kib") is None:
        return "failed"
    return f"{r['peak_rss_kib'] / MIB:.1f} MiB"


def val(r, key):
    return None if not r else r.get(key)


def verdict(ok):
    return "yes" if ok else "no"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--results", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--speed", type=float, required=True)
    p.add_argument("--elapsed", type=int, required=True)
    p.add_argument("--quick", default="0")
    p.add_argument("--finished", default=None, help="when the run ended (default: now)")
    a = p.parse_args()
    R = lambda name, prog: load(a.results, name, prog)  # noqa: E731
    speed = f"{a.speed:g}"
    hour = "5-minute (BENCH_QUICK)" if a.quick == "1" else "one-hour"

    mpd_version = sh("mpd", "--version").splitlines()[0] if sh("mpd", "--version") else "mpd: not found"
    loaxa_version = sh("git", "describe", "--always", "--dirty", "--tags")
    alsa = sh("dpkg-query", "-W", "-f=${Version}", "libasound2")
    soxr = sh("dpkg-query", "-W", "-f=${Version}", "libsoxr0")
    debian = open("/etc/debian_version").read().strip() if os.path.exists("/etc/debian_version") else "?"
    now = a.finished or datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")

    L, M = "loaxad", "mpd"
    rows = []

    def repeats(name, prog):
        """The run `name` and its repeats `name.2`, `name.3`, ... that completed."""
        found = [R(name, prog)] + [R(f"{name}.{i}", prog) for i in range(2, 10)]
        return [r for r in found if r and r.get("cpu_seconds_per_audio_hour") is not None]

    def median_cpu(name, prog):
        values = sorted(r["cpu_seconds_per_audio_hour"] for r in repeats(name, prog))
        return statistics.median(values) if values else None

    def fmt_cpu_runs(name, prog):
        runs = repeats(name, prog)
        if len(runs) < 2:
            return fmt_cpu(R(name, prog))
        values = sorted(r["cpu_seconds_per_audio_hour"] for r in runs)
        return f"{statistics.median(values):.1f} s (median of {len(values)}: {values[0]:.1f}–{values[-1]:.1f})"

    def cpu_row(label, name, note=""):
        lv, mv = median_cpu(name, L), median_cpu(name, M)
        met = lv is not None and mv is not None and lv <= mv
        rows.append((label, fmt_cpu_runs(name, L), fmt_cpu_runs(name, M), "≤ mpd's" + note, verdict(met)))

    cpu_row(f"CPU s per audio hour, {hour} Opus 48 kHz, card ×{speed}", "hour-opus")
    cpu_row(f"CPU s per audio hour, {hour} MP3 44.1 kHz, card ×{speed}", "hour-mp3")
    cpu_row("CPU s per audio hour, 3-minute Opus 48 kHz, card ×1", "3min-opus")
    cpu_row("CPU s per audio hour, 3-minute MP3 44.1 kHz, card ×1", "3min-mp3")
    cpu_row("CPU s per audio hour, the 12-segment block, card ×1", "joins")

    def rss_rows(fmt, label):
        lh, l5, mh, m5 = R(f"hour-{fmt}", L), R(f"5min-{fmt}", L), R(f"hour-{fmt}", M), R(f"5min-{fmt}", M)
        lv = val(lh, "peak_rss_kib")
        rows.append((f"peak RSS (VmHWM), {hour} {label}", fmt_rss(lh), fmt_rss(mh), "≤ 32 MiB",
                     verdict(lv is not None and lv <= 32 * MIB)))
        lv5 = val(l5, "peak_rss_kib")
        rows.append((f"peak RSS (VmHWM), 5-minute {label}", fmt_rss(l5), fmt_rss(m5), "≤ 32 MiB",
                     verdict(lv5 is not None and lv5 <= 32 * MIB)))

        def growth(h, f):
            if val(h, "peak_rss_kib") is None or val(f, "peak_rss_kib") is None:
                return None
            return h["peak_rss_kib"] - f["peak_rss_kib"]
        gl, gm = growth(lh, l5), growth(mh, m5)
        g = lambda x: "n/a" if x is None else f"{x / MIB:+.1f} MiB"  # noqa: E731
        rows.append((f"peak RSS, {hour} run minus 5-minute run, {label}", g(gl), g(gm),
                     "listed only (two processes)", "n/a"))

        def within(r):
            """RSS at the end of the played audio minus RSS 5 minutes of audio in, in one process."""
            if not r or r.get("audio_first_frame") is None:
                return None
            first, last = r["audio_first_frame"], r["audio_last_frame"]
            playing = [x for x in r.get("samples", []) if x.get("rss_kb")
                       and (first + 300 * 48000) * 4 <= x.get("capture_bytes", 0) <= (last + 1) * 4]
            return playing[-1]["rss_kb"] - playing[0]["rss_kb"] if len(playing) >= 2 else None
        wl, wm = within(lh), within(mh)
        rows.append((f"RSS growth while the {hour} file plays, from its 5th minute to its end, {label}",
                     g(wl), g(wm), "< +1 MiB (does not grow)", verdict(wl is not None and wl < MIB)))

    rss_rows("opus", "Opus")
    rss_rows("mp3", "MP3")

    jl, jm = R("joins", L), R("joins", M)

    def join_stats(r):
        an = (r or {}).get("analysis") or {}
        gaps = [j.get("gap_frames") for j in an.get("joins", [])]
        lost = [s.get("lost_or_added_frames") for s in an.get("segments", [])]
        return an, gaps, lost

    anl, gl, ll = join_stats(jl)
    anm, gm, lm = join_stats(jm)

    def worst(xs):
        if not xs:
            return "failed"
        if any(x is None for x in xs):
            return f"{sum(x is None for x in xs)} not measured"
        nz = [x for x in xs if x != 0]
        return f"{len(nz)} of {len(xs)} non-zero; worst {max(xs, key=abs)}" if nz else f"all {len(xs)} are 0"

    ok_g = bool(gl) and all(x == 0 for x in gl)
    ok_l = bool(ll) and all(x == 0 for x in ll)
    rows.append(("gap frames per join (11 joins, card ×1)", worst(gl), worst(gm), "0", verdict(ok_g)))
    rows.append(("frames lost or added per segment (12 segments, card ×1)", worst(ll), worst(lm), "0",
                 verdict(ok_l)))

    def underruns(r):
        if not r:
            return "failed"
        return str(r.get("card_underruns"))
    for name, label in (("hour-opus", f"{hour} Opus ×{speed}"), ("hour-mp3", f"{hour} MP3 ×{speed}"),
                        ("joins", "12 segments ×1")):
        l, m = R(name, L), R(name, M)
        if name == "joins" or a.speed == 1:
            rows.append((f"underruns at the card, {label}", underruns(l), underruns(m), "0",
                         verdict(l is not None and l.get("card_underruns") == 0)))
        else:
            # Sped up, the card's buffer lasts a tenth of its time: listed, not judged (see
            # "What to keep in mind"); `make soak` judges underruns under load at ×1.
            rows.append((f"underruns at the card, {label}", underruns(l), underruns(m),
                         "listed only (sped up)", "n/a"))

    out = []
    w = out.append
    w("# Benchmarks: loaxad against mpd")
    w("")
    if a.quick == "1":
        w("**Quick run (BENCH_QUICK=1): the five-minute segment stood in for the hour.**")
        w("")
    w(f"Written by `make bench` (`tools/bench/run.sh`) on {now}; the run took "
      f"{a.elapsed // 60} min {a.elapsed % 60} s. Every figure below is measured, none is "
      f"estimated. The raw JSON of each measurement (with its /proc samples, the card's runs "
      f"and the analyser's output) is kept in `.build/bench/results/`, which is not committed.")
    w("")
    w("| | |")
    w("|---|---|")
    w(f"| machine | {os.cpu_count()} × {cpu_model()}, Debian {debian}, Linux {platform.release()} |")
    w("| command | `make bench` |")
    w(f"| loaxa | `{loaxa_version}` (release build) |")
    w(f"| mpd | {mpd_version} (Debian's package) |")
    w(f"| alsa-lib, libsoxr | {alsa}, {soxr} |")
    w("")
    w("## Results")
    w("")
    w("| metric | loaxad | mpd | target (for loaxad) | met |")
    w("|---|---|---|---|---|")
    for row in rows:
        w("| " + " | ".join(row) + " |")
    w("")
    w("The runs at card speed ×1 play both programs at once, each on its own card, and are "
      "repeated (BENCH_REPEAT, default 3); their CPU rows give the median of the runs and the "
      "lowest and highest. A program's CPU time for the same work varies by 10 % or more from "
      "run to run on a shared machine, so one run cannot tell two programs apart that are "
      "within a few percent of each other.")
    w("")

    # details: CPU
    w("### CPU and memory, run by run")
    w("")
    w("| run | card speed | program | audio | wall time of the block | CPU s | CPU s per audio hour | "
      "share of one core | peak RSS (VmHWM) | largest RSS sampled while playing | underruns |")
    w("|---|---|---|---|---|---|---|---|---|---|---|")
    names = ["hour-opus", "hour-mp3", "5min-opus", "5min-mp3"]
    for base in ("3min-opus", "3min-mp3", "joins"):
        names += [base] + [f"{base}.{i}" for i in range(2, 10) if R(f"{base}.{i}", L) or R(f"{base}.{i}", M)]
    for name in names:
        for prog in (L, M):
            r = R(name, prog)
            if not r:
                w(f"| {name} | | {prog} | failed | | | | | | | |")
                continue
            if r.get("audio_seconds") is None:
                w(f"| {name} | ×{r['speed']:g} | {prog} | no audio captured | | | | | | | |")
                continue
            w(f"| {name} | ×{r['speed']:g} | {prog} | {r['audio_seconds']:.1f} s | "
              f"{r['window_wall_seconds']:.1f} s | {r['cpu_seconds']:.2f} | "
              f"{r['cpu_seconds_per_audio_hour']:.1f} | {r['cpu_percent_of_one_core']:.1f} % | "
              f"{r['peak_rss_kib'] / MIB:.1f} MiB | "
              f"{(r.get('max_sampled_rss_while_playing_kib') or 0) / MIB:.1f} MiB | "
              f"{r.get('card_underruns')}{'' if r.get('ok') else ' (did not complete)'} |")
    w("")

    # the speed-up: CPU per audio hour = work per audio hour + time-driven work / speed
    w("### What the speed-up hides")
    w("")
    w("Some work is done per frame (decoding, resampling, copying) and some per second of wall "
      "time (timers, polling, a clock fit, heartbeats). At card speed ×S an audio hour lasts 1/S "
      "of an hour, so the second kind shrinks S times. From the ×1 figure (the median of its runs) and the ×" + speed + " figure of "
      "each format, CPU s per audio hour = A + B / speed gives A, the work per audio hour, and B, "
      "the work per wall-clock hour whatever is played:")
    w("")
    w("| format | program | ×1 | ×" + speed + " | A: per audio hour | B: per wall-clock hour |")
    w("|---|---|---|---|---|---|")
    for fmt, label in (("opus", "Opus 48 kHz"), ("mp3", "MP3 44.1 kHz")):
        for prog in (L, M):
            c1 = median_cpu(f"3min-{fmt}", prog)
            cs = val(R(f"hour-{fmt}", prog), "cpu_seconds_per_audio_hour")
            if c1 is None or cs is None or a.speed == 1:
                w(f"| {label} | {prog} | {c1} | {cs} | n/a | n/a |")
                continue
            bb = (c1 - cs) / (1 - 1 / a.speed)
            w(f"| {label} | {prog} | {c1:.1f} s | {cs:.1f} s | {c1 - bb:.1f} s | {bb:.1f} s |")
    w("")

    # details: joins
    w("### Joins, the 12-segment block at card speed 1")
    w("")
    w("`gap_frames` of each join and `lost_or_added_frames` of each segment, from "
      "`tools/analyze_capture.py` run the same way on both captures (references in play order, "
      f"`--min-corr {((jl or {}).get('analysis') or {}).get('min_corr', 0.5)}`). A negative gap "
      "means the next segment began before the previous one had played all of its frames: the "
      "previous segment's end was cut by that many frames. 1 ms is 48 frames.")
    w("")
    w("| # | segment | loaxad: lost or added | mpd: lost or added | join to the next | loaxad: gap | mpd: gap |")
    w("|---|---|---|---|---|---|---|")
    segs_l = anl.get("segments", [])
    segs_m = anm.get("segments", [])
    n = max(len(segs_l), len(segs_m))
    for i in range(n):
        sl = segs_l[i] if i < len(segs_l) else {}
        sm = segs_m[i] if i < len(segs_m) else {}
        name = os.path.basename(sl.get("ref") or sm.get("ref") or "?")
        g1 = gl[i] if i < len(gl) else ""
        g2 = gm[i] if i < len(gm) else ""
        nxt = "→ next" if i < n - 1 else "(last)"
        w(f"| {i + 1} | `{name}` | {sl.get('lost_or_added_frames')} | {sm.get('lost_or_added_frames')} | "
          f"{nxt} | {g1} | {g2} |")
    w("")
    w("Head and tail correlations (1.0 is a perfect match of the 0.25 s window): loaxad "
      + ", ".join(f"{s.get('head_corr') or 0:.3f}/{s.get('tail_corr') or 0:.3f}" for s in segs_l)
      + "; mpd "
      + ", ".join(f"{s.get('head_corr') or 0:.3f}/{s.get('tail_corr') or 0:.3f}" for s in segs_m) + ".")
    w("")

    # the media library's scan
    scan = None
    try:
        with open(os.path.join(a.results, "scan.json")) as f:
            scan = json.load(f)
    except (OSError, ValueError):
        pass
    w("### The media library: `loaxa media scan`")
    w("")
    if not scan:
        w("The scan was not measured (no `scan.json`).")
    else:
        runs = scan["runs"]
        first = runs["first"]
        ff = scan.get("ffmpeg") or {}
        w(f"{scan['files']} files ({scan['bytes'] / MIB / MIB:.0f} MiB, {scan['audio_hours'] * 60:.1f} min of audio: "
          "the hour-long, five-minute and three-minute programmes in Opus and MP3, and the twelve "
          "segments of the block) in a new station's media folder. The first scan hashes, decodes "
          "and measures every file (integrated loudness and true peak, EBU R128); the next finds "
          "nothing changed; the last runs after every file was touched (new modification time, "
          "same content), so it hashes them all and decodes none. CPU is user + system time of "
          "the `loaxa` process (wait4).")
        w("")
        w("| run | exit | files analysed | CPU s | wall s | peak RSS |")
        w("|---|---|---|---|---|---|")
        for label, what in (("first", "first scan"), ("unchanged", "rescan, nothing changed"),
                            ("touched", "rescan, every file touched")):
            r = runs.get(label) or {}
            sm = r.get("summary") or {}
            analysed = sm.get("added", 0) + sm.get("changed", 0) if sm.get("analysed_audio_ms") else 0
            w(f"| {what} | {r.get('exit')} | {analysed} of {sm.get('files')} | {r.get('cpu_seconds', 0):.2f} | "
              f"{r.get('wall_seconds', 0):.2f} | {r.get('peak_rss_kib', 0) / MIB:.1f} MiB |")
        w("")
        rate = scan.get("audio_hours_per_cpu_minute")
        ffrate = ff.get("audio_hours_per_cpu_minute")
        w(f"**Scan throughput: {rate:.2f} hours of audio analysed per minute of CPU** "
          f"(one core). For comparison, ffmpeg's EBU R128 meter with true peak "
          f"(`ffmpeg -i FILE -af ebur128=peak=true -f null -`, one process per file) does the same decoding "
          f"and measuring at {ffrate:.2f} hours per CPU minute ({ff.get('cpu_seconds', 0):.1f} s)"
          + ("" if ff.get("ok") else ", **but not every ffmpeg run succeeded**") + ".")
    w("")

    w("## How it was measured")
    w("")
    w(f"""- **Media** (`tools/bench/make-media.sh`, cached in `.build/bench/media/`): the example
  station's announcements and jingles looped to one hour over a soft stereo pink-noise bed,
  encoded as 48 kHz stereo Opus (64 kbit/s) and as 44.1 kHz stereo MP3 (128 kbit/s, so both
  programs must resample it); the first 5 and 3 minutes of the same programme, encoded the same
  way; and twelve segments of 5 to 20 s, busy from their first to their last sample, cycling
  through 22.05 kHz mono WAV, 44.1 kHz stereo MP3, 48 kHz FLAC, 32 kHz stereo Vorbis and 48 kHz
  Opus, so that every join changes format or rate.
- **Output.** Each program plays through its own instance of the virtual card (`tools/vcard`,
  its own `asoundrc` given to that process alone with `ALSA_CONFIG_PATH`, its own capture), at
  the same fixed format, 48000 Hz S16_LE stereo.
- **loaxad** (release build) gets a station folder with `loaxa.toml` (device `vcard`, rate
  48000, channels 2, time zone Asia/Ho_Chi_Minh) and one one-off `date` block starting 6 s
  ahead whose `items` are the files. It is stopped with SIGTERM once its journal shows
  `block_ended`; the exported log (`loaxa log export --format json`) must hold one
  `completed` record per file. Before that run, a first daemon on the same station plans the
  block two minutes ahead and is stopped once its journal says the block is ready: loaxad
  measures each file's loudness once, when it first plans it (normally ten minutes before
  air), and keeps it by content hash, so the measured run airs the files as every later
  airing does. mpd, with replay gain off, measures nothing.
- **mpd** is Debian's, run as `mpd --no-daemon` with its own configuration in the run's folder
  (`.build/bench/work/NAME-mpd/mpd.conf`): `music_directory` holding just the run's files,
  `audio_output {{ type "alsa" device "vcard" mixer_type "none" }}`,
  `audio_output_format "48000:16:2"`, `replaygain "off"`, crossfade 0, gapless MP3 on (in mpd
  0.23 `gapless_mp3_playback` is deprecated and spelled `decoder {{ plugin "mad" gapless "yes" }}`),
  and the resampler loaxad uses, libsoxr at quality "high" (mpd's default here is libsamplerate's
  fastest sinc). It is driven over its Unix socket (its protocol spoken by
  `tools/bench/measure.py`: `update`, `add` each file in order, `play`, then `idle player` until
  the state is `stop`, which mpd reaches after draining the card).
- **CPU seconds per audio hour**: utime + stime + cutime + cstime of the process (all its
  threads) from `/proc/PID/stat`, sampled every 0.2 s; counted from the last sample before the
  block's first non-silent frame reached the card's capture to the first sample after its last
  one; divided by the hours of audio between those frames.
- **Peak RSS**: `VmHWM` from `/proc/PID/status` at the end of the block, in a process started
  for that block alone; it includes start-up (for mpd, its database update of the run's few
  files). The largest `VmRSS` sampled while the block played is listed beside it.
- **Does memory grow**: `VmRSS` of the one-hour run sampled when the capture reached its 5th
  minute of audio, against the last sample while it played: one process, one file. (The
  difference between the peaks of the hour run and the 5-minute run compares two
  processes, whose start-up alone differs by a few hundred KiB from run to run, so it is
  only listed.)
- **Joins**: `tools/analyze_capture.py` on each capture, the twelve files as references in play
  order, identical arguments for both programs.
- **Order.** The ×{speed} runs (the hour and the five minutes) played one program at a time,
  loaxad first. The real-time runs (the 3-minute CPU checks and the 12-segment block) played
  loaxad and mpd at the same time, each on its own card: that shares the two cores between them,
  which does not change CPU seconds, and at these loads (a few per cent of a core) leaves each
  the headroom it needs.""")
    w("")
    w("## What to keep in mind")
    w("")
    w(f"""- **The hour was played at card speed ×{speed}** (the virtual card's `speed` parameter: it
  consumes 48000 × {speed} frames per second of CLOCK_MONOTONIC and wakes its poller {speed} times
  as often), so an audio hour took about {60 / a.speed:.0f} minutes. Work done per frame (decoding,
  resampling, copying) is the same at any speed; work done per second of wall time (timers, a
  clock fit, heartbeats, polling) is divided by the speed. The 3-minute runs at ×1 show what an
  hour costs in real time: compare them with the ×{speed} rows before trusting the hour's CPU
  figure for either program.
- **Wake-ups follow the card.** Both programs' output threads wake when the card has played
  part of its buffer, and loaxad's renderer sleeps while the card plays half of its one-second
  look-ahead, timed by how fast the card has been taking frames: at ×{speed} they wake {speed}
  times as often per second, so at that speed their wake-ups count as work per frame.
- **loaxad's block placement assumes a card within 1 % of its nominal rate**: its frame clock
  maps the schedule's wall time to a frame number. At ×{speed} the card is far outside that, so
  loaxad starts the block off its scheduled second (the `started_at` in its log is not the
  scheduled time). That does not matter for CPU or memory; the gap and join measurements were
  made at ×1.
- **The runs line of the virtual card carries the nominal rate**, not the speed: the capture's
  DAC times are start + frames / (rate × speed × (1 + ppm/10⁶)). Only frame counts are used
  here, which do not depend on the speed.
- **Underruns at ×{speed}** are the card's: a program that cannot refill a buffer that now lasts
  1/{speed} of its usual time underruns. loaxad refills its 320 ms buffer when half of it has
  played, which at ×{speed} leaves its audio thread {160 / a.speed:g} ms of wall time: any stall
  that long, of the thread or of the disk the virtual card records to, underruns the card.
  They are listed, not judged: they are an artefact of the speed-up, not a verdict on
  real-time playout. The ×1 runs here and `make soak` (five minutes with both cores busy)
  are the ones that count for that.
- The join figures measure only the joins inside one block; a program that cuts the end of a
  segment shows it as a negative gap at the next join, and the last segment of a block has no
  next join, so a cut there is not measured.""")
    w("")
    w("Reproduce with `make bench` (it installs what it needs: mpd, stress-ng, scipy, the encoders).")
    w("")
    with open(a.out, "w") as f:
        f.write("\n".join(out))


if __name__ == "__main__":
    main()
