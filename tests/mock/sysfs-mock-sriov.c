// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * SR-IOV in the kernel double, as drivers/pci/iov.c and pci-driver.c of Linux 6.1 do it.
 *
 * A PF is a device directory holding sriov_totalvfs; the fixture also writes sriov_numvfs,
 * sriov_drivers_autoprobe, sriov_offset, sriov_stride and sriov_vf_device. Writing N to
 * sriov_numvfs, in the kernel's order:
 *   - not a number (kstrtou16, base 0) -> EINVAL; N > sriov_totalvfs -> ERANGE;
 *   - N == sriov_numvfs -> success, nothing changes (even without a PF driver);
 *   - PF bound to no driver -> ENOENT;
 *   - N == 0 -> every VF goes: unbound, its directory, the bus link, the PF's virtfnI link,
 *     its IOMMU group (the group directory too once empty);
 *   - sriov_numvfs already non-zero -> EBUSY;
 *   - else VF i (0..N-1) is made at routing ID PF + sriov_offset + sriov_stride * i (the
 *     devfn carries into the bus number), beside the PF (physfn "../PF", PF's virtfnI
 *     "../VF"), with the PF's vendor, subsystem ids, class and revision, device =
 *     sriov_vf_device, reset_method "flr", driver_override "(null)", its own new IOMMU
 *     group (one above the highest in sys/kernel/iommu_groups) and config space as the
 *     fixture's devices; then each VF is probed as pci_bus_add_device() does (device_attach:
 *     the bus's drivers_autoprobe is not asked).
 * A VF whose PF has sriov_drivers_autoprobe 0 is probed by no driver (new VF, drivers_probe,
 * DRV/bind, a driver loaded later) unless its driver_override is set: pci_device_can_probe().
 * Which driver takes a VF is the double's matching: driver_override, else natural-drivers
 * by address or by "VENDOR:DEVICE" (fx_id_driver()).
 * sriov_drivers_autoprobe takes what kstrtobool takes (else EINVAL) and shows 0 or 1.
 * Not modelled: a PF driver without sriov_configure, bus numbers running out, VF BARs.
 */
#include "sysfs-mock.h"

#define VF_MAX 65535u

static bool read_attr(const char *dir, const char *name, char *out, size_t size)
{
	char path[PATH_MAX];

	if (read_file(path_join(path, dir, name), out, size) < 0)
		return false;
	out[strcspn(out, "\n")] = '\0';
	return true;
}

static bool read_num(const char *dir, const char *name, int base, unsigned long *out)
{
	char text[64], *end;

	if (!read_attr(dir, name, text, sizeof(text)) || text[0] == '\0')
		return false;
	errno = 0;
	*out = strtoul(text, &end, base);
	return errno == 0 && *end == '\0';
}

bool is_pf(const struct pcidev *d)
{
	char path[PATH_MAX];

	return exists(path_join(path, d->dir, "sriov_totalvfs"));
}

/* pci_device_can_probe(): a VF whose PF said no probes only towards its driver_override. */
bool vf_can_probe(const struct pcidev *d)
{
	char path[PATH_MAX], pfdir[PATH_MAX], value[256];
	unsigned long autoprobe;

	if (real_realpath(path_join(path, d->dir, "physfn"), pfdir) == NULL)
		return true;
	if (!read_num(pfdir, "sriov_drivers_autoprobe", 10, &autoprobe) || autoprobe != 0)
		return true;
	return read_attr(d->dir, "driver_override", value, sizeof(value)) && value[0] != '\0' &&
	       strcmp(value, "(null)") != 0;
}

/* kstrtou16(buf, 0): an optional '+', then C's base prefixes; nothing else. */
static int parse_u16(const char *s, unsigned long *out)
{
	char *end;

	if (*s == '+')
		s++;
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	*out = strtoul(s, &end, 0);
	if (errno != 0 || *end != '\0' || *out > VF_MAX)
		return -EINVAL;
	return 0;
}

