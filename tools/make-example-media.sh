#!/usr/bin/env bash
# Regenerates the example station in media/ from the texts in tools/example-media/.
#
#   tools/make-example-media.sh [OUTDIR]      (default: media/ of this repository)
#
# Each tools/example-media/TOPIC.SLUG.txt becomes OUTDIR/TOPIC/SLUG.opus:
# the first line is the title (TITLE tag), the rest is spoken by espeak-ng
# (Vietnamese voice "vi", speed 140), trimmed of leading/trailing silence,
# high-passed, resampled to 48 kHz, normalised to -3 dBFS peak, faded briefly
# and encoded with opusenc (24 kbit/s, mono).  The two jingles are synthesised
# with sox and encoded as Ogg Vorbis.  OUTDIR/README.md is rewritten to list
# everything.  Output is reproducible: sox runs in repeatable mode and the Ogg
# stream serial numbers are derived from the file names.
#
# Needs: espeak-ng (with the "vi" voice), sox, opusenc, oggenc, python3.
set -euo pipefail
export LC_ALL=C.UTF-8

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
src="$here/example-media"
out="${1:-$root/media}"
artist="Đài truyền thanh xã"
speed=140

for tool in espeak-ng sox opusenc oggenc python3; do
    command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 1; }
done

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# A stable Ogg serial number for a name (so re-runs give identical files).
serial() { printf '%s' "$1" | cksum | cut -d' ' -f1; }

# Duration in seconds (3 decimals) of a WAV file.
duration() { soxi -D "$1" | awk '{ printf "%.1f", $1 }'; }

# Fails unless every given file is valid UTF-8 in Unicode NFC.
check_nfc() {
    python3 - "$@" <<'EOF'
import sys, unicodedata
bad = [p for p in sys.argv[1:]
       if not unicodedata.is_normalized("NFC", open(p, encoding="utf-8").read())]
if bad:
    sys.exit("not in Unicode NFC: " + ", ".join(bad))
EOF
}

mkdir -p "$out"
readme_rows="$tmp/readme-rows"
: >"$readme_rows"

