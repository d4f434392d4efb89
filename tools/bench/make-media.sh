#!/usr/bin/env bash
# Prepares the benchmark's media in OUTDIR (skipped when OUTDIR is already complete).
#
#   tools/bench/make-media.sh OUTDIR
#
# long/   the example station's announcements and jingles, looped to one hour over a soft
#         stereo pink-noise bed (so no stretch of it is digital silence), in two encodings:
#           program-60m.opus   48000 Hz stereo Ogg Opus, 64 kbit/s
#           program-60m.mp3    44100 Hz stereo MP3, 128 kbit/s (resampled by sox)
#         and the first 5 and 3 minutes of the same programme, encoded the same way:
#           program-5m.opus program-5m.mp3 program-3m.opus program-3m.mp3
# joins/  twelve segments of 5 to 20 s, busy from their first to their last sample (speech
#         from the example texts over noise, chirps, noise bursts; no fades, no silence at
#         either end), cycling through five formats so that every join changes format:
#           22050 Hz mono WAV, 44100 Hz stereo MP3, 48000 Hz stereo FLAC,
#           32000 Hz stereo Ogg Vorbis, 48000 Hz stereo Ogg Opus
#         joins/ORDER lists them in play order.
#
# Needs: sox, opus-tools, lame, flac, vorbis-tools, espeak-ng, python3 with numpy and scipy.
set -euo pipefail
export LC_ALL=C.UTF-8

out="${1:?usage: $0 OUTDIR}"
root=$(cd "$(dirname "$0")/../.." && pwd)
# Bump when the recipe changes, so that a stale OUTDIR is rebuilt.
version=3
if [ -f "$out/.complete" ] && [ "$(cat "$out/.complete")" = "$version" ]; then
  exit 0
fi
for tool in sox opusdec opusenc lame flac oggenc espeak-ng python3; do
  command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done
