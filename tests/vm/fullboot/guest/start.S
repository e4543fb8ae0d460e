/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Entry of the fullboot inner guest: the Multiboot v1 header, our own GDT (the loader's may
 * live anywhere, and iret reloads CS from it) and the interrupt stubs the C side points the
 * IDT at.
 */
	.set MB_MAGIC, 0x1badb002
	.set MB_FLAGS, 0		/* ELF image: QEMU takes the load address from it */

	.section .multiboot, "a"
	.balign 4
	.long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

	.text
	.globl _start
_start:
	cli
	lgdt gdt_desc
	ljmp $0x08, $1f
1:	movl $0x10, %eax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %fs
	movw %ax, %gs
	movw %ax, %ss
	movl $stack_top, %esp
	call fbguest_main
2:	cli
	hlt
	jmp 2b

/* IRQ0 (PIT): count a tick; the main loop sleeps in hlt between ticks. */
	.globl irq_timer
irq_timer:
	pushl %eax
	incl ticks
	movb $0x20, %al
	outb %al, $0x20
	popl %eax
	iret

/* Everything but IRQ0 is masked, so anything else here is spurious: no EOI. */
	.globl irq_spurious
irq_spurious:
	iret

	.globl cpu_fault
cpu_fault:
	call fbguest_fault
	jmp 2b

	.section .rodata
	.balign 8
gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: flat 32-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: flat data */
gdt_desc:
	.word gdt_desc - gdt - 1
	.long gdt

	.bss
	.balign 16
	.skip 16384
stack_top:
