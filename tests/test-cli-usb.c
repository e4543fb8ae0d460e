// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-boot status and plan for guests' devices by identity, on the q35 stand-in
 * (tests/mock/fixture.h) with USB devices below its xHCI: each [usb] section present, absent
 * or ambiguous with what the guest runner recorded (/run/vfio-boot/usb/NAME, written here as
 * the runner writes it), each guest's PCI devices at the addresses of this boot, and the
 * plan's hint to pass a whole USB controller. --json goes through python3's parser and
 * --prometheus through prometheus_client's (tests/cli/jsoncheck.py).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli-test.h"
#include "fixture.h"

#define XHCI "0000:00:04.0" /* the q35 stand-in's USB controller, alone in IOMMU group 4 */

static void expect_has(const struct out *o, const char *what, const char *const want[])
{
	for (size_t i = 0; want[i]; i++)
		if (!strstr(o->out, want[i]))
			fail_msg("%s does not say \"%s\":\n%s", what, want[i], o->out);
}

static void expect_lacks(const struct out *o, const char *what, const char *unwanted)
{
	if (strstr(o->out, unwanted))
		fail_msg("%s says \"%s\":\n%s", what, unwanted, o->out);
}

static const char usb_config[] = "[usb kbd]\n"
				 "id = 046d:c52b\n"
				 "\n"
				 "[usb dongle]\n"
				 "id = 0951:1666\n"
				 "\n"
				 "[guest win]\n"
				 "usb = kbd dongle\n";

/* kbd is plugged in and the runner attached it; dongle is not plugged in, the guest runs. */
static void test_status_usb_attached_absent(void **state)
{
	struct fx *fx = *state;
	struct out o;

	config(fx, usb_config);
	fx_usb_dev(fx, "1-2", XHCI, 1, 5, 0x046d, 0xc52b, "K1");
	fx_write(fx, "run/vfio-boot/usb/kbd",
		 "name=kbd\nstatus=attached\nreason=\ntime=2026-01-02T03:04:05Z\nguest=win\n"
		 "devices=1-2:001:005\n",
		 0644);
	fx_write(fx, "run/vfio-boot/usb/dongle",
		 "name=dongle\nstatus=absent\nreason=no device matches\n"
		 "time=2026-01-02T03:00:00Z\nguest=win\ndevices=\n",
		 0644);
	o = run(fx, "status", NULL);
	/* An unplugged device is no problem. */
	expect_status(&o, 0);
	expect_has(&o, "status",
		   (const char *const[]){
			   "[usb kbd] guest: win; now: present\n",
			   "  1-2 (046d:c52b, serial K1, bus 1 device 5)\n",
			   "  guest runner: attached since 2026-01-02T03:04:05Z: 1-2:001:005\n",
			   "[usb dongle] guest: win; now: absent\n",
			   "  guest runner: absent since 2026-01-02T03:00:00Z\n",
			   NULL,
		   });
	out_free(&o);
	o = run(fx, "status", "--json", NULL);
	expect_status(&o, 0);
	expect_json(fx, o.out, "usb-attached");
	out_free(&o);
	o = run(fx, "status", "--prometheus", NULL);
	expect_status(&o, 0);
	expect_json(fx, o.out, "prometheus-usb-attached");
	out_free(&o);
}

/* No device, no runner: the guest does not run. A [usb] section no guest names says so. */
static void test_status_usb_no_record(void **state)
{
	struct fx *fx = *state;
	struct out o;

	config(fx, "[usb kbd]\nid = 046d:c52b\n\n[usb spare]\nport = 1-4\n\n"
		   "[guest win]\nusb = kbd\n");
	fx_usb_dev(fx, "1-2", XHCI, 1, 5, 0x046d, 0xc52c, NULL);
	o = run(fx, "status", NULL);
	expect_status(&o, 0);
	expect_has(&o, "status",
		   (const char *const[]){
			   "[usb kbd] guest: win; now: absent\n"
			   "  guest runner: no record",
			   "[usb spare] guest: none",
			   NULL,
		   });
	/* The device that is there matches neither. */
	expect_lacks(&o, "status", "1-2 (");
	out_free(&o);
	o = run(fx, "status", "--prometheus", NULL);
	expect_status(&o, 0);
	expect_json(fx, o.out, "prometheus-usb-absent");
	out_free(&o);
}

