// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The fullboot test's inner guest: a Multiboot kernel that lists the PCI functions it sees,
 * arms the ACPI power button and powers off when it is pressed. It stands in for a Linux guest
 * that needs minutes to boot under nested TCG; see README.md.
 */
#include <stdint.h>

#define COM1 0x3f8

#define PM1_PWRBTN (1u << 8) /* PWRBTN_STS in the status, PWRBTN_EN in the enable register */
#define PM1_SCI_EN (1u << 0)
#define PM1_SLP_EN (1u << 13)

#define PIT_HZ 20 /* the power button is polled once a tick: cheap, and fast enough */

volatile uint32_t ticks;
void irq_timer(void);
void irq_spurious(void);
void cpu_fault(void);

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void serial_init(void)
{
	outb(COM1 + 1, 0x00); /* no UART interrupts: we poll */
	outb(COM1 + 3, 0x80);
	outb(COM1 + 0, 0x01); /* divisor 1: 115200 */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03); /* 8N1 */
	outb(COM1 + 2, 0xc7);
	outb(COM1 + 4, 0x03);
}

static void com_putc(char c)
{
	/* Bounded, so that a missing UART cannot hang us before the ACPI part. */
	for (int i = 0; i < 100000 && !(inb(COM1 + 5) & 0x20); i++)
		__asm__ volatile("pause");
	outb(COM1, c);
}

static void com_puts(const char *s)
{
	while (*s)
		com_putc(*s++);
}

/* digits 0: as many as the value needs */
static void com_hex(uint32_t v, int digits)
{
	if (!digits)
		while (++digits < 8 && v >> (4 * digits))
			;
	while (digits--)
		com_putc("0123456789abcdef"[(v >> (4 * digits)) & 0xf]);
}

void fbguest_fault(void)
{
	com_puts("FBGUEST cpu exception, halting\n");
}

static __attribute__((noreturn)) void halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

static uint32_t pci_read(unsigned int bus, unsigned int dev, unsigned int fn, unsigned int reg)
{
	outl(0xcf8, 0x80000000u | bus << 16 | dev << 11 | fn << 8 | (reg & 0xfc));
	return inl(0xcfc);
}

/*
 * Every bus number is probed rather than only those behind bridges: it costs a few thousand
 * port accesses, and the list cannot miss a bus that firmware numbered oddly.
 */
static void pci_list(void)
{
	for (unsigned int bus = 0; bus < 256; bus++) {
		for (unsigned int dev = 0; dev < 32; dev++) {
			unsigned int nfn = 1;

			for (unsigned int fn = 0; fn < nfn; fn++) {
				uint32_t id = pci_read(bus, dev, fn, 0);

				if ((id & 0xffff) == 0xffff)
					continue;
				if (fn == 0 && (pci_read(bus, dev, 0, 0x0c) >> 16) & 0x80)
					nfn = 8;
				com_puts("FBGUEST pci 0000:");
				com_hex(bus, 2);
				com_putc(':');
				com_hex(dev, 2);
				com_putc('.');
				com_hex(fn, 1);
				com_puts(" 0x");
				com_hex(id & 0xffff, 4);
				com_puts(":0x");
				com_hex(id >> 16, 4);
				com_puts(" class=0x");
				com_hex(pci_read(bus, dev, fn, 0x08) >> 8, 6);
				com_putc('\n');
			}
		}
	}
}

static int checksum_ok(const uint8_t *p, uint32_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum += *p++;
	return sum == 0;
}

static int sig_is(const void *p, const char *sig, int n)
{
	const char *s = p;

	for (int i = 0; i < n; i++)
		if (s[i] != sig[i])
			return 0;
	return 1;
}

static uint32_t rd32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static const uint8_t *rsdp_scan(uint32_t from, uint32_t to)
{
	for (uint32_t a = from; a + 20 <= to; a += 16) {
		const uint8_t *p = (const uint8_t *)a;

		if (sig_is(p, "RSD PTR ", 8) && checksum_ok(p, 20))
			return p;
	}
	return 0;
}

static const uint8_t *rsdp_find(void)
{
	const volatile uint16_t *bda_ebda = (const volatile uint16_t *)0x40e;
	uint32_t ebda = (uint32_t)*bda_ebda << 4;
	const uint8_t *p = 0;

	if (ebda >= 0x80000 && ebda < 0xa0000)
		p = rsdp_scan(ebda, ebda + 1024);
	return p ? p : rsdp_scan(0xe0000, 0x100000);
}

