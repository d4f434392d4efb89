#!/usr/bin/env bash
# Runs the example station: a block a few seconds from now, played on this machine's
# sound card or, where there is none, on the project's virtual card; then prints the
# airplay log. Usage: tools/demo.sh BIN_DIR
set -euo pipefail
bin=$1
root=$(cd "$(dirname "$0")/.." && pwd)
state="$root/var/demo"
rm -rf "$state"
mkdir -p "$state/schedules"

if [ -s /proc/asound/cards ] && ! grep -q "no soundcards" /proc/asound/cards; then
  device="default"
  echo "Playing on this machine's sound card (ALSA \"default\")."
else
  device="vcard"
  export ALSA_CONFIG_PATH
  ALSA_CONFIG_PATH=$(bash "$root/tools/vcard/asoundrc.sh" "$state")
  echo "No sound card here: playing on Loaxa's virtual card (the capture is in $state)."
fi

# The block starts 8 seconds from now, in the station's time (Vietnam, UTC+7).
start=$(TZ=Asia/Ho_Chi_Minh date -d '+8 seconds' +%H:%M:%S)
today=$(TZ=Asia/Ho_Chi_Minh date -d '+8 seconds' +%Y-%m-%d)
cat > "$state/loaxa.toml" <<TOML
[station]
name = "Đài truyền thanh xã Cẩm Châu (trình diễn)"
timezone = "Asia/Ho_Chi_Minh"

[paths]
media = "$root/media"
schedules = "schedules"
database = "loaxa.sqlite"
socket = "loaxa.sock"

[output]
device = "$device"
rate = 48000
channels = 2

[report]
issuer = "UBND XÃ CẨM CHÂU"
recipient = "Phòng Văn hóa và Thông tin huyện Cẩm Thủy"
signer = "Công chức Văn hóa - Xã hội"

[report.topics]
giam-ngheo = "Giảm nghèo bền vững"
viec-lam = "Việc làm, học nghề"
y-te = "Y tế"
giao-duc = "Giáo dục"
tro-giup-phap-ly = "Trợ giúp pháp lý"
TOML
# The example plan, with this year's dates.
year=$(TZ=Asia/Ho_Chi_Minh date +%Y)
mkdir -p "$state/plans"
sed -e "s/2026-01-01/$year-01-01/; s/2026-12-31/$year-12-31/; s/năm 2026/năm $year/" \
  "$root/plans/truyen-thong-giam-ngheo.toml" > "$state/plans/truyen-thong-giam-ngheo.toml"
cat > "$state/schedules/trinh-dien.toml" <<TOML
[[block]]
id = "trinh-dien"
title = "Bản tin giảm nghèo (trình diễn)"
date = $today
start = $start
items = [
  { file = "jingles/mo-dau.ogg" },
  { queue = true },
  { file = "jingles/ket-thuc.ogg" },
]
TOML

"$bin/loaxa" schedule check --config "$state/loaxa.toml"
# Index the media folder: every segment analysed once (length, loudness, title).
"$bin/loaxa" media scan --config "$state/loaxa.toml"
"$bin/loaxa" media list --config "$state/loaxa.toml"
# The commune's leader approves the jingles: their airings carry who approved them and when.
for jingle in jingles/mo-dau.ogg jingles/ket-thuc.ogg; do
  "$bin/loaxa" media approve "$jingle" --by "Chủ tịch UBND xã (trình diễn)" --config "$state/loaxa.toml"
done
"$bin/loaxa" schedule show --config "$state/loaxa.toml"
echo
echo "Starting loaxad; the block \"trinh-dien\" airs at $start (Asia/Ho_Chi_Minh)."
"$bin/loaxad" --config "$state/loaxa.toml" &
daemon=$!
trap 'kill $daemon 2>/dev/null || true' EXIT
sleep 2
# The officer queues an announcement: it airs at the block's queue item.
"$bin/loaxa" queue add giao-duc/khong-bo-hoc.opus --config "$state/loaxa.toml"
"$bin/loaxa" queue list --config "$state/loaxa.toml"
"$bin/loaxa" status --config "$state/loaxa.toml" || true
# Wait for the block to end (the log shows block_ended), at most 100 s.
for _ in $(seq 1 100); do
  sleep 1
  if "$bin/loaxa" log export --format csv --config "$state/loaxa.toml" 2>/dev/null | grep -q 'ket-thuc.*,completed,'; then
    break
  fi
done
kill -TERM $daemon; wait $daemon || true
trap - EXIT
echo
echo "Airplay log (loaxa log export --format csv):"
"$bin/loaxa" log export --format csv --config "$state/loaxa.toml"
echo
echo "Today's report (loaxa report --format md); also written as $state/bao-cao.xlsx for Excel:"
"$bin/loaxa" report --from "$today" --to "$today" --format md --config "$state/loaxa.toml"
"$bin/loaxa" report --from "$today" --to "$today" --format xlsx --out "$state/bao-cao.xlsx" --config "$state/loaxa.toml"
