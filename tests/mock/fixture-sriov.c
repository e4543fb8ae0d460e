// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * SR-IOV in a fake tree, as the kernel shows it once VFs exist: a PF's sriov_* attributes and
 * virtfnN links, and each VF beside its PF with a physfn link back and an IOMMU group of its
 * own.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fixture-internal.h"
#include "mock-common.h"

/* The routing ID of "dddd:bb:dd.f": bus, device and function as the kernel counts VFs. */
static int rid(const char *addr)
{
	unsigned int bus, dev, fn;

	if (!mock_is_pci_addr(addr) || sscanf(addr + 5, "%x:%x.%x", &bus, &dev, &fn) != 3)
		fx_die("bad PCI address '%s'", addr);
	return (int)(bus << 8 | dev << 3 | fn);
}

static void pf_attr(struct fx *fx, const char *pf, const char *attr, int value)
{
	_cleanup_free_ char *rel = fx_asprintf("sys/bus/pci/devices/%s/%s", pf, attr);
	_cleanup_free_ char *text = fx_asprintf("%d\n", value);

	fx_write(fx, rel, text, 0644);
}

void fx_sriov_pf(struct fx *fx, const char *addr, unsigned int totalvfs, unsigned int numvfs)
{
	_cleanup_free_ char *rel = fx_asprintf("sys/bus/pci/devices/%s/vendor", addr);

	if (!fx_exists(fx, rel))
		fx_die("no PCI device %s to be a PF", addr);
	pf_attr(fx, addr, "sriov_totalvfs", (int)totalvfs);
	pf_attr(fx, addr, "sriov_numvfs", (int)numvfs);
	pf_attr(fx, addr, "sriov_drivers_autoprobe", 1);
	/* fx_vf() sets them from where VFs 0 and 1 are: the kernel's VF N is at offset + N*stride. */
	pf_attr(fx, addr, "sriov_offset", 1);
	pf_attr(fx, addr, "sriov_stride", 1);
}

void fx_vf(struct fx *fx, const char *pf, unsigned int index, const char *addr, unsigned int vendor,
	   unsigned int device, int group)
{
	_cleanup_free_ char *pflink = fx_asprintf("%s/sys/bus/pci/devices/%s", fx->root, pf);
	_cleanup_free_ char *pfdir = realpath(pflink, NULL);
	_cleanup_free_ char *parent = NULL, *rel = NULL;
	const char *up;
	char *slash;

	if (pfdir == NULL)
		fx_die("no PF %s for VF %s", pf, addr);
	/* A VF sits beside its PF: below the same bridge, or on the same root bus. */
	slash = strrchr(pfdir, '/');
	*slash = '\0';
	up = strrchr(pfdir, '/') + 1;
	if (mock_is_pci_addr(up))
		parent = strdup(up);
	fx_device(fx, addr,
		  &(struct fx_dev){.parent = parent,
				   .vendor = vendor,
				   .device = device,
				   .sub_vendor = vendor,
				   .sub_device = device,
				   .class = 0x020000,
				   .group = group});
	/* Its class is its PF's. */
	rel = fx_asprintf("sys/bus/pci/devices/%s/class", pf);
	{
		_cleanup_free_ char *class = fx_read(fx, rel);
		_cleanup_free_ char *vrel = fx_asprintf("sys/bus/pci/devices/%s/class", addr);
		_cleanup_free_ char *urel = fx_asprintf("sys/bus/pci/devices/%s/uevent", addr);
		_cleanup_free_ char *ev = fx_asprintf(
			"PCI_CLASS=%lX\nPCI_ID=%04X:%04X\nPCI_SUBSYS_ID=%04X:%04X\nPCI_SLOT_NAME=%s\n",
			strtoul(class, NULL, 16), vendor, device, vendor, device, addr);

		fx_write(fx, vrel, class, 0644);
		fx_write(fx, urel, ev, 0644);
	}
	/* physfn and virtfnN as the kernel makes them: relative links between siblings. */
	{
		_cleanup_free_ char *vflink =
			fx_asprintf("%s/sys/bus/pci/devices/%s", fx->root, addr);
		_cleanup_free_ char *real_pf = realpath(pflink, NULL);
		_cleanup_free_ char *real_vf = realpath(vflink, NULL);
		_cleanup_free_ char *physfn = fx_asprintf("%s/physfn", real_vf);
		_cleanup_free_ char *virtfn = fx_asprintf("%s/virtfn%u", real_pf, index);

		fx_symlink_abs(physfn, real_pf);
		fx_symlink_abs(virtfn, real_vf);
	}
	if (index == 0)
		pf_attr(fx, pf, "sriov_offset", rid(addr) - rid(pf));
	else if (index == 1) {
		_cleanup_free_ char *vf0 = fx_asprintf("sys/bus/pci/devices/%s/virtfn0", pf);
		_cleanup_free_ char *link = fx_path(fx, vf0);
		_cleanup_free_ char *real0 = realpath(link, NULL);

		if (real0 != NULL)
			pf_attr(fx, pf, "sriov_stride", rid(addr) - rid(strrchr(real0, '/') + 1));
	}
}
