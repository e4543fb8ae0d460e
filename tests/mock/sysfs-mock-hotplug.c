// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Hot-add in the kernel double. The fixture makes the device's directory as it makes any
 * device, then asks the double to add it (fx_hot_add(), through mock-write's "hot-add ADDR",
 * which calls vfio_mock_hot_add() below): the double probes it at once, as
 * pci_bus_add_device() does inside the kernel before udev hears of the device
 * (device_attach(): the bus's drivers_autoprobe is not asked). A loaded driver that matches
 * binds it unless its driver_override names another; with no such driver loaded it stays
 * unbound, and a driver loaded later takes it when it registers (sysfs-mock-modules.c).
 * Nothing is written to writes.log: no program wrote anything.
 */
#include "sysfs-mock.h"

/* 0, -ENODEV when the fixture made no such device, -ENXIO when the double is not active. */
_export_ int vfio_mock_hot_add(const char *addr)
{
	struct pcidev d;
	char bound[256];
	int err = 0;

	if (!mock_active())
		return -ENXIO;
	pthread_mutex_lock(&mock_lock);
	if (find_dev(addr, &d) < 0) {
		err = -ENODEV;
	} else {
		dev_driver(&d, bound, sizeof(bound));
		if (bound[0] == '\0')
			dev_attach(&d, ATTACH_PROBE, NULL);
	}
	pthread_mutex_unlock(&mock_lock);
	return err;
}
