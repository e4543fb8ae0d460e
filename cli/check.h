/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmdline.h"
#include "config.h"
#include "holders.h"
#include "pci.h"
#include "plan.h"
#include "util.h"

/*
 * vfio-boot check, in parts: the command and its report (check.c), the host's readiness
 * (check-host.c), the initramfs images against /etc (check-initramfs.c), and what the config
 * claims against what else would take the devices (check-claims.c).
 */

enum level { PASS, WARN, FAIL };

struct result {
	enum level level;
	char *item, *text, *fix;
	char *device;  /* the PCI address a per-device line is about, NULL for the host's */
	char *section; /* the [device] section that selects it, NULL when none does */
};

/*
 * One device the per-device checks look at: a device of a configured section, or the one
 * given on the command line. Each check_dev_*() reads what it needs through the sysroot layer
 * and reports one or more lines with check_report_dev(); none changes the host, but
 * check_dev_rom() enables a ROM for the read and disables it after (sysfs-pci's way).
 */
struct check_dev {
	size_t i;			    /* c->pci.devs[i] */
	const char *section;		    /* the section that selects it, NULL when none does */
	bool claimed;			    /* the plan claims it at this boot */
	const struct vb_plan_section *plan; /* its section in c->plan, NULL when none */
};

/* What every check reads, loaded once; and the lines they report, in order. */
struct check {
	struct result *v;
	size_t n, alloc;
	struct vb_config cfg;
	bool have_cfg;
	struct vb_pci pci;
	struct vb_cmdline cmd;
	struct vb_plan plan;
	char *proc_cmdline;
	/* What processes hold below /dev/, read once by check_proc_fds() for every device. */
	struct vb_proc_fds fds;
	int fds_read; /* 0: not yet; 1: read; negative: why /proc could not be read */
	/* Not NULL: the per-device checks of this SECTION or ADDRESS only (the command's argument). */
	const char *target;
};

enum check_format { CHECK_TEXT, CHECK_JSON, CHECK_PROMETHEUS };

/* Prints the lines (check-print.c); EXIT_PROBLEM when one is FAIL. */
int check_print(const struct check *c, enum check_format format);

/* Adds a line: fix (or NULL) is what to do about it, shown for WARN and FAIL. */
void check_report(struct check *c, enum level level, const char *item, const char *fix,
		  const char *fmt, ...) _printf_(5, 6);

/* Entries of a directory below the root, NULL-terminated and sorted; NULL when unreadable. */
char **check_dir_list(const char *abs, const char *pattern);
void check_list_free(char **v);
size_t check_list_len(char **v);

/* The same for a line about one device: its address and section go into the result. */
void check_report_dev(struct check *c, const struct check_dev *d, enum level level,
		      const char *item, const char *fix, const char *fmt, ...) _printf_(6, 7);

static inline const struct vb_pci_dev *check_pci_dev(const struct check *c,
						     const struct check_dev *d)
{
	return &c->pci.devs[d->i];
}

void check_cpu(struct check *c);
/* The IOMMU, then interrupt remapping, which needs it. */
void check_iommu(struct check *c);
void check_modules(struct check *c);
/* /dev/kvm and the vfio container /dev/vfio/vfio, which QEMU opens for an assigned device. */
void check_host_nodes(struct check *c);
void check_images(struct check *c);
void check_leftover_ids(struct check *c);
void check_groups(struct check *c);

/*
 * The per-device checks (check-device.c): every device of every configured section, or those
 * of c->target; -ENOENT when c->target names no section and no device (reported).
 */
int check_devices(struct check *c);
/* Every per-device check on one device, in the order they are printed. */
void check_device(struct check *c, const struct check_dev *d);
/*
 * The same for c->pci.devs[i], under the first section of c->plan that selects it (none when
 * c->plan is empty): for callers other than the command, the guest runner.
 */
void check_device_at(struct check *c, size_t i);
/* Frees what c holds: its lines, plan, command line, PCI scan and config. */
void check_free(struct check *c);

/*
 * ret[k]: the holders of paths[k], from one scan of /proc for the whole run (check.c); negative
 * when /proc cannot be read, -ESRCH when it shows no process at all (a captured tree).
 */
int check_holders(struct check *c, const char *const paths[], size_t n, struct vb_holders ret[]);

/* Whether a section of the plan claims c->pci.devs[i] at this boot. */
bool check_claimed(const struct check *c, size_t i);

/*
 * Item "reset" (check-dev-reset.c): the reset methods the kernel offers (reset_method), what
 * a reset touches (with bus: the other devices below the same bridge, claimed or not), and
 * the families whose reset is known broken (lib/reset-quirks.c).
 */
void check_dev_reset(struct check *c, const struct check_dev *d);
/* Item "power" (check-dev-power.c): power_state, d3cold_allowed, vfio-pci's disable_idle_d3. */
void check_dev_power(struct check *c, const struct check_dev *d);
/* Item "framebuffer" (check-dev-power.c): a firmware framebuffer in a BAR (/proc/iomem). */
void check_dev_framebuffer(struct check *c, const struct check_dev *d);
/* Item "rom" (check-dev-rom.c): whether the ROM reads, and its images (lib/pci-rom.c). */
void check_dev_rom(struct check *c, const struct check_dev *d);
/*
 * Item "bars" (check-dev-bars.c): each BAR's size (resource) and, with the Resizable BAR
 * capability in config space, its range, against the guest firmware's documented aperture.
 */
void check_dev_bars(struct check *c, const struct check_dev *d);
/*
 * The first lines of a device's resource file (check-dev-bars.c), "start end flags" each: the
 * six BARs, then the ROM BAR. 0, or -errno with what was wrong in *why (malloc'd).
 */
#define CHECK_BARS	6
#define CHECK_ROM_BAR	6
#define CHECK_RESOURCES 7
struct check_resource {
	uint64_t size, flags;
};
int check_dev_resources(const char *addr, struct check_resource res[CHECK_RESOURCES], char **why);
/*
 * Item "holders" (check-dev-holders.c): processes holding the group's /dev/vfio/N (or the
 * device's /dev/vfio/devices/vfioN), or its DRM and NVIDIA nodes: PID and command.
 */
void check_dev_holders(struct check *c, const struct check_dev *d);
/*
 * Item "sriov" (check-dev-sriov.c): a PF's sriov_numvfs against its section's vfs =, and its
 * VFs' drivers against what the PF's driver and the config imply; a VF against its PF.
 */
void check_dev_sriov(struct check *c, const struct check_dev *d);
/*
 * Item "override" (check-dev-sriov.c), host-wide: a driver_override left set on a device no
 * section selects.
 */
void check_overrides(struct check *c);
