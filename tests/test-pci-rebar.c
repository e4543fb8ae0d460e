// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lib/pci-rebar.c and lib/pci-extcap.c: config spaces the tests build byte by byte, with the
 * Resizable BAR and Device Serial Number capabilities where the PCI Express specification puts
 * them, in the extended capability list.
 * Every buffer handed to the parser is a heap copy of exactly its length, so that ASan stops
 * a read one byte past it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pci-extcap.h"
#include "pci-rebar.h"

#define CFG_LEN 4096
#define MiB	(UINT64_C(1) << 20)
#define GiB	(UINT64_C(1) << 30)
#define TiB	(UINT64_C(1) << 40)

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = v >> 24;
}

static void ext_header(uint8_t *cfg, unsigned pos, unsigned id, unsigned next)
{
	put32(cfg + pos, id | 1u << 16 | next << 20);
}

/* BAR i of the capability at pos: its index, current size n, supported sizes (bit n). */
static void rebar_bar(uint8_t *cfg, unsigned pos, unsigned i, unsigned nbars, unsigned index,
		      unsigned size, uint64_t sizes)
{
	put32(cfg + pos + 4 + 8 * i, (uint32_t)(sizes & 0x0fffffff) << 4);
	put32(cfg + pos + 8 + 8 * i, index | (i == 0 ? nbars << 5 : 0) | size << 8 |
					     (uint32_t)((sizes >> 28) & 0xffff) << 16);
}

/* sizes from 1 MiB << lo to 1 MiB << hi. */
static uint64_t range(unsigned lo, unsigned hi)
{
	uint64_t v = 0;

	for (unsigned n = lo; n <= hi; n++)
		v |= UINT64_C(1) << n;
	return v;
}

/* A heap copy of exactly len bytes: ASan stops a read one byte past it. */
static uint8_t *heap_copy(const uint8_t *cfg, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);

	assert_non_null(copy);
	memcpy(copy, cfg, len);
	return copy;
}

static int parse(const uint8_t *cfg, size_t len, struct vb_rebar *r)
{
	uint8_t *copy = heap_copy(cfg, len);
	int ret = vb_rebar_parse(copy, len, r);

	free(copy);
	return ret;
}

static int parse_dsn(const uint8_t *cfg, size_t len, uint64_t *dsn)
{
	uint8_t *copy = heap_copy(cfg, len);
	int ret = vb_dsn_parse(copy, len, dsn);

	free(copy);
	return ret;
}

/* AER first, then the Resizable BAR capability with BAR 0 and BAR 2, as a GPU has them. */
static void test_two_bars(void **state)
{
	uint8_t cfg[CFG_LEN] = {0};
	struct vb_rebar r;

	(void)state;
	ext_header(cfg, 0x100, 0x0001, 0x150);
	ext_header(cfg, 0x150, VB_REBAR_ID, 0x200);
	rebar_bar(cfg, 0x150, 0, 2, 0, 8, range(8, 15));
	rebar_bar(cfg, 0x150, 1, 2, 2, 1, range(1, 1));
	ext_header(cfg, 0x200, 0x000b, 0);
	r.n = 99;
	assert_int_equal(parse(cfg, sizeof(cfg), &r), 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.bars[0].index, 0);
	assert_int_equal(vb_rebar_bytes(r.bars[0].size), 256 * MiB);
	assert_int_equal(r.bars[0].sizes, range(8, 15));
	assert_int_equal(vb_rebar_bytes(15), 32 * GiB);
	assert_int_equal(r.bars[1].index, 2);
	assert_int_equal(vb_rebar_bytes(r.bars[1].size), 2 * MiB);
	assert_int_equal(r.bars[1].sizes, UINT64_C(1) << 1);
}

/* The sizes beyond 128 TiB live in the control register's upper half (r6.0). */
static void test_large_sizes(void **state)
{
	uint8_t cfg[CFG_LEN] = {0};
	struct vb_rebar r;

	(void)state;
	ext_header(cfg, 0x100, VB_REBAR_ID, 0);
	rebar_bar(cfg, 0x100, 0, 1, 4, 27, range(20, 43));
	assert_int_equal(parse(cfg, sizeof(cfg), &r), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.bars[0].index, 4);
	assert_int_equal(vb_rebar_bytes(r.bars[0].size), 128 * TiB);
	assert_int_equal(r.bars[0].sizes, range(20, 43));
	assert_int_equal(vb_rebar_bytes(43), UINT64_C(1) << 63);
	assert_int_equal(vb_rebar_bytes(44), 0);
}

