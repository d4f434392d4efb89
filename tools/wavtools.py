"""What the two audio generators share (tools/make-test-audio.sh and
tools/bench/make-media.sh): 16-bit WAV in and out, and pink noise."""

import wave

import numpy as np

PEAK = 10 ** (-4.0 / 20)          # -4 dBFS before encoding; lossy codecs may add a little


def read_wav(path):
    """The first channel of a 16-bit WAV as floats in [-1, 1), and its rate."""
    with wave.open(path, "rb") as w:
        x = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float64) / 32768
        return x.reshape(-1, w.getnchannels())[:, 0], w.getframerate()


def write_wav(path, x, rate):
    """Writes floats (frames, or frames x channels) as a 16-bit WAV."""
    x = np.atleast_2d(x.T).T                      # frames x channels
    pcm = np.clip(np.round(x * 32767), -32767, 32767).astype("<i2")
    with wave.open(path, "wb") as w:
        w.setnchannels(pcm.shape[1])
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())


def pink(rng, n):
    """Pink (1/f) noise by spectral shaping of white noise, unit RMS."""
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.arange(len(spec))
    f[0] = 1
    y = np.fft.irfft(spec / np.sqrt(f), n)
    return y / np.sqrt(np.mean(y ** 2))
