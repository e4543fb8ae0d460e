// SPDX-License-Identifier: GPL-2.0-or-later
/* vfio-boot status --prometheus: the same as node_exporter gauges. */
#include <errno.h>
#include <time.h>

#include "prom.h"
#include "status.h"
#include "util.h"

/* An RFC 3339 UTC time= of a record in seconds since the epoch; -1 when it is not one. */
static long long record_seconds(const char *time)
{
	struct tm tm = {0};
	const char *end;

	if (!time)
		return -1;
	end = strptime(time, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!end || *end)
		return -1;
	return (long long)timegm(&tm);
}

/* Each guest's PCI devices at this boot; nothing when no guest has devices =. */
static void print_guest_pci(const struct status *st)
{
	if (!status_any_guest_pci(st))
		return;
	printf("# HELP vfio_boot_guest_attach_devices Whether a guest's runner puts its sections' "
	       "devices in its domain (attach-devices).\n"
	       "# TYPE vfio_boot_guest_attach_devices gauge\n");
	for (size_t i = 0; i < st->n_gs; i++) {
		if (!st->gs[i].n_pci)
			continue;
		printf("vfio_boot_guest_attach_devices{");
		prom_label("guest", st->gs[i].name, true);
		printf("} %d\n", st->gs[i].attach_devices);
	}
	printf("# HELP vfio_boot_guest_pci_device A PCI device of a guest's section, at the address "
	       "it has at this boot.\n"
	       "# TYPE vfio_boot_guest_pci_device gauge\n");
	for (size_t i = 0; i < st->n_gs; i++)
		for (size_t k = 0; k < st->gs[i].n_pci; k++)
			for (const char *p = st->gs[i].pci[k].devices; p && *p;) {
				size_t n = strcspn(p, " ");
				char addr[VB_ADDR_MAX];

				if (n && n < sizeof(addr)) {
					snprintf(addr, sizeof(addr), "%.*s", (int)n, p);
					printf("vfio_boot_guest_pci_device{");
					prom_label("guest", st->gs[i].name, false);
					prom_label("section", st->gs[i].pci[k].section, false);
					prom_label("address", addr, true);
					printf("} 1\n");
				}
				p += n + strspn(p + n, " ");
			}
}

static void usb_labels(const struct usb_status *u, bool last)
{
	prom_label("section", u->sec->name, false);
	prom_label("guest", u->sec->guest, last);
}

/* The [usb] sections; nothing when the config has none. */
static void print_usb(const struct status *st)
{
	if (!st->n_us)
		return;
	printf("# HELP vfio_boot_usb_present Whether a device of a [usb] section is present now.\n"
	       "# TYPE vfio_boot_usb_present gauge\n");
	for (size_t i = 0; i < st->n_us; i++) {
		printf("vfio_boot_usb_present{");
		usb_labels(&st->us[i], true);
		printf("} %d\n", st->us[i].n_match > 0);
	}
	printf("# HELP vfio_boot_usb_matching Devices present now that a [usb] section matches.\n"
	       "# TYPE vfio_boot_usb_matching gauge\n");
	for (size_t i = 0; i < st->n_us; i++) {
		printf("vfio_boot_usb_matching{");
		usb_labels(&st->us[i], true);
		printf("} %zu\n", st->us[i].n_match);
	}
	printf("# HELP vfio_boot_usb_ambiguous Whether more devices match a [usb] section than its "
	       "count (none is attached).\n"
	       "# TYPE vfio_boot_usb_ambiguous gauge\n");
	for (size_t i = 0; i < st->n_us; i++) {
		printf("vfio_boot_usb_ambiguous{");
		usb_labels(&st->us[i], true);
		printf("} %d\n", st->us[i].select == -E2BIG);
	}
	printf("# HELP vfio_boot_usb_attached Devices of a [usb] section its guest's runner "
	       "attached, by the runner's status.\n"
	       "# TYPE vfio_boot_usb_attached gauge\n");
	for (size_t i = 0; i < st->n_us; i++) {
		printf("vfio_boot_usb_attached{");
		usb_labels(&st->us[i], false);
		prom_label("status", st->us[i].record ? st->us[i].record : "none", true);
		printf("} %zu\n", st->us[i].n_attached);
	}
	printf("# HELP vfio_boot_usb_status_timestamp_seconds Since when a [usb] section has the "
	       "status its guest's runner recorded.\n"
	       "# TYPE vfio_boot_usb_status_timestamp_seconds gauge\n");
	for (size_t i = 0; i < st->n_us; i++) {
		long long t = record_seconds(st->us[i].time);

		if (!st->us[i].record || t < 0)
			continue;
		printf("vfio_boot_usb_status_timestamp_seconds{");
		usb_labels(&st->us[i], false);
		prom_label("status", st->us[i].record, true);
		printf("} %lld\n", t);
	}
}