static void test_none(void **state)
{
	uint8_t cfg[CFG_LEN] = {0};
	struct vb_rebar r = {.n = 5};

	(void)state;
	assert_int_equal(parse(cfg, sizeof(cfg), &r), 0);
	assert_int_equal(r.n, 0);
	ext_header(cfg, 0x100, 0x0001, 0x140);
	ext_header(cfg, 0x140, 0x0010, 0);
	assert_int_equal(parse(cfg, sizeof(cfg), &r), 0);
	assert_int_equal(r.n, 0);
	memset(cfg + 0x100, 0xff, 4);
	assert_int_equal(parse(cfg, sizeof(cfg), &r), 0);
	assert_int_equal(r.n, 0);
}

/* What sysfs gives who is not root (64 bytes), and a conventional device (256). */
static void test_short_config(void **state)
{
	uint8_t cfg[CFG_LEN] = {0};
	struct vb_rebar r = {.n = 5};

	(void)state;
	ext_header(cfg, 0x100, VB_REBAR_ID, 0);
	rebar_bar(cfg, 0x100, 0, 1, 0, 8, range(8, 15));
	assert_int_equal(parse(cfg, 64, &r), -ENODATA);
	assert_int_equal(r.n, 0);
	assert_int_equal(parse(cfg, 256, &r), -ENODATA);
	assert_int_equal(parse(cfg, 0, &r), -ENODATA);
	/* The header is there but the registers are cut. */
	assert_int_equal(parse(cfg, 0x108, &r), -EOVERFLOW);
	assert_int_equal(parse(cfg, 0x10c, &r), 0);
	assert_int_equal(r.n, 1);
	/* A second BAR's registers cut. */
	rebar_bar(cfg, 0x100, 0, 2, 0, 8, range(8, 15));
	rebar_bar(cfg, 0x100, 1, 2, 2, 8, range(8, 15));
	assert_int_equal(parse(cfg, 0x110, &r), -EOVERFLOW);
	assert_int_equal(r.n, 0);
	assert_int_equal(parse(cfg, 0x114, &r), 0);
	assert_int_equal(r.n, 2);
	/* A list whose next header lies beyond what was read. */
	ext_header(cfg, 0x100, 0x0001, 0x200);
	assert_int_equal(parse(cfg, 0x180, &r), -EOVERFLOW);
}

static void test_malformed(void **state)
{
	uint8_t cfg[CFG_LEN] = {0};
	struct vb_rebar r = {.n = 5};

	(void)state;
	/* A list that points to itself ends after as many entries as fit, not never. */
	ext_header(cfg, 0x100, 0x0001, 0x100);
	assert_int_equal(parse(cfg, sizeof(cfg), &r), -EBADMSG);
	assert_int_equal(r.n, 0);
	/* A next pointer back into the first 256 bytes. */
	ext_header(cfg, 0x100, 0x0001, 0x40);
	assert_int_equal(parse(cfg, sizeof(cfg), &r), -EBADMSG);
	ext_header(cfg, 0x100, VB_REBAR_ID, 0);
	rebar_bar(cfg, 0x100, 0, 0, 0, 8, range(8, 15));
	assert_int_equal(parse(cfg, sizeof(cfg), &r), -EBADMSG);
	rebar_bar(cfg, 0x100, 0, 7, 0, 8, range(8, 15));
	assert_int_equal(parse(cfg, sizeof(cfg), &r), -EBADMSG);
	rebar_bar(cfg, 0x100, 0, 1, 6, 8, range(8, 15));
	assert_int_equal(parse(cfg, sizeof(cfg), &r), -EBADMSG);
	rebar_bar(cfg, 0x100, 0, 1, 0, 44, range(8, 15));
	assert_int_equal(parse(cfg, sizeof(cfg), &r), -EBADMSG);
	assert_int_equal(r.n, 0);
	rebar_bar(cfg, 0x100, 0, 1, 5, 43, range(8, 15));
	assert_int_equal(parse(cfg, sizeof(cfg), &r), 0);
	assert_int_equal(r.n, 1);
}