/* Two identical keyboards, nothing tells them apart: both named, none attached, exit 2. */
static void test_status_usb_ambiguous(void **state)
{
	struct fx *fx = *state;
	struct out o;

	config(fx, usb_config);
	fx_usb_dev(fx, "1-1", XHCI, 1, 3, 0x046d, 0xc52b, NULL);
	fx_usb_dev(fx, "1-2", XHCI, 1, 4, 0x046d, 0xc52b, NULL);
	fx_write(fx, "run/vfio-boot/usb/kbd",
		 "name=kbd\nstatus=ambiguous\nreason=2 devices match, count is 1\n"
		 "time=2026-01-02T03:04:05Z\nguest=win\ndevices=\n",
		 0644);
	o = run(fx, "status", NULL);
	expect_status(&o, 2);
	expect_has(&o, "status",
		   (const char *const[]){
			   "[usb kbd] guest: win; now: ambiguous (2 devices match, count is 1: "
			   "none is attached",
			   "  1-1 (046d:c52b, bus 1 device 3)\n",
			   "  1-2 (046d:c52b, bus 1 device 4)\n",
			   "  guest runner: ambiguous since 2026-01-02T03:04:05Z\n",
			   NULL,
		   });
	out_free(&o);
	o = run(fx, "status", "--json", NULL);
	expect_status(&o, 2);
	expect_json(fx, o.out, "usb-ambiguous");
	out_free(&o);
	o = run(fx, "status", "--prometheus", NULL);
	expect_status(&o, 2);
	expect_json(fx, o.out, "prometheus-usb-ambiguous");
	out_free(&o);
	/* The port tells them apart: no longer a problem. */
	config(fx, "[usb kbd]\nid = 046d:c52b\nport = 1-2\n\n[guest win]\nusb = kbd\n");
	o = run(fx, "status", NULL);
	expect_status(&o, 0);
	expect_has(&o, "status",
		   (const char *const[]){"[usb kbd] guest: win; now: present\n", NULL});
	out_free(&o);
}

/*
 * A guest's PCI devices at the addresses its sections' records hold at this boot (here gpu's
 * card sits at 0000:02:00.0), and whether its runner attaches them.
 */
static void test_status_guest_pci(void **state)
{
	struct fx *fx = *state;
	struct out o;

	config(fx, "[device gpu]\nmatch = id=1234:1111 boot_vga=0\n\n"
		   "[device nic]\nmatch = address=0000:03:01.0\n\n"
		   "[guest win]\ndevices = gpu nic\n\n"
		   "[guest lin]\ndevices = gpu\nattach-devices = no\n\n"
		   "[guest bare]\n");
	fx_usb_dev(fx, "1-2", XHCI, 1, 5, 0x046d, 0xc52b, "K1");
	fx_write(fx, "run/vfio-boot/status", "version=1\nstate=done\nclaimed=2\nfailed=0\n", 0644);
	fx_write(fx, "run/vfio-boot/sections/gpu",
		 "name=gpu\nstatus=claimed\ndevices=0000:02:00.0 0000:02:00.1\n", 0644);
	fx_write(fx, "run/vfio-boot/sections/nic", "name=nic\nstatus=absent\ndevices=\n", 0644);
	o = run(fx, "status", NULL);
	expect_has(&o, "status",
		   (const char *const[]){
			   "[guest win] vfio-boot-guest@win.service: unknown (--root is not the "
			   "running system)\n"
			   "  attach-devices: yes",
			   "  [device gpu] claimed: 0000:02:00.0 0000:02:00.1\n"
			   "  [device nic] absent: no device at this boot\n",
			   "[guest lin] vfio-boot-guest@lin.service: unknown (--root is not the "
			   "running system)\n"
			   "  attach-devices: no",
			   NULL,
		   });
	/* No [usb] section: nothing of USB, though a device is plugged in. */
	expect_lacks(&o, "status", "[usb");
	/* A guest without devices = has nothing to show. */
	expect_lacks(&o, "status",
		     "[guest bare] vfio-boot-guest@bare.service: unknown (--root "
		     "is not the running system)\n  ");
	out_free(&o);
	o = run(fx, "status", "--json", NULL);
	expect_json(fx, o.out, "guest-pci");
	out_free(&o);
	o = run(fx, "status", "--prometheus", NULL);
	expect_json(fx, o.out, "prometheus-guest-pci");
	out_free(&o);
}