void status_print_prometheus(const struct status *st)
{
	printf("# HELP vfio_boot_device_on_vfio Whether a configured device is bound to vfio-pci.\n"
	       "# TYPE vfio_boot_device_on_vfio gauge\n");
	for (size_t i = 0; i < st->n_secs; i++)
		for (size_t k = 0; k < st->secs[i].n_devs; k++) {
			const struct dev_status *d = &st->secs[i].devs[k];

			printf("vfio_boot_device_on_vfio{");
			prom_label("section", st->secs[i].name, false);
			prom_label("address", d->addr, false);
			prom_label("driver", d->driver, true);
			printf("} %d\n", d->on_vfio);
		}
	printf("# HELP vfio_boot_section_devices Devices a [device] section has now.\n"
	       "# TYPE vfio_boot_section_devices gauge\n");
	for (size_t i = 0; i < st->n_secs; i++) {
		printf("vfio_boot_section_devices{");
		prom_label("section", st->secs[i].name, false);
		prom_label("boot_status", st->secs[i].record ? st->secs[i].record : "none", false);
		prom_label("plan", vb_section_status_to_string(st->secs[i].plan), true);
		printf("} %zu\n", st->secs[i].n_devs);
	}
	printf("# HELP vfio_boot_device_released Whether a configured device was given back to its "
	       "host driver (vfio-boot release).\n"
	       "# TYPE vfio_boot_device_released gauge\n");
	for (size_t i = 0; i < st->n_secs; i++)
		for (size_t k = 0; k < st->secs[i].n_devs; k++) {
			const struct dev_status *d = &st->secs[i].devs[k];

			printf("vfio_boot_device_released{");
			prom_label("section", st->secs[i].name, false);
			prom_label("address", d->addr, true);
			printf("} %d\n", d->released);
		}
	printf("# HELP vfio_boot_section_pending Whether a [device] section waits for devices that "
	       "come later (VFs, hot-plug).\n"
	       "# TYPE vfio_boot_section_pending gauge\n");
	for (size_t i = 0; i < st->n_secs; i++) {
		printf("vfio_boot_section_pending{");
		prom_label("section", st->secs[i].name, true);
		printf("} %d\n", status_section_pending(&st->secs[i]));
	}
	printf("# HELP vfio_boot_section_record_timestamp_seconds When a section's record was "
	       "written after boot, and by what.\n"
	       "# TYPE vfio_boot_section_record_timestamp_seconds gauge\n");
	for (size_t i = 0; i < st->n_secs; i++) {
		const struct section_status *ss = &st->secs[i];
		long long t = record_seconds(ss->time);

		if (!ss->by || t < 0)
			continue;
		printf("vfio_boot_section_record_timestamp_seconds{");
		prom_label("section", ss->name, false);
		prom_label("by", ss->by, true);
		printf("} %lld\n", t);
	}
	printf("# HELP vfio_boot_guest_active Whether a guest's unit is active (-1: unknown).\n"
	       "# TYPE vfio_boot_guest_active gauge\n");
	for (size_t i = 0; i < st->n_gs; i++) {
		const struct guest_status *g = &st->gs[i];

		printf("vfio_boot_guest_active{");
		prom_label("guest", g->name, false);
		prom_label("unit", g->unit, false);
		prom_label("state", g->state ? g->state : "unknown", true);
		printf("} %d\n", g->state ? streq(g->state, "active") : -1);
	}
	print_guest_pci(st);
	print_usb(st);
}
