# SPDX-License-Identifier: BSD-2-Clause
# guests.mk: builds the test guests (tests/guests/*.S) with the host gcc/as/ld
# into build/tests/guests/, plus the bad kernels the loader must refuse.
# Included by the top-level Makefile; `make guests-build` builds them all.

GUEST_SRC   := tests/guests
GUEST_DIR   := $(BUILD)/tests/guests
GUEST_CPP   := -nostdinc -I$(GUEST_SRC) -MMD -MP
GUEST_LD    := ld -nostdlib -z noexecstack -z max-page-size=0x1000 \
               --no-warn-rwx-segments --build-id=none
# The module mbinfo expects: its size is compiled into the guest.
GUEST_INITRD_SIZE := 5000

# Multiboot ELF32 guests, one per source file.
GUESTS32    := hello32 mbinfo triplefault halt reset realmode_mb long64 demo \
               alu32 alu16 except32 uart pci testdev smp pic_pit sys_seg \
               sys_paging sys_xmodify
# Interrupt controllers, timers and SMP (issue 5; intr_lib.h).
GUESTS32    += intr_lock intr_sipi intr_ipi intr_lapic_timer intr_pit \
               intr_ioapic intr_pic_only intr_rtc intr_hpet_pm intr_hpet_legacy
# Variants: <name>:<source>:<extra cpp flags>
# Task switching and the A/D-bit race (issue 4).
GUESTS32    += sys_task sys_adrace
# bhyve's remaining options: -b (bvm console), -f (QEMU fw_cfg).
GUESTS32    += bvmcons fw_cfg
# LOCK CMPXCHG/CMPXCHG8B spinlocks on 2 vCPUs: ZF=1 means it wrote.
GUESTS32    += intr_cmpxchg
GUESTS32_VARIANTS := triplefault_int3 reset_cf9
# intr_lock with its counters on the code's page / straddling pages.
GUESTS32_VARIANTS += intr_lock_code intr_lock_split
GUESTS64    := elf64 long64_e64
# 64-bit code needing 32-bit-signed relocations: linked as ELF64, then handed
# to the loader as a multiboot ELF32 (as GRUB users do), so QEMU boots it too.
GUESTS64_AS32 := alu64 except64 sys_long sys_fuzz sys_sysenter
# The gdb tier's guest (tests/system/gdb, not run by the guest tier).
GUESTS64_AS32 += gdbtest

GUEST_ELFS  := $(GUESTS32:%=$(GUEST_DIR)/%.elf) \
               $(GUESTS32_VARIANTS:%=$(GUEST_DIR)/%.elf) \
               $(GUESTS64:%=$(GUEST_DIR)/%.elf) \
               $(GUESTS64_AS32:%=$(GUEST_DIR)/%.elf)
GUEST_ROMS  := $(GUEST_DIR)/realmode_rom.rom $(GUEST_DIR)/sys_rom64.rom
GUEST_BAD   := $(GUEST_DIR)/bad-nomb.elf $(GUEST_DIR)/bad-badsum.elf \
               $(GUEST_DIR)/bad-truncated.elf $(GUEST_DIR)/bad-notelf.bin \
               $(GUEST_DIR)/bad-empty.bin
GUEST_DATA  := $(GUEST_DIR)/mbinfo-initrd.txt

guests-build: $(GUEST_ELFS) $(GUEST_ROMS) $(GUEST_BAD) $(GUEST_DATA)

# --- objects -------------------------------------------------------------
$(GUEST_DIR)/%.o32: $(GUEST_SRC)/%.S
	@mkdir -p $(dir $@)
	$(CC) -m32 $(GUEST_CPP) -c -o $@ $<

$(GUEST_DIR)/%.o64: $(GUEST_SRC)/%.S
	@mkdir -p $(dir $@)
	$(CC) -m64 $(GUEST_CPP) -c -o $@ $<

$(GUEST_DIR)/mbinfo.o32: $(GUEST_SRC)/mbinfo.S
	@mkdir -p $(dir $@)
	$(CC) -m32 $(GUEST_CPP) -DINITRD_SIZE=$(GUEST_INITRD_SIZE) -c -o $@ $<

$(GUEST_DIR)/triplefault_int3.o32: $(GUEST_SRC)/triplefault.S
	@mkdir -p $(dir $@)
	$(CC) -m32 $(GUEST_CPP) -DUSE_INT3 -c -o $@ $<

$(GUEST_DIR)/reset_cf9.o32: $(GUEST_SRC)/reset.S
	@mkdir -p $(dir $@)
	$(CC) -m32 $(GUEST_CPP) -DUSE_CF9 -c -o $@ $<

$(GUEST_DIR)/intr_lock_code.o32: $(GUEST_SRC)/intr_lock.S
	@mkdir -p $(dir $@)
	$(CC) -m32 $(GUEST_CPP) -DLOCK_CODE -c -o $@ $<

$(GUEST_DIR)/intr_lock_split.o32: $(GUEST_SRC)/intr_lock.S
	@mkdir -p $(dir $@)
	$(CC) -m32 $(GUEST_CPP) -DLOCK_SPLIT -c -o $@ $<

$(GUEST_DIR)/badsum.o32: $(GUEST_SRC)/nomb.S
	@mkdir -p $(dir $@)
	$(CC) -m32 $(GUEST_CPP) -DBAD_CHECKSUM -c -o $@ $<

# The same long-mode source as a multiboot ELF64 kernel.
$(GUEST_DIR)/long64_e64.o64: $(GUEST_SRC)/long64.S
	@mkdir -p $(dir $@)
	$(CC) -m64 $(GUEST_CPP) -c -o $@ $<

