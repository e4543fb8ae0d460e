// SPDX-License-Identifier: GPL-2.0-or-later
/* vfio-boot list: the PCI devices by IOMMU group, with what decides whether they can go. */
#include <errno.h>
#include <stdlib.h>

#include "readonly.h"
#include "json.h"
#include "log.h"
#include "sysroot.h"
#include "util.h"

static const char usage[] = "Usage: vfio-boot list [--root DIR] [--json]\n"
			    "\n"
			    "PCI devices by IOMMU group: names, ids, driver, boot_vga, reset\n"
			    "methods, bridge or endpoint, and whether vfio-boot guards them.\n";

/* Groups ascending, devices without a group last, addresses ascending inside. */
static int by_group(const void *a, const void *b)
{
	const struct vb_pci_dev *x = *(const struct vb_pci_dev *const *)a;
	const struct vb_pci_dev *y = *(const struct vb_pci_dev *const *)b;
	unsigned gx = (unsigned)x->iommu_group, gy = (unsigned)y->iommu_group;

	if (gx != gy)
		return gx < gy ? -1 : 1;
	return strcmp(x->addr, y->addr);
}

static void text_dev(const struct vb_pci_dev *d)
{
	_cleanup_free_ char *reset = inspect_reset_method(d->addr);
	const char *cls = names_class(d->class_code);
	const char *guard = inspect_guard(d);
	char vname[256], sub[256];
	const char *v;

	v = names_vendor(d->vendor);
	snprintf(vname, sizeof(vname), "%s", v ? v : "unknown vendor");
	v = names_device(d->vendor, d->device);
	printf("  %s %-8s [%06x] %s: %s %s [%04x:%04x]\n", d->addr,
	       vb_pci_is_bridge(d) ? "bridge" : "endpoint", d->class_code,
	       cls ? cls : "unknown class", vname, v ? v : "unknown device", d->vendor, d->device);
	v = names_vendor(d->sub_vendor);
	snprintf(sub, sizeof(sub), "%s%s", v && (d->sub_vendor || d->sub_device) ? v : "",
		 v && (d->sub_vendor || d->sub_device) ? " " : "");
	v = names_subsystem(d->vendor, d->device, d->sub_vendor, d->sub_device);
	if (v)
		snprintf(sub + strlen(sub), sizeof(sub) - strlen(sub), "%s", v);
	/* A trailing space when only the vendor is known: trimmed here. */
	if (*sub && sub[strlen(sub) - 1] == ' ')
		sub[strlen(sub) - 1] = '\0';
	printf("      subsystem [%04x:%04x]%s%s, driver %s", d->sub_vendor, d->sub_device,
	       *sub ? " " : "", sub, strna(d->driver));
	if (d->boot_vga == VB_BOOT_VGA_UNKNOWN)
		printf(", boot_vga unknown (%s)", strna(d->boot_vga_seen));
	else if (d->boot_vga >= 0)
		printf(", boot_vga %d", d->boot_vga);
	printf(", reset %s", reset && *reset ? reset : "none");
	if (guard)
		printf(", guarded: %s", guard);
	printf("\n");
	if (d->driver_gone)
		printf("      driver link points to %s, which is not loaded\n", d->driver);
	if (d->unreadable)
		printf("      could not be read, so never claimed: %s\n", d->unreadable);
}

static void json_id(struct json *j, const char *key, uint16_t id)
{
	char buf[8];

	snprintf(buf, sizeof(buf), "%04x", id);
	json_str(j, key, buf);
}