static const uint8_t *table_at(uint32_t addr, const char *sig)
{
	const uint8_t *t = (const uint8_t *)addr;

	if (!addr || !sig_is(t, sig, 4) || rd32(t + 4) < 36 || !checksum_ok(t, rd32(t + 4)))
		return 0;
	return t;
}

/* The FADT via the XSDT when there is one (ACPI 2.0+), else the RSDT. */
static const uint8_t *fadt_find(const uint8_t *rsdp)
{
	const uint8_t *sdt = 0;
	uint32_t esz = 4;

	if (rsdp[15] >= 2 && checksum_ok(rsdp, rd32(rsdp + 20)) && !rd32(rsdp + 28)) {
		sdt = table_at(rd32(rsdp + 24), "XSDT");
		esz = 8;
	}
	if (!sdt) {
		sdt = table_at(rd32(rsdp + 16), "RSDT");
		esz = 4;
	}
	if (!sdt)
		return 0;
	for (uint32_t off = 36; off + esz <= rd32(sdt + 4); off += esz) {
		const uint8_t *t;

		if (esz == 8 && rd32(sdt + off + 4))
			continue; /* above 4 GiB: out of reach without paging, and not ours */
		t = table_at(rd32(sdt + off), "FACP");
		if (t)
			return t;
	}
	return 0;
}

/* One AML integer: enough of the encoding for what firmware puts in an \_S5 package. */
static int aml_int(const uint8_t *p, uint32_t *v)
{
	switch (p[0]) {
	case 0x00:
	case 0x01:
		*v = p[0];
		return 0;
	case 0x0a:
	case 0x0b:
	case 0x0c:
		*v = p[1];
		return 0;
	}
	return -1;
}

/*
 * The DSDT's "Name (_S5, Package () { SLP_TYPa, ... })", found by its byte pattern: an AML
 * interpreter for one constant would be most of this program. NameOp, optionally the root
 * prefix, "_S5_", PackageOp, PkgLength, NumElements, then the first element.
 */
static int s5_find(const uint8_t *dsdt, uint32_t *slp_typa)
{
	uint32_t len = rd32(dsdt + 4);

	for (uint32_t i = 37; i + 8 < len; i++) {
		const uint8_t *p = dsdt + i;

		if (!sig_is(p, "_S5_", 4) || !(p[-1] == 0x08 || (p[-1] == '\\' && p[-2] == 0x08)))
			continue;
		if (p[4] != 0x12)
			continue;
		p += 5;
		p += 1 + (p[0] >> 6); /* PkgLength: the top two bits count the bytes that follow */
		p += 1;		      /* NumElements */
		if (p + 2 > dsdt + len || aml_int(p, slp_typa))
			return -1;
		*slp_typa &= 7;
		return 0;
	}
	return -1;
}

struct acpi_pm {
	uint16_t evt, en, cnt;
	uint32_t slp_typa;
};

