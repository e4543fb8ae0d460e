// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The guest runner refusing to start a guest for what its devices are: not on vfio-pci, a
 * group that is not viable, devices another domain holds, SCSI host devices, absent
 * devices. The real (sanitized) vfio-boot executable against libvirt's test driver, which
 * reads tests/runner/node.xml afresh for every run, and a fake host tree (--root); exit
 * codes and messages are what a unit's status and the journal will show.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"
#include "runner/runner-fixture.h"
#include "runner/runner-cli.h"

/* A device still on its host driver: the message names the device and the driver. */
static void test_refuse_not_on_vfio(void **state)
{
	struct fx *fx = *state;
	struct result r = run_cli(fx, NULL, "start", "gpu", NULL);

	expect_status(&r, 2);
	expect_err(
		&r,
		"PCI device 0000:02:00.0 (hostdev, 1234:1111) is bound to bochs-drm, not vfio-pci");
	expect_err(&r, "PCI device 0000:02:00.1 (hostdev, 8086:293e) is bound to snd_hda_intel");
	expect_err(&r, "guest gpu: not started: 2 problems above");
	result_free(&r);

	/* No driver at all is no better: the binder did not claim it. */
	rf_rebind(fx, RF_GPU1, NULL);
	rf_rebind(fx, RF_AUDIO1, "vfio-pci");
	r = run_cli(fx, NULL, "start", "gpu", NULL);
	expect_status(&r, 2);
	expect_err(&r, "0000:02:00.0 (hostdev, 1234:1111) has no driver, not vfio-pci");
	result_free(&r);
}

static void test_refuse_unviable_group(void **state)
{
	struct fx *fx = *state;
	struct result r;

	rf_rebind(fx, RF_GPU1, "vfio-pci");
	r = run_cli(fx, NULL, "start", "gpu-only", NULL);
	expect_status(&r, 2);
	expect_err(
		&r,
		"IOMMU group 2 of PCI device 0000:02:00.0 (hostdev) is not viable: 0000:02:00.1 in the same group is bound to snd_hda_intel");
	/* The root port in the group does not count (check's reset line names it as the bridge). */
	expect_no_err(&r, "0000:00:02.0 in the same group");
	expect_no_err(&r, "not viable: 0000:00:02.0");
	result_free(&r);

	/* A driverless sibling keeps the group viable. */
	rf_rebind(fx, RF_AUDIO1, NULL);
	r = run_cli(fx, NULL, "start", "gpu-only", NULL);
	expect_status(&r, 0);
	expect_err(&r, "guest gpu-only started");
	result_free(&r);
}

/* Another running domain of the connection has a partition of the disk. */
static void test_refuse_other_domain(void **state)
{
	struct fx *fx = *state;
	struct result r = run_cli(fx, NULL, "start", "shares", NULL);

	expect_status(&r, 2);
	expect_err(&r, "guest shares: block disk vdb (/dev/disk/by-id/ata-SHARED_DISK): /dev/sdd1 "
		       "is used by the running domain neighbour (block disk vda (/dev/sdd1))");
	expect_err(&r, "virsh shutdown neighbour");
	result_free(&r);
}

/*
 * Starts "shares" (given sdd) on a node of its own beside one running domain "other" with
 * devices other_devices, and returns what the runner did.
 */
static struct result start_beside(struct fx *fx, const char *other_devices)
{
	char saved[sizeof(uri)], *node, xml[4096];
	struct result r;

	snprintf(xml, sizeof(xml),
		 "<node>\n"
		 "<domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>"
		 "<name>shares</name><memory>1048576</memory><vcpu>1</vcpu>"
		 "<os><type>hvm</type></os><devices><disk type='block' device='disk'>"
		 "<source dev='/dev/disk/by-id/ata-SHARED_DISK'/><target dev='vdb' bus='virtio'/>"
		 "</disk></devices><test:runstate>5</test:runstate></domain>\n"
		 "<domain type='test'><name>other</name><memory>1048576</memory><vcpu>1</vcpu>"
		 "<os><type>hvm</type></os><devices>%s</devices></domain>\n"
		 "</node>\n",
		 other_devices);
	fx_write(fx, "other-node.xml", xml, 0644);
	node = fx_path(fx, "other-node.xml");
	memcpy(saved, uri, sizeof(uri));
	snprintf(uri, sizeof(uri), "test://%s", node);
	r = run_cli(fx, NULL, "start", "shares", NULL);
	memcpy(uri, saved, sizeof(uri));
	free(node);
	return r;
}