static const char hint_config[] = "[device gpu]\n"
				  "match = id=1234:1111 boot_vga=0\n"
				  "\n"
				  "[usb kbd]\n"
				  "id = 046d:c52b\n"
				  "\n"
				  "[usb dongle]\n"
				  "serial = D1\n"
				  "\n"
				  "[guest win]\n"
				  "devices = gpu\n"
				  "usb = kbd dongle\n";

#define HINT "is the sturdier choice"

/* Both devices below the xHCI, alone in its group: pass the controller. */
static void test_plan_hint_one_controller(void **state)
{
	struct fx *fx = *state;
	struct out o;

	config(fx, hint_config);
	fx_usb_dev(fx, "1-2", XHCI, 1, 5, 0x046d, 0xc52b, NULL);
	fx_usb_dev(fx, "1-3.1", XHCI, 1, 7, 0x0951, 0x1666, "D1");
	o = run(fx, "plan", NULL);
	expect_status(&o, 0);
	expect_has(&o, "plan",
		   (const char *const[]){
			   "[guest win] /etc/vfio-boot/vfio-boot.conf:10: every USB device of its "
			   "[usb] sections (kbd, dongle) is below the USB controller 0000:00:04.0, "
			   "whose IOMMU group 4 it could have whole.\n",
			   HINT ": resets and replugs then stay inside the guest",
			   "    [device win-usb]\n    match = path=0000:00:04.0\n"
			   "  name win-usb in its devices =, and remove its usb =.\n",
			   NULL,
		   });
	out_free(&o);
	/* The hint is the text's: --json stays the plan. */
	o = run(fx, "plan", "--json", NULL);
	expect_status(&o, 0);
	expect_lacks(&o, "plan --json", HINT);
	out_free(&o);
	/* A second USB controller in the group can go too: the section claims the group. */
	fx_device(fx, "0000:00:05.0",
		  &(struct fx_dev){.vendor = 0x1b36,
				   .device = 0x000d,
				   .class = 0x0c0330,
				   .group = 4,
				   .host_driver = "xhci_hcd",
				   .bound = true});
	o = run(fx, "plan", NULL);
	expect_has(
		&o, "plan",
		(const char *const[]){"    match = path=0000:00:04.0\n    group = claim\n", NULL});
	out_free(&o);
}

/* The dongle sits below another controller: no hint. */
static void test_plan_no_hint_two_controllers(void **state)
{
	struct fx *fx = *state;
	struct out o;

	fx_device(fx, "0000:00:05.0",
		  &(struct fx_dev){.vendor = 0x1b36,
				   .device = 0x000d,
				   .class = 0x0c0330,
				   .group = 6,
				   .host_driver = "xhci_hcd",
				   .bound = true});
	config(fx, hint_config);
	fx_usb_dev(fx, "1-2", XHCI, 1, 5, 0x046d, 0xc52b, NULL);
	fx_usb_dev(fx, "2-1", "0000:00:05.0", 2, 2, 0x0951, 0x1666, "D1");
	o = run(fx, "plan", NULL);
	expect_status(&o, 0);
	expect_lacks(&o, "plan", HINT);
	expect_lacks(&o, "plan", "no hint");
	out_free(&o);
	o = run(fx, "plan", "--verbose", NULL);
	expect_status(&o, 0);
	expect_has(&o, "plan --verbose",
		   (const char *const[]){"[guest win] no hint to pass a whole USB controller: its "
					 "USB devices sit below several controllers (0000:00:04.0, "
					 "0000:00:05.0)\n",
					 NULL});
	out_free(&o);
	/* Unplug the dongle: what is present sits below the one controller again. */
	fx_usb_remove(fx, "2-1");
	o = run(fx, "plan", NULL);
	expect_has(&o, "plan",
		   (const char *const[]){"below the USB controller 0000:00:04.0", NULL});
	out_free(&o);
}

