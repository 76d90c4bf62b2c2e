# SPDX-License-Identifier: BSD-2-Clause
# native_stub.S: enters the instruction under test on the host CPU with
# every GPR and RFLAGS taken from a struct ct_state, and saves them all
# again when the test code jumps back (or when a fault handler redirects
# here).  Only RIP-relative addressing is used between the two points, so
# no register has to be reserved for the stub.  The entry is a far jump
# (m16:32, which Intel and AMD both take in 64-bit mode) so that the same
# path reaches 64-bit code (the current CS) or compatibility mode (the
# kernel's 32-bit user CS) or 16-bit code (an LDT code segment).

	.set	ST_RFLAGS, 136

	.bss
	.balign	64
	.globl	ct_native_out
ct_native_out:				# struct ct_state written on exit
	.skip	144
ct_host:				# host callee-saved registers + rsp
	.skip	56
ct_host_seg:				# host DS, ES, SS
	.skip	8
ct_host_fsgs:				# host FS and GS bases meanwhile
	.skip	16
	.globl	ct_native_seg
ct_native_seg:				# set by native.c before each case:
	.skip	24			# FS base, GS base, (on, DS/ES/SS)
ct_far:					# m16:32 far pointer to the code
	.skip	8
ct_fxon:				# 1: an x87/SSE case is running
	.skip	8
	.balign	16
ct_hostfx:				# the host's FPU state meanwhile
	.skip	512
	.globl	ct_native_fx
ct_native_fx:				# FXSAVE64 image written on exit
	.skip	512
	.balign	16
ct_tmpstack:
	.skip	4096
	.globl	ct_native_tmpstack_top
ct_native_tmpstack_top:

	.text
# int ct_native_enter(const struct ct_state *in, uint64_t code, int cs,
#     const void *fx)
# code must be below 4 GiB.  Returns 0 when the code jumped to
# ct_native_exit, 1 after a fault.  fx (16-byte aligned) non-NULL: the
# x87/SSE state is loaded from it (FXRSTOR64) and saved to ct_native_fx
# (FXSAVE64) on exit; the host's own state is kept aside meanwhile.
	.globl	ct_native_enter
	.type	ct_native_enter, @function
ct_native_enter:
	movq	%rbx, ct_host+0(%rip)
	movq	%rbp, ct_host+8(%rip)
	movq	%r12, ct_host+16(%rip)
	movq	%r13, ct_host+24(%rip)
	movq	%r14, ct_host+32(%rip)
	movq	%r15, ct_host+40(%rip)
	movq	%rsp, ct_host+48(%rip)
	# Linux runs 64-bit code with null DS/ES, which 32-bit code cannot
	# use: give them the user data segment (SS) as 32-bit code expects.
	movw	%ds, ct_host_seg(%rip)
	movw	%es, ct_host_seg+2(%rip)
	movw	%ss, ct_host_seg+4(%rip)
	movw	%ss, %ax
	movw	%ax, %ds
	movw	%ax, %es
	# 16-bit code: DS, ES and SS are the 16-bit data segment (LDT);
	# in 64-bit mode SS's base and limit do not matter to the stub
	movw	ct_native_seg+18(%rip), %ax
	testw	%ax, %ax
	jz	2f
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
2:
	# FS/GS override cases: the case's bases, the host's kept aside
	# (FS is glibc's thread pointer: restored before any C runs)
	cmpb	$0, ct_native_seg+16(%rip)
	je	3f
	rdfsbase %rax
	movq	%rax, ct_host_fsgs(%rip)
	rdgsbase %rax
	movq	%rax, ct_host_fsgs+8(%rip)
	movq	ct_native_seg(%rip), %rax
	wrfsbase %rax
	movq	ct_native_seg+8(%rip), %rax
	wrgsbase %rax
3:
	movl	%esi, ct_far(%rip)
	movw	%dx, ct_far+4(%rip)
	movq	$0, ct_fxon(%rip)
	testq	%rcx, %rcx
	jz	1f
	fxsave64 ct_hostfx(%rip)
	fxrstor64 (%rcx)
	movq	$1, ct_fxon(%rip)
