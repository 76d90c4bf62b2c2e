/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * linker_set.h: FreeBSD-style linker sets on GNU ld.  A device registers by
 * dropping a pointer into a named section; the linker gathers them and
 * provides __start_<set>/__stop_<set>.  Adding a device is adding a file.
 */
#ifndef LHYVE_LINKER_SET_H
#define LHYVE_LINKER_SET_H

#define DATA_SET(set, sym)						\
	static const void *__set_##set##_sym_##sym			\
	__attribute__((section("set_" #set), used, aligned(sizeof(void *)))) = &(sym)

#define SET_DECLARE(set, ptype)						\
	extern ptype *__start_set_##set[] __attribute__((weak));	\
	extern ptype *__stop_set_##set[] __attribute__((weak))

#define SET_BEGIN(set)	(__start_set_##set)
#define SET_LIMIT(set)	(__stop_set_##set)

/* for (pvar = SET_BEGIN(set); pvar < SET_LIMIT(set); pvar++) */
#define SET_FOREACH(pvar, set)						\
	for (pvar = SET_BEGIN(set); pvar < SET_LIMIT(set); pvar++)

#endif /* LHYVE_LINKER_SET_H */
