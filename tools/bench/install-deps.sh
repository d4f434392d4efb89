#!/usr/bin/env bash
# Installs the Debian packages `make bench` and `make soak` need on top of tools/install-deps.sh:
# mpd (the program Loaxa is compared with), stress-ng (the soak's load) and scipy (the capture
# analyser and the media generator). Installing Debian's mpd package also installs its system
# service; the benchmark never uses it (it runs its own mpd with its own configuration).
set -euo pipefail
packages=(mpd stress-ng python3-scipy sox opus-tools vorbis-tools flac lame espeak-ng)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing missing packages: ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