/* AER, then the serial number, then ACS: the low dword comes first in config space. */
static void test_dsn_serial(void **state)
{
	uint8_t cfg[CFG_LEN] = {0};
	char s[VB_DSN_MAX];
	uint64_t dsn = 0;

	(void)state;
	ext_header(cfg, 0x100, 0x0001, 0x140);
	ext_header(cfg, 0x140, VB_DSN_ID, 0x150);
	put32(cfg + 0x144, 0x44332211);
	put32(cfg + 0x148, 0x88776655);
	ext_header(cfg, 0x150, 0x000d, 0);
	assert_int_equal(parse_dsn(cfg, sizeof(cfg), &dsn), 0);
	assert_true(dsn == UINT64_C(0x8877665544332211));
	vb_dsn_format(dsn, s);
	assert_string_equal(s, "88-77-66-55-44-33-22-11");
	vb_dsn_format(UINT64_C(0x00000a0b0c0d0e0f), s);
	assert_string_equal(s, "00-00-0a-0b-0c-0d-0e-0f");
	/* The same walk finds the other capabilities: the one rebar uses. */
	assert_int_equal(vb_extcap_find(cfg, sizeof(cfg), 0x000d), 0x150);
	assert_int_equal(vb_extcap_find(cfg, sizeof(cfg), 0x0015), 0);
}

static void test_dsn_none(void **state)
{
	uint8_t cfg[CFG_LEN] = {0};
	uint64_t dsn = 7;

	(void)state;
	/* No extended capabilities at all. */
	assert_int_equal(parse_dsn(cfg, sizeof(cfg), &dsn), -ENOENT);
	/* A device that is gone reads all ones. */
	memset(cfg, 0xff, sizeof(cfg));
	assert_int_equal(parse_dsn(cfg, sizeof(cfg), &dsn), -ENOENT);
	memset(cfg, 0, sizeof(cfg));
	ext_header(cfg, 0x100, 0x0001, 0x140);
	ext_header(cfg, 0x140, 0x0015, 0);
	assert_int_equal(parse_dsn(cfg, sizeof(cfg), &dsn), -ENOENT);
	assert_true(dsn == 7);
}

static void test_dsn_short(void **state)
{
	uint8_t cfg[CFG_LEN] = {0};
	uint64_t dsn;

	(void)state;
	ext_header(cfg, 0x100, VB_DSN_ID, 0);
	put32(cfg + 0x104, 1);
	put32(cfg + 0x108, 2);
	/* 64 bytes to who is not root, 256 for a conventional device. */
	assert_int_equal(parse_dsn(cfg, 64, &dsn), -ENODATA);
	assert_int_equal(parse_dsn(cfg, 256, &dsn), -ENODATA);
	/* The header is there, its second dword is not. */
	assert_int_equal(parse_dsn(cfg, 0x108, &dsn), -EOVERFLOW);
	assert_int_equal(parse_dsn(cfg, 0x10b, &dsn), -EOVERFLOW);
	assert_int_equal(parse_dsn(cfg, 0x10c, &dsn), 0);
	assert_true(dsn == (UINT64_C(2) << 32 | 1));
}

static void test_dsn_malformed(void **state)
{
	uint8_t cfg[CFG_LEN] = {0};
	uint64_t dsn;

	(void)state;
	/* A list that loops onto itself. */
	ext_header(cfg, 0x100, 0x0001, 0x140);
	ext_header(cfg, 0x140, 0x000b, 0x100);
	assert_int_equal(parse_dsn(cfg, sizeof(cfg), &dsn), -EBADMSG);
	/* A next pointer back into the first 256 bytes. */
	ext_header(cfg, 0x140, 0x000b, 0x40);
	assert_int_equal(parse_dsn(cfg, sizeof(cfg), &dsn), -EBADMSG);
	/* A next pointer past a short read. */
	ext_header(cfg, 0x140, 0x000b, 0x200);
	assert_int_equal(parse_dsn(cfg, 0x180, &dsn), -EOVERFLOW);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_bars),      cmocka_unit_test(test_large_sizes),
		cmocka_unit_test(test_none),	      cmocka_unit_test(test_short_config),
		cmocka_unit_test(test_malformed),     cmocka_unit_test(test_dsn_serial),
		cmocka_unit_test(test_dsn_none),      cmocka_unit_test(test_dsn_short),
		cmocka_unit_test(test_dsn_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
