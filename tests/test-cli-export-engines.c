// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-boot export nova and proxmox on fake trees: identical devices in two sections and in
 * one, a whole multi-function card, a VF, section names each engine must map, and names that
 * would collide. Each output is compared with its golden (tests/cli/golden/export-*.txt,
 * VFIO_BOOT_UPDATE_GOLDEN=1 rewrites them) and checked against the engine's own rules by
 * tests/export/check.py.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli-test.h"
#include "fixture.h"

#define PF "0000:05:00.0"
#define VF "0000:05:10.0"

static void expect_err(const struct out *o, const char *text)
{
	if (!strstr(o->err, text))
		fail_msg("stderr lacks \"%s\":\n%s", text, o->err);
}

static void export_golden(struct fx *fx, const char *engine, const char *golden, int status)
{
	struct out o = run(fx, "export", "--node", "q35.example.org", engine, NULL);

	if (o.status != status)
		fail_msg("export %s: status %d, want %d; stderr:\n%s", engine, o.status, status,
			 o.err);
	if (getenv("EXPORT_DEBUG"))
		fprintf(stderr, "%s", o.err);
	expect_golden(golden, o.out);
	expect_engine_ok(fx, engine, o.out);
	out_free(&o);
}

/*
 * card.one: the whole card in slot 2 (GPU and audio; slot 1 holds the boot display);
 * nic.a and nic_b: one e1000 each, identical devices in two sections.
 */
static const char identical_config[] = "[device card.one]\n"
				       "match = address=0000:02:00.0\n"
				       "\n"
				       "[device nic.a]\n"
				       "match = address=0000:03:01.0\n"
				       "\n"
				       "[device nic_b]\n"
				       "match = address=0000:03:02.0\n";

static void identical_tree(struct fx *fx)
{
	static const char *const addrs[] = {"0000:02:00.0", "0000:02:00.1", "0000:03:01.0",
					    "0000:03:02.0"};

	config(fx, identical_config);
	fx_driver(fx, "vfio-pci", NULL);
	for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++)
		rebind(fx, addrs[i], "vfio-pci");
}

static void test_nova_identical(void **state)
{
	identical_tree(*state);
	export_golden(*state, "nova", "export-nova-identical.txt", 0);
}

static void test_proxmox_identical(void **state)
{
	identical_tree(*state);
	export_golden(*state, "proxmox", "export-proxmox-identical.txt", 0);
}

/* An SR-IOV NIC's VF claimed alone: Nova's type-VF; Proxmox maps it as one function. */
static void vf_tree(struct fx *fx)
{
	fx_driver(fx, "igb", NULL);
	fx_driver(fx, "vfio-pci", NULL);
	fx_port(fx, "0000:00:05.0", NULL, 6);
	fx_device(fx, PF,
		  &(struct fx_dev){.parent = "0000:00:05.0",
				   .vendor = 0x8086,
				   .device = 0x10c9,
				   .sub_vendor = 0x8086,
				   .sub_device = 0xa03c,
				   .class = 0x020000,
				   .group = 6,
				   .host_driver = "igb",
				   .bound = true});
	fx_sriov_pf(fx, PF, 7, 1);
	fx_vf(fx, PF, 0, VF, 0x8086, 0x10ca, 7);
	fx_bind(fx, VF, "vfio-pci");
	config(fx, "[device vf]\nmatch = address=" VF "\n");
}

static void test_nova_vf(void **state)
{
	vf_tree(*state);
	export_golden(*state, "nova", "export-nova-vf.txt", 0);
}

static void test_proxmox_vf(void **state)
{
	vf_tree(*state);
	export_golden(*state, "proxmox", "export-proxmox-vf.txt", 0);
}

/* a.b and a_b: one name in both engines. Refused, naming both, never merged. */
static void test_collision(void **state)
{
	static const char *const engines[] = {"nova", "proxmox"};
	struct fx *fx = *state;

	config(fx, "[device a.b]\nmatch = address=0000:03:01.0\n\n"
		   "[device a_b]\nmatch = address=0000:03:02.0\n");
	fx_driver(fx, "vfio-pci", NULL);
	rebind(fx, "0000:03:01.0", "vfio-pci");
	rebind(fx, "0000:03:02.0", "vfio-pci");
	for (size_t i = 0; i < 2; i++) {
		struct out o = run(fx, "export", "--node", "q35", engines[i], NULL);

		expect_status(&o, 3);
		expect_err(&o, "[device a.b] and [device a_b] would both be");
		assert_string_equal(o.out, "");
		out_free(&o);
	}
}

/* A host name Proxmox cannot take as a node name is refused, with what to do. */
static void test_proxmox_bad_node(void **state)
{
	struct fx *fx = *state;
	struct out o;

	identical_tree(fx);
	o = run(fx, "export", "--node", "-q35", "proxmox", NULL);
	expect_status(&o, 3);
	expect_err(&o, "no Proxmox node name: give --node");
	out_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_nova_identical, cli_setup_q35, cli_teardown),
		cmocka_unit_test_setup_teardown(test_proxmox_identical, cli_setup_q35,
						cli_teardown),
		cmocka_unit_test_setup_teardown(test_nova_vf, cli_setup_q35, cli_teardown),
		cmocka_unit_test_setup_teardown(test_proxmox_vf, cli_setup_q35, cli_teardown),
		cmocka_unit_test_setup_teardown(test_collision, cli_setup_q35, cli_teardown),
		cmocka_unit_test_setup_teardown(test_proxmox_bad_node, cli_setup_q35, cli_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
