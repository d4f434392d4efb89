#!/usr/bin/env bash
# Generates test segments for playout/capture tests into OUTDIR.
#
#   tools/make-test-audio.sh OUTDIR
#
# Every segment is busy from its first to its last sample (noise under
# everything, no fades, no leading or trailing silence), so a gap or an overlap
# at a join cannot hide in silence.  Each file gets its own random content from
# a fixed seed, so runs are reproducible; peaks stay at or below -3 dBFS after
# decoding.
#
#   speech-noise-22k.wav   22050 Hz mono 16-bit WAV, 4.0 s: Vietnamese speech over pink noise
#   bursts-44k.mp3         44100 Hz stereo MP3, 3.5 s: noise bursts, different in L and R
#   chirp-48k.flac         48000 Hz stereo FLAC, 3.0 s: log chirp 100 Hz -> 10 kHz over noise
#   quiet-noise-44k.wav    44100 Hz stereo WAV, 4.0 s: pink noise around -35 LUFS
#   loud-noise-48k.wav     48000 Hz stereo WAV, 3.0 s: pink noise around -9 LUFS
#   noise-speech.opus      48000 Hz stereo Ogg Opus, 3.5 s: speech over noise
#   noise-vorbis-32k.ogg   32000 Hz mono Ogg Vorbis, 3.0 s: band-limited noise
#   broken.wav             random bytes under a WAV name (not decodable)
#
# Needs: espeak-ng (voice "vi"), lame, flac, opusenc, oggenc, python3 with numpy and scipy.
set -euo pipefail
export LC_ALL=C.UTF-8

out="${1:?usage: $0 OUTDIR}"
for tool in espeak-ng lame flac opusenc oggenc python3; do
    command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done
mkdir -p "$out"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

espeak-ng -v vi -s 170 -w "$tmp/speech-a.wav" "Xin chào bà con, đây là đài truyền thanh xã, thử âm thanh một hai ba."
espeak-ng -v vi -s 170 -w "$tmp/speech-b.wav" "Kiểm tra tín hiệu, bốn năm sáu bảy tám, hết."

python3 - "$tmp" "$out" "$(cd "$(dirname "$0")" && pwd)" <<'EOF'
import sys
import numpy as np
from scipy import signal

tmp, out = sys.argv[1], sys.argv[2]
sys.path.insert(0, sys.argv[3])
from wavtools import PEAK, pink, read_wav, write_wav


def normalize(x, peak=PEAK):
    return x * (peak / np.max(np.abs(x)))



def speech_at(path, rate, n, offset):
    """espeak-ng speech (22050 Hz) resampled to `rate`, placed at `offset` s in n frames."""
    s, r = read_wav(path)
    s = signal.resample_poly(s, rate, r) if rate != r else s
    y = np.zeros(n)
    o = int(offset * rate)
    k = min(len(s), n - o)
    y[o:o + k] = s[:k]
    return y / np.max(np.abs(y))


def white(rng, n):
    return rng.standard_normal(n)


# 1. speech over pink noise, 22050 Hz mono, 4.0 s
rate, n = 22050, 4 * 22050
rng = np.random.default_rng(1001)
x = 0.5 * speech_at(f"{tmp}/speech-a.wav", rate, n, 0.1) + 0.12 * pink(rng, n)
write_wav(f"{out}/speech-noise-22k.wav", normalize(x), rate)

# 2. noise bursts over a noise floor, 44100 Hz stereo, 3.5 s, L and R independent
rate, n = 44100, int(3.5 * 44100)
rng = np.random.default_rng(2002)
chans = []
for ch in range(2):
    y = 0.08 * white(rng, n)
    t0 = 0
    while t0 < n:                          # bursts of 60..250 ms with different colours
        ln = int(rng.uniform(0.06, 0.25) * rate)
        burst = white(rng, ln)
        lo, hi = sorted(rng.uniform(200, 12000, 2))
        sos = signal.butter(4, [lo, max(hi, lo * 1.5)], "bandpass", fs=rate, output="sos")
        burst = signal.sosfilt(sos, burst)
        burst /= np.max(np.abs(burst))
        k = min(ln, n - t0)
        y[t0:t0 + k] += rng.uniform(0.3, 0.9) * burst[:k]
        t0 += ln + int(rng.uniform(0.02, 0.15) * rate)
    chans.append(y)
write_wav(f"{tmp}/bursts.wav", normalize(np.stack(chans, 1)), rate)

# 3. log chirp 100 Hz -> 10 kHz plus noise, 48000 Hz stereo, 3.0 s
rate, n = 48000, 3 * 48000
rng = np.random.default_rng(3003)
t = np.arange(n) / rate
c = signal.chirp(t, 100, t[-1], 10000, method="logarithmic")
x = np.stack([0.6 * c + 0.15 * white(rng, n), 0.6 * np.roll(c, 240) + 0.15 * white(rng, n)], 1)
write_wav(f"{tmp}/chirp.wav", normalize(x), rate)

# 4. speech over noise, 48000 Hz stereo, 3.5 s (for Opus)
rate, n = 48000, int(3.5 * 48000)
rng = np.random.default_rng(4004)
s = speech_at(f"{tmp}/speech-b.wav", rate, n, 0.2)
x = np.stack([0.5 * s + 0.15 * pink(rng, n), 0.5 * s + 0.15 * pink(rng, n)], 1)
write_wav(f"{tmp}/noise-speech.wav", normalize(x, 10 ** (-4.5 / 20)), rate)

# 5. band-limited (300 Hz - 3.4 kHz) noise, 32000 Hz mono, 3.0 s (for Vorbis)
rate, n = 32000, 3 * 32000
rng = np.random.default_rng(5005)
sos = signal.butter(6, [300, 3400], "bandpass", fs=rate, output="sos")
y = signal.sosfilt(sos, white(rng, n + 4000))[4000:]      # skip the filter's start-up
write_wav(f"{tmp}/noise-32k.wav", normalize(y), rate)

# 6. random bytes under a WAV name
rng = np.random.default_rng(6006)
with open(f"{out}/broken.wav", "wb") as f:
    f.write(b"\x00JUNK" + rng.integers(0, 256, 8192, dtype=np.uint8).tobytes())

# quiet-noise-44k.wav: pink noise far below the station's target (about -35 LUFS), so the
# daemon must raise it; low crest factor, so the true-peak ceiling does not limit the gain.
rate, n = 44100, 4 * 44100
rng = np.random.default_rng(6006)
x = np.stack([pink(rng, n), pink(rng, n)], axis=1) * 10 ** (-33 / 20)
write_wav(f"{out}/quiet-noise-44k.wav", np.clip(x, -0.067, 0.067), rate)

# loud-noise-48k.wav: pink noise well above the target (about -9 LUFS), to be turned down.
rate, n = 48000, 3 * 48000
rng = np.random.default_rng(7007)
x = np.stack([pink(rng, n), pink(rng, n)], axis=1) * 10 ** (-8 / 20)
write_wav(f"{out}/loud-noise-48k.wav", np.clip(x, -0.89, 0.89), rate)
EOF

lame --quiet --noreplaygain -m s -b 192 "$tmp/bursts.wav" "$out/bursts-44k.mp3"
flac --silent --force -8 -o "$out/chirp-48k.flac" "$tmp/chirp.wav"
opusenc --quiet --bitrate 96 --serial 4004 "$tmp/noise-speech.wav" "$out/noise-speech.opus"
oggenc --quiet -q 5 --serial 5005 -o "$out/noise-vorbis-32k.ogg" "$tmp/noise-32k.wav"
