#!/usr/bin/env python3
"""Measure the loudness of each segment in a virtual-card capture with ffmpeg's own EBU R128
meter (the ebur128 filter), independently of the daemon's libebur128 measurement.

Usage: measure_loudness.py --capture PREFIX --rate R --channels C ANALYSIS.json

ANALYSIS.json is tools/analyze_capture.py's output: it says where each segment lies in the
capture (head_frame, expected_frames). Prints JSON: for each segment its reference file,
the source file's integrated loudness and true peak, and the captured segment's.
"""
import argparse
import json
import re
import subprocess
import sys


def ebur128(args, data=None):
    """Runs ffmpeg's ebur128 filter; returns (integrated LUFS, true peak dBTP)."""
    cmd = ["ffmpeg", "-nostats", "-hide_banner"] + args + ["-af", "ebur128=peak=true", "-f", "null", "-"]
    run = subprocess.run(cmd, input=data, capture_output=True, check=True)
    text = run.stderr.decode("utf-8", "replace")
    summary = text[text.rfind("Summary:"):]
    integrated = float(re.search(r"I:\s+(-?[\d.]+|-inf) LUFS", summary).group(1))
    peak = float(re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary).group(1))
    return integrated, peak


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--capture", required=True)
    p.add_argument("--rate", type=int, required=True)
    p.add_argument("--channels", type=int, required=True)
    p.add_argument("analysis")
    a = p.parse_args()
    with open(a.analysis, encoding="utf-8") as f:
        analysis = json.load(f)
    frame_bytes = 2 * a.channels
    out = []
    with open(a.capture + ".raw", "rb") as raw:
        for seg in analysis["segments"]:
            if seg.get("head_frame") is None:
                out.append({"ref": seg["ref"], "error": "not found in the capture"})
                continue
            raw.seek(seg["head_frame"] * frame_bytes)
            data = raw.read(seg["expected_frames"] * frame_bytes)
            cap_i, cap_tp = ebur128(["-f", "s16le", "-ar", str(a.rate), "-ac", str(a.channels), "-i", "pipe:0"], data)
            src_i, src_tp = ebur128(["-i", seg["ref"]])
            out.append({"ref": seg["ref"], "source_lufs": src_i, "source_true_peak_dbtp": src_tp,
                        "capture_lufs": cap_i, "capture_true_peak_dbtp": cap_tp})
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
