#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# fetch.sh: downloads the Debian packages the system tests boot (the kernel
# package linux-image-cloud-amd64 depends on, and busybox-static) into a
# cache outside the tree, extracts vmlinuz and the static busybox, and
# prints where they are.
#
# usage: fetch.sh [-q] [--generic]
#   -q          print only the KEY=path lines
#   --generic   also fetch Debian's generic kernel of the same version
#               (linux-image-6.1.0-NN-amd64: the cloud kernel has no
#               AHCI, libata, SCSI CD-ROM or ISO 9660 drivers, the
#               generic one has them as modules).  LHYVE_FETCH_GENERIC=1
#               does the same.
#
# Cache: ${LHYVE_CACHE:-$HOME/.cache/lhyve}.  Idempotent: a package whose
# extracted files are already there is not downloaded again.  Nothing here
# is ever committed.  Needs: apt (apt-get, apt-cache), dpkg (dpkg-deb).
#
# Output, one per line, for scripts to eval:
#   LHYVE_KERNEL_PKG=linux-image-6.1.0-NN-cloud-amd64
#   LHYVE_KERNEL_RELEASE=6.1.0-NN-cloud-amd64      (what uname -r prints)
#   LHYVE_VMLINUZ=/root/.cache/lhyve/linux-image-.../boot/vmlinuz-...
#   LHYVE_BUSYBOX=/root/.cache/lhyve/busybox-static/bin/busybox
# and with --generic four more:
#   LHYVE_GENERIC_PKG=linux-image-6.1.0-NN-amd64
#   LHYVE_GENERIC_RELEASE=6.1.0-NN-amd64
#   LHYVE_GENERIC_VMLINUZ=/root/.cache/lhyve/generic/linux-image-.../boot/vmlinuz-...
#   LHYVE_GENERIC_MODULES=/root/.cache/lhyve/generic/linux-image-.../lib/modules/6.1.0-NN-amd64
# The generic kernel lives under generic/ so that scripts looking for
# "$CACHE"/linux-image-*/ still find only the cloud kernel.

set -euo pipefail

QUIET=0
GENERIC=${LHYVE_FETCH_GENERIC:-0}
for arg in "$@"; do
	case "$arg" in
	-q) QUIET=1 ;;
	--generic) GENERIC=1 ;;
	*) ;;	# other arguments were always ignored
	esac
done

CACHE=${LHYVE_CACHE:-$HOME/.cache/lhyve}
mkdir -p "$CACHE"

say() {
	[ "$QUIET" = 1 ] || echo "fetch.sh: $*" >&2
}

for tool in apt-get apt-cache dpkg-deb; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "fetch.sh: $tool not found (a Debian system is needed)" >&2
		exit 1
	fi
done

# The versioned kernel package behind the meta-package, e.g.
# linux-image-6.1.0-56-cloud-amd64.  apt-cache prints "Depends: name".
resolve() {
	apt-cache depends linux-image-cloud-amd64 2>/dev/null |
	    sed -n 's/^ *Depends: *\(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1
}
kpkg=$(resolve)
# A fresh machine (a CI container) may have no package lists yet: update
# them once, as root or through sudo without a password.
if [ -z "$kpkg" ]; then
	if [ "$(id -u)" -eq 0 ]; then
		say "no package lists: apt-get update"
		apt-get update -qq >&2 || true
	elif sudo -n true 2>/dev/null; then
		say "no package lists: sudo apt-get update"
		sudo -n apt-get update -qq >&2 || true
	fi
	kpkg=$(resolve)
fi
if [ -z "$kpkg" ]; then
	echo "fetch.sh: cannot resolve linux-image-cloud-amd64's kernel" \
	    "package (apt-get update?)" >&2
	exit 1
fi
krel=${kpkg#linux-image-}

# fetch PKG DIR: download PKG's .deb into $CACHE/debs and unpack it into
# DIR, unless DIR/.done says that already happened.
fetch() {
	local pkg=$1 dir=$2 deb
	if [ -f "$dir/.done" ]; then
		say "$pkg: cached in $dir"
		return 0
	fi
	mkdir -p "$CACHE/debs"
	deb=$(ls "$CACHE"/debs/"${pkg}"_*.deb 2>/dev/null | head -n 1 || true)
	if [ -z "$deb" ]; then
		say "$pkg: downloading"
		(cd "$CACHE/debs" && apt-get download -q $sandbox "$pkg" >&2)
		deb=$(ls "$CACHE"/debs/"${pkg}"_*.deb 2>/dev/null | head -n 1)
		if [ -z "$deb" ]; then
			echo "fetch.sh: apt-get download $pkg left no .deb" >&2
			exit 1
		fi
	fi
	rm -rf "$dir.tmp"
	mkdir -p "$dir.tmp"
	dpkg-deb -x "$deb" "$dir.tmp"
	touch "$dir.tmp/.done"
	rm -rf "$dir"
	mv "$dir.tmp" "$dir"
	say "$pkg: extracted into $dir"
}

# As root, apt's _apt sandbox user cannot write into $HOME/.cache; say so
# up front instead of letting apt warn about it on every download.
sandbox=""
[ "$(id -u)" -eq 0 ] && sandbox="-o APT::Sandbox::User=root"

fetch "$kpkg" "$CACHE/$kpkg"
fetch busybox-static "$CACHE/busybox-static"

vmlinuz=$CACHE/$kpkg/boot/vmlinuz-$krel
busybox=$CACHE/busybox-static/bin/busybox
for f in "$vmlinuz" "$busybox"; do
	if [ ! -f "$f" ]; then
		echo "fetch.sh: $f missing after extraction" >&2
		exit 1
	fi
done

# The generic flavour of the same kernel version: the cloud package's
# name without "cloud-" (linux-image-6.1.0-NN-cloud-amd64 -> -NN-amd64).
if [ "$GENERIC" = 1 ]; then
	gpkg=${kpkg/-cloud-amd64/-amd64}
	if [ "$gpkg" = "$kpkg" ]; then
		echo "fetch.sh: cannot derive the generic kernel from $kpkg" >&2
		exit 1
	fi
	grel=${gpkg#linux-image-}
	mkdir -p "$CACHE/generic"
	fetch "$gpkg" "$CACHE/generic/$gpkg"
	gvmlinuz=$CACHE/generic/$gpkg/boot/vmlinuz-$grel
	gmods=$CACHE/generic/$gpkg/lib/modules/$grel
	if [ ! -f "$gvmlinuz" ] || [ ! -d "$gmods/kernel" ]; then
		echo "fetch.sh: $gvmlinuz or $gmods missing after extraction" >&2
		exit 1
	fi
fi

echo "LHYVE_KERNEL_PKG=$kpkg"
echo "LHYVE_KERNEL_RELEASE=$krel"
echo "LHYVE_VMLINUZ=$vmlinuz"
echo "LHYVE_BUSYBOX=$busybox"
if [ "$GENERIC" = 1 ]; then
	echo "LHYVE_GENERIC_PKG=$gpkg"
	echo "LHYVE_GENERIC_RELEASE=$grel"
	echo "LHYVE_GENERIC_VMLINUZ=$gvmlinuz"
	echo "LHYVE_GENERIC_MODULES=$gmods"
fi
