# SPDX-License-Identifier: BSD-2-Clause
# Unit tests: each tests/unit/test_<area>.c is one cmocka program, linked
# against every lhyve object except main (build/liblhyve.a) and weak stubs
# for what bhyverun.c would provide (tests/unit/stubs.c).

comma := ,
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%)

$(BUILD)/tests/unit/stubs.o: tests/unit/stubs.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# Most tests link the archive normally, so that only what they lack is
# pulled in and they may fake the rest (e.g. vm_map_gpa).  Tests that need
# every device registered through a linker set link it whole.
UNIT_WHOLE := test_options

$(BUILD)/tests/unit/%: tests/unit/%.c $(BUILD)/liblhyve.a $(BUILD)/tests/unit/stubs.o
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(BUILD)/tests/unit/stubs.o \
	    $(if $(filter $*,$(UNIT_WHOLE)),-Wl$(comma)--whole-archive) \
	    $(BUILD)/liblhyve.a \
	    $(if $(filter $*,$(UNIT_WHOLE)),-Wl$(comma)--no-whole-archive) \
	    -lcmocka $(LDLIBS)

unit-build: $(UNIT_BINS)

.PHONY: unit-build

# gcc -MMD wrote each program's header dependencies next to it (test_X.d):
# a changed dev_harness.h or src/ header rebuilds the programs that use it.
-include $(UNIT_BINS:%=%.d)
