// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Item "holders": the processes that hold one of the device's files open. Its group's file or
 * its own VFIO file held means a guest (or a stale QEMU) has the device: no other guest can
 * start with it. A DRM or NVIDIA node held means the host uses the device: it can be neither
 * taken nor handed back cleanly while they run.
 */
#include <errno.h>
#include <stdio.h>

#include "check.h"
#include "holders.h"
#include "sysroot.h"
#include "util.h"

static void held(struct check *c, const struct check_dev *d, const struct vb_dev_file *f,
		 const struct vb_holders *h)
{
	bool vfio = vb_dev_file_is_vfio(f);
	_cleanup_free_ char *fix = NULL;
	char who[512], kill[160];

	vb_holders_format(h, who, sizeof(who));
	vb_holders_format_pids(h, kill, sizeof(kill));
	if (asprintf_safe(
		    &fix,
		    vfio ? "if no guest should be using it (a stale QEMU, a second guest), stop that process: kill %s"
			 : "stop them first (the display manager: systemctl stop display-manager; others: kill %s)",
		    kill) < 0)
		fix = NULL;
	check_report_dev(
		c, d, WARN, "holders", fix, "holders: %s held by %s: %s", f->path, who,
		vfio ? "no other guest can start with this device"
		     : "the host uses this device; vfio-boot can neither take it nor hand it back cleanly while they run");
}

void check_dev_holders(struct check *c, const struct check_dev *d)
{
	const char *addr = check_pci_dev(c, d)->addr;
	struct vb_holders h[VB_DEV_FILES_MAX];
	const char *paths[VB_DEV_FILES_MAX];
	struct vb_dev_files files;
	char looked[VB_DEV_FILES_MAX * 66] = "";
	bool any = false;
	int r;

	vb_dev_files(addr, &files);
	if (files.unreadable[0])
		check_report_dev(c, d, WARN, "holders", "run vfio-boot check as root",
				 "holders: cannot tell all the device's files: %s cannot be read",
				 files.unreadable);
	if (files.n == 0) {
		if (!files.unreadable[0])
			check_report_dev(
				c, d, PASS, "holders", NULL,
				"holders: no IOMMU group and no VFIO, DRM or NVIDIA node: no device file to hold");
		return;
	}
	for (size_t k = 0; k < files.n; k++) {
		size_t len = strlen(looked);

		paths[k] = files.v[k].path;
		snprintf(looked + len, sizeof(looked) - len, "%s%s", k ? ", " : "", paths[k]);
	}
	r = check_holders(c, paths, files.n, h);
	if (r == -ESRCH) {
		check_report_dev(c, d, WARN, "holders", "run vfio-boot check on the host itself",
				 "holders: cannot tell who holds %s: %s/proc shows no process (a "
				 "captured tree has none)",
				 looked, vb_root());
		return;
	}
	if (r < 0) {
		check_report_dev(c, d, WARN, "holders", "run vfio-boot check as root",
				 "holders: /proc cannot be read (%s): cannot tell who holds %s",
				 strerror(-r), looked);
		return;
	}
	for (size_t k = 0; k < files.n; k++)
		if (h[k].n) {
			held(c, d, &files.v[k], &h[k]);
			any = true;
		}
	if (h[0].unreadable)
		check_report_dev(
			c, d, WARN, "holders", "run vfio-boot check as root",
			"holders: the open files of %zu process%s could not be read: cannot tell whether they hold %s",
			h[0].unreadable, h[0].unreadable == 1 ? "" : "es", looked);
	else if (!any && !files.unreadable[0])
		check_report_dev(c, d, PASS, "holders", NULL, "holders: no process holds %s",
				 looked);
}