# alu16: a real-mode blob (flat binary at offset 0) included by alu16.S.
$(GUEST_DIR)/alu16_rm.bin: $(GUEST_DIR)/alu16_rm.o32 $(GUEST_SRC)/flat16.ld
	$(GUEST_LD) -m elf_i386 -T $(GUEST_SRC)/flat16.ld -o $@ $<
	@test $$(stat -c %s $@) -lt 61440 || { echo "$@: too big"; exit 1; }
$(GUEST_DIR)/alu16.o32: $(GUEST_SRC)/alu16.S $(GUEST_DIR)/alu16_rm.bin
	@mkdir -p $(dir $@)
	$(CC) -m32 $(GUEST_CPP) -Wa,-I$(GUEST_DIR) -c -o $@ $<

# --- images --------------------------------------------------------------
$(GUEST_DIR)/%.elf: $(GUEST_DIR)/%.o32 $(GUEST_SRC)/guest.ld
	$(GUEST_LD) -m elf_i386 -T $(GUEST_SRC)/guest.ld -o $@ $<

$(GUEST_DIR)/elf64.elf: $(GUEST_DIR)/elf64.o64 $(GUEST_SRC)/guest.ld
	$(GUEST_LD) -m elf_x86_64 -T $(GUEST_SRC)/guest.ld -o $@ $<

$(GUEST_DIR)/long64_e64.elf: $(GUEST_DIR)/long64_e64.o64 $(GUEST_SRC)/guest.ld
	$(GUEST_LD) -m elf_x86_64 -T $(GUEST_SRC)/guest.ld -o $@ $<

$(GUESTS64_AS32:%=$(GUEST_DIR)/%.elf): $(GUEST_DIR)/%.elf: \
    $(GUEST_DIR)/%.o64 $(GUEST_SRC)/guest.ld
	$(GUEST_LD) -m elf_x86_64 -T $(GUEST_SRC)/guest.ld -o $@.64 $<
	objcopy -O elf32-i386 $@.64 $@

$(GUEST_DIR)/realmode_rom.rom: $(GUEST_DIR)/realmode_rom.o32 $(GUEST_SRC)/rom.ld
	$(GUEST_LD) -m elf_i386 -T $(GUEST_SRC)/rom.ld -o $@ $<
	@test $$(stat -c %s $@) -eq 131072 || \
	    { echo "$@: not 128 KiB"; rm -f $@; exit 1; }

# A 64 KiB ROM (rom64.ld): reset vector to long mode (issue 4).
$(GUEST_DIR)/sys_rom64.rom: $(GUEST_DIR)/sys_rom64.o32 $(GUEST_SRC)/rom64.ld
	$(GUEST_LD) -m elf_i386 -T $(GUEST_SRC)/rom64.ld -o $@ $<
	@test $$(stat -c %s $@) -eq 65536 || \
	    { echo "$@: not 64 KiB"; rm -f $@; exit 1; }

# --- kernels the loader must refuse (exit status 4) ------------------------
$(GUEST_DIR)/bad-nomb.elf: $(GUEST_DIR)/nomb.elf
	cp $< $@
$(GUEST_DIR)/bad-badsum.elf: $(GUEST_DIR)/badsum.elf
	cp $< $@
# ELF and program headers intact, the multiboot header present (file offset
# 0x1000), but the segment cut short 64 bytes in.
$(GUEST_DIR)/bad-truncated.elf: $(GUEST_DIR)/hello32.elf
	head -c 4160 $< > $@
$(GUEST_DIR)/bad-notelf.bin:
	@mkdir -p $(dir $@)
	printf 'this is not a kernel\n' > $@
$(GUEST_DIR)/bad-empty.bin:
	@mkdir -p $(dir $@)
	: > $@

# --- data ---------------------------------------------------------------
# mbinfo's module: a first line it prints, then 'x' up to GUEST_INITRD_SIZE.
$(GUEST_DIR)/mbinfo-initrd.txt: $(GUEST_SRC)/guests.mk
	@mkdir -p $(dir $@)
	{ printf 'lhyve initrd module 0\n'; \
	  head -c $$(($(GUEST_INITRD_SIZE) - 22)) /dev/zero | tr '\0' x; } > $@
	@test $$(stat -c %s $@) -eq $(GUEST_INITRD_SIZE)

# --- reference transcripts of the ALU guests, from the host CPU -------------
# Not part of guests-build: run after changing alu.h, and commit the result.
$(GUEST_DIR)/alu32.host: $(GUEST_SRC)/alu_host.S $(GUEST_SRC)/alu.h
	@mkdir -p $(dir $@)
	$(CC) -m32 -nostdinc -nostdlib -static -I$(GUEST_SRC) -DALU_MODE=32 -o $@ $<
$(GUEST_DIR)/alu64.host: $(GUEST_SRC)/alu_host.S $(GUEST_SRC)/alu.h
	@mkdir -p $(dir $@)
	$(CC) -m64 -nostdinc -nostdlib -static -no-pie -I$(GUEST_SRC) \
	    -DALU_MODE=64 -o $@ $<
alu-expect: $(GUEST_DIR)/alu32.host $(GUEST_DIR)/alu64.host
	$(GUEST_DIR)/alu32.host > $(GUEST_SRC)/alu32.expect
	sed '1s/.*/alu16: integer instruction groups, real mode/' \
	    $(GUEST_SRC)/alu32.expect > $(GUEST_SRC)/alu16.expect
	$(GUEST_DIR)/alu64.host > $(GUEST_SRC)/alu64.expect

.PRECIOUS: $(GUEST_DIR)/%.o32 $(GUEST_DIR)/%.o64
.PHONY: guests-build alu-expect
-include $(wildcard $(GUEST_DIR)/*.d)
