# SPDX-License-Identifier: BSD-2-Clause
# bench.mk: builds the benchmark guest and the native workload driver into
# build/bench/, and runs the benchmarks (tier 5 of docs/TESTING.md: figures
# side by side with QEMU TCG and native runs; never fails on speed).
# Included by the top-level Makefile.
#
#   make bench            build, then bench/run-all.sh (mips, rss, boot, io;
#                         bench/io builds its static guest tool itself)
#   make bench-build      only build build/bench/*
#   BENCH_ARGS="..."      passed to bench/run-all.sh (e.g. "-n 5", or
#                         '-d "virtio-blk nvme"' for bench/io's disks)

BENCH_SRC   := bench/guests
BENCH_DIR   := $(BUILD)/bench
BENCH_CPP   := -nostdinc -Itests/guests -I$(BENCH_SRC) -MMD -MP

# The guest: 64-bit code linked as ELF64 at 1 MiB, handed to the loaders as
# a multiboot ELF32 (QEMU's -kernel loads only that), like tests/guests'
# alu64.
$(BENCH_DIR)/bench.o64: $(BENCH_SRC)/bench.S
	@mkdir -p $(dir $@)
	$(CC) -m64 $(BENCH_CPP) -c -o $@ $<

$(BENCH_DIR)/bench.elf: $(BENCH_DIR)/bench.o64 tests/guests/guest.ld
	$(GUEST_LD) -m elf_x86_64 -T tests/guests/guest.ld -o $@.64 $<
	objcopy -O elf32-i386 $@.64 $@

# The same workloads on the host (non-PIE: the workloads use absolute
# 32-bit addresses, as in the guest).
$(BENCH_DIR)/workloads.o: $(BENCH_SRC)/workloads.S
	@mkdir -p $(dir $@)
	$(CC) -m64 -c -o $@ $<

$(BENCH_DIR)/native: bench/native.c $(BENCH_DIR)/workloads.o
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -std=gnu11 $(WARN) -D_GNU_SOURCE -no-pie -o $@ $^

bench-build: $(BENCH_DIR)/bench.elf $(BENCH_DIR)/native

bench:
	@$(MAKE) --no-print-directory all guests-build bench-build
	@bench/run-all.sh $(BENCH_ARGS)

.PHONY: bench bench-build
-include $(wildcard $(BENCH_DIR)/*.d)
