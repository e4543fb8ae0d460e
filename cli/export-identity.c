// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What tells a claimed device apart, as one comment line: for the engines whose config has no
 * field for it (the subsystem, the topology path, the IOMMU group, the serial number), the
 * operator still sees which device each entry is, and can check it against the host.
 */
#include "export.h"
#include "util.h"

int export_identity(const struct export_dev *d, char **ret)
{
	const struct vb_pci_dev *p = d->pci;
	char group[32];

	if (p->iommu_group >= 0)
		snprintf(group, sizeof(group), "IOMMU group %d", p->iommu_group);
	else
		snprintf(group, sizeof(group), "no IOMMU group");
	return asprintf_safe(ret, "%s %04x:%04x subsystem %04x:%04x, path %s, %s%s%s", p->addr,
			     p->vendor, p->device, p->sub_vendor, p->sub_device,
			     p->path ? p->path : "unknown", group, d->serial ? ", serial " : "",
			     d->serial ? d->serial : "");
}

void export_identity_line(FILE *f, const char *lead, const struct export_dev *d)
{
	_cleanup_free_ char *id = NULL;

	/* Out of memory: the address alone still says which device the entry is. */
	fprintf(f, "%s%s\n", lead, export_identity(d, &id) >= 0 ? id : d->pci->addr);
}
