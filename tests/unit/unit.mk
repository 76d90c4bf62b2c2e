# SPDX-License-Identifier: BSD-2-Clause
# Unit tests: each tests/unit/test_<area>.c is one cmocka program, linked
# against every lhyve object except main (build/liblhyve.a).

UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%)

$(BUILD)/tests/unit/%: tests/unit/%.c $(BUILD)/liblhyve.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(BUILD)/liblhyve.a -lcmocka $(LDLIBS)

unit-build: $(UNIT_BINS)

.PHONY: unit-build