static void json_dev(struct json *j, const struct vb_pci_dev *d)
{
	_cleanup_free_ char *reset = inspect_reset_method(d->addr);
	char buf[16];

	json_open(j, NULL, '{');
	json_str(j, "address", d->addr);
	snprintf(buf, sizeof(buf), "%06x", d->class_code);
	json_str(j, "class", buf);
	json_str(j, "class_name", names_class(d->class_code));
	json_id(j, "vendor", d->vendor);
	json_id(j, "device", d->device);
	json_str(j, "vendor_name", names_vendor(d->vendor));
	json_str(j, "device_name", names_device(d->vendor, d->device));
	json_id(j, "subsystem_vendor", d->sub_vendor);
	json_id(j, "subsystem_device", d->sub_device);
	json_str(j, "subsystem_name",
		 names_subsystem(d->vendor, d->device, d->sub_vendor, d->sub_device));
	json_str(j, "driver", d->driver);
	if (d->boot_vga == 0 || d->boot_vga == 1)
		json_bool(j, "boot_vga", d->boot_vga == 1);
	else
		json_null(j, "boot_vga");
	json_str(j, "boot_vga_unknown", d->boot_vga_seen);
	json_bool(j, "driver_gone", d->driver_gone);
	json_str(j, "unreadable", d->unreadable);
	/* null: the kernel has no reset_method file (before 5.15); []: no reset at all. */
	if (reset) {
		json_open(j, "reset_methods", '[');
		for (char *save = NULL, *m = strtok_r(reset, " ", &save); m;
		     m = strtok_r(NULL, " ", &save))
			json_str(j, NULL, m);
		json_close(j, ']');
	} else {
		json_null(j, "reset_methods");
	}
	json_str(j, "type", vb_pci_is_bridge(d) ? "bridge" : "endpoint");
	json_str(j, "slot", d->slot);
	json_str(j, "path", d->path);
	json_str(j, "guarded", inspect_guard(d));
	json_close(j, '}');
}

int list_main(int argc, char **argv)
{
	_cleanup_free_ const struct vb_pci_dev **v = NULL;
	struct inspect_opts o;
	struct vb_pci pci = {0};
	struct json j;
	int r;

	r = inspect_parse(argc, argv, usage, false, &o);
	if (r >= 0)
		return r;
	r = vb_pci_scan(&pci);
	if (r >= 0)
		r = vb_pci_load_links(&pci);
	if (r < 0) {
		vb_pci_free(&pci);
		log_err(r, "reading %s/sys/bus/pci/devices: %m", vb_root());
		return EXIT_ERROR;
	}
	v = calloc(pci.n + 1, sizeof(*v));
	if (!v) {
		vb_pci_free(&pci);
		log_err(-ENOMEM, "out of memory");
		return EXIT_ERROR;
	}
	for (size_t i = 0; i < pci.n; i++)
		v[i] = &pci.devs[i];
	qsort(v, pci.n, sizeof(*v), by_group);

	if (o.json) {
		json_init(&j, stdout);
		json_open(&j, NULL, '{');
		json_open(&j, "groups", '[');
	}
	for (size_t i = 0; i < pci.n; i++) {
		bool first = i == 0 || v[i]->iommu_group != v[i - 1]->iommu_group;
		bool last = i + 1 == pci.n || v[i]->iommu_group != v[i + 1]->iommu_group;

		if (o.json) {
			if (first) {
				json_open(&j, NULL, '{');
				if (v[i]->iommu_group >= 0)
					json_int(&j, "group", v[i]->iommu_group);
				else
					json_null(&j, "group");
				json_open(&j, "devices", '[');
			}
			json_dev(&j, v[i]);
			if (last) {
				json_close(&j, ']');
				json_close(&j, '}');
			}
			continue;
		}
		if (first && v[i]->iommu_group >= 0)
			printf("%sIOMMU group %d\n", i ? "\n" : "", v[i]->iommu_group);
		else if (first && v[i]->iommu_group == VB_GROUP_UNKNOWN)
			printf("%sIOMMU group unknown (the iommu_group link cannot be read)\n",
			       i ? "\n" : "");
		else if (first)
			printf("%sNo IOMMU group (the IOMMU is off or absent)\n", i ? "\n" : "");
		text_dev(v[i]);
	}
	if (o.json) {
		json_close(&j, ']');
		json_close(&j, '}');
		json_end(&j);
	}
	vb_pci_free(&pci);
	names_free();
	return EXIT_OK;
}