# ---------------------------------------------------------------- segments
shopt -s nullglob
texts=("$src"/*.txt)
[ "${#texts[@]}" -gt 0 ] || { echo "no texts in $src" >&2; exit 1; }
check_nfc "${texts[@]}"

for txt in "${texts[@]}"; do
    name="$(basename "$txt" .txt)"
    topic="${name%%.*}"
    slug="${name#*.}"
    if ! [[ "$topic" =~ ^[a-z0-9-]+$ && "$slug" =~ ^[a-z0-9-]+$ ]]; then
        echo "bad text file name (want topic.slug.txt in lower-case ASCII): $txt" >&2
        exit 1
    fi
    title="$(head -n 1 "$txt")"
    tail -n +2 "$txt" >"$tmp/body.txt"
    [ -n "$title" ] && [ -s "$tmp/body.txt" ] || { echo "empty title or text: $txt" >&2; exit 1; }

    espeak-ng -v vi -s "$speed" -f "$tmp/body.txt" -w "$tmp/speech.wav"
    sox -R "$tmp/speech.wav" -e float -b 32 "$tmp/trimmed.wav" \
        gain -6 silence 1 0.02 0.15% reverse silence 1 0.02 0.15% reverse highpass 70 rate -v 48000
    sox -R "$tmp/trimmed.wav" -b 16 "$tmp/seg.wav" fade q 0.03 -0 0.15 gain -n -3

    mkdir -p "$out/$topic"
    rel="$topic/$slug.opus"
    opusenc --quiet --bitrate 24 --serial "$(serial "$rel")" \
        --comment "TITLE=$title" --comment "ARTIST=$artist" "$tmp/seg.wav" "$out/$rel"
    printf '| `%s` | %s | %s | %s s |\n' "$rel" "$topic" "$title" "$(duration "$tmp/seg.wav")" >>"$readme_rows"
done

# ----------------------------------------------------------------- jingles
R=44100

# chime OUT NOTE SECONDS: a plucked string plus a soft sine partial, decaying.
chime() {
    sox -R -n -r $R -c 1 "$tmp/pluck.wav" synth "$3" pluck "$2"
    sox -R -n -r $R -c 1 "$tmp/bell.wav" synth "$3" sine "$2" vol 0.35 fade l 0.004 "$3" "$3"
    sox -R -m "$tmp/pluck.wav" "$tmp/bell.wav" "$1" lowpass 5000
}

# place OUT IN START PAN: delay a mono note by START seconds, pan it (-1 left .. 1 right).
place() {
    local l r
    l="$(awk -v p="$4" 'BEGIN { printf "%.3f", 0.1 + 0.9 * (1 - p) / 2 }')"
    r="$(awk -v p="$4" 'BEGIN { printf "%.3f", 0.1 + 0.9 * (1 + p) / 2 }')"
    sox -R "$2" -c 2 "$1" remix 1v"$l" 1v"$r" pad "$3"
}

# pad OUT SECONDS NOTE...: a soft low-passed triangle chord with a slow tremolo.
pad() {
    local out="$1" len="$2"; shift 2
    local args=(synth "$len" triangle "$1" triangle "$2" synth "$len" triangle mix "$3" triangle mix "$4")
    sox -R -n -r $R -c 2 "$out" "${args[@]}" lowpass 900 tremolo 3 25 vol 0.25 fade h 0.05 "$len" 1.2
}

# jingle OUT SECONDS NOTES ARP_STEP CHORD_AT CHORD1 CHORD2 PAD1..PAD4
jingle() {
    local out="$1" len="$2" notes="$3" step="$4" at="$5" c1="$6" c2="$7"
    shift 7
    local files=() i=0 n
    for n in $notes; do
        chime "$tmp/n$i.wav" "$n" 3.0
        place "$tmp/p$i.wav" "$tmp/n$i.wav" "$(awk -v i=$i -v s="$step" 'BEGIN { print i * s }')" \
            "$(awk -v i=$i 'BEGIN { print -0.6 + 0.3 * i }')"
        files+=("$tmp/p$i.wav")
        i=$((i + 1))
    done
    chime "$tmp/c1.wav" "$c1" "$len"; place "$tmp/q1.wav" "$tmp/c1.wav" "$at" -0.3
    chime "$tmp/c2.wav" "$c2" "$len"; place "$tmp/q2.wav" "$tmp/c2.wav" "$at" 0.3
    pad "$tmp/pad.wav" "$len" "$@"
    sox -R -m "${files[@]}" "$tmp/q1.wav" "$tmp/q2.wav" "$tmp/pad.wav" "$tmp/mix.wav"
    sox -R "$tmp/mix.wav" -b 16 "$out" reverb 35 50 80 trim 0 "$len" fade q 0.005 "$len" 0.4 gain -n -3
}

mkdir -p "$out/jingles"
jingle "$tmp/mo-dau.wav" 5.0 "C5 E5 G5 C6 E6" 0.22 1.5 G5 C6 C3 G3 E4 C4
jingle "$tmp/ket-thuc.wav" 4.0 "G5 E5 D5 C5" 0.25 1.1 E5 C5 C3 G3 E4 G4

encode_jingle() {
    oggenc --quiet -q 4 --serial "$(serial "jingles/$1.ogg")" -c "TITLE=$2" -c "ARTIST=$artist" \
        -o "$out/jingles/$1.ogg" "$tmp/$1.wav"
    printf '| `jingles/%s.ogg` | jingles | %s | %s s |\n' "$1" "$2" "$(duration "$tmp/$1.wav")" >>"$readme_rows"
}
encode_jingle mo-dau "Nhạc hiệu mở đầu"
encode_jingle ket-thuc "Nhạc hiệu kết thúc"

# ------------------------------------------------------------------ README
{
    cat <<'EOF'
# Example station media

Example content for a commune loudspeaker station: short Vietnamese announcements
about the National Target Program for Sustainable Poverty Reduction 2021–2025 and
the services it opens to poor and near-poor households.

The first folder under `media/` is the topic:

| topic | subject |
|---|---|
| `giam-ngheo` | poverty-reduction policy, the "Vì người nghèo" movement, role models |
| `viec-lam` | jobs, vocational training, working abroad under contract, livelihoods |
| `y-te` | health insurance cards and health care for poor households |
| `giao-duc` | school fee exemption and keeping children in school |
| `tro-giup-phap-ly` | free legal aid and policy dialogue |
| `jingles` | opening and closing jingles |

All speech was synthesized with espeak-ng (Vietnamese voice `vi`, speed 140), lightly
processed with sox (silence trimmed, high-pass, normalised to -3 dBFS peak, short
fades) and encoded as mono Ogg Opus at 24 kbit/s. The jingles were synthesized with
sox (plucked chime arpeggio over a soft triangle-wave pad, 44.1 kHz stereo) and
encoded as Ogg Vorbis. Every file carries the Vorbis comments `TITLE` (below) and
`ARTIST=Đài truyền thanh xã`.

Do not edit these files by hand: change the texts in `tools/example-media/`
(`TOPIC.SLUG.txt`; first line = title, the rest = spoken text) or the script, then
run `tools/make-example-media.sh` to regenerate this folder and this README.

| file | topic | title | length |
|---|---|---|---|
EOF
    cat "$readme_rows"
} >"$out/README.md"

check_nfc "$out/README.md"
echo "wrote $(wc -l <"$readme_rows") files to $out"
