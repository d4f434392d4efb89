#!/usr/bin/env bash
# `make soak`: long checks of loaxad under load.
#
#   tools/bench/soak.sh BIN_DIR        (BIN_DIR holds the release loaxad and loaxa)
#
# For now one check: a block of about five minutes (the benchmark's twelve short segments in
# five formats, then three minutes of MP3 at 44.1 kHz) played in real time through the virtual
# card while `stress-ng --cpu N` keeps every core busy. It passes if loaxad airs every item,
# reports no underrun (`loaxa status --json` and every exported log record), the card never
# had to restart, and tools/analyze_capture.py finds every segment whole and every join
# without a gap. Prints one line per check and `N passed, M failed`; exit status 1 on failure.
# The run's files stay in .build/soak/.
set -euo pipefail
export LC_ALL=C.UTF-8

bin=$(cd "${1:?usage: $0 BIN_DIR}" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
out="$root/.build/soak"
media="$root/.build/bench/media"

bash tools/install-deps.sh
bash tools/bench/make-media.sh "$media"
rm -rf "$out"
mkdir -p "$out"
mapfile -t files < <(sed "s#^#$media/joins/#" "$media/joins/ORDER")
files+=("$media/long/program-3m.mp3")

cores=$(nproc)
echo "soak: stress-ng --cpu $cores keeps every core busy while loaxad plays a 5-minute block"
# a bound of its own, in case this script is killed before it can stop it
stress-ng --cpu "$cores" --timeout 900s --quiet &
stress=$!
trap 'kill $stress 2>/dev/null || true' EXIT
sleep 2

set +e
python3 tools/bench/measure.py --program loaxad --name soak --speed 1 --bin "$bin" \
  --work "$out/work" --out "$out/soak.json" --analyze --min-corr 0.9 "${files[@]}"
measured=$?
set -e
stress_alive=0
kill -0 "$stress" 2>/dev/null && stress_alive=1
kill "$stress" 2>/dev/null || true
wait "$stress" 2>/dev/null || true
trap - EXIT

python3 - "$out/soak.json" "$measured" "$stress_alive" <<'EOF'
import json, sys

path, measured, stress_alive = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
try:
    r = json.load(open(path))
except (OSError, ValueError) as e:
    r = {}
    print(f"soak: no result ({e})")
an = r.get("analysis") or {}
segs, joins = an.get("segments", []), an.get("joins", [])
records = r.get("records") or []
status = r.get("status") or {}
checks = [
    ("stress-ng kept the cores busy for the whole block", stress_alive, "stress-ng had exited"),
    ("loaxad aired the block: block_ended, one completed record per item",
     measured == 0 and r.get("ok") is True,
     f"{sum(1 for x in records if x.get('outcome') == 'completed')} of {len(r.get('files') or [])} completed"),
    ("loaxa status --json: 0 underruns", status.get("underruns") == 0,
     f"underruns {status.get('underruns')}, lastError {status.get('lastError')}"),
    ("every exported log record: 0 underruns",
     bool(records) and all(int(x.get("underruns") or 0) == 0 for x in records),
     str([x.get("underruns") for x in records])),
    ("the card ran without a restart (no xrun)", r.get("card_underruns") == 0,
     f"{len(r.get('card_runs') or [])} runs"),
    ("the analyser found every segment", an.get("ok") is True and len(segs) == len(r.get("files") or []),
     str([s.get("error") for s in segs if not s.get("found")])),
    ("no gap at any join (|gap| <= 1 frame, as make test)",
     bool(joins) and all(j.get("gap_frames") is not None and abs(j["gap_frames"]) <= 1 for j in joins),
     str([j.get("gap_frames") for j in joins])),
    ("no frame lost or added inside any segment (<= 1 frame)",
     bool(segs) and all(s.get("lost_or_added_frames") is not None and abs(s["lost_or_added_frames"]) <= 1
                        for s in segs),
     str([s.get("lost_or_added_frames") for s in segs])),
]
print(f"soak: audio {r.get('audio_seconds')} s, loaxad CPU {r.get('cpu_seconds')} s "
      f"({r.get('cpu_percent_of_one_core')} % of a core), peak RSS {(r.get('peak_rss_kib') or 0) / 1024:.1f} MiB, "
      f"realtime audio thread: {status.get('realtime')}")
print(f"soak: join gaps {[j.get('gap_frames') for j in joins]}; "
      f"lost or added {[s.get('lost_or_added_frames') for s in segs]}")
passed = failed = 0
for name, ok, detail in checks:
    print(f"{'ok  ' if ok else 'FAIL'} {name}" + ("" if ok else f": {detail}"))
    passed += bool(ok)
    failed += not ok
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
EOF