/*
 * Another running domain whose disk cannot be resolved may hold this one: cannot tell, so
 * refused, naming that domain and its disk. Its image files, present or not, and a SCSI
 * hostdev that is no disk here are not block devices: no reason to refuse.
 */
static void test_refuse_other_domain_unknown(void **state)
{
	struct fx *fx = *state;
	struct result r;

	r = start_beside(fx, "<disk type='block' device='disk'><source dev='/dev/disk/by-id/"
			     "ata-GONE'/><target dev='vdc' bus='virtio'/></disk>");
	expect_status(&r, 2);
	expect_err(&r,
		   "guest shares: block disk vdb (/dev/disk/by-id/ata-SHARED_DISK): cannot "
		   "tell whether the running domain other uses it: its block disk vdc "
		   "(/dev/disk/by-id/ata-GONE) cannot be looked at (No such file or directory)");
	expect_err(&r, "shut other down before starting shares");
	result_free(&r);

	r = start_beside(fx, "<disk type='volume' device='disk'><source pool='nopool' "
			     "volume='v1'/><target dev='vdc' bus='virtio'/></disk>");
	expect_status(&r, 2);
	expect_err(&r, "cannot tell whether the running domain other uses it: libvirt cannot "
		       "find its disk vdc, volume v1 of pool nopool");
	expect_err(&r, "virsh pool-start nopool");
	result_free(&r);

	r = start_beside(fx, "<hostdev mode='subsystem' type='scsi'><source>"
			     "<adapter name='weird0'/><address bus='0' target='0' unit='0'/>"
			     "</source></hostdev>");
	expect_status(&r, 2);
	expect_err(&r, "cannot tell whether the running domain other uses it: cannot find the "
		       "host device of its SCSI hostdev weird0 0:0:0");
	result_free(&r);

	/* A unit number no SCSI address has: the runner cannot make sense of the XML. */
	r = start_beside(fx, "<hostdev mode='subsystem' type='scsi'><source>"
			     "<adapter name='scsi_host2'/><address bus='0' target='0' "
			     "unit='99999999'/></source></hostdev>");
	expect_status(&r, 2);
	expect_err(&r, "cannot tell whether the running domain other uses it: its XML makes no "
		       "sense here");
	result_free(&r);

	r = start_beside(fx, "<disk type='file' device='disk'><source file='/var/lib/libvirt/"
			     "images/gone.qcow2'/><target dev='vdc' bus='virtio'/></disk>"
			     "<hostdev mode='subsystem' type='scsi'><source>"
			     "<adapter name='scsi_host9'/><address bus='0' target='0' unit='0'/>"
			     "</source></hostdev>");
	expect_status(&r, 0);
	expect_no_err(&r, "other");
	result_free(&r);
}

static void test_refuse_scsi_hostdev(void **state)
{
	struct fx *fx = *state;
	struct result r;

	r = run_cli(fx, NULL, "start", "scsi", NULL);
	expect_status(&r, 2);
	expect_err(&r, "SCSI hostdev scsi_host2 0:0:0 does not exist on this host");
	result_free(&r);

	rf_mkdir(fx, "sys/bus/scsi/devices/2:0:0:0/block/sdc");
	r = run_cli(fx, NULL, "start", "scsi", NULL);
	expect_status(&r, 0);
	result_free(&r);

	rf_mounts(fx, "43 22 8:32 / /var/backup rw shared:23 - ext4 /dev/sdc rw\n");
	r = run_cli(fx, NULL, "start", "scsi", NULL);
	expect_status(&r, 2);
	expect_err(&r,
		   "SCSI hostdev scsi_host2 0:0:0 (/dev/sdc): /dev/sdc is mounted on /var/backup");
	result_free(&r);
}

static void test_refuse_absent(void **state)
{
	struct fx *fx = *state;
	struct result r = run_cli(fx, NULL, "start", "absent", NULL);

	expect_status(&r, 2);
	expect_err(&r, "PCI device 0000:05:00.0 (hostdev) does not exist on this host");
	expect_err(&r, "block disk vda (/dev/disk/by-id/ata-GONE) does not exist");
	result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_refuse_not_on_vfio, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_unviable_group, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_other_domain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_other_domain_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_scsi_hostdev, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_absent, setup, teardown),
	};

	if (runner_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
