#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# setup-deps.sh: installs the Debian packages lhyve's build and tests need.
# Idempotent and silent when everything is there; apt-get update runs only
# when something is missing; sudo only when not root.  Called by
# `make check`, `make demo` and .ci/run.

set -e

# gcc/binutils/make/libc6-dev: build lhyve and assemble the test guests.
# libcmocka-dev/pkg-config: unit tests.  acpica-tools (iasl -d) and
# dmidecode: oracles for the ACPI and SMBIOS table tests.  coreutils (timeout), diffutils,
# util-linux (unshare, for the no-/dev/kvm CLI tests): the test runners.
# apt, dpkg (apt-get download, dpkg-deb), cpio, gzip, mawk: the system tier
# and `make demo` (tests/system/fetch.sh fetches Debian's kernel and
# busybox-static, mkinitramfs.sh packs the initramfs).  libslirp-dev:
# virtio-net's slirp backend.  e2fsprogs (mkfs.ext4 -d, debugfs, e2fsck)
# and xorriso (ISO images): the storage system tests' host side.
# python3 (http.server), iproute2 and iputils-ping: the network tier's host
# side (a web server on loopback, a tap device, ping).
# gdb: the gdb tier drives lhyve's -G server with it (tests/system/gdb).
PACKAGES="gcc make binutils libc6-dev libcmocka-dev pkg-config coreutils
diffutils util-linux apt dpkg cpio gzip mawk acpica-tools dmidecode
libslirp-dev e2fsprogs xorriso python3 iproute2 iputils-ping gdb"

missing=""
for p in $PACKAGES; do
	status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
	case "$status" in
	ii*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
else
	echo "setup-deps.sh: missing packages:$missing" \
	    "(run as root, or install sudo)" >&2
	exit 1
fi

echo "setup-deps.sh: installing$missing"
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    -o Dpkg::Use-Pty=0 --no-install-recommends $missing
