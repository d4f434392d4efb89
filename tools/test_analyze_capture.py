#!/usr/bin/env python3
"""Self-test of analyze_capture.py (and of make-test-audio.sh, whose output it uses).

    python3 tools/test_analyze_capture.py

Generates the test audio, builds synthetic captures with known silence, gaps,
overlaps, lost and added frames and device runs, and checks that the analyzer
reports exactly those.  Prints "N passed, M failed"; exits non-zero on failure.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
import math

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import analyze_capture as ac  # noqa: E402

passed = 0
failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {name}" + (f": {detail}" if detail else ""))


def to_s16(x):
    return np.clip(np.round(x * 32767), -32768, 32767).astype("<i2")


def realtime(frame, runs, rate, ppm):
    """Independent reimplementation of the runs arithmetic."""
    run = max((r for r in runs if r[0] <= frame), key=lambda r: r[0])
    delta = Fraction(frame - run[0]) * 10**9 / (rate * (1 + Fraction(str(ppm)) / 10**6))
    return run[2] + math.floor(delta + Fraction(1, 2))


def build(prefix, rate, channels, plan, lead, runs, tail_silence=1000):
    """Writes PREFIX.raw/.runs from plan = [(path, gap_after, edit)], edit = ('drop'|'add', k) or None.

    Returns the true (head_frame, tail_frame, expected_frames) of each planned segment and the
    true gap of each join.  A negative gap overwrites the end of the previous segment.
    """
    cap = np.zeros((lead, channels), dtype=np.float32)
    truth, gaps = [], []
    for path, gap, edit in plan:
        y, _ = ac.convert(path, rate, channels)
        n = y.shape[0]
        delta = 0
        if edit is not None:
            kind, k = edit
            mid = n // 2
            if kind == "drop":
                y = np.concatenate([y[:mid], y[mid + k:]])
                delta = -k
            else:
                y = np.concatenate([y[:mid], np.zeros((k, channels), np.float32), y[mid:]])
                delta = k
        start = cap.shape[0]
        truth.append((start, start + delta, n))
        cap = np.concatenate([cap, y])
        if gap >= 0:
            cap = np.concatenate([cap, np.zeros((gap, channels), dtype=np.float32)])
        else:
            cap = cap[:gap]
        gaps.append(gap)
    cap = np.concatenate([cap, np.zeros((tail_silence, channels), dtype=np.float32)])
    to_s16(cap).tofile(prefix + ".raw")
    with open(prefix + ".runs", "w") as f:
        ends = [r[0] for r in runs[1:]] + [cap.shape[0]]
        for (off, mono, real), end in zip(runs, ends):
            f.write(f"run {off} {mono} {real} {rate} {channels} S16_LE {end - off}\n")
    return truth, gaps[:-1], cap.shape[0]


def run_analyzer(prefix, rate, channels, refs, ppm=0):
    cmd = [sys.executable, os.path.join(HERE, "analyze_capture.py"), "--capture", prefix,
           "--rate", str(rate), "--channels", str(channels), "--ppm", str(ppm)] + refs
    p = subprocess.run(cmd, capture_output=True, text=True)
    try:
        return p.returncode, json.loads(p.stdout), p.stderr
    except json.JSONDecodeError:
        return p.returncode, None, p.stderr


def check_scenario(name, tmp, rate, channels, plan, lead, runs, ppm, extra_refs=()):
    prefix = os.path.join(tmp, name)
    truth, gaps, total = build(prefix, rate, channels, plan, lead, runs)
    refs = [p for p, _, _ in plan]
    code, out, err = run_analyzer(prefix, rate, channels, refs, ppm)
    check(f"{name}: exit 0", code == 0, f"exit {code}, stderr {err.strip()[:300]}")
    if out is None:
        check(f"{name}: JSON output", False, err[:300])
        return
    check(f"{name}: total_frames", out["total_frames"] == total, f"{out['total_frames']} != {total}")
    check(f"{name}: runs", len(out["runs"]) == len(runs)
          and [r["capture_frame_offset"] for r in out["runs"]] == [r[0] for r in runs])
    check(f"{name}: ok", out["ok"] is True)
    for i, (seg, (head, tailstart, n)) in enumerate(zip(out["segments"], truth)):
        tag = f"{name}: segment {i} ({os.path.basename(seg['ref'])})"
        check(f"{tag} found", seg["found"], seg.get("error") or "")
        check(f"{tag} expected_frames", seg["expected_frames"] == n, f"{seg['expected_frames']} != {n}")
        check(f"{tag} head_frame", seg["head_frame"] == head, f"{seg['head_frame']} != {head}")
        check(f"{tag} tail_frame", seg["tail_frame"] == tailstart, f"{seg['tail_frame']} != {tailstart}")
        check(f"{tag} lost_or_added", seg["lost_or_added_frames"] == tailstart - head,
              f"{seg['lost_or_added_frames']} != {tailstart - head}")
        check(f"{tag} head_corr", seg["head_corr"] is not None and seg["head_corr"] > 0.99, str(seg["head_corr"]))
        check(f"{tag} tail_corr", seg["tail_corr"] is not None and seg["tail_corr"] > 0.99, str(seg["tail_corr"]))
        check(f"{tag} start_realtime_ns", seg["start_realtime_ns"] == realtime(head, runs, rate, ppm),
              f"{seg['start_realtime_ns']} != {realtime(head, runs, rate, ppm)}")
        check(f"{tag} end_realtime_ns", seg["end_realtime_ns"] == realtime(head + n, runs, rate, ppm),
              f"{seg['end_realtime_ns']} != {realtime(head + n, runs, rate, ppm)}")
    check(f"{name}: join count", len(out["joins"]) == len(gaps))
    for i, (j, g) in enumerate(zip(out["joins"], gaps)):
        check(f"{name}: join {i} gap_frames", j["gap_frames"] == g, f"{j['gap_frames']} != {g}")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        media = os.path.join(tmp, "media")
        t0 = time.monotonic()
        p = subprocess.run(["bash", os.path.join(HERE, "make-test-audio.sh"), media],
                           capture_output=True, text=True)
        elapsed = time.monotonic() - t0
        check("make-test-audio.sh exit 0", p.returncode == 0, p.stderr[-500:])
        check("make-test-audio.sh under 10 s", elapsed < 10, f"{elapsed:.1f} s")
        if p.returncode != 0:
            print(f"{passed} passed, {failed} failed")
            return 1
        f = lambda name: os.path.join(media, name)  # noqa: E731

        # The generated files: format, length, level and busy edges.
        specs = {
            "speech-noise-22k.wav": (22050, 1, 4.0),
            "bursts-44k.mp3": (44100, 2, 3.5),
            "chirp-48k.flac": (48000, 2, 3.0),
            "noise-speech.opus": (48000, 2, 3.5),
            "noise-vorbis-32k.ogg": (32000, 1, 3.0),
        }
        contents = []
        for name, (rate, ch, secs) in specs.items():
            try:
                d, r = ac.decode(f(name))
            except ac.DecodeError as e:
                check(f"{name} decodes", False, str(e))
                continue
            check(f"{name} rate", r == rate, str(r))
            check(f"{name} channels", d.shape[1] == ch, str(d.shape[1]))
            check(f"{name} length", abs(d.shape[0] / r - secs) < 0.05, f"{d.shape[0] / r:.3f} s")
            peak = 20 * np.log10(np.max(np.abs(d)))
            check(f"{name} peak <= -3 dBFS", peak <= -3.0, f"{peak:.2f} dBFS")
            edge = max(1, r // 200)   # first and last 5 ms
            for where, part in (("start", d[:edge]), ("end", d[-edge:])):
                lvl = 10 * np.log10(np.mean(part.astype(np.float64) ** 2) + 1e-20)
                check(f"{name} busy at {where}", lvl > -40, f"{lvl:.1f} dBFS RMS")
            if ch == 2:
                corr = np.corrcoef(d[:, 0], d[:, 1])[0, 1]
                check(f"{name} L and R differ", corr < 0.999, f"corr {corr:.4f}")
            contents.append(ac.convert(f(name), 48000, 1)[0][:, 0])
        for i in range(len(contents)):
            for j in range(i + 1, len(contents)):
                k = min(len(contents[i]), len(contents[j]))
                c = abs(np.corrcoef(contents[i][:k], contents[j][:k])[0, 1])
                check(f"test files {i} and {j} differ", c < 0.5, f"corr {c:.3f}")
        try:
            ac.decode(f("broken.wav"))
            check("broken.wav is not decodable", False)
        except ac.DecodeError:
            check("broken.wav is not decodable", True)

        # Scenario 1: stereo 48 kHz, five segments, two device runs, known joins.
        base = 1_700_000_000_123_456_789
        plan = [
            (f("speech-noise-22k.wav"), 0, None),
            (f("bursts-44k.mp3"), 3, None),
            (f("chirp-48k.flac"), -2, None),
            (f("noise-speech.opus"), 480, None),
            (f("noise-vorbis-32k.ogg"), 0, None),
        ]
        lead = 12345
        # The second run begins inside the gap after noise-speech.opus.
        n = [ac.convert(p, 48000, 2)[0].shape[0] for p, _, _ in plan]
        second = lead + n[0] + 0 + n[1] + 3 + n[2] - 2 + n[3] + 100
        runs = [(0, 5_000_000_000, base), (second, 9_000_000_000, base + 20_000_000_000)]
        check_scenario("stereo", tmp, 48000, 2, plan, lead, runs, 0)

        # Scenario 2: mono device, clock error, frames lost and added inside segments,
        # the same file aired twice, overlaps and gaps.
        plan = [
            (f("chirp-48k.flac"), 7, ("drop", 5)),
            (f("noise-vorbis-32k.ogg"), -3, None),
            (f("bursts-44k.mp3"), 0, ("add", 4)),
            (f("chirp-48k.flac"), 1, None),
            (f("speech-noise-22k.wav"), 0, None),
        ]
        runs = [(0, 1_000, base)]
        check_scenario("mono-ppm", tmp, 48000, 1, plan, 4800, runs, 37.5)

        # Scenario 3: 44.1 kHz stereo device.
        plan = [(f("noise-speech.opus"), 2, None), (f("speech-noise-22k.wav"), 0, None)]
        check_scenario("rate44k", tmp, 44100, 2, plan, 777, [(0, 0, base)], -12)

        # Scenario 4: a segment that did not air and an undecodable one are reported,
        # the others still found, and the exit status says so.
        prefix = os.path.join(tmp, "missing")
        truth, _, _ = build(prefix, 48000, 2, [(f("chirp-48k.flac"), 10, None),
                                               (f("speech-noise-22k.wav"), 0, None)], 2000, [(0, 0, base)])
        refs = [f("chirp-48k.flac"), f("bursts-44k.mp3"), f("broken.wav"), f("speech-noise-22k.wav")]
        code, out, err = run_analyzer(prefix, 48000, 2, refs)
        check("missing: exit 1", code == 1, f"exit {code} {err[:200]}")
        if out is not None:
            segs = out["segments"]
            check("missing: ok false", out["ok"] is False)
            check("missing: first found", segs[0]["found"] and segs[0]["head_frame"] == truth[0][0])
            check("missing: not-aired segment not found", not segs[1]["found"] and segs[1]["head_frame"] is None
                  and segs[1]["error"] is not None)
            check("missing: not-aired segment weak correlation reported",
                  segs[1]["head_corr"] is not None and segs[1]["head_corr"] < 0.9, str(segs[1]["head_corr"]))
            check("missing: broken file reported", not segs[2]["found"] and "decode" in (segs[2]["error"] or ""))
            check("missing: last found", segs[3]["found"] and segs[3]["head_frame"] == truth[1][0]
                  and segs[3]["tail_frame"] == truth[1][1])
            check("missing: joins", [j["gap_frames"] for j in out["joins"]] == [None, None, None])

        # Usage errors exit 2.
        p = subprocess.run([sys.executable, os.path.join(HERE, "analyze_capture.py"), "--capture",
                            os.path.join(tmp, "nonexistent"), "--rate", "48000", "--channels", "2",
                            f("chirp-48k.flac")], capture_output=True, text=True)
        check("nonexistent capture: exit 2", p.returncode == 2, str(p.returncode))

    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