1:
	# RFLAGS first (popfq needs a stack); the movs below keep it.
	leaq	ct_native_tmpstack_top(%rip), %rsp
	pushq	ST_RFLAGS(%rdi)
	popfq
	movq	0(%rdi), %rax
	movq	8(%rdi), %rcx
	movq	16(%rdi), %rdx
	movq	24(%rdi), %rbx
	movq	32(%rdi), %rsp
	movq	40(%rdi), %rbp
	movq	48(%rdi), %rsi
	movq	64(%rdi), %r8
	movq	72(%rdi), %r9
	movq	80(%rdi), %r10
	movq	88(%rdi), %r11
	movq	96(%rdi), %r12
	movq	104(%rdi), %r13
	movq	112(%rdi), %r14
	movq	120(%rdi), %r15
	movq	56(%rdi), %rdi
	ljmpl	*ct_far(%rip)
	.size	ct_native_enter, .-ct_native_enter

# The test code ends with "jmp *[rip]; .quad ct_native_exit".
	.globl	ct_native_exit
	.type	ct_native_exit, @function
ct_native_exit:
	movq	%rax, ct_native_out+0(%rip)
	movq	%rcx, ct_native_out+8(%rip)
	movq	%rdx, ct_native_out+16(%rip)
	movq	%rbx, ct_native_out+24(%rip)
	movq	%rsp, ct_native_out+32(%rip)
	movq	%rbp, ct_native_out+40(%rip)
	movq	%rsi, ct_native_out+48(%rip)
	movq	%rdi, ct_native_out+56(%rip)
	movq	%r8, ct_native_out+64(%rip)
	movq	%r9, ct_native_out+72(%rip)
	movq	%r10, ct_native_out+80(%rip)
	movq	%r11, ct_native_out+88(%rip)
	movq	%r12, ct_native_out+96(%rip)
	movq	%r13, ct_native_out+104(%rip)
	movq	%r14, ct_native_out+112(%rip)
	movq	%r15, ct_native_out+120(%rip)
	leaq	ct_native_tmpstack_top(%rip), %rsp
	pushfq
	popq	%rax
	movq	%rax, ct_native_out+ST_RFLAGS(%rip)
	cmpq	$0, ct_fxon(%rip)
	je	1f
	fxsave64 ct_native_fx(%rip)
	fxrstor64 ct_hostfx(%rip)
1:
	xorl	%eax, %eax
ct_restore:
	cmpb	$0, ct_native_seg+16(%rip)
	je	2f
	movq	ct_host_fsgs(%rip), %rdx
	wrfsbase %rdx
	movq	ct_host_fsgs+8(%rip), %rdx
	wrgsbase %rdx
2:
	movw	ct_host_seg+4(%rip), %ss
	movq	ct_host+0(%rip), %rbx
	movq	ct_host+8(%rip), %rbp
	movq	ct_host+16(%rip), %r12
	movq	ct_host+24(%rip), %r13
	movq	ct_host+32(%rip), %r14
	movq	ct_host+40(%rip), %r15
	movq	ct_host+48(%rip), %rsp
	movw	ct_host_seg(%rip), %ds
	movw	ct_host_seg+2(%rip), %es
	cld				# the C ABI wants DF clear
	ret
	.size	ct_native_exit, .-ct_native_exit

# The fault handler points RIP here (RSP at the temporary stack).
	.globl	ct_native_fault
	.type	ct_native_fault, @function
ct_native_fault:
	# the fault handler took the test's FPU state from the signal frame
	cmpq	$0, ct_fxon(%rip)
	je	1f
	fxrstor64 ct_hostfx(%rip)
1:
	movl	$1, %eax
	jmp	ct_restore
	.size	ct_native_fault, .-ct_native_fault

	.section .note.GNU-stack, "", @progbits
