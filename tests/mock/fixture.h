/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fake machines for the tests: a directory tree shaped like the kernel's
 * sysfs/procfs that the binder reads with --root ROOT, and that the
 * preloaded kernel double (libsysfsmock.so, see sysfs-mock.c) mutates the
 * way the kernel would when the binder writes to it or loads modules.
 *
 * Setup functions fail the running cmocka test when the tree cannot be
 * built: fixtures are test code and a half-built machine proves nothing.
 *
 * The double sees a program's sysfs writes only when they are write(2),
 * pwrite(2) or writev(2) calls on a file descriptor: stdio (fprintf, fputs)
 * writes from inside libc where no preloaded library can see it.
 *
 * The tree, for ROOT = fx_root(fx):
 *   ROOT/sys/devices/pci0000:00/ADDR[/ADDR...]   devices, nested below bridges
 *   ROOT/sys/bus/pci/devices/ADDR -> ../../../devices/pci0000:00/...
 *   ROOT/sys/bus/pci/drivers/DRV/{bind,unbind,new_id,remove_id,module,ADDR}
 *   ROOT/sys/bus/pci/{drivers_probe,drivers_autoprobe,rescan}, slots/NAME/address
 *   ROOT/sys/kernel/iommu_groups/N/devices/ADDR -> device
 *   ROOT/sys/module/NAME[/initstate]
 *   ROOT/proc/{cmdline,modules,sys/kernel/osrelease}, ROOT/dev/kmsg, ROOT/run,
 *   ROOT/etc/vfio-boot, ROOT/lib/modules
 *   ROOT/.mock/  the double's state and logs:
 *     writes.log     one line per write to sysfs: PATH\tVALUE\tok|ERRNO-NAME
 *                    (PATH relative to ROOT; device attributes shown as
 *                    sys/bus/pci/devices/ADDR/ATTR, driver ones as
 *                    sys/bus/pci/drivers/DRV/ATTR however they were reached)
 *     modules.log    one line per module loaded: NAME\tPARAMS (count
 *                    "vfio_pci\t", not "vfio_pci": vfio_pci_core matches that)
 *     unloads.log    one line per module removed: NAME
 *     inject         error injection, one rule a line, read at every write:
 *                      unbind ADDR ERRNO     the unbind of ADDR fails
 *                      probe ADDR noop       while ADDR has a driver_override,
 *                                            drivers_probe, DRV/bind and driver
 *                                            loads report success but bind
 *                                            nothing (host drivers still bind
 *                                            it once the override is cleared)
 *                      bind ADDR DRV         probing ADDR binds DRV instead (a
 *                                            driver that is not loaded: nothing
 *                                            binds at all)
 *                      write RELPATH ERRNO   any write to ROOT/RELPATH fails
 *                      write DIR/ ERRNO      any write to a file below ROOT/DIR
 *                      module NAME ERRNO     loading module NAME fails
 *                      rmmod NAME ERRNO      unloading module NAME fails
 *                      statfs sys sysfs      fstatfs(2) of a file below ROOT/sys says
 *                                            sysfs (SYSFS_MAGIC). Writes to a device's
 *                                            rom are only logged, as rom_write()
 *                                            changes no byte of the image
 *     natural-drivers   "ADDR DRV": whose id table matches the device; "VVVV:DDDD DRV"
 *                       (fx_id_driver()) for every device with those ids, which is how
 *                       VFs and hot-added devices find their host driver
 *     probes.log     one line per driver probe() that ran: ADDR\tDRV (bindings the
 *                    double made; fx_bind()'s start states are not probes)
 *     module-drivers    "MODULE DRV": drivers a module registers on load
 *                       (vfio_pci -> vfio-pci is built in)
 *     stdout, stderr    output of the last fx_run()
 */
#ifndef VFIO_BOOT_TESTS_FIXTURE_H
#define VFIO_BOOT_TESTS_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct fx;

/* Zeroed fields mean: IOMMU group 0, boot_vga "0" on VGA devices, no driver. */
struct fx_dev {
	/* Upstream bridge; NULL puts the device on its root bus (pciDDDD:BB). */
	const char *parent;
	unsigned int vendor, device;
	unsigned int sub_vendor, sub_device;
	unsigned int class; /* 24 bits: base class, subclass, prog-if */
	unsigned int revision;
	unsigned int header_type; /* 0 endpoint, 1 bridge */
	/* VGA class only: 1 or 0 for boot_vga; negative: no boot_vga file. */
	int boot_vga;
	int group;		 /* IOMMU group; negative: no iommu_group link */
	const char *host_driver; /* the driver whose id table matches */
	bool bound;		 /* start bound to host_driver */
	const char *slot;	 /* physical slot name, or NULL */
	/*
	 * Sets the multi-function bit on all functions of the slot.  Adding a
	 * second function to a slot sets it anyway, as real hardware must.
	 */
	bool multifunction;
	const char *reset_method; /* NULL: "flr bus"; "": no reset */
	unsigned int irq;
};

enum {
	FX_LOADED = 1 << 0,  /* loadable module, in memory: initstate "live" */
	FX_BUILTIN = 1 << 1, /* built into the kernel: no initstate */
};

enum {
	FX_WITHOUT_VFIO = 1 << 0, /* fx_modules(): a tree lacking the vfio modules */
};

/* A fresh tree in a new directory under $TMPDIR, else /dev/shm, else /tmp. */
struct fx *fx_new(void);
/*
 * The tree at @dir, for programs that keep it (bench/mktree.c): made there as fx_new() makes
 * one when @create (@dir must not exist), else the one already there. fx_free() removes it
 * all the same: such programs do not call it.
 */
struct fx *fx_at(const char *dir, bool create);
/* Removes the tree unless VFIO_MOCK_KEEP is set in the environment. */
void fx_free(struct fx *fx);
const char *fx_root(const struct fx *fx);
/* ROOT/rel, malloc'd. */
char *fx_path(const struct fx *fx, const char *rel);

void fx_device(struct fx *fx, const char *addr, const struct fx_dev *dev);
/* A PCIe root port (QEMU's pcie-root-port, 1b36:000c) on pcieport, behind @parent or the root. */
void fx_port(struct fx *fx, const char *addr, const char *parent, int group);
/*
 * A driver directory; @module (NULL: no module link) is loaded too unless it
 * exists already (fx_module FX_BUILTIN first for a built-in one), and noted
 * as providing @drv so that reloading it registers @drv again.
 */
void fx_driver(struct fx *fx, const char *drv, const char *module);
void fx_module(struct fx *fx, const char *name, unsigned int flags);
/* Loading @module later registers @drv (and binds what it matches). */
void fx_module_provides(struct fx *fx, const char *module, const char *drv);
/* Start states, written straight into the tree without kernel semantics. */
void fx_bind(struct fx *fx, const char *addr, const char *drv);
/* Drops @addr's driver, if any: both links and uevent's DRIVER=. */
void fx_unbind(struct fx *fx, const char *addr);
void fx_override(struct fx *fx, const char *addr, const char *drv);

/*
 * Devices that appear after the program started. fx_hot_add() makes @addr as fx_device()
 * does (@dev->bound must be false) and then has the kernel double add it: probed at once, as
 * the kernel probes inside device_add() before udev sees it (a loaded driver that matches
 * binds it unless driver_override names another; none loaded: it stays unbound). It runs
 * mock-write, so ROOT/.mock/stdout and stderr are its; writes.log is untouched.
 * fx_id_driver(): @drv's id table matches every device @vendor:@device, now or later.
 * SR-IOV: the double makes VFs when sriov_numvfs is written (sysfs-mock-sriov.c says how).
 */
void fx_hot_add(struct fx *fx, const char *addr, const struct fx_dev *dev);
void fx_id_driver(struct fx *fx, unsigned int vendor, unsigned int device, const char *drv);

/* A sysfs-style relative symlink at ROOT/@rel to ROOT/@target_rel. */
void fx_symlink(struct fx *fx, const char *rel, const char *target_rel);

void fx_cmdline(struct fx *fx, const char *cmdline);
void fx_osrelease(struct fx *fx, const char *release);
/* ROOT/rel with @text, parent directories created. */
void fx_write(struct fx *fx, const char *rel, const char *text, mode_t mode);
/* The same with bytes, for binary attributes: config space, a ROM image. */
void fx_write_bin(struct fx *fx, const char *rel, const void *data, size_t len, mode_t mode);
/* Appends one rule to ROOT/.mock/inject; fx_inject_clear() drops them all. */
void fx_inject(struct fx *fx, const char *rule);
void fx_inject_clear(struct fx *fx);

/*
 * ROOT/lib/modules/VERSION from the installed kernel's real modules, via
 * scripts/mkmodtree.sh (VERSION NULL: the tree's osrelease).  Returns 0, or
 * -ENOENT when the script is missing, -EIO when it failed.
 */
int fx_modules(struct fx *fx, const char *version, unsigned int flags);

/*
 * ROOT/lib/modules/VERSION (NULL: the tree's osrelease) made of stand-in
 * modules, for machines without a Debian kernel: each loadable NAME becomes
 * kernel/fake/NAME.ko, an ELF holding only .modinfo "name=NAME", which is all
 * depmod, libkmod and the kernel double look at (no dependencies between
 * them).  Each builtin NAME goes to modules.builtin and gets its sysfs
 * directory (fx_module FX_BUILTIN).  Both lists end with NULL; either may be
 * NULL.  Runs depmod -b; returns 0, -ENOENT without depmod, -EIO on failure.
 */
int fx_fake_modules(struct fx *fx, const char *version, const char *const loadable[],
		    const char *const builtin[]);
/* One such stand-in module at ROOT/rel, for @version's vermagic (NULL: any). */
void fx_fake_module_file(struct fx *fx, const char *rel, const char *name, const char *version);

/*
 * Runs argv[0] with LD_PRELOAD=libsysfsmock.so and VFIO_MOCK_ROOT=ROOT;
 * stdout and stderr go to ROOT/.mock/stdout and ROOT/.mock/stderr.  Returns
 * the exit status, or 128 + signal number.
 */
int fx_run(struct fx *fx, const char *const argv[]);

/*
 * The kernel double to preload: $VFIO_MOCK_SO, else $MOCK_SO (as tests/run.sh
 * sets it), else the one the build made; always an absolute path.
 */
const char *fx_mock_so(void);
/* build/tests/mock-write, the double's self-test helper ($VFIO_MOCK_WRITE overrides). */
const char *fx_mock_write(void);

/* Queries; strings are malloc'd, NULL when missing. */
char *fx_driver_of(const struct fx *fx, const char *addr);
/* The DRIVER= line of @addr's uevent; NULL when none (or no uevent). */
char *fx_uevent_driver(const struct fx *fx, const char *addr);
char *fx_read(const struct fx *fx, const char *rel);
ssize_t fx_read_bin(const struct fx *fx, const char *rel, void *buf, size_t size);
bool fx_exists(const struct fx *fx, const char *rel);
/* Lines of ROOT/rel containing @substring (all lines if NULL); 0 if missing. */
int fx_count_lines_matching(const struct fx *fx, const char *rel, const char *substring);

/*
 * The stand-in for the VMs the end-to-end tests use: QEMU q35 with
 * intel-iommu, two std-VGA cards behind their own root ports.
 *
 *  addr          ids        class   driver (module)              group
 *  0000:00:00.0  8086:29c0  060000  -                                0  host bridge
 *  0000:00:01.0  1b36:000c  060400  pcieport (built in)              1  root port
 *  0000:01:00.0  1234:1111  030000  bochs-drm (bochs)  boot_vga 1    1  slot 1, multifunction
 *  0000:01:00.1  8086:293e  040300  snd_hda_intel                    1  slot 1
 *  0000:00:02.0  1b36:000c  060400  pcieport                         2  root port
 *  0000:02:00.0  1234:1111  030000  bochs-drm          boot_vga 0    2  slot 2, multifunction
 *  0000:02:00.1  8086:293e  040300  snd_hda_intel                    2  slot 2
 *  0000:00:03.0  1b36:000e  060400  -                                3  pcie-pci-bridge
 *  0000:03:01.0  8086:100e  020000  e1000                            3
 *  0000:03:02.0  8086:100e  020000  e1000                            3
 *  0000:00:04.0  1b36:000d  0c0330  xhci_hcd (xhci_pci)              4
 *  0000:00:1f.0  8086:2918  060100  lpc_ich                          5  multifunction
 *  0000:00:1f.2  8086:2922  010601  ahci                             5
 *  0000:00:1f.3  8086:2930  0c0500  i801_smbus (i2c_i801)            5
 *
 * Endpoints carry subsystem 1af4:1100 as QEMU sets it; slots/1 and slots/2
 * have addresses 0000:01:00 and 0000:02:00.  Every host driver is loaded and
 * bound; no vfio module is loaded; GPU and audio functions have
 * reset_method "bus", bridges and the 1f functions none.
 */
void fx_q35_two_gpus(struct fx *fx);

/*
 * SR-IOV as the kernel shows it once VFs exist. fx_sriov_pf() gives the device at @addr
 * sriov_totalvfs, sriov_numvfs, sriov_drivers_autoprobe (1), sriov_offset and sriov_stride
 * (set by fx_vf() from where VFs 0 and 1 sit). fx_vf() makes the PF's VF @index at @addr:
 * beside the PF, of its class, with no driver, a physfn link to the PF, the PF's virtfnN link
 * to it, and IOMMU group @group (negative: none).
 */
void fx_sriov_pf(struct fx *fx, const char *addr, unsigned int totalvfs, unsigned int numvfs);
void fx_vf(struct fx *fx, const char *pf, unsigned int index, const char *addr, unsigned int vendor,
	   unsigned int device, int group);

#endif

/*
 * USB devices (tests/mock/fixture-usb.c), as the kernel lays them out: the device at
 * /sys/devices/pci0000:00/CONTROLLER/usbBUS/NAME with idVendor, idProduct, busnum, devnum,
 * devpath and (when serial is not NULL) serial, bound to the USB core ("usb" driver link),
 * linked from /sys/bus/usb/devices/NAME, and its node /dev/bus/usb/BBB/DDD (a regular file
 * in the tree). fx_usb_unready() takes the driver link and the node away (as just after udev's
 * add event); fx_usb_remove() takes the device away (an unplug); a replug is fx_usb_remove()
 * then fx_usb_dev() with a new devnum.
 */
void fx_usb_dev(struct fx *fx, const char *name, const char *controller, unsigned int busnum,
		unsigned int devnum, unsigned int vendor, unsigned int product, const char *serial);
void fx_usb_unready(struct fx *fx, const char *name);
void fx_usb_remove(struct fx *fx, const char *name);
