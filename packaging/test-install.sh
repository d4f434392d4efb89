#!/usr/bin/env bash
# Installs the package in a fresh Debian 12 (bookworm) chroot, so that apt fetches its
# Depends and its maintainer scripts run, and checks the installed station as root, as
# the daemon's user and as an officer in group loaxa; then upgrades, purges and installs
# it again. Run as root: packaging/test-install.sh DEB (`make test-deb`).
#
# The chroot is made with debootstrap (from LOAXA_DEBIAN_MIRROR, default deb.debian.org)
# once and kept as a tarball in .build/deb-test/, with the packages apt downloaded, so a
# second run needs the network only for apt's package lists. Nothing is done outside
# .build/deb-test/ but for mounting /proc inside the chroot, which is always unmounted
# on the way out. Prints PASS or FAIL for each check; exits 1 if any failed.
set -euo pipefail
umask 022

deb=${1:?usage: packaging/test-install.sh DEB}
deb=$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")
[ -f "$deb" ] || { echo "test-install: no package $deb" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "test-install: run as root (debootstrap, chroot, mount)" >&2; exit 1; }
root_dir=$(cd "$(dirname "$0")/.." && pwd)
work=$root_dir/.build/deb-test
root=$work/chroot
cache=$work/bookworm-minbase.tar
archives=$work/archives
mirror=${LOAXA_DEBIAN_MIRROR:-http://deb.debian.org/debian}
officer=canbo
daemon_pid=""

# --- the chroot ------------------------------------------------------------------------

# Unmounts everything mounted at or under the chroot, deepest first.
unmount_all() {
    local mounts
    mounts=$(findmnt -rn -o TARGET | awk -v r="$root" '$0 == r || index($0, r "/") == 1' | sort -r) || true
    for m in $mounts; do
        umount "$m" 2>/dev/null || umount -l "$m"
    done
}

cleanup() {
    local status=$?
    if [ -n "$daemon_pid" ]; then kill "$daemon_pid" 2>/dev/null || true; fi
    unmount_all
    if findmnt -rn -o TARGET | grep -qF "$root"; then
        echo "test-install: could not unmount everything under $root" >&2
        status=1
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Runs a command inside the chroot with a clean environment.
in_root() {
    chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"
}

# Runs a command inside the chroot as USER (with USER's groups), from /tmp.
as_user() {
    local user=$1
    shift
    in_root /usr/sbin/runuser -u "$user" -- /bin/sh -c 'cd /tmp && exec "$@"' sh "$@"
}

mkdir -p "$work" "$archives"
unmount_all
rm -rf --one-file-system "$root"
started=$SECONDS
if [ -f "$cache" ]; then
    mkdir "$root"
    tar -C "$root" --numeric-owner -xf "$cache"
    echo "chroot: unpacked $cache in $((SECONDS - started)) s"
else
    debootstrap --variant=minbase bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 || {
        tail -20 "$work/debootstrap.log" >&2
        exit 1
    }
    in_root apt-get clean
    tar -C "$root" --numeric-owner -cf "$cache.part" . && mv "$cache.part" "$cache"
    echo "chroot: debootstrap bookworm minbase from $mirror in $((SECONDS - started)) s (kept in $cache)"
fi
mount -t proc proc "$root/proc"
cp /etc/resolv.conf "$root/etc/resolv.conf"

started=$SECONDS
in_root apt-get update -qq
find "$archives" -name '*.deb' -exec cp -t "$root/var/cache/apt/archives/" {} +
cp "$deb" "$root/tmp/"
cp "$root_dir/media/viec-lam/hoc-nghe.opus" "$root/tmp/"
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "/tmp/$(basename "$deb")" >"$work/install.log" 2>&1 || {
    tail -30 "$work/install.log" >&2
    exit 1
}
cp -u "$root"/var/cache/apt/archives/*.deb "$archives/" 2>/dev/null || true
echo "install: apt-get install with its Depends in $((SECONDS - started)) s (log: $work/install.log)"

# --- checks ----------------------------------------------------------------------------

failures=0
last=""
# check NAME COMMAND...: runs the command, keeps its output in $last, prints PASS or FAIL.
check() {
    local name=$1
    shift
    if last=$("$@" 2>&1); then
        echo "PASS  $name"
    else
        echo "FAIL  $name"
        printf '%s\n' "$last" | sed 's/^/      /'
        failures=$((failures + 1))
    fi
}
# expect_exit CODE COMMAND...: succeeds when the command exits CODE; prints what it said.
expect_exit() {
    local code=$1 status=0
    shift
    "$@" || status=$?
    [ "$status" -eq "$code" ] || { echo "exit status $status, expected $code"; return 1; }
}
# contains TEXT COMMAND...: the command succeeds and its output contains TEXT.
contains() {
    local text=$1 out
    shift
    out=$("$@" 2>&1) || { printf '%s\n' "$out"; return 1; }
    printf '%s\n' "$out"
    grep -qF -- "$text" <<<"$out" || { echo "(no \"$text\" in the output)"; return 1; }
}
# mode_is PATH OWNER:GROUP MODE: the path inside the chroot has that owner and mode.
mode_is() {
    local got
    got=$(in_root stat -c '%U:%G %a' "$1")
    echo "$1: $got"
    [ "$got" = "$2 $3" ]
}

year=$(date +%Y)
db=/var/lib/loaxa/loaxa.sqlite
media=/var/lib/loaxa/media
package=/tmp/$(basename "$deb")

system_user() {
    in_root getent passwd loaxa
    in_root getent passwd loaxa | awk -F: '$3 < 1000 && $6 == "/var/lib/loaxa" && $7 == "/usr/sbin/nologin" { ok = 1 } END { exit !ok }'
}
user_groups() {
    in_root id loaxa
    [ "$(in_root id -gn loaxa)" = loaxa ] && in_root id -nG loaxa | tr ' ' '\n' | grep -qx audio
}
media_folders() {
    local folder
    for folder in "" /giam-ngheo /viec-lam /y-te /giao-duc /tro-giup-phap-ly /thong-bao; do
        mode_is "$media$folder" loaxa:loaxa 2770 || return 1
    done
}
installed_files() {
    local path
    for path in /usr/bin/loaxad /usr/bin/loaxa /lib/systemd/system/loaxad.service /etc/loaxa/loaxa.toml \
        /etc/loaxa/schedules/hang-ngay.toml /etc/loaxa/plans /usr/share/bash-completion/completions/loaxa; do
        in_root test -e "$path" || { echo "missing: $path"; return 1; }
    done
}
conffiles() {
    local listed
    listed=$(in_root dpkg-query -W -f='${Conffiles}' loaxa)
    echo "$listed"
    grep -q ' /etc/loaxa/loaxa.toml ' <<<"$listed" && grep -q ' /etc/loaxa/schedules/hang-ngay.toml ' <<<"$listed"
}
imported_file_shared() {
    in_root stat -c '%U:%G %a %n' "$media/viec-lam/hoc-nghe.opus"
    [ "$(in_root stat -c %G "$media/viec-lam/hoc-nghe.opus")" = loaxa ] &&
        as_user loaxa test -r "$media/viec-lam/hoc-nghe.opus"
}
reinstall_keeps_config() {
    echo '# edited by the test' >>"$root/etc/loaxa/loaxa.toml"
    in_root env DEBIAN_FRONTEND=noninteractive dpkg -i --force-confold "$package" &&
        grep -q '^# edited by the test' "$root/etc/loaxa/loaxa.toml"
}
purge_removes_package_files() {
    local path
    for path in /usr/bin/loaxad /usr/bin/loaxa /lib/systemd/system/loaxad.service /etc/loaxa \
        /etc/systemd/system/multi-user.target.wants/loaxad.service "$media/y-te"; do
        if in_root test -e "$path"; then echo "still there: $path"; return 1; fi
    done
}
install_again() {
    in_root env DEBIAN_FRONTEND=noninteractive dpkg -i "$package" &&
        as_user "$officer" loaxa log verify &&
        contains '"viec-lam/hoc-nghe.opus"' as_user "$officer" loaxa media list --json
}

check "user loaxa: system user, home /var/lib/loaxa, no login shell" system_user
check "user loaxa: primary group loaxa, also in audio" user_groups
check "/var/lib/loaxa is loaxa:loaxa 2770 (setgid)" mode_is /var/lib/loaxa loaxa:loaxa 2770
check "media/ and its topic folders are loaxa:loaxa 2770" media_folders
check "the database is made, loaxa:loaxa 0660" mode_is "$db" loaxa:loaxa 660
check "programs, unit, config, schedule and completion are installed" installed_files
check "the unit is the repository's systemd/loaxad.service" \
    cmp "$root_dir/systemd/loaxad.service" "$root/lib/systemd/system/loaxad.service"
check "the config and the schedule are conffiles" conffiles
check "the service is enabled at boot" in_root test -L /etc/systemd/system/multi-user.target.wants/loaxad.service
check "the packaged config keeps state under /var/lib/loaxa" \
    contains 'database = "/var/lib/loaxa/loaxa.sqlite"' in_root cat /etc/loaxa/loaxa.toml
check "root: loaxa schedule check exits 0 (2 blocks, no problems)" \
    contains "2 blocks, 0 plans with 0 targets, no problems found" in_root loaxa schedule check

in_root useradd --create-home --shell /bin/bash "$officer"
in_root useradd --create-home --shell /bin/bash khach
in_root adduser --quiet "$officer" loaxa
check "officer $officer (group loaxa): loaxa schedule check exits 0" \
    contains "no problems found" as_user "$officer" loaxa schedule check
check "officer: loaxa log verify before anything aired" \
    contains "the airplay log is empty" as_user "$officer" loaxa log verify
check "officer: loaxa media import hoc-nghe.opus --topic viec-lam" \
    as_user "$officer" loaxa media import /tmp/hoc-nghe.opus --topic viec-lam
check "the imported file is group loaxa's and user loaxa reads it" imported_file_shared
check "officer: loaxa media list --json shows it" \
    contains '"viec-lam/hoc-nghe.opus"' as_user "$officer" loaxa media list --json
check "officer: loaxa media approve (an event in the airplay log)" \
    as_user "$officer" loaxa media approve viec-lam/hoc-nghe.opus --by "Chủ tịch UBND xã"
check "officer: loaxa log verify" as_user "$officer" loaxa log verify
check "officer: loaxa log" as_user "$officer" loaxa log
check "officer: loaxa report --period $year --format md" \
    contains "BÁO CÁO" as_user "$officer" loaxa report --period "$year" --format md
check "the database is still loaxa:loaxa 0660 after the officer wrote to it" mode_is "$db" loaxa:loaxa 660
check "user loaxa writes the database after the officer (loaxa media scan)" as_user loaxa loaxa media scan
check "no daemon: loaxa status exits 3 and says how to start it" \
    contains "systemctl start loaxad" expect_exit 3 as_user "$officer" loaxa status
printf '%s\n' "$last" | sed 's/^/      said: /'

# The daemon as its unit starts it: user loaxa with groups loaxa and audio, umask 0007,
# /run/loaxa made as RuntimeDirectory= makes it. There is no sound card: it waits for one.
in_root install -d -o loaxa -g loaxa -m 0750 /run/loaxa
# setpriv execs (runuser would stay as loaxad's parent): SIGTERM goes straight to loaxad.
chroot "$root" /usr/bin/env -i PATH=/usr/bin:/bin LANG=C.UTF-8 \
    /usr/bin/setpriv --reuid=loaxa --regid=loaxa --init-groups \
    /bin/sh -c 'umask 0007; exec /usr/bin/loaxad --config /etc/loaxa/loaxa.toml' >"$work/loaxad.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 100); do
    [ -S "$root/run/loaxa/loaxa.sock" ] && break
    kill -0 "$daemon_pid" 2>/dev/null || break
    sleep 0.1
done
daemon_socket() {
    mode_is /run/loaxa/loaxa.sock loaxa:loaxa 660 || { tail -20 "$work/loaxad.log"; return 1; }
}
check "daemon (user loaxa, umask 0007): control socket loaxa:loaxa 0660" daemon_socket
check "officer: loaxa status with the daemon running" as_user "$officer" loaxa status
check "officer: loaxa log verify while the daemon holds the log" as_user "$officer" loaxa log verify
check "officer: loaxa media scan while the daemon holds the log" as_user "$officer" loaxa media scan
check "a user outside group loaxa is told to join it (exit 3)" \
    contains "adduser khach loaxa" expect_exit 3 as_user khach loaxa status
kill "$daemon_pid" 2>/dev/null || true
stopped=0
wait "$daemon_pid" || stopped=$?
daemon_pid=""
check "the daemon stops on SIGTERM with exit status 0" sh -c "echo loaxad exited $stopped; [ $stopped -eq 0 ]"
check "after the daemon stopped: loaxa log verify" as_user "$officer" loaxa log verify

check "installing the same version again (the upgrade path) keeps the edited config" reinstall_keeps_config
check "dpkg --purge loaxa" in_root dpkg --purge loaxa
check "purge removes the programs, unit, config and empty topic folders" purge_removes_package_files
check "purge keeps the airplay log and the imported media" \
    in_root test -s "$db" -a -f "$media/viec-lam/hoc-nghe.opus"
check "purge keeps user loaxa" in_root getent passwd loaxa
check "installing again after a purge: the kept log verifies, the media are known" install_again

if [ "$failures" -eq 0 ]; then
    unmount_all
    rm -rf --one-file-system "$root"
    echo "test-install: all checks passed"
else
    echo "test-install: $failures check(s) failed; the chroot is left in $root" \
        "(logs: $work/install.log, $work/loaxad.log)"
    exit 1
fi
