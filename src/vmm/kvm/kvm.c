/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kvm.c: the Linux KVM backend.  XXX: not written yet (issue 8).  Until it
 * is, probing says whether /dev/kvm would be usable, and choosing it is a
 * clear error rather than a crash; "auto" falls back to emu.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "vmm/vmm_priv.h"

static int
kvm_probe(void)
{
	int fd;

	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return (-errno);
	close(fd);
	/* /dev/kvm is there, but this backend is not: say so. */
	return (-ENOSYS);
}

static int
kvm_run(struct vcpu *vcpu, struct vm_exit *vme)
{
	return (-ENOSYS);
}

const struct vmm_ops vmm_ops_kvm = {
	.name = "kvm",
	.probe = kvm_probe,
	.run = kvm_run,
};
