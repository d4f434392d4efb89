#!/bin/sh
# Write an ALSA configuration that makes the virtual card the default device.
#
#   asoundrc.sh OUTDIR [key value ...]
#
# Writes OUTDIR/asoundrc (and prints its absolute path).  The card records
# into OUTDIR/capture.raw and OUTDIR/capture.runs unless a "capture" key is
# given.  Each key/value pair is passed to the card as a parameter (see
# README.md); numbers and true/false are written bare, anything else quoted.
# Use it with:  ALSA_CONFIG_PATH=$(asoundrc.sh DIR ppm 3000) your-program
set -eu

if [ $# -lt 1 ]; then
	echo "usage: $0 OUTDIR [key value ...]" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
lib="$here/build/libasound_module_pcm_loaxavcard.so"
if [ ! -f "$lib" ]; then
	make -s -C "$here" all >&2
fi
case $1 in
/*) outdir=$1 ;;
*) outdir=$(pwd)/$1 ;;
esac
case $outdir in
*[[:space:]:]*)
	# alsa-lib splits ALSA_CONFIG_PATH at blanks and colons
	echo "$0: '$outdir' cannot be used in ALSA_CONFIG_PATH (blank or colon)" >&2
	exit 2
	;;
esac
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
shift

quote() {
	# an ALSA configuration string: backslash and double quote escaped
	printf '"%s"' "$(printf '%s' "$1" | sed 's/[\\"]/\\&/g')"
}

params=""
capture=""
while [ $# -gt 0 ]; do
	if [ $# -lt 2 ]; then
		echo "$0: no value for '$1'" >&2
		exit 2
	fi
	key=$1
	val=$2
	shift 2
	case $key in
	'' | [!A-Za-z_]* | *[!A-Za-z0-9_]*)
		echo "$0: bad key '$key'" >&2
		exit 2
		;;
	esac
	if [ "$key" = capture ]; then
		capture=$val
		continue
	fi
	if printf '%s' "$val" | grep -Eq '^(-?[0-9]+(\.[0-9]+)?|true|false)$'; then
		params="$params
	$key $val"
	else
		params="$params
	$key $(quote "$val")"
	fi
done
[ -n "$capture" ] || capture="$outdir/capture"

conf="$outdir/asoundrc"
cat >"$conf" <<CONF
# Virtual playback card for tests (tools/vcard).
pcm_type.loaxavcard {
	lib $(quote "$lib")
}
pcm.vcard {
	type loaxavcard
	capture $(quote "$capture")$params
}
pcm.!default "vcard"
CONF
echo "$conf"
