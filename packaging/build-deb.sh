#!/usr/bin/env bash
# Builds the Debian package from a release build: packaging/build-deb.sh BIN_DIR [OUT_DIR]
# (`make deb` runs it). BIN_DIR holds loaxad and loaxa (`swift build -c release
# --show-bin-path`); the package is written to OUT_DIR (default .build/deb) as
# loaxa_VERSION_ARCH.deb, its version from packaging/VERSION, its architecture dpkg's.
# The shared libraries the programs need become the Depends line through dpkg-shlibdeps,
# so it follows the build. The maintainer is DEBFULLNAME <DEBEMAIL>, else git's user.
set -euo pipefail
umask 022

root_dir=$(cd "$(dirname "$0")/.." && pwd)
pkg=$root_dir/packaging
bin_dir=${1:?usage: packaging/build-deb.sh BIN_DIR [OUT_DIR]}
out_dir=${2:-$root_dir/.build/deb}
for program in loaxad loaxa; do
    [ -x "$bin_dir/$program" ] || { echo "build-deb: no $bin_dir/$program; run make release first" >&2; exit 1; }
done

version=$(tr -d ' \n' <"$pkg/VERSION")
arch=$(dpkg --print-architecture)
name=${DEBFULLNAME:-$(git -C "$root_dir" config user.name || echo "Loaxa maintainers")}
email=${DEBEMAIL:-$(git -C "$root_dir" config user.email || echo "root@localhost")}
stage=$out_dir/root
deb=$out_dir/loaxa_${version}_${arch}.deb
rm -rf "$stage"
mkdir -p "$stage/DEBIAN"

# The programs, without their debugging information (about a third of their size).
for program in loaxad loaxa; do
    install -d "$stage/usr/bin"
    strip --strip-unneeded --remove-section=.comment --remove-section=.note \
        -o "$stage/usr/bin/$program" "$bin_dir/$program"
    chmod 0755 "$stage/usr/bin/$program"
done
install -D -m 0644 "$root_dir/systemd/loaxad.service" "$stage/lib/systemd/system/loaxad.service"
install -D -m 0644 "$pkg/loaxa.toml" "$stage/etc/loaxa/loaxa.toml"
install -D -m 0644 "$pkg/schedules/hang-ngay.toml" "$stage/etc/loaxa/schedules/hang-ngay.toml"
install -d "$stage/etc/loaxa/plans"
# Bash completion (sourced, so without the script's #! line).
install -d "$stage/usr/share/bash-completion/completions"
"$bin_dir/loaxa" completion bash | sed '1{/^#!/d}' >"$stage/usr/share/bash-completion/completions/loaxa"

# Manual pages: each program's own --help, so they say what the programs do.
manual() { # PROGRAM SECTION SUMMARY
    local program=$1 section=$2 summary=$3
    printf '.TH %s %s "" "loaxa %s"\n.SH NAME\n%s \\- %s\n.SH DESCRIPTION\n.nf\n' \
        "${program^^}" "$section" "$version" "$program" "$summary"
    "$bin_dir/$program" --help | sed -e 's/\\/\\e/g' -e 's/^[.'"'"']/\\\&&/'
    printf '.fi\n.SH FILES\n/etc/loaxa/loaxa.toml, /etc/loaxa/schedules/, /etc/loaxa/plans/, /var/lib/loaxa/\n'
    printf '.SH SEE ALSO\n.BR %s (%s)\n' "$([ "$program" = loaxa ] && echo loaxad || echo loaxa)" \
        "$([ "$program" = loaxa ] && echo 8 || echo 1)"
}
install -d "$stage/usr/share/man/man1" "$stage/usr/share/man/man8"
manual loaxa 1 "operate a Loaxa commune radio station" \
    | gzip -9n >"$stage/usr/share/man/man1/loaxa.1.gz"
manual loaxad 8 "the Loaxa playout daemon" | gzip -9n >"$stage/usr/share/man/man8/loaxad.8.gz"

