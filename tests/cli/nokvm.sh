#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# nokvm.sh: run a command as on a host without /dev/kvm: in a private mount
# namespace whose /dev is a fresh tmpfs holding only null, zero and urandom.
# Needs root and unshare(1).  Usage: nokvm.sh COMMAND [ARGS...]
exec unshare -m sh -c '
	mount -t tmpfs none /dev &&
	mknod -m 666 /dev/null c 1 3 &&
	mknod -m 666 /dev/zero c 1 5 &&
	mknod -m 666 /dev/urandom c 1 9 &&
	exec "$@"' sh "$@"