rm -rf "$out"
mkdir -p "$out/long" "$out/joins"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "bench media: building a one-hour programme from the example station's media"
# One pass of the example programme at 48 kHz stereo: opening jingle, every announcement,
# closing jingle.
parts=()
i=0
add() { # add FILE: decoded to 48 kHz stereo 16-bit WAV
  local f=$1 w
  w=$(printf '%s/part-%03d.wav' "$tmp" "$i")
  i=$((i + 1))
  case $f in
  *.opus) opusdec --quiet --rate 48000 "$f" "$tmp/dec.wav" && sox -q "$tmp/dec.wav" -r 48000 -c 2 -b 16 "$w" ;;
  *) sox -q "$f" -r 48000 -c 2 -b 16 "$w" rate -v ;;
  esac
  parts+=("$w")
}
add "$root/media/jingles/mo-dau.ogg"
for f in "$root"/media/giam-ngheo/*.opus "$root"/media/viec-lam/*.opus "$root"/media/y-te/*.opus \
  "$root"/media/giao-duc/*.opus "$root"/media/tro-giup-phap-ly/*.opus; do
  add "$f"
done
add "$root/media/jingles/ket-thuc.ogg"
sox -q "${parts[@]}" "$tmp/pass.wav"
pass=$(soxi -D "$tmp/pass.wav")
repeats=$(python3 -c "import math; print(math.ceil(3600 / $pass))")
# sox's "repeat N" plays the input N+1 times.
sox -q "$tmp/pass.wav" "$tmp/speech.wav" repeat "$((repeats - 1))" trim 0 3600
sox -q -n -r 48000 -c 2 -b 16 "$tmp/bed.wav" synth 3600 pinknoise vol 0.04
sox -q -m -v 0.85 "$tmp/speech.wav" -v 1 "$tmp/bed.wav" -b 16 "$tmp/program-60m.wav"
rm -f "$tmp/speech.wav" "$tmp/bed.wav" "$tmp"/part-*.wav
sox -q "$tmp/program-60m.wav" "$tmp/program-5m.wav" trim 0 300
sox -q "$tmp/program-60m.wav" "$tmp/program-3m.wav" trim 0 180

for len in 60m 5m 3m; do
  echo "bench media: encoding program-$len (Opus 48 kHz, MP3 44.1 kHz)"
  opusenc --quiet --bitrate 64 --serial 1960 "$tmp/program-$len.wav" "$out/long/program-$len.opus" &
  sox -q "$tmp/program-$len.wav" -t wav - rate -v 44100 |
    lame --quiet --noreplaygain -m j -b 128 - "$out/long/program-$len.mp3"
  wait
  rm -f "$tmp/program-$len.wav"
done

echo "bench media: twelve short segments in five formats"
texts=("$root"/tools/example-media/*.txt)
n=0
for t in "${texts[@]}"; do
  # the title and first sentence of each announcement
  sed -n '2p' "$t" | cut -d. -f1 >"$tmp/text.txt"
  espeak-ng -v vi -s 165 -w "$(printf '%s/speech-%02d.wav' "$tmp" "$n")" -f "$tmp/text.txt"
  n=$((n + 1))
done

python3 - "$tmp" "$out/joins" "$root/tools" <<'EOF'
import os, sys
import numpy as np
from scipy import signal

tmp, out = sys.argv[1], sys.argv[2]
sys.path.insert(0, sys.argv[3])
from wavtools import PEAK, pink, read_wav, write_wav

# (seconds, kind of content); the formats cycle through FORMATS below.
PLAN = [(7.3, "speech"), (12.1, "bursts"), (5.4, "chirp"), (18.7, "speech"), (9.9, "band"),
        (14.2, "speech"), (6.6, "bursts"), (19.5, "chirp"), (11.3, "speech"), (8.1, "band"),
        (16.4, "speech"), (10.8, "bursts")]
FORMATS = [("wav", 22050, 1), ("mp3", 44100, 2), ("flac", 48000, 2), ("ogg", 32000, 2),
           ("opus", 48000, 2)]


def speech(k, rate, n):
    s, r = read_wav(os.path.join(tmp, f"speech-{k % 12:02d}.wav"))
    s = signal.resample_poly(s, rate, r)
    reps = int(np.ceil(n / len(s)))
    s = np.tile(s, reps)[:n]                      # loop the sentence to fill the segment
    return s / np.max(np.abs(s))


def content(kind, k, rate, n, ch, rng):
    t = np.arange(n) / rate
    chans = []
    for c in range(ch):
        if kind == "speech":
            y = 0.55 * speech(k, rate, n) + 0.12 * pink(rng, n)
        elif kind == "chirp":
            f1 = min(9000, 0.42 * rate)
            y = 0.5 * signal.chirp(t + 0.003 * c, 120, t[-1], f1, method="logarithmic") \
                + 0.15 * rng.standard_normal(n)
        elif kind == "band":
            lo, hi = 250, min(3500, 0.45 * rate)
            sos = signal.butter(6, [lo, hi], "bandpass", fs=rate, output="sos")
            y = signal.sosfilt(sos, rng.standard_normal(n + 4000))[4000:]
        else:  # bursts over a noise floor
            y = 0.08 * rng.standard_normal(n)
            t0 = 0
            while t0 < n:
                ln = int(rng.uniform(0.06, 0.25) * rate)
                lo, hi = sorted(rng.uniform(200, 0.4 * rate, 2))
                sos = signal.butter(4, [lo, max(hi, lo * 1.3)], "bandpass", fs=rate, output="sos")
                b = signal.sosfilt(sos, rng.standard_normal(ln))
                b /= np.max(np.abs(b))
                m = min(ln, n - t0)
                y[t0:t0 + m] += rng.uniform(0.3, 0.9) * b[:m]
                t0 += ln + int(rng.uniform(0.02, 0.15) * rate)
        chans.append(y)
    x = np.stack(chans, 1)
    return x * (PEAK / np.max(np.abs(x)))


order = []
for k, (secs, kind) in enumerate(PLAN):
    ext, rate, ch = FORMATS[k % len(FORMATS)]
    rng = np.random.default_rng(7000 + k)
    n = int(round(secs * rate))
    name = f"{k + 1:02d}-{kind}-{rate // 1000 if rate % 1000 == 0 else rate / 1000:g}k-{'mono' if ch == 1 else 'stereo'}.{ext}"
    write_wav(os.path.join(tmp, name + ".wav"), content(kind, k, rate, n, ch, rng), rate)
    order.append(name)
with open(os.path.join(out, "ORDER"), "w") as f:
    f.write("\n".join(order) + "\n")
EOF

while read -r name; do
  src="$tmp/$name.wav"
  dst="$out/joins/$name"
  case $name in
  *.wav) cp "$src" "$dst" ;;
  *.mp3) lame --quiet --noreplaygain -m s -b 192 "$src" "$dst" ;;
  *.flac) flac --silent --force -8 -o "$dst" "$src" ;;
  *.ogg) oggenc --quiet -q 5 --serial 3200 -o "$dst" "$src" ;;
  *.opus) opusenc --quiet --bitrate 96 --serial 4800 "$src" "$dst" ;;
  esac
done <"$out/joins/ORDER"
echo "$version" >"$out/.complete"
