// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * SR-IOV as sysfs shows it: a VF's physfn link to its PF, a PF's virtfnN links to its VFs and
 * its sriov_* attributes. Read only for the devices that need it, never by the whole scan.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "pci-internal.h"
#include "pci-parse.h"
#include "pci.h"
#include "sysroot.h"
#include "util.h"

/* The address a link such as "../0000:07:10.0" leads to; -EINVAL when it names none. */
static int link_addr(const char *link, char addr[VB_ADDR_MAX])
{
	struct vb_pci_addr a;

	if (vb_pci_addr_parse(vb_pci_basename(link), &a) < 0)
		return -EINVAL;
	vb_pci_addr_format(&a, addr);
	return 0;
}

int vb_pci_sriov_vf(const char *pf, unsigned n, char addr[VB_ADDR_MAX])
{
	_cleanup_free_ char *link = NULL;
	int r;

	r = vb_readlinkf(&link, "/sys/bus/pci/devices/%s/virtfn%u", pf, n);
	if (r < 0)
		return r;
	return link_addr(link, addr);
}

/* One unsigned attribute of a PF, "N": -ENOENT when the PF has no SR-IOV. */
static int read_sriov_attr(const char *pf, const char *attr, unsigned *ret)
{
	char s[32], *end;
	unsigned long n;
	int r;

	r = vb_readf_buf(s, sizeof(s), "/sys/bus/pci/devices/%s/%s", pf, attr);
	if (r < 0)
		return r;
	errno = 0;
	n = strtoul(s, &end, 10);
	if (!*s || *end || errno || n > UINT_MAX || s[0] == '-' || s[0] == '+')
		return -EBADMSG;
	*ret = n;
	return 0;
}

int vb_pci_sriov_totalvfs(const char *pf, unsigned *ret)
{
	return read_sriov_attr(pf, "sriov_totalvfs", ret);
}

int vb_pci_sriov_numvfs(const char *pf, unsigned *ret)
{
	return read_sriov_attr(pf, "sriov_numvfs", ret);
}

/*
 * The PF's virtfnN that leads back to d: the kernel places VF N at the PF's routing ID +
 * sriov_offset + N * sriov_stride, so one readlink checks the guess; a PF that does not say
 * its offset and stride has its links read in turn.
 */
static int find_vf_index(const struct vb_pci_dev *d, const char *pf)
{
	const struct vb_pci_addr *a = &d->a;
	char vf[VB_ADDR_MAX];
	struct vb_pci_addr p;
	unsigned offset, stride;
	int r;

	r = vb_pci_addr_parse(pf, &p);
	if (r < 0)
		return r;
	if (read_sriov_attr(pf, "sriov_offset", &offset) == 0 &&
	    read_sriov_attr(pf, "sriov_stride", &stride) == 0 && stride > 0 &&
	    a->domain == p.domain) {
		long rid = (long)(a->bus << 8 | a->dev << 3 | a->fn);
		long n = rid - (long)(p.bus << 8 | p.dev << 3 | p.fn) - offset;

		if (n >= 0 && n % stride == 0 && n / stride < INT_MAX &&
		    vb_pci_sriov_vf(pf, n / stride, vf) == 0 && streq(vf, d->addr))
			return n / stride;
	}
	for (unsigned n = 0; n < INT_MAX; n++) {
		r = vb_pci_sriov_vf(pf, n, vf);
		if (r == -ENOENT)
			return -ENOENT;
		if (r == 0 && streq(vf, d->addr))
			return n;
	}
	return -ENOENT;
}

int vb_pci_load_sriov(struct vb_pci_dev *d)
{
	_cleanup_free_ char *link = NULL;
	char pf[VB_ADDR_MAX];
	int r;

	if (d->sriov_read)
		return 0;
	d->sriov_read = true;
	d->physfn[0] = '\0';
	d->vf_index = -1;
	r = vb_readlinkf(&link, "/sys/bus/pci/devices/%s/physfn", d->addr);
	if (r == -ENOENT)
		return 0; /* no VF */
	if (r == -ENOMEM)
		return r;
	/* It may be a VF or not: what needs to know is refused. */
	if (r < 0)
		return vb_pci_mark(d, VB_PCI_UNKNOWN_SRIOV, "physfn: %s", strerror(-r));
	if (link_addr(link, pf) < 0) {
		char seen[80];
		vb_pci_shown(link, seen, sizeof(seen));
		return vb_pci_mark(d, VB_PCI_UNKNOWN_SRIOV,
				   "physfn: link to \"%s\" names no device", seen);
	}
	r = find_vf_index(d, pf);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return vb_pci_mark(d, VB_PCI_UNKNOWN_SRIOV,
				   "physfn: its PF %s has no virtfnN link back to it", pf);
	memcpy(d->physfn, pf, sizeof(pf));
	d->vf_index = r;
	return 0;
}
