# SPDX-License-Identifier: BSD-2-Clause
# The CPU differential tester (tests/cpu/, docs/cpu-testing.md): one
# program, build/tests/cpu/cputest, linked against lhyve's objects
# (build/liblhyve.a) so that it reaches the emu backend through vmm.h.

CPU_SRCS := $(sort $(wildcard tests/cpu/*.c))
CPU_ASMS := $(sort $(wildcard tests/cpu/*.S))
CPU_OBJS := $(CPU_SRCS:%.c=$(BUILD)/%.o) $(CPU_ASMS:%.S=$(BUILD)/%.o)
CPU_BIN  := $(BUILD)/tests/cpu/cputest

$(BUILD)/tests/cpu/%.o: tests/cpu/%.S
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(CPU_BIN): $(CPU_OBJS) $(BUILD)/liblhyve.a
	$(CC) $(CFLAGS) -o $@ $(CPU_OBJS) $(BUILD)/liblhyve.a $(LDLIBS)

cpu-build: $(CPU_BIN)

# The deterministic run (what the test aggregator calls).
cpu-check: cpu-build
	@tests/cpu/run.sh

.PHONY: cpu-build cpu-check
-include $(CPU_OBJS:.o=.d)
