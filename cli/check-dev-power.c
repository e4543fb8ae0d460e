// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Items "power" and "framebuffer": can the kernel reach the device to hand it to a guest?
 * power_state (Linux 5.11 and later) is the state the kernel last set, read without waking
 * the device, as lspci cannot; vfio-pci puts a device no guest uses into D3hot, or D3cold
 * where the platform allows it (d3cold_allowed), unless its disable_idle_d3 is set, and some
 * devices never come back from D3cold ("Unable to change power state from D3cold to D0").
 * A firmware framebuffer (efifb, simpledrm, BOOTFB) inside a BAR keeps QEMU from mapping it
 * ("BAR 0: can't reserve"); cli/boot-framebuffer.c finds it in /proc/iomem.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "boot-framebuffer.h"
#include "check.h"
#include "sysroot.h"
#include "util.h"

#define IDLE_D3_FIX \
	"options vfio-pci disable_idle_d3=1 in /etc/modprobe.d/vfio.conf (then rebuild the initramfs and reboot)"

static const char *const known_states[] = {"D0", "D1", "D2", "D3hot", "D3cold"};

static bool known_state(const char *s)
{
	for (size_t i = 0; i < ELEMENTSOF(known_states); i++)
		if (streq(s, known_states[i]))
			return true;
	return false;
}

void check_dev_power(struct check *c, const struct check_dev *d)
{
	const struct vb_pci_dev *dev = check_pci_dev(c, d);
	_cleanup_free_ char *state = NULL, *d3cold = NULL, *idle = NULL, *fix = NULL;
	bool on_vfio = dev->driver && streq(dev->driver, "vfio-pci");
	bool may_d3cold;
	int r;

	r = vb_readf(&state, "/sys/bus/pci/devices/%s/power_state", dev->addr);
	if (vb_readf(&d3cold, "/sys/bus/pci/devices/%s/d3cold_allowed", dev->addr) < 0)
		d3cold = NULL;
	if (vb_read_file("/sys/module/vfio_pci/parameters/disable_idle_d3", &idle) < 0)
		idle = NULL;
	/* vfio-pci lets an idle device go to D3cold only with both of these as they are. */
	may_d3cold = on_vfio && idle && streq(idle, "N") && d3cold && streq(d3cold, "1");
	if (r == -ENOENT) {
		char lspci[160];

		snprintf(lspci, sizeof(lspci),
			 "a kernel with power_state (Linux 5.11 or later); until then, `lspci -vv "
			 "-s %s` shows the state in its Power Management Status line",
			 dev->addr);
		check_report_dev(c, d, WARN, "power", lspci,
				 "power: the power state cannot be told: there is no power_state "
				 "file (kernels show it since Linux 5.11)");
		return;
	}
	if (r < 0) {
		check_report_dev(c, d, WARN, "power", "check that sysfs is mounted and readable",
				 "power: power_state cannot be read (%s)", strerror(-r));
		return;
	}
	if (streq(state, "error") || streq(state, "unknown")) {
		if (asprintf_safe(&fix,
				  "power the host off and on again (a cold boot, not a reboot), "
				  "then set %s",
				  IDLE_D3_FIX) >= 0)
			check_report_dev(c, d, FAIL, "power", fix,
					 "power: power_state is %s: the kernel cannot reach the "
					 "device; a guest would fail to start with it",
					 state);
		return;
	}
	if (!known_state(state)) {
		check_report_dev(
			c, d, WARN, "power", "see the kernel's sysfs-bus-pci documentation",
			"power: power_state is \"%s\", which vfio-boot does not know", state);
		return;
	}
	if (streq(state, "D3cold")) {
		if (asprintf_safe(&fix, "%s, or echo 0 > /sys/bus/pci/devices/%s/d3cold_allowed",
				  IDLE_D3_FIX, dev->addr) >= 0)
			check_report_dev(
				c, d, WARN, "power", fix,
				"power: D3cold now (d3cold_allowed %s, vfio-pci disable_idle_d3 %s)%s: "
				"some devices never wake from it (\"Unable to change power state from "
				"D3cold to D0, device inaccessible\") and the guest fails to start",
				strna(d3cold), idle ? idle : "not loaded",
				may_d3cold ? "; vfio-pci puts it there while no guest uses it"
					   : "");
		return;
	}
	check_report_dev(c, d, PASS, "power", NULL,
			 "power: %s (d3cold_allowed %s, vfio-pci disable_idle_d3 %s)%s", state,
			 strna(d3cold), idle ? idle : "not loaded",
			 may_d3cold ? "; vfio-pci may put it in D3cold while no guest uses it"
				    : "");
}

void check_dev_framebuffer(struct check *c, const struct check_dev *d)
{
	const struct vb_pci_dev *dev = check_pci_dev(c, d);
	_cleanup_free_ char *fix = NULL;
	struct boot_framebuffer fb;
	int r;

	r = boot_framebuffer_holder(dev->addr, &fb);
	if (r == 0)
		check_report_dev(
			c, d, PASS, "framebuffer", NULL,
			"framebuffer: no firmware framebuffer in its memory (/proc/iomem)");
	else if (r == -EACCES)
		check_report_dev(c, d, WARN, "framebuffer", "run vfio-boot check as root",
				 "framebuffer: cannot tell: /proc/iomem shows no addresses (not "
				 "read as root)");
	else if (r < 0)
		check_report_dev(
			c, d, WARN, "framebuffer",
			"check that sysfs and /proc are mounted and readable",
			"framebuffer: cannot tell: its resource file or /proc/iomem cannot "
			"be read (%s)",
			strerror(-r));
	else if (boot_framebuffer_fix(fb.holder, &fix) >= 0)
		check_report_dev(c, d, FAIL, "framebuffer", fix,
				 "framebuffer: %s holds %" PRIx64 "-%" PRIx64
				 " inside its memory (/proc/iomem): QEMU cannot map the BAR "
				 "(\"BAR 0: can't reserve\")",
				 fb.holder, fb.start, fb.end);
	boot_framebuffer_done(&fb);
}