static int acpi_setup(struct acpi_pm *pm)
{
	const uint8_t *rsdp = rsdp_find(), *fadt, *dsdt;
	uint32_t smi_cmd, acpi_enable, dsdt_addr;

	/* 116 bytes: the ACPI 1.0 FADT, which has every field used here */
	if (!rsdp || !(fadt = fadt_find(rsdp)) || rd32(fadt + 4) < 116)
		return -1;
	/* I/O port numbers: anything wider is not a port */
	if (rd32(fadt + 48) > 0xffff || rd32(fadt + 56) > 0xffff || rd32(fadt + 64) > 0xffff)
		return -1;
	smi_cmd = rd32(fadt + 48);
	acpi_enable = fadt[52];
	pm->evt = rd32(fadt + 56);
	pm->cnt = rd32(fadt + 64);
	pm->en = pm->evt + fadt[88] / 2;
	dsdt_addr = rd32(fadt + 40);
	if (!dsdt_addr && rd32(fadt + 4) >= 148 && !rd32(fadt + 144))
		dsdt_addr = rd32(fadt + 140);
	dsdt = table_at(dsdt_addr, "DSDT");
	if (!pm->evt || !pm->cnt || fadt[88] < 4 || !dsdt || s5_find(dsdt, &pm->slp_typa))
		return -1;
	com_puts("FBGUEST acpi fadt=0x");
	com_hex((uint32_t)fadt, 0);
	com_puts(" pm1a_cnt=0x");
	com_hex(pm->cnt, 0);
	com_puts(" smi_cmd=0x");
	com_hex(smi_cmd, 0);
	com_puts(" acpi_enable=0x");
	com_hex(acpi_enable, 2);
	com_puts(" s5_slp_typa=");
	com_hex(pm->slp_typa, 0);
	com_putc('\n');

	/* Legacy mode after the BIOS: the button would still latch, but do what an OS does. */
	if (smi_cmd && acpi_enable && !(inw(pm->cnt) & PM1_SCI_EN)) {
		outb(smi_cmd, acpi_enable);
		for (int i = 0; i < 100000 && !(inw(pm->cnt) & PM1_SCI_EN); i++)
			inb(0x80);
		if (!(inw(pm->cnt) & PM1_SCI_EN))
			return -1;
	}
	outw(pm->evt, PM1_PWRBTN); /* a stale press must not power us off right away */
	outw(pm->en, inw(pm->en) | PM1_PWRBTN);
	return 0;
}

struct idt_gate {
	uint16_t off_lo, sel;
	uint8_t zero, type;
	uint16_t off_hi;
} __attribute__((packed));

static struct idt_gate idt[48];

static void idt_set(int vec, void (*fn)(void))
{
	uint32_t a = (uint32_t)fn;

	idt[vec] = (struct idt_gate){a & 0xffff, 0x08, 0, 0x8e, a >> 16};
}

/*
 * A 20 Hz PIT tick wakes the hlt in the main loop: a busy poll would take a whole vCPU of the
 * outer VM under nested TCG. The PICs move off the CPU exception vectors SeaBIOS left them on.
 */
static void timer_start(void)
{
	struct {
		uint16_t limit;
		uint32_t base;
	} __attribute__((packed)) idtr = {sizeof(idt) - 1, (uint32_t)idt};

	for (int v = 0; v < 32; v++)
		idt_set(v, cpu_fault);
	for (int v = 32; v < 48; v++)
		idt_set(v, irq_spurious);
	idt_set(32, irq_timer);
	__asm__ volatile("lidt %0" : : "m"(idtr));

	outb(0x20, 0x11);
	outb(0xa0, 0x11);
	outb(0x21, 0x20);
	outb(0xa1, 0x28);
	outb(0x21, 0x04);
	outb(0xa1, 0x02);
	outb(0x21, 0x01);
	outb(0xa1, 0x01);
	outb(0x21, 0xfe);
	outb(0xa1, 0xff);

	outb(0x43, 0x34); /* channel 0, lo/hi byte, rate generator */
	outb(0x40, (1193182 / PIT_HZ) & 0xff);
	outb(0x40, (1193182 / PIT_HZ) >> 8);
	__asm__ volatile("sti");
}

static void sleep_tick(void)
{
	uint32_t t = ticks;

	while (ticks == t)
		__asm__ volatile("sti; hlt" ::: "memory");
}

void fbguest_main(void)
{
	struct acpi_pm pm;

	serial_init();
	/* SeaBIOS leaves its last line unterminated; ours must start at the beginning of a line. */
	com_puts("\nFBGUEST start\n");
	pci_list();
	if (acpi_setup(&pm)) {
		com_puts("FBGUEST ready, power button at none\n");
		halt_forever();
	}
	com_puts("FBGUEST ready, power button at acpi pm1a_evt=0x");
	com_hex(pm.evt, 0);
	com_putc('\n');

	timer_start();
	while (!(inw(pm.evt) & PM1_PWRBTN))
		sleep_tick();
	outw(pm.evt, PM1_PWRBTN);
	com_puts("FBGUEST power button pressed: powering off\n");
	outw(pm.cnt, (inw(pm.cnt) & ~(7u << 10)) | pm.slp_typa << 10 | PM1_SLP_EN);
	for (int i = 0; i < 5 * PIT_HZ; i++)
		sleep_tick();
	com_puts("FBGUEST power off did not happen\n");
	halt_forever();
}
