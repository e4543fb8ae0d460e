/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What test-binder-event and test-binder-vfs share: a root port and the devices that appear
 * behind it, as the kernel leaves them after device_add, and the binder's event mode.
 */
#ifndef VFIO_BOOT_TESTS_BINDER_EVENT_TEST_H
#define VFIO_BOOT_TESTS_BINDER_EVENT_TEST_H

#define PORT5 "0000:00:05.0"
#define HOT   "0000:05:00.0"
#define PORT6 "0000:00:06.0"
#define MATE  "0000:06:00.0" /* behind another port, in HOT's IOMMU group when asked */
#define PF    "0000:05:00.0"
#define VF0   "0000:05:00.1"
#define VF1   "0000:05:00.2"
#define VF2   "0000:05:00.3"

#define HOTPLUG_CONF "[device hot-nic]\nmatch = id=8086:10d3\ncount = 1\nhotplug = yes\n"

/* A NIC as the kernel leaves it after device_add: bound when its driver was loaded. */
static inline void nic(struct fx *fx, const char *addr, const char *parent, unsigned device,
		       int group, bool bound)
{
	fx_device(fx, addr,
		  &(struct fx_dev){.parent = parent,
				   .vendor = 0x8086,
				   .device = device,
				   .sub_vendor = 0x8086,
				   .sub_device = 0x0001,
				   .class = 0x020000,
				   .group = group,
				   .host_driver = "e1000",
				   .bound = bound});
}

static inline int setup_hot(void **state)
{
	setup(state);
	fx_port(*state, PORT5, NULL, 6);
	return 0;
}

static inline void event(struct fx *fx, const char *action, const char *addr)
{
	char ev[32], dev[64];

	snprintf(ev, sizeof(ev), "--event=%s", action);
	snprintf(dev, sizeof(dev), "--device=%s", addr);
	run(fx, ev, dev, NULL);
}

#endif