/* kstrtobool() as of 6.1. */
int store_sriov_autoprobe(const struct pcidev *d, const char *value)
{
	char path[PATH_MAX];
	bool on;

	switch (value[0]) {
	case 'e':
	case 'E':
	case 'y':
	case 'Y':
	case 't':
	case 'T':
	case '1':
		on = true;
		break;
	case 'd':
	case 'D':
	case 'n':
	case 'N':
	case 'f':
	case 'F':
	case '0':
		on = false;
		break;
	case 'o':
	case 'O':
		if (value[1] == 'n' || value[1] == 'N')
			on = true;
		else if (value[1] == 'f' || value[1] == 'F')
			on = false;
		else
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	return write_file(path_join(path, d->dir, "sriov_drivers_autoprobe"), on ? "1\n" : "0\n",
			  O_TRUNC);
}

/* The routing ID of VF @i (pci_iov_virtfn_bus/devfn), as DDDD:BB:SS.F; -ERANGE past bus ff. */
static int vf_addr(const char *pf, unsigned long offset, unsigned long stride, unsigned long i,
		   char out[16])
{
	unsigned int domain, bus, slot, fn;
	unsigned long rid;

	if (sscanf(pf, "%4x:%2x:%2x.%1x", &domain, &bus, &slot, &fn) != 4)
		return -EINVAL;
	rid = ((unsigned long)bus << 8) + (slot << 3 | fn) + offset + stride * i;
	if (rid > 0xffff)
		return -ERANGE;
	snprintf(out, 16, "%04x:%02lx:%02lx.%lx", domain, rid >> 8, (rid >> 3) & 0x1f, rid & 7);
	return 0;
}

static int put_attr(const char *dir, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int put_attr(const char *dir, const char *name, const char *fmt, ...)
{
	char path[PATH_MAX], text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	return write_file(path_join(path, dir, name), text, O_TRUNC);
}

static int rel_symlink(const char *link, const char *target)
{
	char dir[PATH_MAX], rel[PATH_MAX], *slash;

	copy_str(dir, sizeof(dir), link);
	slash = strrchr(dir, '/');
	if (slash == NULL)
		return -EINVAL;
	*slash = '\0';
	if (mock_relpath(dir, target, rel, sizeof(rel)) < 0)
		return -ENAMETOOLONG;
	return REAL(symlink)(rel, link) < 0 ? -errno : 0;
}

/* One above the highest group number in the tree: iommu_group_alloc() takes a free id. */
static int next_group(void)
{
	char path[PATH_MAX];
	struct dirent *e;
	long max = -1;
	DIR *dir = REAL(opendir)(at_root(path, "sys/kernel/iommu_groups"));

	while (dir != NULL && (e = readdir(dir)) != NULL) {
		char *end;
		long n = strtol(e->d_name, &end, 10);

		if (isdigit((unsigned char)e->d_name[0]) && *end == '\0' && n > max)
			max = n;
	}
	if (dir != NULL)
		closedir(dir);
	return (int)(max + 1);
}

static void put16(uint8_t *cfg, unsigned int off, unsigned long v)
{
	cfg[off] = v & 0xff;
	cfg[off + 1] = (v >> 8) & 0xff;
}

/* What the PF hands its VFs: ids and class, read back from its attributes. */
struct vf_ids {
	unsigned long vendor, device, sub_vendor, sub_device, class, revision;
};

/* Type 0 header as the fixture writes its devices' (fixture-pci.c build_config()). */
static int put_config(const char *dir, const struct vf_ids *id)
{
	char path[PATH_MAX];
	uint8_t cfg[256] = {0};
	int fd, err = 0;

	put16(cfg, 0x00, id->vendor);
	put16(cfg, 0x02, id->device);
	put16(cfg, 0x04, 0x0003);
	cfg[0x08] = id->revision & 0xff;
	cfg[0x09] = id->class & 0xff;
	cfg[0x0a] = (id->class >> 8) & 0xff;
	cfg[0x0b] = (id->class >> 16) & 0xff;
	put16(cfg, 0x2c, id->sub_vendor);
	put16(cfg, 0x2e, id->sub_device);
	fd = REAL(open)(path_join(path, dir, "config"), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			0644);
	if (fd < 0)
		return -errno;
	if (REAL(write)(fd, cfg, sizeof(cfg)) != sizeof(cfg))
		err = -EIO;
	close(fd);
	return err;
}

static void put_ids(const char *dir, const char *addr, const struct vf_ids *id)
{
	char modalias[128];

	snprintf(modalias, sizeof(modalias), "pci:v%08lXd%08lXsv%08lXsd%08lXbc%02lXsc%02lXi%02lX",
		 id->vendor, id->device, id->sub_vendor, id->sub_device, (id->class >> 16) & 0xff,
		 (id->class >> 8) & 0xff, id->class & 0xff);
	put_attr(dir, "vendor", "0x%04lx\n", id->vendor);
	put_attr(dir, "device", "0x%04lx\n", id->device);
	put_attr(dir, "subsystem_vendor", "0x%04lx\n", id->sub_vendor);
	put_attr(dir, "subsystem_device", "0x%04lx\n", id->sub_device);
	put_attr(dir, "class", "0x%06lx\n", id->class);
	put_attr(dir, "revision", "0x%02lx\n", id->revision);
	put_attr(dir, "modalias", "%s\n", modalias);
	put_attr(dir, "uevent",
		 "PCI_CLASS=%lX\nPCI_ID=%04lX:%04lX\nPCI_SUBSYS_ID=%04lX:%04lX\n"
		 "PCI_SLOT_NAME=%s\nMODALIAS=%s\n",
		 id->class, id->vendor, id->device, id->sub_vendor, id->sub_device, addr, modalias);
}

/* pci_iov_add_virtfn(): the device, its links and its own IOMMU group. */
static int make_vf(const struct pcidev *pf, const struct vf_ids *id, const char *addr,
		   unsigned long index)
{
	char dir[PATH_MAX], path[PATH_MAX], gdir[PATH_MAX], name[32];
	int err;

	copy_str(dir, sizeof(dir), pf->dir);
	snprintf(strrchr(dir, '/') + 1, sizeof(dir) - (size_t)(strrchr(dir, '/') + 1 - dir), "%s",
		 addr);
	if (exists(dir) || exists(at_root(path, "sys/bus/pci/devices/%s", addr)))
		return -EEXIST;
	mkdir_p(dir);
	put_ids(dir, addr, id);
	put_attr(dir, "driver_override", "(null)\n");
	put_attr(dir, "enable", "0\n");
	put_attr(dir, "irq", "0\n");
	put_attr(dir, "numa_node", "-1\n");
	if ((id->class >> 8) == 0x0300)
		put_attr(dir, "boot_vga", "0\n");
	/* A VF shares its bus with the PF: only its own function-level reset. */
	put_attr(dir, "reset_method", "flr\n");
	put_attr(dir, "reset", "%s", "");
	chmod(path_join(path, dir, "reset"), 0200);
	if ((err = put_config(dir, id)) < 0)
		return err;

	if ((err = rel_symlink(path_join(path, dir, "physfn"), pf->dir)) < 0)
		return err;
	snprintf(name, sizeof(name), "virtfn%lu", index);
	if ((err = rel_symlink(path_join(path, pf->dir, name), dir)) < 0)
		return err;
	if ((err = rel_symlink(at_root(path, "sys/bus/pci/devices/%s", addr), dir)) < 0)
		return err;
	if ((err = rel_symlink(path_join(path, dir, "subsystem"), at_root(gdir, "sys/bus/pci"))) <
	    0)
		return err;

	at_root(gdir, "sys/kernel/iommu_groups/%d", next_group());
	mkdir_p(path_join(path, gdir, "devices"));
	put_attr(gdir, "type", "DMA\n");
	snprintf(name, sizeof(name), "devices/%s", addr);
	if ((err = rel_symlink(path_join(path, gdir, name), dir)) < 0)
		return err;
	return rel_symlink(path_join(path, dir, "iommu_group"), gdir);
}

/* pci_iov_remove_virtfn(): device_del() unbinds it, then the group and the links go. */
static void remove_vf(const struct pcidev *pf, unsigned long index)
{
	char path[PATH_MAX], gdir[PATH_MAX], name[32], drv[256];
	struct pcidev vf;

	snprintf(name, sizeof(name), "virtfn%lu", index);
	path_join(path, pf->dir, name);
	link_basename(path, vf.addr, sizeof(vf.addr));
	REAL(unlink)(path);
	if (find_dev(vf.addr, &vf) < 0)
		return;
	dev_driver(&vf, drv, sizeof(drv));
	if (drv[0] != '\0')
		dev_unbind(&vf, drv);
	if (real_realpath(path_join(path, vf.dir, "iommu_group"), gdir) != NULL) {
		snprintf(name, sizeof(name), "devices/%s", vf.addr);
		REAL(unlink)(path_join(path, gdir, name));
		/* The group goes with its last device. */
		if (REAL(rmdir)(path_join(path, gdir, "devices")) == 0)
			rm_rf(gdir);
	}
	REAL(unlink)(at_root(path, "sys/bus/pci/devices/%s", vf.addr));
	rm_rf(vf.dir);
}

static int read_vf_ids(const struct pcidev *pf, struct vf_ids *id)
{
	if (!read_num(pf->dir, "vendor", 16, &id->vendor) ||
	    !read_num(pf->dir, "sriov_vf_device", 16, &id->device) ||
	    !read_num(pf->dir, "class", 16, &id->class))
		return -EIO;
	if (!read_num(pf->dir, "subsystem_vendor", 16, &id->sub_vendor))
		id->sub_vendor = 0;
	if (!read_num(pf->dir, "subsystem_device", 16, &id->sub_device))
		id->sub_device = 0;
	if (!read_num(pf->dir, "revision", 16, &id->revision))
		id->revision = 0;
	return 0;
}

/* sriov_enable(): every VF made, then each added to the bus and probed, in index order. */
static int enable_vfs(const struct pcidev *pf, unsigned long n)
{
	unsigned long offset, stride;
	struct vf_ids id;
	char addr[16];
	int err;

	if (!read_num(pf->dir, "sriov_offset", 10, &offset) ||
	    !read_num(pf->dir, "sriov_stride", 10, &stride))
		return -EIO;
	if ((err = read_vf_ids(pf, &id)) < 0)
		return err;
	for (unsigned long i = 0; i < n; i++) {
		struct pcidev vf;

		err = vf_addr(pf->addr, offset, stride, i, addr);
		if (err == 0)
			err = make_vf(pf, &id, addr, i);
		if (err < 0) {
			/* sriov_enable() undoes what it made. */
			while (i-- > 0)
				remove_vf(pf, i);
			return err == -ERANGE ? -ENOMEM : err;
		}
		if (find_dev(addr, &vf) == 0)
			dev_attach(&vf, ATTACH_PROBE, NULL);
	}
	/* num_VFs is set once every VF was added and probed. */
	return put_attr(pf->dir, "sriov_numvfs", "%lu\n", n);
}

int store_sriov_numvfs(const struct pcidev *pf, const char *value)
{
	unsigned long n, total, cur;
	char drv[256];

	if (parse_u16(value, &n) < 0)
		return -EINVAL;
	if (!read_num(pf->dir, "sriov_totalvfs", 10, &total))
		return -EIO;
	if (n > total)
		return -ERANGE;
	if (!read_num(pf->dir, "sriov_numvfs", 10, &cur))
		cur = 0;
	if (n == cur)
		return 0;
	dev_driver(pf, drv, sizeof(drv));
	if (drv[0] == '\0')
		return -ENOENT;
	if (n == 0) {
		for (unsigned long i = cur; i-- > 0;)
			remove_vf(pf, i);
		return put_attr(pf->dir, "sriov_numvfs", "0\n");
	}
	if (cur != 0)
		return -EBUSY;
	return enable_vfs(pf, n);
}
