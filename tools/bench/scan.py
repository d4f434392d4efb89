#!/usr/bin/env python3
"""Measures `loaxa media scan`: hours of audio analysed per minute of CPU.

Usage: scan.py --bin BIN_DIR --work DIR --out FILE.json FILE...

Links the files into a station's media folder (topic `bench`) and runs, each as its own
process whose CPU time (user + system, from wait4) and peak RSS are taken:
  1. `loaxa media scan --json` on a new database: every file hashed, decoded and measured;
  2. the same again: nothing changed, nothing read;
  3. after touching every file (new modification times, same content): hashed, not decoded.
For comparison it also runs ffmpeg's EBU R128 meter with true peak (`-af ebur128=peak=true`)
over the same files, one process each: the same decoding and measuring work, done by a
widely used tool.
"""

import argparse
import json
import os
import shutil
import subprocess
import time


def run(cmd, **kw):
    """Runs cmd; returns (exit code, stdout, cpu seconds, peak rss KiB, wall seconds)."""
    began = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, **kw)
    out = p.stdout.read()
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - began
    return p.returncode, out.decode(), usage.ru_utime + usage.ru_stime, usage.ru_maxrss, wall


def main():
    a = argparse.ArgumentParser()
    a.add_argument("--bin", required=True)
    a.add_argument("--work", required=True)
    a.add_argument("--out", required=True)
    a.add_argument("files", nargs="+")
    args = a.parse_args()

    shutil.rmtree(args.work, ignore_errors=True)
    media = os.path.join(args.work, "media", "bench")
    os.makedirs(media)
    files = [os.path.abspath(f) for f in args.files]
    for f in files:
        os.symlink(f, os.path.join(media, os.path.basename(f)))
    config = os.path.join(args.work, "loaxa.toml")
    with open(config, "w") as c:
        c.write('[station]\nname = "bench"\ntimezone = "Asia/Ho_Chi_Minh"\n'
                '[paths]\nmedia = "media"\ndatabase = "loaxa.sqlite"\nsocket = "loaxa.sock"\n'
                # The hour-long programmes are a few frames over 60 minutes.
                '[playout]\nmax_segment_minutes = 120\n')
    loaxa = os.path.join(args.bin, "loaxa")
    result = {"files": len(files), "bytes": sum(os.path.getsize(f) for f in files), "runs": {}}

    def scan(label):
        code, out, cpu, rss, wall = run([loaxa, "media", "scan", "--json", "--config", config])
        summary = json.loads(out)["summary"] if out.strip().startswith("{") else {}
        result["runs"][label] = {"exit": code, "cpu_seconds": cpu, "peak_rss_kib": rss, "wall_seconds": wall,
                                 "summary": summary}
        print(f"bench: scan {label}: exit {code}, {cpu:.2f} s CPU, {wall:.2f} s wall, {rss} KiB, {summary}")

    scan("first")
    scan("unchanged")
    now = time.time() + 60
    for f in files:
        os.utime(f, (now, now))
    scan("touched")

    first = result["runs"]["first"]
    audio_ms = first["summary"].get("analysed_audio_ms") or 0
    result["audio_hours"] = audio_ms / 3_600_000
    if first["cpu_seconds"] > 0:
        result["audio_hours_per_cpu_minute"] = result["audio_hours"] / (first["cpu_seconds"] / 60)

    cpu = wall = 0.0
    ok = True
    for f in files:
        code, _, c, _, w = run(["ffmpeg", "-nostdin", "-hide_banner", "-nostats", "-i", f,
                                "-af", "ebur128=peak=true", "-f", "null", "-"])
        ok = ok and code == 0
        cpu += c
        wall += w
    result["ffmpeg"] = {"ok": ok, "cpu_seconds": cpu, "wall_seconds": wall}
    if cpu > 0:
        result["ffmpeg"]["audio_hours_per_cpu_minute"] = result["audio_hours"] / (cpu / 60)
    print(f"bench: ffmpeg ebur128 over the same files: {cpu:.2f} s CPU")
    with open(args.out, "w") as o:
        json.dump(result, o, indent=2)


if __name__ == "__main__":
    main()