# Documentation: the example station's plan, and the copyright file with the licenses of
# what is linked into the programs (read from the checked-out packages).
doc=$stage/usr/share/doc/loaxa
install -D -m 0644 "$root_dir/plans/truyen-thong-giam-ngheo.toml" "$doc/examples/truyen-thong-giam-ngheo.toml"
# A license text as the body of a copyright-format field: without blank lines around it,
# indented, blank lines inside as " .".
indent() {
    sed -e 's/[[:space:]]*$//' | awk 'NF { for (; gap > 0; gap--) print "."; print; seen = 1; next } seen { gap++ }' \
        | sed -e 's/^/ /'
}
checkouts=$root_dir/.build/checkouts
{
    cat "$pkg/copyright"
    for package in GRDB.swift TOMLKit; do
        license=$checkouts/$package/LICENSE
        [ -f "$license" ] || { echo "build-deb: no $license (swift build fetches it)" >&2; exit 1; }
        printf '\nFiles: %s/*\nCopyright: %s\nLicense: MIT\n' \
            "$package" "$(grep -m1 -i '^copyright' "$license" | sed -e 's/^Copyright *//I' -e 's/^(c) *//I')"
        grep -v -i -e '^copyright' -e '^MIT License' "$license" | indent
    done
    # toml++, inside TOMLKit, carries its license in its header's opening comment.
    header=$checkouts/TOMLKit/Sources/CTOML/Sources/toml.hpp
    printf '\nFiles: TOMLKit/Sources/CTOML/*\nCopyright: Mark Gillard; 2008-2009 Bjoern Hoehrmann\nLicense: MIT\n'
    sed -n '/^\/\/ Copyright (c) Mark Gillard/,/^\/\/---/p' "$header" | sed -e '1d' -e '$d' -e 's#^// \{0,1\}##' | indent
} >"$stage/copyright"
install -m 0644 "$stage/copyright" "$doc/copyright"
rm "$stage/copyright"
# A native package's changelog: this version, built from which commit.
commit=$(git -C "$root_dir" log -1 --format='%h %ad' --date=short 2>/dev/null || echo unknown)
printf 'loaxa (%s) bookworm; urgency=medium\n\n  * Built from commit %s.\n\n -- %s <%s>  %s\n' \
    "$version" "$commit" "$name" "$email" \
    "$(git -C "$root_dir" log -1 --format=%aD 2>/dev/null || date -R)" | gzip -9n >"$doc/changelog.gz"

# Depends: the packages of the shared libraries the programs load (dpkg-shlibdeps wants a
# source tree's debian/control; an empty one in a scratch folder does), then what the
# maintainer scripts and the time zones need.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/debian"
printf 'Source: loaxa\n\nPackage: loaxa\nArchitecture: any\n' >"$scratch/debian/control"
shlibs=$(cd "$scratch" && dpkg-shlibdeps -O "$stage/usr/bin/loaxad" "$stage/usr/bin/loaxa" 2>"$scratch/warnings") || {
    cat "$scratch/warnings" >&2
    exit 1
}
grep -v 'should already be installed in' "$scratch/warnings" >&2 || true
depends="${shlibs#shlibs:Depends=}, adduser, tzdata"

# Control files: conffiles (everything in /etc), md5sums of the rest, the scripts.
(cd "$stage" && find etc -type f | sort | sed 's#^#/#') >"$stage/DEBIAN/conffiles"
(cd "$stage" && find usr lib -type f | sort | xargs md5sum) >"$stage/DEBIAN/md5sums"
for script in postinst prerm postrm; do
    install -m 0755 "$pkg/$script" "$stage/DEBIAN/$script"
done
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s|@VERSION@|$version|" -e "s|@ARCH@|$arch|" -e "s|@MAINTAINER@|$name <$email>|" \
    -e "s|@INSTALLED_SIZE@|$size|" -e "s|@DEPENDS@|$depends|" "$pkg/control.in" >"$stage/DEBIAN/control"
chmod 0644 "$stage/DEBIAN/control" "$stage/DEBIAN/conffiles" "$stage/DEBIAN/md5sums"

rm -f "$deb"
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "built $deb ($(du -h "$deb" | cut -f1))"
echo "Depends: $depends"
