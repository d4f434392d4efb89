#!/usr/bin/env python3
"""Plays one block of files with loaxad or mpd through its own virtual card and measures it.

Usage:
    measure.py --program loaxad|mpd --name NAME --work DIR --out JSON
               [--bin BIN_DIR] [--speed 1] [--analyze] [--timeout-extra 120] FILE...

FILE... are media files, played in this order as one block (loaxad: one one-off schedule
block starting a few seconds ahead; mpd: one playlist). Each program gets its own station
or configuration in DIR, its own copy of the virtual card (tools/vcard, ALSA_CONFIG_PATH for
that process only) with the card's `speed` parameter, and the same fixed output format,
48000 Hz S16_LE stereo.

While the block plays, the process's /proc/PID/stat (utime + stime + cutime + cstime, all
threads) and /proc/PID/status (VmHWM, VmRSS) are sampled every 0.2 s together with the size
of the card's capture. Afterwards the capture is scanned for its first and last non-zero
frame: the block's audio. CPU seconds are counted between the last sample taken before the
audio's first frame was captured and the first sample taken after its last frame was; they
are divided by the hours of audio (frames / 48000 / 3600).

With --analyze, tools/analyze_capture.py checks the capture against the files (in play
order, with --min-corr, 0.5 by default: a segment whose end was cut still correlates above
it, at its true place, so that the cut shows as a negative gap instead of "not found") and
its JSON is kept in the result.

Writes JSON to --out; exits 0 if the block played to its end, 1 otherwise.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RATE, CHANNELS, FRAME_BYTES = 48000, 2, 4
STATION_TZ = timezone(timedelta(hours=7))          # Asia/Ho_Chi_Minh, no DST
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


# ------------------------------------------------------------------- /proc sampling

def proc_cpu_ticks(pid):
    """utime + stime + cutime + cstime of the whole process (every thread), in ticks."""
    with open(f"/proc/{pid}/stat") as f:
        text = f.read()
    fields = text[text.rindex(")") + 2:].split()
    # fields[0] is field 3 (state); utime is field 14, stime 15, cutime 16, cstime 17
    return sum(int(fields[i]) for i in (11, 12, 13, 14))


def proc_mem_kb(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, val = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                out[key] = int(val.split()[0])
    return out


class Sampler:
    def __init__(self, pid, capture_raw):
        self.pid, self.capture_raw, self.samples = pid, capture_raw, []

    def sample(self):
        try:
            ticks = proc_cpu_ticks(self.pid)
            mem = proc_mem_kb(self.pid)
        except (OSError, ValueError):
            return None
        try:
            size = os.path.getsize(self.capture_raw)
        except OSError:
            size = 0
        s = {"t": time.monotonic(), "ticks": ticks, "hwm_kb": mem.get("VmHWM"),
             "rss_kb": mem.get("VmRSS"), "capture_bytes": size}
        self.samples.append(s)
        return s


# ------------------------------------------------------------------- the virtual card

def stop(proc, grace=30):
    """SIGTERM, then SIGKILL if the process has not ended within `grace` seconds."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def make_card(work, speed):
    conf = subprocess.run(["bash", os.path.join(ROOT, "tools/vcard/asoundrc.sh"), work, "speed", str(speed)],
                          check=True, capture_output=True, text=True).stdout.strip()
    return conf, os.path.join(work, "capture")


def read_runs(prefix):
    try:
        with open(prefix + ".runs") as f:
            return [line.split() for line in f if line.strip()]
    except OSError:
        return []


def audio_span(raw_path):
    """First and last capture frame that is not digital silence, or (None, None)."""
    size = os.path.getsize(raw_path) if os.path.exists(raw_path) else 0
    frames = size // FRAME_BYTES
    if frames == 0:
        return None, None, 0
    data = np.memmap(raw_path, dtype="<i2", mode="r", shape=(frames, CHANNELS))
    chunk = 1 << 22
    first = last = None
    for start in range(0, frames, chunk):
        nz = np.flatnonzero(np.any(data[start:start + chunk] != 0, axis=1))
        if nz.size:
            if first is None:
                first = start + int(nz[0])
            last = start + int(nz[-1])
    return first, last, frames


