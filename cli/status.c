// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-boot status: for each [device] section, whether its devices are on vfio-pci now and,
 * when one is not, everything that explains it: the driver holding it, what the binder
 * recorded at boot (/run/vfio-boot), a firmware framebuffer on its memory, its IOMMU group.
 * For each [guest], its unit's state and the addresses its sections' devices have at this boot;
 * for each [usb] section, the devices that match it now and what its guest's runner did with
 * them. --prometheus writes the same as node_exporter gauges.
 */
#include <errno.h>

#include "readonly.h"
#include "status.h"
#include "util.h"

static const char usage[] =
	"Usage: vfio-boot status [--root DIR] [--config FILE] [--json | --prometheus]\n"
	"\n"
	"Whether each configured device is on vfio-pci and, if not, why; the state\n"
	"of each guest's unit and its devices; the USB devices of each [usb] section.\n"
	"Exits 2 when a configured device is not on vfio-pci, or a [usb] section\n"
	"matches more devices than its count.\n";

int status_main(int argc, char **argv)
{
	struct status st = {0};
	struct inspect_opts o;
	int r, ret = EXIT_OK;

	r = inspect_parse(argc, argv, usage, true, &o);
	if (r >= 0)
		return r;
	if (status_collect(&st, o.config) < 0) {
		status_free(&st);
		return EXIT_ERROR;
	}
	if (o.json)
		status_print_json(&st);
	else if (o.prometheus)
		status_print_prometheus(&st);
	else
		status_print_text(&st);
	for (size_t i = 0; i < st.n_secs; i++) {
		const struct section_status *ss = &st.secs[i];

		/* Given back on purpose, or still to come: neither is a problem. */
		for (size_t k = 0; k < ss->n_devs; k++)
			if (!ss->devs[k].on_vfio && !ss->devs[k].released)
				ret = EXIT_PROBLEM;
		/* A section that should claim and has nothing is a device not on vfio-pci too. */
		if (!ss->n_devs && ss->plan != VB_PLAN_NONE && !status_section_pending(ss))
			ret = EXIT_PROBLEM;
	}
	/* Fail closed: an ambiguous [usb] section attaches nothing until the config tells. */
	for (size_t i = 0; i < st.n_us; i++)
		if (st.us[i].select == -E2BIG)
			ret = EXIT_PROBLEM;
	status_free(&st);
	return ret;
}
