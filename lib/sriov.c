// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <inttypes.h>

#include "sriov.h"
#include "sysroot.h"
#include "util.h"

#define POLL_USEC 5000

static int read_uint(const char *pf, const char *attr, unsigned *ret)
{
	char buf[32], *end;
	unsigned long v;
	int r;

	r = vb_readf_buf(buf, sizeof(buf), "/sys/bus/pci/devices/%s/%s", pf, attr);
	if (r < 0)
		return r;
	errno = 0;
	v = strtoul(buf, &end, 10);
	if (errno || end == buf || *end || v > UINT32_MAX)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int write_attr(const char *pf, const char *attr, unsigned v)
{
	_cleanup_free_ char *p = NULL;
	char val[16];

	if (asprintf_safe(&p, "/sys/bus/pci/devices/%s/%s", pf, attr) < 0)
		return -ENOMEM;
	snprintf(val, sizeof(val), "%u", v);
	return vb_write_file(p, val);
}

int vb_sriov_vf_addr(const char *pf, unsigned i, char buf[VB_ADDR_MAX])
{
	_cleanup_free_ char *vf = NULL;
	int r = vb_readlink_basef(&vf, "/sys/bus/pci/devices/%s/virtfn%u", pf, i);

	if (r < 0)
		return r;
	if (strlen(vf) >= VB_ADDR_MAX)
		return -EINVAL;
	strcpy(buf, vf);
	return 0;
}

/* How many of virtfn0..n-1 lead to a device. */
static unsigned vfs_there(const char *pf, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (!vb_existsf("/sys/bus/pci/devices/%s/virtfn%u/config", pf, i))
			break;
	return i;
}

static int wait_vfs(const char *pf, unsigned n, struct vb_sriov_made *res)
{
	uint64_t start = vb_now_usec(), now;
	unsigned seen;

	for (;;) {
		seen = vfs_there(pf, n);
		now = vb_now_usec();
		if (seen == n) {
			res->usec = now - start;
			return 0;
		}
		if (now - start >= VB_SRIOV_WAIT_USEC)
			break;
		usleep(POLL_USEC);
	}
	snprintf(res->why, sizeof(res->why),
		 "%u of the %u VFs of %s showed up within %llu s: claiming none of its VFs", seen,
		 n, pf, VB_SRIOV_WAIT_USEC / 1000000);
	return -ETIMEDOUT;
}

int vb_sriov_make(const char *pf, unsigned n, struct vb_sriov_made *res)
{
	_cleanup_free_ char *drv = NULL;
	unsigned total, cur, ap;
	uint64_t start;
	int r;

	*res = (struct vb_sriov_made){.autoprobe = -1};
	r = vb_pci_read_driver(pf, &drv);
	if (r < 0) {
		snprintf(res->why, sizeof(res->why),
			 "%s has no driver yet: its VFs are made once its host driver binds", pf);
		return -EAGAIN;
	}
	r = read_uint(pf, "sriov_totalvfs", &total);
	if (r < 0) {
		snprintf(res->why, sizeof(res->why),
			 "%s (driver %s) has no SR-IOV (no sriov_totalvfs): no VFs to make", pf,
			 drv);
		return -EOPNOTSUPP;
	}
	if (n > total) {
		snprintf(res->why, sizeof(res->why),
			 "vfs = %u, but %s can have at most %u (sriov_totalvfs): making none", n,
			 pf, total);
		return -ERANGE;
	}
	r = read_uint(pf, "sriov_numvfs", &cur);
	if (r < 0) {
		snprintf(res->why, sizeof(res->why), "reading sriov_numvfs of %s: %s", pf,
			 strerror(-r));
		return r;
	}
	if (cur == n)
		return wait_vfs(pf, n, res);
	if (cur != 0) {
		snprintf(
			res->why, sizeof(res->why),
			"%s has %u VFs already, the config asks for %u: not changing the number (that would remove VFs a guest may use); set vfs = %u, or write 0 to its sriov_numvfs first",
			pf, cur, n, cur);
		return -EEXIST;
	}
	if (read_uint(pf, "sriov_drivers_autoprobe", &ap) >= 0)
		res->autoprobe = ap != 0;
	r = write_attr(pf, "sriov_drivers_autoprobe", 0);
	if (r < 0) {
		snprintf(
			res->why, sizeof(res->why),
			"writing 0 to sriov_drivers_autoprobe of %s: %s; making no VFs, a host driver would bind them first",
			pf, strerror(-r));
		return r;
	}
	start = vb_now_usec();
	r = write_attr(pf, "sriov_numvfs", n);
	if (r < 0) {
		snprintf(res->why, sizeof(res->why), "writing %u to sriov_numvfs of %s: %s", n, pf,
			 strerror(-r));
		(void)vb_sriov_autoprobe_restore(pf, res);
		return r;
	}
	res->made = true;
	r = wait_vfs(pf, n, res);
	/* The wait started after the write: count the write too. */
	if (r >= 0)
		res->usec = vb_now_usec() - start;
	return r;
}

int vb_sriov_autoprobe_restore(const char *pf, const struct vb_sriov_made *res)
{
	if (res->autoprobe != 1)
		return 0;
	return write_attr(pf, "sriov_drivers_autoprobe", 1);
}

int vb_sriov_vf_of(const char *addr, char pf[VB_ADDR_MAX], int *index)
{
	_cleanup_free_ char *p = NULL;
	int r = vb_readlink_basef(&p, "/sys/bus/pci/devices/%s/physfn", addr);

	if (r < 0)
		return r;
	if (strlen(p) >= VB_ADDR_MAX)
		return -EINVAL;
	strcpy(pf, p);
	*index = -1;
	for (unsigned i = 0; i < 65536; i++) {
		char vf[VB_ADDR_MAX];

		r = vb_sriov_vf_addr(pf, i, vf);
		if (r == -ENOENT)
			break;
		if (r >= 0 && streq(vf, addr)) {
			*index = i;
			break;
		}
	}
	return 0;
}

int vb_sriov_probe_host(const char *addr, char **driver)
{
	int r;

	*driver = NULL;
	r = vb_write_file("/sys/bus/pci/drivers_probe", addr);
	/* A probe no driver takes is no error: the kernel may say so or not. */
	if (r < 0 && r != -ENODEV && r != -EINVAL)
		return r;
	r = vb_pci_read_driver(addr, driver);
	return r == -ENOENT ? 0 : r;
}
