// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What tells a claimed device apart, as one comment line: for the engines whose config has no
 * field for it (the subsystem, the topology path, the IOMMU group, the serial number), the
 * operator still sees which device each entry is, and can check it against the host.
 */
#include "export.h"

void export_identity(FILE *f, const char *lead, const struct export_dev *d)
{
	const struct vb_pci_dev *p = d->pci;

	fprintf(f, "%s%s %04x:%04x subsystem %04x:%04x", lead, p->addr, p->vendor, p->device,
		p->sub_vendor, p->sub_device);
	if (p->path)
		fprintf(f, " path %s", p->path);
	if (p->iommu_group >= 0)
		fprintf(f, " iommu_group %d", p->iommu_group);
	if (d->serial)
		fprintf(f, " serial %s", d->serial);
	fputc('\n', f);
}
