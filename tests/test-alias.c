// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lib/alias.c: the mark on the hostdevs vfio-boot adds to a domain. Every section name the
 * config allows makes an alias libvirt takes (letters, digits, '_' and '-' after "ua-") and
 * reads back as the same section and index; aliases that are not ours are not read as ours.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "alias.h"
#include "name.h"
#include "util.h"

static void round_trip(enum vb_alias_kind kind, const char *section, unsigned index)
{
	char alias[VB_ALIAS_MAX], back[VB_NAME_MAX + 1];
	enum vb_alias_kind k;
	unsigned i;

	assert_int_equal(vb_alias_format(kind, section, index, alias, sizeof(alias)), 0);
	assert_int_equal(strncmp(alias, "ua-", 3), 0);
	assert_int_equal(strspn(alias, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				       "0123456789_-"),
			 strlen(alias));
	assert_int_equal(vb_alias_parse(alias, &k, back, sizeof(back), &i), 0);
	assert_int_equal(k, kind);
	assert_string_equal(back, section);
	assert_int_equal(i, index);
}

static void test_round_trip(void **state)
{
	char longest[VB_NAME_MAX + 1];

	(void)state;
	memset(longest, '.', VB_NAME_MAX);
	longest[0] = 'a';
	longest[VB_NAME_MAX] = '\0';
	round_trip(VB_ALIAS_PCI, "gpu", 0);
	round_trip(VB_ALIAS_USB, "keyboard", 7);
	round_trip(VB_ALIAS_PCI, "a-b_c.d", 4294967295u);
	round_trip(VB_ALIAS_PCI, "a_d", 1);   /* not read back as "a.d" */
	round_trip(VB_ALIAS_PCI, "a.d", 1);   /* nor this as "a_d" */
	round_trip(VB_ALIAS_USB, "__", 2);    /* nor this as "_" */
	round_trip(VB_ALIAS_USB, "1-2-3", 3); /* the index is after the last '-' */
	round_trip(VB_ALIAS_PCI, longest, 12);
}

static void test_names_stay_apart(void **state)
{
	char a[VB_ALIAS_MAX], b[VB_ALIAS_MAX];

	(void)state;
	assert_int_equal(vb_alias_format(VB_ALIAS_PCI, "a_d", 0, a, sizeof(a)), 0);
	assert_int_equal(vb_alias_format(VB_ALIAS_PCI, "a.d", 0, b, sizeof(b)), 0);
	assert_string_not_equal(a, b);
	assert_string_equal(a, "ua-vfio-boot-pci-a__d-0");
	assert_string_equal(b, "ua-vfio-boot-pci-a_dd-0");
	assert_int_equal(vb_alias_format(VB_ALIAS_USB, "a", 0, a, sizeof(a)), 0);
	assert_int_equal(vb_alias_format(VB_ALIAS_PCI, "a", 0, b, sizeof(b)), 0);
	assert_string_not_equal(a, b);
}

static void test_not_ours(void **state)
{
	static const char *const others[] = {
		"hostdev0",
		"ua-mine",
		"ua-vfio-boot-",
		"ua-vfio-boot-pci-",
		"ua-vfio-boot-pci-gpu",
		"ua-vfio-boot-pci-gpu-",
		"ua-vfio-boot-pci--0",
		"ua-vfio-boot-pci-gpu-x",
		"ua-vfio-boot-pci-gpu-01",
		"ua-vfio-boot-pci-gpu-4294967296",
		"ua-vfio-boot-scsi-gpu-0",
		"ua-vfio-boot-pci-g_x-0",
		"ua-vfio-boot-pci-g_-0",
		"UA-vfio-boot-pci-gpu-0",
		"",
	};
	char section[VB_NAME_MAX + 1];
	enum vb_alias_kind k;
	unsigned i;

	(void)state;
	for (size_t n = 0; n < ELEMENTSOF(others); n++)
		if (vb_alias_parse(others[n], &k, section, sizeof(section), &i) != -EINVAL)
			fail_msg("\"%s\" was read as one of ours", others[n]);
	assert_int_equal(vb_alias_parse(NULL, &k, section, sizeof(section), &i), -EINVAL);
}

static void test_too_long(void **state)
{
	char small[20], section[4];
	enum vb_alias_kind k;
	unsigned i;

	(void)state;
	assert_int_equal(vb_alias_format(VB_ALIAS_PCI, "graphics", 0, small, sizeof(small)),
			 -ENAMETOOLONG);
	assert_int_equal(
		vb_alias_parse("ua-vfio-boot-pci-graphics-0", &k, section, sizeof(section), &i),
		-ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_names_stay_apart),
		cmocka_unit_test(test_not_ours),
		cmocka_unit_test(test_too_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
