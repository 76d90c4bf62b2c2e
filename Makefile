# SPDX-License-Identifier: BSD-2-Clause
# lhyve: GNU make, no configure step.  Objects go to build/.
#
#   make            build build/lhyve
#   make check      install test dependencies, build, run every test tier
#   make demo       build and boot Debian's kernel to a busybox shell here
#   make demo-tiny  build and boot the small bundled demo guest
#   make bench      benchmarks against QEMU (TCG) and native runs
#   WERROR=0        do not turn warnings into errors

CC      ?= gcc
WERROR  ?= 1
OPT     ?= -O2
BUILD   := build

WARN    := -Wall -Wextra -Wmissing-prototypes -Wstrict-prototypes \
           -Wno-unused-parameter -Wno-sign-compare
ifeq ($(WERROR),1)
WARN    += -Werror
endif
CFLAGS  ?= $(OPT) -g
CFLAGS  += -std=gnu11 $(WARN) -pthread -D_GNU_SOURCE -Isrc -MMD -MP
# libslirp (Debian libslirp-dev): virtio-net's user-mode network backend.
# Its header needs no glib, so no pkg-config (slirp.pc pulls in glib-2.0).
LDLIBS  += -lslirp -pthread -lrt

# Every .c under src/ is part of lhyve; a new device is a new file.
SRCS    := $(shell find src -name '*.c' | sort)
OBJS    := $(SRCS:%.c=$(BUILD)/%.o)
# Objects without main(), for linking the unit tests.
LIBOBJS := $(filter-out $(BUILD)/src/bhyverun.o,$(OBJS))

all: $(BUILD)/lhyve

$(BUILD)/lhyve: $(OBJS)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/liblhyve.a: $(LIBOBJS)
	@rm -f $@
	ar rcs $@ $^

include tests/unit/unit.mk
include tests/guests/guests.mk
-include tests/cpu/cpu.mk
-include tests/fuzz/fuzz.mk
-include bench/bench.mk

deps:
	@scripts/setup-deps.sh

check: deps
	@$(MAKE) --no-print-directory all unit-build guests-build
	@tests/run-all.sh

demo: deps
	@$(MAKE) --no-print-directory all guests-build
	@scripts/demo.sh

demo-tiny: deps
	@$(MAKE) --no-print-directory all guests-build
	@scripts/demo.sh --tiny

format:
	clang-format -i $(SRCS) $(shell find src -name '*.h')

clean:
	rm -rf $(BUILD)

.PHONY: all check demo demo-tiny deps clean format
-include $(OBJS:.o=.d)
