// SPDX-License-Identifier: GPL-2.0-or-later
/* vfio-boot status --prometheus: the same as node_exporter gauges. */
#include <time.h>

#include "status.h"
#include "util.h"

/*
 * A Prometheus label value: UTF-8 (the text format's rule), backslash, double quote and newline
 * escaped as the format says. A byte that is not UTF-8 becomes U+FFFD, as in the JSON output.
 */
static void label(const char *key, const char *value, bool last)
{
	printf("%s=\"", key);
	for (const char *p = value ? value : ""; *p;) {
		size_t n = utf8_char_len(p);

		if (n == 0)
			fputs("\xef\xbf\xbd", stdout);
		else if (*p == '\\' || *p == '"')
			printf("\\%c", *p);
		else if (*p == '\n')
			printf("\\n");
		else
			fwrite(p, 1, n, stdout);
		p += n ? n : 1;
	}
	printf("\"%s", last ? "" : ",");
}

void status_print_prometheus(const struct status *st)
{
	printf("# HELP vfio_boot_device_on_vfio Whether a configured device is bound to vfio-pci.\n"
	       "# TYPE vfio_boot_device_on_vfio gauge\n");
	for (size_t i = 0; i < st->n_secs; i++)
		for (size_t k = 0; k < st->secs[i].n_devs; k++) {
			const struct dev_status *d = &st->secs[i].devs[k];

			printf("vfio_boot_device_on_vfio{");
			label("section", st->secs[i].name, false);
			label("address", d->addr, false);
			label("driver", d->driver, true);
			printf("} %d\n", d->on_vfio);
		}
	printf("# HELP vfio_boot_section_devices Devices a [device] section has now.\n"
	       "# TYPE vfio_boot_section_devices gauge\n");
	for (size_t i = 0; i < st->n_secs; i++) {
		printf("vfio_boot_section_devices{");
		label("section", st->secs[i].name, false);
		label("boot_status", st->secs[i].record ? st->secs[i].record : "none", false);
		label("plan", vb_section_status_to_string(st->secs[i].plan), true);
		printf("} %zu\n", st->secs[i].n_devs);
	}
	printf("# HELP vfio_boot_device_released Whether a configured device was given back to its "
	       "host driver (vfio-boot release).\n"
	       "# TYPE vfio_boot_device_released gauge\n");
	for (size_t i = 0; i < st->n_secs; i++)
		for (size_t k = 0; k < st->secs[i].n_devs; k++) {
			const struct dev_status *d = &st->secs[i].devs[k];

			printf("vfio_boot_device_released{");
			label("section", st->secs[i].name, false);
			label("address", d->addr, true);
			printf("} %d\n", d->released);
		}
	printf("# HELP vfio_boot_section_pending Whether a [device] section waits for devices that "
	       "come later (VFs, hot-plug).\n"
	       "# TYPE vfio_boot_section_pending gauge\n");
	for (size_t i = 0; i < st->n_secs; i++) {
		printf("vfio_boot_section_pending{");
		label("section", st->secs[i].name, true);
		printf("} %d\n", status_section_pending(&st->secs[i]));
	}
	printf("# HELP vfio_boot_section_record_timestamp_seconds When a section's record was "
	       "written after boot, and by what.\n"
	       "# TYPE vfio_boot_section_record_timestamp_seconds gauge\n");
	for (size_t i = 0; i < st->n_secs; i++) {
		const struct section_status *ss = &st->secs[i];
		struct tm tm = {0};
		const char *end;

		if (!ss->time || !ss->by)
			continue;
		end = strptime(ss->time, "%Y-%m-%dT%H:%M:%SZ", &tm);
		if (!end || *end)
			continue;
		printf("vfio_boot_section_record_timestamp_seconds{");
		label("section", ss->name, false);
		label("by", ss->by, true);
		printf("} %lld\n", (long long)timegm(&tm));
	}
	printf("# HELP vfio_boot_guest_active Whether a guest's unit is active (-1: unknown).\n"
	       "# TYPE vfio_boot_guest_active gauge\n");
	for (size_t i = 0; i < st->n_gs; i++) {
		const struct guest_status *g = &st->gs[i];

		printf("vfio_boot_guest_active{");
		label("guest", g->name, false);
		label("unit", g->unit, false);
		label("state", g->state ? g->state : "unknown", true);
		printf("} %d\n", g->state ? streq(g->state, "active") : -1);
	}
}
