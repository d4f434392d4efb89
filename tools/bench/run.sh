#!/usr/bin/env bash
# `make bench`: Loaxa's daemon against mpd, side by side, each through its own virtual card.
#
#   tools/bench/run.sh BIN_DIR        (BIN_DIR holds the release loaxad and loaxa)
#
# Measures, for loaxad and for Debian's mpd, at the same fixed output format (48000 Hz S16
# stereo): CPU seconds per hour of audio, peak RSS for a one-hour and a five-minute segment,
# and frames of gap and lost frames at every join of a block of twelve short segments in
# five formats; and how fast `loaxa media scan` analyses the same files. Writes docs/BENCHMARKS.md; the raw JSON of every measurement stays in
# .build/bench/results/.
#
# Order: the fast runs (card `speed` BENCH_SPEED, default 10) play loaxad first, then mpd,
# one at a time; the real-time runs (speed 1: the CPU check and the joins) play both at
# once, each on its own card, to halve the time they take.
#
# BENCH_REPEAT=N repeats the real-time runs N times (default 3).
# BENCH_QUICK=1 plays the five-minute segment where the hour would be, and writes the report
# to .build/bench/BENCHMARKS.md instead (for trying the script out).
set -euo pipefail
export LC_ALL=C.UTF-8

bin=$(cd "${1:?usage: $0 BIN_DIR}" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
out="$root/.build/bench"
speed=${BENCH_SPEED:-10}
quick=${BENCH_QUICK:-0}
began=$(date +%s)

bash tools/install-deps.sh mpd
for tool in mpd python3 soxi; do
  command -v "$tool" >/dev/null || { echo "bench: missing $tool" >&2; exit 1; }
done
bash tools/bench/make-media.sh "$out/media"

results="$out/results"
rm -rf "$results" "$out/work"
mkdir -p "$results" "$out/work"
media="$out/media"
long=60m
[ "$quick" = 1 ] && long=5m
mapfile -t joins < <(sed "s#^#$media/joins/#" "$media/joins/ORDER")

failed=0
measure() { # measure PROGRAM NAME SPEED [--analyze] FILE...
  local program=$1 name=$2 s=$3
  shift 3
  echo "bench: $name on $program (card speed $s)"
  if ! python3 tools/bench/measure.py --program "$program" --name "$name" --speed "$s" \
    --bin "$bin" --work "$out/work/$name-$program" --out "$results/$name-$program.json" "$@"; then
    echo "bench: $name on $program did not complete (see $results/$name-$program.json)" >&2
    return 1
  fi
}
both_at_once() { # both_at_once NAME SPEED [--analyze] FILE...
  local lpid mpid
  measure loaxad "$@" &
  lpid=$!
  measure mpd "$@" &
  mpid=$!
  wait $lpid || failed=$((failed + 1))
  wait $mpid || failed=$((failed + 1))
}

# 1. One hour of Opus (48 kHz) and one hour of MP3 (44.1 kHz), one program at a time.
for fmt in opus mp3; do
  for program in loaxad mpd; do
    measure "$program" "hour-$fmt" "$speed" "$media/long/program-$long.$fmt" || failed=$((failed + 1))
  done
done
# 2. Five minutes of the same programme, for the peak RSS.
for fmt in opus mp3; do
  for program in loaxad mpd; do
    measure "$program" "5min-$fmt" "$speed" "$media/long/program-5m.$fmt" || failed=$((failed + 1))
  done
done
# 3. The CPU figure at speed 1: three minutes of each format and the block of twelve
# segments, both programs at once, BENCH_REPEAT times (default 3; the report gives the
# median). Run to run, a program's CPU time on a shared machine varies by 10 % or more,
# more than the difference being measured. The first run of the block also measures the
# gaps and lost frames at its joins.
repeat=${BENCH_REPEAT:-3}
for i in $(seq 1 "$repeat"); do
  suffix=""
  [ "$i" -gt 1 ] && suffix=".$i"
  for fmt in opus mp3; do
    both_at_once "3min-$fmt$suffix" 1 "$media/long/program-3m.$fmt"
  done
  if [ "$i" = 1 ]; then
    both_at_once joins 1 --analyze "${joins[@]}"
  else
    both_at_once "joins$suffix" 1 "${joins[@]}"
  fi
done

# 4. The media library: `loaxa media scan` over every file above (about 2 h 18 min of audio
# in five formats), then rescans; ffmpeg's R128 meter over the same files for comparison.
echo "bench: media scan"
python3 tools/bench/scan.py --bin "$bin" --work "$out/work/scan" --out "$results/scan.json" \
  "$media"/long/program-*.opus "$media"/long/program-*.mp3 "${joins[@]}" || failed=$((failed + 1))

elapsed=$(($(date +%s) - began))
report="$root/docs/BENCHMARKS.md"
[ "$quick" = 1 ] && report="$out/BENCHMARKS.md"
python3 tools/bench/report.py --results "$results" --out "$report" --speed "$speed" \
  --elapsed "$elapsed" --quick "$quick" --finished "$(date -u '+%Y-%m-%d %H:%M UTC')"
# 5. The airplay log at scale: its own section, kept when the report above is rewritten.
python3 tools/bench/scale.py --bin "$bin" --report "$report" || failed=$((failed + 1))
echo "bench: wrote $report in $((elapsed / 60)) min $((elapsed % 60)) s"
if [ "$failed" -gt 0 ]; then
  echo "bench: $failed measurement(s) did not complete" >&2
  exit 1
fi
