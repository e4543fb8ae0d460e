// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The host's readiness for vfio: CPU virtualisation, the IOMMU, interrupt remapping and the
 * vfio modules of each installed kernel.
 */
#include <errno.h>

#include "check.h"
#include "sysroot.h"
#include "util.h"

/* The CPU's virtualisation flags in /proc/cpuinfo: 0, or -errno when it cannot be read. */
static int cpu_virt(bool *vmx, bool *svm)
{
	_cleanup_free_ char *info = NULL;
	int r = vb_read_file("/proc/cpuinfo", &info);

	*vmx = *svm = false;
	if (r < 0)
		return r;
	for (char *save = NULL, *l = strtok_r(info, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		if (!startswith(l, "flags"))
			continue;
		*vmx |= strstr(l, " vmx") != NULL;
		*svm |= strstr(l, " svm") != NULL;
	}
	return 0;
}

void check_cpu(struct check *c)
{
	bool vmx, svm;

	if (cpu_virt(&vmx, &svm) < 0) {
		check_report(c, WARN, "cpu", NULL, "cannot read %s/proc/cpuinfo", vb_root());
		return;
	}
	if (vmx || svm)
		check_report(c, PASS, "cpu", NULL, "CPU virtualisation: %s",
			     vmx ? "Intel VT-x (vmx)" : "AMD-V (svm)");
	else
		check_report(
			c, FAIL, "cpu",
			"enable Intel VT-x or AMD SVM in the firmware settings (on a VM: expose vmx/svm to it)",
			"CPU virtualisation: no vmx or svm flag in /proc/cpuinfo");
}

/* Which ACPI table describes the IOMMU: only a table may name its maker. */
enum iommu_table { TABLE_NONE, TABLE_DMAR, TABLE_IVRS };

static bool iommu_on(struct check *c, enum iommu_table *table)
{
	char **groups = check_dir_list("/sys/kernel/iommu_groups", NULL);
	char **units = check_dir_list("/sys/class/iommu", NULL);
	bool dmar = vb_exists("/sys/firmware/acpi/tables/DMAR");
	bool ivrs = vb_exists("/sys/firmware/acpi/tables/IVRS");
	size_t ng = check_list_len(groups), nu = check_list_len(units);
	bool ok = ng > 0;

	*table = dmar ? TABLE_DMAR : ivrs ? TABLE_IVRS : TABLE_NONE;
	if (ok)
		check_report(c, PASS, "iommu", NULL, "IOMMU: %s, %zu unit%s, %zu groups",
			     dmar   ? "ACPI DMAR (Intel VT-d)"
			     : ivrs ? "ACPI IVRS (AMD-Vi)"
				    : "no ACPI table",
			     nu, nu == 1 ? "" : "s", ng);
	else if (!dmar && !ivrs)
		check_report(
			c, FAIL, "iommu",
			"enable VT-d (Intel) or AMD-Vi/IOMMU (AMD) in the firmware settings; on QEMU add -device intel-iommu,intremap=on with -machine q35,kernel-irqchip=split",
			"IOMMU: no ACPI DMAR or IVRS table, no IOMMU groups");
	else
		check_report(
			c, FAIL, "iommu",
			dmar ? "add intel_iommu=on iommu=pt to the kernel command line and reboot"
			     : "check that amd_iommu is not off on the kernel command line and reboot",
			"IOMMU: the firmware has a %s table but the kernel made %s (%zu IOMMU units)",
			dmar ? "DMAR" : "IVRS", "no IOMMU groups", nu);
	check_list_free(groups);
	check_list_free(units);
	return ok;
}

/*
 * Whether the running kernel remaps interrupts: its remapped interrupt chips are named IR-*
 * (IR-IO-APIC, IR-PCI-MSI...) in /proc/interrupts, whoever made the IOMMU. Returns 1 or 0,
 * or -ENODATA when the file has no interrupts to tell by (or cannot be read).
 */
static int irq_remapped(void)
{
	_cleanup_free_ char *irqs = NULL;

	if (vb_read_file("/proc/interrupts", &irqs) < 0)
		return -ENODATA;
	if (strstr(irqs, " IR-"))
		return 1;
	return strstr(irqs, "MSI") || strstr(irqs, "IO-APIC") ? 0 : -ENODATA;
}

/*
 * What the kernel does when it says (/proc/interrupts); else what the hardware can: ecap
 * bit 3 (IR) of each VT-d unit, and AMD-Vi, which always can. An IOMMU that neither a DMAR
 * nor an IVRS table describes (virtio-iommu, an SMMU) is named by nobody: no vendor's rule
 * applies to it, and MSI isolation there need not show as IR- chips.
 */
static void vtd_units(struct check *c);

/* Remapping turned off, or vfio told not to care: reported, and true; else false. */
static bool intremap_overridden(struct check *c, bool iommu)
{
	_cleanup_free_ char *unsafe = NULL;

	if (c->proc_cmdline &&
	    (strstr(c->proc_cmdline, "intremap=off") || strstr(c->proc_cmdline, "nointremap"))) {
		check_report(
			c, FAIL, "interrupt-remapping",
			"remove intremap=off and nointremap from the kernel command line",
			"interrupt remapping: turned off on the kernel command line (intremap=off or nointremap)");
		return true;
	}
	if (vb_read_file("/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts",
			 &unsafe) >= 0 &&
	    streq(unsafe, "Y")) {
		check_report(
			c, WARN, "interrupt-remapping",
			"remove vfio_iommu_type1.allow_unsafe_interrupts=1 once the platform remaps interrupts",
			"interrupt remapping: vfio allows unsafe interrupts (allow_unsafe_interrupts=Y)");
		return true;
	}
	if (!iommu) {
		check_report(c, FAIL, "interrupt-remapping", "turn the IOMMU on first (see above)",
			     "interrupt remapping: needs an IOMMU");
		return true;
	}
	return false;
}

static void check_intremap(struct check *c, bool iommu, enum iommu_table table)
{
	bool intel = table == TABLE_DMAR;
	int r;

	if (intremap_overridden(c, iommu))
		return;
	r = irq_remapped();
	if (r > 0) {
		check_report(
			c, PASS, "interrupt-remapping", NULL,
			"interrupt remapping: on (remapped IR- interrupts in /proc/interrupts)");
		return;
	}
	if (table == TABLE_NONE) {
		check_report(
			c, WARN, "interrupt-remapping",
			"if vfio refuses the device (\"No interrupt remapping support\" in the kernel log), the platform lacks interrupt remapping or MSI isolation",
			"interrupt remapping: cannot tell: IOMMU groups exist but no ACPI DMAR or IVRS table says which IOMMU made them (virtio-iommu, an SMMU?), and /proc/interrupts shows no IR- interrupt chip");
		return;
	}
	if (r == 0) {
		check_report(
			c, FAIL, "interrupt-remapping",
			intel ? "enable VT-d interrupt remapping in the firmware settings; on QEMU use intel-iommu,intremap=on"
			      : "enable interrupt remapping in the firmware settings, and do not set amd_iommu_intr=legacy or iommu=off",
			"interrupt remapping: off (no IR- interrupt chip in /proc/interrupts): vfio_iommu_type1 refuses to use the IOMMU without it");
		return;
	}
	if (!intel) {
		check_report(c, PASS, "interrupt-remapping", NULL,
			     "interrupt remapping: AMD-Vi remaps interrupts whenever it is on");
		return;
	}
	vtd_units(c);
}

/* ecap bit 3 (IR) of each VT-d unit: whether the hardware can remap interrupts. */
static void vtd_units(struct check *c)
{
	char **units = check_dir_list("/sys/class/iommu", NULL);
	unsigned with = 0, total = 0;

	for (size_t i = 0; units && units[i]; i++) {
		char ecap[64];

		if (vb_readf_buf(ecap, sizeof(ecap), "/sys/class/iommu/%s/intel-iommu/ecap",
				 units[i]) < 0)
			continue;
		total++;
		with += (strtoull(ecap, NULL, 16) >> 3) & 1;
	}
	check_list_free(units);
	if (total && with == total)
		check_report(c, PASS, "interrupt-remapping", NULL,
			     "interrupt remapping: supported by all %u VT-d units", total);
	else if (total)
		check_report(
			c, FAIL, "interrupt-remapping",
			"enable interrupt remapping in the firmware (x2APIC/IR); on QEMU use intel-iommu,intremap=on",
			"interrupt remapping: %u of %u VT-d units lack it", total - with, total);
	else
		check_report(
			c, WARN, "interrupt-remapping", NULL,
			"interrupt remapping: cannot tell (no intel-iommu/ecap in /sys/class/iommu)");
}

void check_iommu(struct check *c)
{
	enum iommu_table table;
	bool on = iommu_on(c, &table);

	check_intremap(c, on, table);
}

/* Whether module name (as modules.dep spells files: vfio-pci or vfio_pci) is in a tree. */
static bool has_module(const char *dep, const char *builtin, const char *name)
{
	char a[64], b[64];

	snprintf(a, sizeof(a), "/%s.ko", name);
	for (size_t i = 0; i < strlen(a); i++)
		b[i] = a[i] == '-' ? '_' : a[i] == '_' ? '-' : a[i];
	b[strlen(a)] = '\0';
	return (dep && (strstr(dep, a) || strstr(dep, b))) ||
	       (builtin && (strstr(builtin, a) || strstr(builtin, b)));
}

void check_modules(struct check *c)
{
	char **kernels = check_dir_list("/lib/modules", NULL);

	if (!check_list_len(kernels))
		check_report(c, WARN, "modules", NULL, "vfio modules: no kernel in %s/lib/modules",
			     vb_root());
	for (size_t i = 0; kernels && kernels[i]; i++) {
		_cleanup_free_ char *dep = NULL, *builtin = NULL;
		const char *missing = NULL;

		(void)vb_readf(&dep, "/lib/modules/%s/modules.dep", kernels[i]);
		(void)vb_readf(&builtin, "/lib/modules/%s/modules.builtin", kernels[i]);
		if (!dep && !builtin) {
			check_report(c, WARN, "modules", "run depmod -a for it",
				     "vfio modules: kernel %s has no modules.dep", kernels[i]);
			continue;
		}
		if (!has_module(dep, builtin, "vfio"))
			missing = "vfio";
		else if (!has_module(dep, builtin, "vfio_iommu_type1"))
			missing = "vfio_iommu_type1";
		else if (!has_module(dep, builtin, "vfio-pci"))
			missing = "vfio-pci";
		if (missing)
			check_report(
				c, FAIL, "modules",
				"use a kernel built with CONFIG_VFIO, CONFIG_VFIO_IOMMU_TYPE1 and CONFIG_VFIO_PCI",
				"vfio modules: kernel %s lacks %s", kernels[i], missing);
		else
			check_report(c, PASS, "modules", NULL,
				     "vfio modules: kernel %s has vfio, vfio_iommu_type1, vfio-pci",
				     kernels[i]);
	}
	check_list_free(kernels);
}

/*
 * The device nodes QEMU opens for an assigned device. Without /dev/kvm the guest still gets
 * its device, but runs emulated; without a vfio container (/dev/vfio/vfio) libvirt and QEMU,
 * which open the group through one, cannot assign it at all. A tree without /dev (a capture
 * of /sys and /proc) says nothing about either.
 */
void check_host_nodes(struct check *c)
{
	bool vmx, svm;

	if (!vb_exists("/dev")) {
		check_report(c, WARN, "kvm", NULL, "KVM: cannot tell: no %s/dev", vb_root());
		check_report(c, WARN, "vfio-container", NULL,
			     "vfio container: cannot tell: no %s/dev", vb_root());
		return;
	}
	(void)cpu_virt(&vmx, &svm);
	if (vb_exists("/dev/kvm"))
		check_report(c, PASS, "kvm", NULL, "KVM: /dev/kvm is there");
	else
		check_report(
			c, WARN, "kvm",
			vmx ? "load kvm_intel (modprobe kvm_intel); if it refuses, enable VT-x in the firmware settings"
			: svm ? "load kvm_amd (modprobe kvm_amd); if it refuses, enable SVM in the firmware settings"
			      : "enable CPU virtualisation first (see above)",
			"KVM: no /dev/kvm: guests run emulated (TCG), slowly; an assigned device works without it");

	if (vb_exists("/dev/vfio/vfio"))
		check_report(c, PASS, "vfio-container", NULL,
			     "vfio container: /dev/vfio/vfio is there");
	else if (!vb_exists("/sys/module/vfio"))
		check_report(
			c, WARN, "vfio-container",
			"modprobe vfio-pci, or claim a device (vfio-boot claim SECTION)",
			"vfio container: no /dev/vfio/vfio: vfio is not loaded (its container appears when it is)");
	else if (vb_exists("/dev/iommu"))
		check_report(
			c, WARN, "vfio-container",
			"use a kernel with CONFIG_VFIO_CONTAINER or CONFIG_IOMMUFD_VFIO_CONTAINER, or a QEMU and libvirt that open /dev/iommu",
			"vfio container: vfio is loaded but there is no /dev/vfio/vfio, only iommufd's /dev/iommu");
	else
		check_report(
			c, FAIL, "vfio-container",
			"use a kernel with CONFIG_VFIO_CONTAINER or CONFIG_IOMMUFD_VFIO_CONTAINER; if it has one, see why devtmpfs or udev made no /dev/vfio/vfio",
			"vfio container: vfio is loaded but there is no /dev/vfio/vfio (nor /dev/iommu): QEMU has no way to open an IOMMU group");
}