# ------------------------------------------------------------------- loaxad

def loaxad_setup(work, media_dir, files, card_conf):
    station_dir = work
    os.makedirs(os.path.join(work, "schedules"), exist_ok=True)
    with open(os.path.join(work, "loaxa.toml"), "w") as f:
        f.write(f'''[station]
name = "Loaxa benchmark"
timezone = "Asia/Ho_Chi_Minh"

[paths]
media = "{media_dir}"
schedules = "schedules"
database = "var/loaxa.sqlite"
socket = "var/loaxa.sock"

[output]
device = "vcard"
rate = {RATE}
channels = {CHANNELS}
''')
    return station_dir


def loaxad_write_block(work, files, lead_seconds):
    start = datetime.now(STATION_TZ).replace(microsecond=0) + timedelta(seconds=lead_seconds)
    items = "\n".join(f'  {{ file = "{name}" }},' for name in files)
    with open(os.path.join(work, "schedules", "bench.toml"), "w") as f:
        f.write(f'''[[block]]
id = "bench"
title = "Benchmark"
date = {start.strftime("%Y-%m-%d")}
start = {start.strftime("%H:%M:%S")}
items = [
{items}
]
''')
    return start


def loaxad_warm(work, files, loaxad, config, env, limit=600):
    """Lets loaxad measure the files' loudness before the measured run.

    loaxad measures a file's loudness once, when it first plans a block holding it (ten
    minutes ahead in a station's day), and keeps it in its database by content hash. Here
    the block would start a few seconds after the daemon, so that one-time analysis would
    fall inside the measured window. A first daemon plans the block two minutes ahead and
    is stopped once its journal says the block is ready; the measured run then finds the
    loudness in the same database, as every later airing of the same files does.
    """
    loaxad_write_block(work, files, 120)
    log_path = os.path.join(work, "warm.log")
    with open(log_path, "w") as log:
        proc = subprocess.Popen([loaxad, "--config", config], env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + limit
        try:
            while time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.5)
                with open(log_path, errors="replace") as f:
                    if any("block bench ready" in line for line in f):
                        break
            else:
                raise RuntimeError("loaxad did not get the block ready in time:\n" + open(log_path).read()[-2000:])
        finally:
            stop(proc)
    # The capture of the warm-up run (silence) is not measured: start it again.
    for suffix in (".raw", ".runs"):
        path = os.path.join(work, "capture" + suffix)
        if os.path.exists(path):
            os.remove(path)


