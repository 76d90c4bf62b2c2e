# SPDX-License-Identifier: BSD-2-Clause
# fuzz.mk: an AddressSanitizer + UBSan build of lhyve (every src/**/*.c,
# objects in build/asan/) for the fuzz tier (tests/fuzz/run.sh), which runs
# the sys_fuzz guest's random instruction bytes on it.  Included by the
# top-level Makefile (-include), or used directly:
#   make -f Makefile -f tests/fuzz/fuzz.mk fuzz-build

ASAN_DIR    := $(BUILD)/asan
ASAN_OBJS   := $(SRCS:%.c=$(ASAN_DIR)/%.o)
ASAN_FLAGS  := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
               -fno-omit-frame-pointer
ASAN_CFLAGS := -O1 -g -std=gnu11 $(WARN) -Wno-error -pthread -D_GNU_SOURCE -Isrc -MMD -MP \
               $(ASAN_FLAGS)

$(ASAN_DIR)/%.o: %.c tests/fuzz/fuzz.mk
	@mkdir -p $(dir $@)
	$(CC) $(ASAN_CFLAGS) -c -o $@ $<

$(ASAN_DIR)/lhyve: $(ASAN_OBJS)
	$(CC) $(ASAN_CFLAGS) -o $@ $^ $(LDLIBS)

fuzz-build: $(ASAN_DIR)/lhyve $(GUEST_DIR)/sys_fuzz.elf

.PHONY: fuzz-build
-include $(ASAN_OBJS:.o=.d)
