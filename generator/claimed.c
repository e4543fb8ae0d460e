// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-boot-claimed SECTION...: exits 0 when the binder claimed every device of each [device
 * SECTION] at this boot (/run/vfio-boot/sections/SECTION says status=claimed) or the section is
 * pending (its devices come after boot: the guest runner waits for them), else says which
 * one was not and exits 2, the runner's "refused", which the guest unit's
 * RestartPreventExitStatus=2 does not retry: the binder runs once per boot, so a retry would
 * only fail again. Exits 1 on a usage error. The generator puts it in front of a guest's
 * runner (ExecStartPre), so that a guest whose devices stayed with host drivers is not
 * started at all.
 *
 * vfio-boot-claimed --wait=DURATION SECTION...: for the sections that claim after boot (VFs,
 * hot-plugged devices), waits until each is settled at this boot (late.h), at most DURATION;
 * exits 0 then, 3 when the wait is over first, saying which section and what it saw. The
 * generator's vfio-boot-late.service runs it, ordered before the engines that take the
 * vfio-pci devices they find when they start (kubelet, nova-compute, pve-guests).
 */
#include <errno.h>
#include <getopt.h>

#include "contract.h"
#include "guest.h"
#include "late.h"
#include "log.h"
#include "logsink.h"
#include "record.h"
#include "sysroot.h"
#include "util.h"

/* vfio-boot-generator(8), EXIT STATUS; a guest unit's ExecStartPre= fails on anything but 0. */
enum claimed_exit {
	CLAIMED_EXIT_OK = 0,
	CLAIMED_EXIT_USAGE = 1,
	CLAIMED_EXIT_NOT_CLAIMED = 2, /* a section is not on vfio-pci at this boot */
	CLAIMED_EXIT_NOT_SETTLED = 3, /* --wait: a section was still to come when it was over */
};

/* --wait: the engines ordered after the unit start when this ends, whatever it says. */
static int wait_late(char *const *sections, size_t n, uint64_t wait_usec)
{
	struct vb_cmdline cmd = {0};
	struct vb_config cfg = {0};
	int r;

	r = vb_cmdline_load(&cmd);
	if (r < 0)
		log_warn(r, "reading %s/proc/cmdline: %m; going on without it", vb_root());
	if (cmd.off) {
		log_notice(
			"vfio_boot=off on the kernel command line: nothing is claimed after boot");
		r = CLAIMED_EXIT_OK;
		goto out;
	}
	/* The binder and the udev rule said what is wrong with the config: said here, once more. */
	r = vb_config_load_quiet(&cfg, NULL);
	if (r < 0) {
		log_notice("the config cannot be read (%s): nothing is claimed after boot",
			   cfg.refused[0] ? cfg.refused : strerror(-r));
		r = CLAIMED_EXIT_OK;
		goto out;
	}
	r = vb_late_wait(&cfg, &cmd, (const char *const *)sections, n, wait_usec);
	r = r < 0 ? CLAIMED_EXIT_NOT_SETTLED : CLAIMED_EXIT_OK;
out:
	vb_config_free(&cfg);
	vb_cmdline_free(&cmd);
	return r;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{"wait", required_argument, NULL, 'w'},
		{},
	};
	uint64_t wait_usec = 0;
	bool wait = false;
	int c, r, bad = 0;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) >= 0) {
		switch (c) {
		case 'h':
			printf("Usage: vfio-boot-claimed [--] SECTION...\n"
			       "       vfio-boot-claimed --wait=DURATION [--] SECTION...\n"
			       "Exit 0 when every [device SECTION] was claimed for vfio-pci at this boot,\n"
			       "2 when one was not, 1 on a usage error.\n"
			       "--wait: wait, at most DURATION (60, 90s, 2min), until each section that\n"
			       "claims after boot is settled; exit 0 then, 3 when the wait is over first.\n"
			       "VFIO_BOOT_ROOT=DIR reads /run/vfio-boot (and with --wait, /sys, /proc and\n"
			       "/etc/vfio-boot) below DIR.\n");
			return CLAIMED_EXIT_OK;
		case 'V':
			printf("vfio-boot-claimed %s\n", VERSION);
			return CLAIMED_EXIT_OK;
		case 'w':
			if (vb_parse_duration(optarg, &wait_usec) < 0) {
				fprintf(stderr,
					"vfio-boot-claimed: --wait=%s: expected a duration (60, 90s, 2min)\n",
					optarg);
				return CLAIMED_EXIT_USAGE;
			}
			wait = true;
			break;
		default:
			return CLAIMED_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "vfio-boot-claimed: expected at least one [device] section name\n");
		return CLAIMED_EXIT_USAGE;
	}
	if (vb_root_set(NULL) < 0) {
		fprintf(stderr, "vfio-boot-claimed: VFIO_BOOT_ROOT must be an absolute path\n");
		return CLAIMED_EXIT_USAGE;
	}
	vb_logsink_stderr("vfio-boot-claimed");
	if (wait)
		return wait_late(argv + optind, argc - optind, wait_usec);

	for (int i = optind; i < argc; i++) {
		_cleanup_free_ char *status = NULL;

		r = vb_section_claimed(argv[i], &status);
		if (r < 0) {
			log_err(r, "reading the record of [device %s] in %s/sections: %m", argv[i],
				VB_RUN_DIR);
			bad++;
		} else if (r == 0 && vb_section_status_from_string(status) == VB_SECTION_MISSING) {
			log_err(0,
				"[device %s] has no record in %s/sections: the binder did not run at this boot (is the initramfs hook installed?) or does not know the section",
				argv[i], VB_RUN_DIR);
			bad++;
		} else if (r == 0 && vb_section_status_from_string(status) == VB_SECTION_PENDING) {
			/* Its devices come after boot: the guest runner waits for them (device-wait). */
			log_notice("[device %s] is pending: the guest runner waits for it",
				   argv[i]);
		} else if (r == 0) {
			log_err(0,
				"[device %s] was not claimed for vfio-pci at this boot (status=%s; see %s/sections/%s and the binder's log)",
				argv[i], status, VB_RUN_DIR, argv[i]);
			bad++;
		}
	}
	if (bad) {
		log_err(0, "not starting the guest: %d of its [device] sections %s not on vfio-pci",
			bad, bad == 1 ? "is" : "are");
		return CLAIMED_EXIT_NOT_CLAIMED;
	}
	return CLAIMED_EXIT_OK;
}
