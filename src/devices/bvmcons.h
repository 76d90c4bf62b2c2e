/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bvmcons.h: the 2013 bhyve's "bvm console" (-b, bvmconsole=true), a
 * paravirtual byte-wide console at I/O port 0x220 that FreeBSD guests with
 * "device bvmconsole" use instead of a UART.
 */
#ifndef LHYVE_BVMCONS_H
#define LHYVE_BVMCONS_H

#include <stdbool.h>
#include <stdint.h>

#define BVMCONS_PORT	0x220
#define BVMCONS_SIG	0x7662		/* 'b' << 8 | 'v': a 16-bit IN */

/*
 * Put the console on port 0x220, on stdin/stdout.  When a COM port already
 * has stdio ('shared'), the console only writes to stdout and has no input
 * (stdin belongs to the UART).  0 or -errno (after printing why).
 */
int bvmcons_init(bool shared);
/* Whether the config tree gives stdio to a COM port (lpc.comN.path). */
bool bvmcons_stdio_taken(void);
/* Remove it again (tests). */
void bvmcons_deinit(void);

/*
 * One port access, as the inout dispatch makes it (exported for tests):
 * 0 or -1 for an access the console does not answer.
 */
int bvmcons_io(int in, int port, int bytes, uint32_t *eax);

#endif /* LHYVE_BVMCONS_H */
