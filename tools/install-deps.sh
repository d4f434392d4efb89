#!/usr/bin/env bash
# Installs the Debian packages Loaxa builds, tests and demonstrates with, if missing,
# and any further packages named as arguments (`make bench` adds mpd, the program Loaxa is
# compared with; installing Debian's mpd also installs its system service, which the
# benchmark never uses: it runs its own mpd with its own configuration).
set -euo pipefail
packages=("$@"
  pkg-config libasound2-dev libsndfile1-dev libogg-dev libopus-dev libsoxr-dev libebur128-dev libsqlite3-dev nettle-dev
  zlib1g-dev
  alsa-utils espeak-ng sox libsox-fmt-all opus-tools vorbis-tools flac lame ffmpeg stress-ng python3 python3-numpy python3-scipy
  # The workbook tests read what they wrote with openpyxl, run by Debian's /usr/bin/python3, and unzip.
  python3-openpyxl unzip
  # `make deb` (dpkg-shlibdeps) and `make test-deb` (a Debian 12 chroot to install it in).
  dpkg-dev debootstrap
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
# The tests' analyser and test-audio generator need numpy and scipy in the python3 that runs them.
python3 -c 'import numpy, scipy' 2>/dev/null || missing+=(python3-numpy python3-scipy)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing missing packages: ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
# A python3 of its own (not Debian's) does not see Debian's numpy and scipy: give it its own.
python3 -c 'import numpy, scipy' 2>/dev/null || python3 -m pip install --quiet numpy scipy
