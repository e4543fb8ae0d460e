// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>

#include "pci-internal.h"
#include "pci-part.h"
#include "selector.h"
#include "sysroot.h"
#include "util.h"

/* Where addr goes in the sorted array: its index, or the one after the last lower address. */
static size_t position(const struct vb_pci *pci, const char *addr, bool *found)
{
	size_t lo = 0, hi = pci->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(pci->devs[mid].addr, addr);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

ssize_t vb_pci_part_add(struct vb_pci *pci, const char *addr)
{
	_cleanup_closedir_ DIR *dir = NULL;
	struct vb_pci_scan sc = {0};
	struct vb_pci_dev d = {0};
	struct vb_pci_addr a;
	char canon[VB_ADDR_MAX];
	bool found;
	size_t at;
	int r;

	if (vb_pci_addr_parse(addr, &a) < 0)
		return -EINVAL;
	vb_pci_addr_format(&a, canon);
	at = position(pci, canon, &found);
	if (found)
		return at;
	r = vb_pci_scan_open(&sc, &dir);
	if (r < 0)
		return r;
	r = vb_pci_dev_read(&sc, canon, &d);
	if (r >= 0)
		r = GROW(pci->devs, pci->alloc, pci->n + 1);
	if (r < 0) {
		vb_pci_dev_done(&d);
		return r;
	}
	memmove(&pci->devs[at + 1], &pci->devs[at], (pci->n - at) * sizeof(*pci->devs));
	pci->devs[at] = d;
	pci->n++;
	return at;
}

int vb_pci_part_add_slot(struct vb_pci *pci, const char *addr)
{
	struct vb_pci_addr a;

	if (vb_pci_addr_parse(addr, &a) < 0)
		return -EINVAL;
	for (a.fn = 0; a.fn < 8; a.fn++) {
		char f[VB_ADDR_MAX];
		ssize_t r;

		vb_pci_addr_format(&a, f);
		r = vb_pci_part_add(pci, f);
		if (r < 0 && r != -ENODEV)
			return r;
	}
	return 0;
}

int vb_pci_part_add_group(struct vb_pci *pci, int group)
{
	_cleanup_closedir_ DIR *dir = NULL;
	struct dirent *de;
	int r;

	if (group < 0)
		return 0;
	r = vb_opendirf(&dir, "/sys/kernel/iommu_groups/%d/devices", group);
	if (r < 0)
		return r == -ENOENT ? 0 : r;
	while ((de = readdir(dir))) {
		ssize_t k;

		if (de->d_name[0] == '.')
			continue;
		k = vb_pci_part_add(pci, de->d_name);
		if (k < 0 && k != -ENODEV && k != -EINVAL)
			return k;
	}
	return 0;
}

int vb_pci_part_add_around(struct vb_pci *pci, const char *addr)
{
	_cleanup_free_ int *done = NULL;
	size_t n_done = 0, alloc_done = 0;
	ssize_t k = vb_pci_part_add(pci, addr);
	bool more = true;
	int r;

	if (k < 0)
		return k;
	r = vb_pci_part_add_slot(pci, addr);
	if (r < 0)
		return r;
	/* A group read adds devices, and with them maybe other groups: until none is new. */
	while (more) {
		more = false;
		for (size_t i = 0; i < pci->n && !more; i++) {
			int g = pci->devs[i].iommu_group;
			bool seen = g < 0;

			for (size_t j = 0; j < n_done && !seen; j++)
				seen = done[j] == g;
			if (seen)
				continue;
			r = GROW(done, alloc_done, n_done + 1);
			if (r < 0)
				return r;
			done[n_done++] = g;
			r = vb_pci_part_add_group(pci, g);
			if (r < 0)
				return r;
			more = true;
		}
	}
	return 0;
}

int vb_pci_part_finish(struct vb_pci *pci)
{
	return vb_pci_scan_slots(pci);
}

bool vb_pci_part_matches(const struct vb_selector *sel, struct vb_pci_dev *d)
{
	const char *unknown;

	return vb_selector_eval_load(sel, d, &unknown) > 0;
}
