// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>

#include "util.h"
#include "viable.h"

bool vb_driver_vfio_ok(const char *driver)
{
	/* The kernel's own list (vfio_dev_driver_allowed): a stub driver holds no device state. */
	return !driver || streq(driver, "vfio-pci") || streq(driver, "pci-stub");
}

int vb_group_viable(const struct vb_pci *pci, const char *addr, struct vb_viable *ret)
{
	const struct vb_pci_dev *dev = vb_pci_find(pci, addr), *unknown = NULL;

	*ret = (struct vb_viable){.group = -1};
	if (!dev)
		return -ENODEV;
	ret->group = dev->iommu_group;
	if (dev->iommu_group == VB_GROUP_UNKNOWN)
		return -EIO;
	if (dev->iommu_group < 0)
		return -ENXIO;

	for (size_t i = 0; i < pci->n; i++) {
		const struct vb_pci_dev *d = &pci->devs[i];
		/* What cannot be read counts against the group, never for it. */
		bool host = (d->unknown & VB_PCI_UNKNOWN_DRIVER) || !vb_driver_vfio_ok(d->driver);

		if (vb_pci_is_bridge(d))
			continue;
		if (d->iommu_group == dev->iommu_group) {
			ret->n_endpoints++;
			if (host && !ret->blocker[0]) {
				snprintf(ret->blocker, sizeof(ret->blocker), "%s", d->addr);
				ret->blocker_driver = d->driver;
				ret->blocker_unreadable =
					(d->unknown & VB_PCI_UNKNOWN_DRIVER) ? d->unreadable : NULL;
			}
		} else if (d->iommu_group == VB_GROUP_UNKNOWN && host && !unknown) {
			/* Its group link cannot be read: it may be in this group. */
			unknown = d;
		}
	}
	if (ret->blocker[0])
		return ret->blocker_unreadable ? -EIO : -EBUSY;
	if (unknown) {
		snprintf(ret->blocker, sizeof(ret->blocker), "%s", unknown->addr);
		ret->blocker_driver = unknown->driver;
		ret->blocker_unreadable = unknown->unreadable;
		return -EIO;
	}
	return 0;
}