def run_loaxad(args, work, media_dir, files, card_conf, capture, timeout):
    env = dict(os.environ, ALSA_CONFIG_PATH=card_conf)
    loaxa, loaxad = os.path.join(args.bin, "loaxa"), os.path.join(args.bin, "loaxad")
    config = os.path.join(work, "loaxa.toml")
    loaxad_setup(work, media_dir, files, card_conf)
    if args.warm:
        loaxad_warm(work, files, loaxad, config, env)
    scheduled = loaxad_write_block(work, files, args.lead)
    check = subprocess.run([loaxa, "schedule", "check", "--config", config], env=env,
                           capture_output=True, text=True)
    if check.returncode != 0:
        raise RuntimeError("loaxa schedule check failed:\n" + check.stdout + check.stderr)
    log_path = os.path.join(work, "loaxad.log")
    log = open(log_path, "w")
    proc = subprocess.Popen([loaxad, "--config", config], env=env, stdout=log, stderr=subprocess.STDOUT)
    sampler = Sampler(proc.pid, capture + ".raw")
    try:
        return loaxad_wait(args, proc, sampler, log, log_path, loaxa, config, env, files, scheduled, timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def loaxad_wait(args, proc, sampler, log, log_path, loaxa, config, env, files, scheduled, timeout):
    deadline = time.monotonic() + args.lead + timeout
    ended = False
    status = None
    while time.monotonic() < deadline and proc.poll() is None:
        sampler.sample()
        time.sleep(0.2)
        with open(log_path, errors="replace") as f:
            if any("event=block_ended" in line and "block=bench" in line for line in f):
                ended = True
                break
    # a few more samples after the end, so that the window closes after the last frame
    for _ in range(5):
        sampler.sample()
        time.sleep(0.2)
    if proc.poll() is None:
        st = subprocess.run([loaxa, "status", "--json", "--config", config], env=env,
                            capture_output=True, text=True, timeout=30)
        if st.returncode == 0:
            status = json.loads(st.stdout)
        stop(proc)
    log.close()
    export = subprocess.run([loaxa, "log", "export", "--format", "json", "--config", config],
                            env=env, capture_output=True, text=True)
    records = json.loads(export.stdout) if export.returncode == 0 and export.stdout.strip() else []
    completed = [r for r in records if r.get("outcome") == "completed"]
    ok = ended and len(completed) == len(files)
    extra = {
        "scheduled_start": scheduled.isoformat(),
        "status": status,
        "records": records,
        "underruns_status": status.get("underruns") if status else None,
        "underruns_records": sum(int(r.get("underruns") or 0) for r in records),
        "exit_status": proc.returncode,
    }
    if not ok:
        with open(log_path, errors="replace") as f:
            extra["log_tail"] = f.read()[-4000:]
    return sampler, ok, extra


# ------------------------------------------------------------------- mpd

class MPDClient:
    """Just enough of mpd's text protocol, over its Unix socket."""

    def __init__(self, path, timeout=30):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buf = b""
        greeting = self._line()
        if not greeting.startswith("OK MPD"):
            raise RuntimeError(f"unexpected greeting {greeting!r}")

    def _line(self):
        while b"\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise RuntimeError("mpd closed the connection")
            self.buf += data
        line, _, self.buf = self.buf.partition(b"\n")
        return line.decode("utf-8", "replace")

    def command(self, *words, timeout=None):
        def quote(w):
            return '"' + str(w).replace("\\", "\\\\").replace('"', '\\"') + '"'
        self.sock.settimeout(timeout)
        self.sock.sendall((" ".join([words[0]] + [quote(w) for w in words[1:]]) + "\n").encode())
        out = {}
        while True:
            line = self._line()
            if line == "OK":
                self.sock.settimeout(30)
                return out
            if line.startswith("ACK"):
                raise RuntimeError(f"mpd: {' '.join(words)}: {line}")
            key, _, val = line.partition(": ")
            out.setdefault(key, val)

    def close(self):
        try:
            self.sock.sendall(b"close\n")
        except OSError:
            pass
        self.sock.close()


def mpd_config(work, media_dir):
    path = os.path.join(work, "mpd.conf")
    os.makedirs(os.path.join(work, "playlists"), exist_ok=True)
    with open(path, "w") as f:
        f.write(f'''# Benchmark configuration: no replay gain, no crossfade (mpd's default, checked
# below), gapless MP3 on, every file converted to the card's fixed format.
music_directory    "{media_dir}"
playlist_directory "{work}/playlists"
db_file            "{work}/database"
state_file         "{work}/state"
pid_file           "{work}/pid"
log_file           "{work}/mpd.log"
bind_to_address    "{work}/socket"
auto_update        "no"
zeroconf_enabled   "no"
replaygain         "off"
audio_output_format "48000:16:2"
# mpd 0.23 spells gapless_mp3_playback as the mad decoder's "gapless" setting
decoder {{
  plugin  "mad"
  gapless "yes"
}}
# the same resampler and quality as loaxad (libsoxr, high quality)
resampler {{
  plugin  "soxr"
  quality "high"
}}
audio_output {{
  type       "alsa"
  name       "vcard"
  device     "vcard"
  mixer_type "none"
}}
''')
    return path


def mpd_query(sock, *commands):
    """Runs commands on a fresh connection (mpd drops a connection idle for 60 s)."""
    c = MPDClient(sock)
    try:
        return [c.command(*cmd) for cmd in commands]
    finally:
        c.close()


def run_mpd(args, work, media_dir, files, card_conf, capture, timeout):
    env = dict(os.environ, ALSA_CONFIG_PATH=card_conf)
    conf = mpd_config(work, media_dir)
    out = open(os.path.join(work, "mpd.stdout"), "w")
    proc = subprocess.Popen(["mpd", "--no-daemon", conf], env=env, stdout=out, stderr=subprocess.STDOUT)
    sampler = Sampler(proc.pid, capture + ".raw")
    ended = False
    played = []
    status = None
    try:
        sock = os.path.join(work, "socket")
        for _ in range(100):
            if os.path.exists(sock) or proc.poll() is not None:
                break
            time.sleep(0.1)
        client = MPDClient(sock)
        client.command("update")
        while "updating_db" in client.command("status"):
            time.sleep(0.1)
        client.command("clear")
        client.command("crossfade", 0)
        client.command("replay_gain_mode", "off")
        for name in files:
            client.command("add", name)
        sampler.sample()
        client.command("play", 0)
        client.close()
        deadline = time.monotonic() + timeout
        # wait with "idle player" (no polling load on mpd); sample /proc meanwhile
        idle = MPDClient(sock)
        idle.sock.settimeout(0.2)
        idle.sock.sendall(b"idle player\n")
        while time.monotonic() < deadline and proc.poll() is None:
            sampler.sample()
            try:
                data = idle.sock.recv(65536)
            except socket.timeout:
                continue
            if not data:
                break
            idle.buf += data
            if b"OK\n" not in idle.buf:
                continue
            idle.buf = b""
            st, song = mpd_query(sock, ("status",), ("currentsong",))
            if song.get("file") and (not played or played[-1] != song["file"]):
                played.append(song["file"])
            if st.get("state") == "stop":
                ended = True
                break
            idle.sock.sendall(b"idle player\n")
        for _ in range(5):
            sampler.sample()
            time.sleep(0.2)
        idle.sock.close()
        status = mpd_query(sock, ("status",))[0]
    finally:
        stop(proc)
        out.close()
    extra = {"status": status, "played": played, "exit_status": proc.returncode}
    ok = ended
    if not ok:
        with open(os.path.join(work, "mpd.log"), errors="replace") as f:
            extra["log_tail"] = f.read()[-4000:]
    return sampler, ok, extra


# ------------------------------------------------------------------- main

def media_seconds(path):
    """A file's length from its header, through libsndfile (as loaxad plans it)."""
    sys.dont_write_bytecode = True          # no __pycache__ in the source tree
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import ctypes
    from analyze_capture import SF_INFO, SFM_READ, sndfile
    lib = sndfile()
    info = SF_INFO()
    h = lib.sf_open(os.fsencode(path), SFM_READ, ctypes.byref(info))
    if not h:
        return None
    lib.sf_close(h)
    return info.frames / info.samplerate if info.samplerate > 0 and info.frames > 0 else None


def window(samples, first_byte, end_byte):
    """Samples bracketing the audio: the last one before its first frame was captured and
    the first one after its last frame was."""
    before = [s for s in samples if s["capture_bytes"] <= first_byte]
    after = [s for s in samples if s["capture_bytes"] >= end_byte]
    start = before[-1] if before else samples[0]
    end = after[0] if after else samples[-1]
    return start, end


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--program", choices=["loaxad", "mpd"], required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--bin", default=os.path.join(ROOT, ".build/release"))
    p.add_argument("--speed", type=float, default=1.0)
    p.add_argument("--lead", type=int, default=6, help="loaxad: seconds from now to the block's start")
    p.add_argument("--analyze", action="store_true")
    p.add_argument("--no-warm", dest="warm", action="store_false",
                   help="loaxad: do not let it measure the files' loudness before the measured run")
    p.add_argument("--min-corr", default="0.5",
                   help="analyser: weakest correlation that counts as found (same for both programs)")
    p.add_argument("--timeout-extra", type=float, default=120)
    p.add_argument("files", nargs="+")
    a = p.parse_args()

    work = os.path.abspath(a.work)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    # The media folder holds only this block's files (symlinks), so that mpd's database
    # update at start-up is as small as loaxad's schedule check.
    media_dir = os.path.join(work, "media")
    os.makedirs(media_dir)
    names = []
    for i, f in enumerate(a.files):
        name = os.path.basename(f)
        if name in names:
            name = f"{i:02d}-{name}"
        os.symlink(os.path.abspath(f), os.path.join(media_dir, name))
        names.append(name)

    durations = [media_seconds(f) for f in a.files]
    total = sum(durations) if all(d is not None for d in durations) else None
    timeout = (total or 7200) / a.speed + a.timeout_extra

    card_conf, capture = make_card(work, a.speed)
    t0 = time.monotonic()
    runner = run_loaxad if a.program == "loaxad" else run_mpd
    try:
        sampler, ok, extra = runner(a, work, media_dir, names, card_conf, capture, timeout)
    except Exception as e:           # keep a result that says what went wrong
        import traceback
        sampler, ok, extra = Sampler(0, ""), False, {"error": traceback.format_exc()}
        print(f"measure: {a.program}: {e}", file=sys.stderr)
    wall = time.monotonic() - t0

    first, last, total_frames = audio_span(capture + ".raw")
    result = {
        "name": a.name, "program": a.program, "speed": a.speed, "files": a.files,
        "ok": ok, "wall_seconds": round(wall, 1), "capture_frames": total_frames,
        "card_runs": read_runs(capture),
    }
    samples = sampler.samples
    if first is not None and samples:
        audio_frames = last - first + 1
        start, end = window(samples, first * FRAME_BYTES, (last + 1) * FRAME_BYTES)
        cpu = (end["ticks"] - start["ticks"]) / CLK_TCK
        hours = audio_frames / RATE / 3600
        in_window = [s for s in samples if start["t"] <= s["t"] <= end["t"]]
        result.update({
            "audio_first_frame": first, "audio_last_frame": last, "audio_frames": audio_frames,
            "audio_seconds": round(audio_frames / RATE, 3),
            "window_wall_seconds": round(end["t"] - start["t"], 2),
            "cpu_seconds": round(cpu, 2),
            "cpu_seconds_per_audio_hour": round(cpu / hours, 2) if hours > 0 else None,
            "cpu_percent_of_one_core": round(100 * cpu / (end["t"] - start["t"]), 2)
            if end["t"] > start["t"] else None,
            "peak_rss_kib": max(s["hwm_kb"] for s in samples if s["hwm_kb"] is not None),
            "max_sampled_rss_while_playing_kib": max((s["rss_kb"] for s in in_window if s["rss_kb"]), default=None),
            "rss_at_audio_start_kib": start["rss_kb"],
        })
    result["card_underruns"] = max(0, len(result["card_runs"]) - 1)
    result.update(extra)
    result["samples"] = samples
    if a.analyze:
        refs = [os.path.abspath(f) for f in a.files]
        an = subprocess.run([sys.executable, os.path.join(ROOT, "tools/analyze_capture.py"),
                             "--capture", capture, "--rate", str(RATE), "--channels", str(CHANNELS),
                             "--min-corr", a.min_corr] + refs,
                            capture_output=True, text=True)
        try:
            result["analysis"] = json.loads(an.stdout)
        except ValueError:
            result["analysis"] = {"ok": False, "error": an.stderr[-2000:]}
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(result, f, indent=1, ensure_ascii=False)
    summary = {k: result.get(k) for k in ("name", "program", "ok", "speed", "audio_seconds", "cpu_seconds",
                                           "cpu_seconds_per_audio_hour", "peak_rss_kib", "card_underruns")}
    print(json.dumps(summary, ensure_ascii=False))
    # the capture is large (an hour is 690 MB); keep the results, not the audio
    if not a.analyze:
        try:
            os.remove(capture + ".raw")
        except OSError:
            pass
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