/*
 * The controller shares its IOMMU group with a SATA controller, even one on vfio-pci: no hint.
 * Nor when it shares it with a network card the guest does not have.
 */
static void test_plan_no_hint_storage_in_group(void **state)
{
	struct fx *fx = *state;
	struct out o;

	fx_driver(fx, "vfio-pci", NULL);
	fx_device(fx, "0000:00:1d.0",
		  &(struct fx_dev){.vendor = 0x8086,
				   .device = 0x2934,
				   .class = 0x0c0300,
				   .group = 7,
				   .host_driver = "uhci_hcd",
				   .bound = true});
	fx_device(fx, "0000:00:1d.2",
		  &(struct fx_dev){.vendor = 0x8086,
				   .device = 0x2922,
				   .class = 0x010601,
				   .group = 7,
				   .host_driver = "vfio-pci",
				   .bound = true});
	config(fx, hint_config);
	fx_usb_dev(fx, "3-1", "0000:00:1d.0", 3, 2, 0x046d, 0xc52b, NULL);
	o = run(fx, "plan", "--verbose", NULL);
	expect_status(&o, 0);
	expect_lacks(&o, "plan", HINT);
	expect_has(&o, "plan --verbose",
		   (const char *const[]){"no hint to pass a whole USB controller: IOMMU group 7 of "
					 "0000:00:1d.0 holds 0000:00:1d.2, the storage\n",
					 NULL});
	out_free(&o);
	fx_device(fx, "0000:00:06.0",
		  &(struct fx_dev){.vendor = 0x1b36,
				   .device = 0x000d,
				   .class = 0x0c0330,
				   .group = 3,
				   .host_driver = "xhci_hcd",
				   .bound = true});
	fx_usb_remove(fx, "3-1");
	fx_usb_dev(fx, "4-1", "0000:00:06.0", 4, 2, 0x046d, 0xc52b, NULL);
	o = run(fx, "plan", "--verbose", NULL);
	expect_lacks(&o, "plan", HINT);
	expect_has(&o, "plan --verbose",
		   (const char *const[]){"IOMMU group 3 of 0000:00:06.0 holds 0000:03:01.0, no USB "
					 "controller, on e1000\n",
					 NULL});
	out_free(&o);
	/* The same controller alone in a group of its own: the hint, so the two above are why. */
	fx_device(fx, "0000:00:07.0",
		  &(struct fx_dev){.vendor = 0x1b36,
				   .device = 0x000d,
				   .class = 0x0c0330,
				   .group = 8,
				   .host_driver = "xhci_hcd",
				   .bound = true});
	fx_usb_remove(fx, "4-1");
	fx_usb_dev(fx, "5-1", "0000:00:07.0", 5, 2, 0x046d, 0xc52b, NULL);
	o = run(fx, "plan", NULL);
	expect_has(&o, "plan",
		   (const char *const[]){"below the USB controller 0000:00:07.0", NULL});
	out_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_status_usb_attached_absent, cli_setup_q35,
						cli_teardown),
		cmocka_unit_test_setup_teardown(test_status_usb_no_record, cli_setup_q35,
						cli_teardown),
		cmocka_unit_test_setup_teardown(test_status_usb_ambiguous, cli_setup_q35,
						cli_teardown),
		cmocka_unit_test_setup_teardown(test_status_guest_pci, cli_setup_q35, cli_teardown),
		cmocka_unit_test_setup_teardown(test_plan_hint_one_controller, cli_setup_q35,
						cli_teardown),
		cmocka_unit_test_setup_teardown(test_plan_no_hint_two_controllers, cli_setup_q35,
						cli_teardown),
		cmocka_unit_test_setup_teardown(test_plan_no_hint_storage_in_group, cli_setup_q35,
						cli_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
