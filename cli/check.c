// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-boot check: is this host ready for vfio-boot? One PASS, WARN or FAIL line per item,
 * each failure with what to do about it. Everything is read below --root, so a captured
 * tree gives the same answers as the machine it came from.
 */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <sys/stat.h>

#include "initrd.h"
#include "readonly.h"
#include "json.h"
#include "log.h"
#include "plan.h"
#include "sysroot.h"
#include "util.h"

static const char usage[] = "Usage: vfio-boot check [--root DIR] [--config FILE] [--json]\n"
			    "\n"
			    "Host readiness: CPU virtualisation, IOMMU, interrupt remapping, vfio\n"
			    "modules, initramfs images, leftover vfio-pci.ids, IOMMU groups.\n"
			    "Exits 2 when a line is FAIL.\n";

enum level { PASS, WARN, FAIL };
static const char *const level_names[] = {"PASS", "WARN", "FAIL"};

struct result {
	enum level level;
	char *item, *text, *fix;
};

struct check {
	struct result *v;
	size_t n, alloc;
	struct vb_config cfg;
	bool have_cfg;
	struct vb_pci pci;
	struct vb_cmdline cmd;
	struct vb_plan plan;
	char *proc_cmdline;
};

static void report(struct check *c, enum level level, const char *item, const char *fix,
		   const char *fmt, ...) _printf_(5, 6);
static void report(struct check *c, enum level level, const char *item, const char *fix,
		   const char *fmt, ...)
{
	struct result *r;
	va_list ap;

	if (GROW(c->v, c->alloc, c->n + 1) < 0)
		return;
	r = &c->v[c->n++];
	*r = (struct result){level, strdup(item), NULL, fix ? strdup(fix) : NULL};
	va_start(ap, fmt);
	if (vasprintf(&r->text, fmt, ap) < 0)
		r->text = NULL;
	va_end(ap);
}

/* Entries of a directory below the root, NULL-terminated and sorted; NULL when unreadable. */
static char **dir_list(const char *abs, const char *pattern)
{
	_cleanup_free_ char *p = NULL;
	struct dirent **ents;
	char **v;
	int n, k = 0;

	if (vb_path(abs, &p) < 0)
		return NULL;
	n = scandir(p, &ents, NULL, alphasort);
	if (n < 0)
		return NULL;
	v = calloc(n + 1, sizeof(*v));
	for (int i = 0; i < n; i++) {
		if (v && ents[i]->d_name[0] != '.' &&
		    (!pattern || fnmatch(pattern, ents[i]->d_name, 0) == 0))
			v[k++] = strdup(ents[i]->d_name);
		free(ents[i]);
	}
	free(ents);
	return v;
}

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static size_t strv_len(char **v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

static void check_cpu(struct check *c)
{
	_cleanup_free_ char *info = NULL;
	bool vmx = false, svm = false;

	if (vb_read_file("/proc/cpuinfo", &info) < 0) {
		report(c, WARN, "cpu", NULL, "cannot read %s/proc/cpuinfo", vb_root());
		return;
	}
	for (char *save = NULL, *l = strtok_r(info, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		if (!startswith(l, "flags"))
			continue;
		vmx |= strstr(l, " vmx") != NULL;
		svm |= strstr(l, " svm") != NULL;
	}
	if (vmx || svm)
		report(c, PASS, "cpu", NULL, "CPU virtualisation: %s",
		       vmx ? "Intel VT-x (vmx)" : "AMD-V (svm)");
	else
		report(c, FAIL, "cpu",
		       "enable Intel VT-x or AMD SVM in the firmware settings (on a VM: expose vmx/svm to it)",
		       "CPU virtualisation: no vmx or svm flag in /proc/cpuinfo");
}

/* Which ACPI table describes the IOMMU: only a table may name its maker. */
enum iommu_table { TABLE_NONE, TABLE_DMAR, TABLE_IVRS };

static bool iommu_on(struct check *c, enum iommu_table *table)
{
	char **groups = dir_list("/sys/kernel/iommu_groups", NULL);
	char **units = dir_list("/sys/class/iommu", NULL);
	bool dmar = vb_exists("/sys/firmware/acpi/tables/DMAR");
	bool ivrs = vb_exists("/sys/firmware/acpi/tables/IVRS");
	size_t ng = strv_len(groups), nu = strv_len(units);
	bool ok = ng > 0;

	*table = dmar ? TABLE_DMAR : ivrs ? TABLE_IVRS : TABLE_NONE;
	if (ok)
		report(c, PASS, "iommu", NULL, "IOMMU: %s, %zu unit%s, %zu groups",
		       dmar   ? "ACPI DMAR (Intel VT-d)"
		       : ivrs ? "ACPI IVRS (AMD-Vi)"
			      : "no ACPI table",
		       nu, nu == 1 ? "" : "s", ng);
	else if (!dmar && !ivrs)
		report(c, FAIL, "iommu",
		       "enable VT-d (Intel) or AMD-Vi/IOMMU (AMD) in the firmware settings; on QEMU add -device intel-iommu,intremap=on with -machine q35,kernel-irqchip=split",
		       "IOMMU: no ACPI DMAR or IVRS table, no IOMMU groups");
	else
		report(c, FAIL, "iommu",
		       dmar ? "add intel_iommu=on iommu=pt to the kernel command line and reboot"
			    : "check that amd_iommu is not off on the kernel command line and reboot",
		       "IOMMU: the firmware has a %s table but the kernel made %s (%zu IOMMU units)",
		       dmar ? "DMAR" : "IVRS", "no IOMMU groups", nu);
	strv_free(groups);
	strv_free(units);
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
static void check_intremap(struct check *c, bool iommu, enum iommu_table table)
{
	bool intel = table == TABLE_DMAR;
	_cleanup_free_ char *unsafe = NULL;
	char **units;
	unsigned with = 0, total = 0;
	int r;

	if (c->proc_cmdline &&
	    (strstr(c->proc_cmdline, "intremap=off") || strstr(c->proc_cmdline, "nointremap"))) {
		report(c, FAIL, "interrupt-remapping",
		       "remove intremap=off and nointremap from the kernel command line",
		       "interrupt remapping: turned off on the kernel command line (intremap=off or nointremap)");
		return;
	}
	if (vb_read_file("/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts",
			 &unsafe) >= 0 &&
	    streq(unsafe, "Y")) {
		report(c, WARN, "interrupt-remapping",
		       "remove vfio_iommu_type1.allow_unsafe_interrupts=1 once the platform remaps interrupts",
		       "interrupt remapping: vfio allows unsafe interrupts (allow_unsafe_interrupts=Y)");
		return;
	}
	if (!iommu) {
		report(c, FAIL, "interrupt-remapping", "turn the IOMMU on first (see above)",
		       "interrupt remapping: needs an IOMMU");
		return;
	}
	r = irq_remapped();
	if (r > 0) {
		report(c, PASS, "interrupt-remapping", NULL,
		       "interrupt remapping: on (remapped IR- interrupts in /proc/interrupts)");
		return;
	}
	if (table == TABLE_NONE) {
		report(c, WARN, "interrupt-remapping",
		       "if vfio refuses the device (\"No interrupt remapping support\" in the kernel log), the platform lacks interrupt remapping or MSI isolation",
		       "interrupt remapping: cannot tell: IOMMU groups exist but no ACPI DMAR or IVRS table says which IOMMU made them (virtio-iommu, an SMMU?), and /proc/interrupts shows no IR- interrupt chip");
		return;
	}
	if (r == 0) {
		report(c, FAIL, "interrupt-remapping",
		       intel ? "enable VT-d interrupt remapping in the firmware settings; on QEMU use intel-iommu,intremap=on"
			     : "enable interrupt remapping in the firmware settings, and do not set amd_iommu_intr=legacy or iommu=off",
		       "interrupt remapping: off (no IR- interrupt chip in /proc/interrupts): vfio_iommu_type1 refuses to use the IOMMU without it");
		return;
	}
	if (!intel) {
		report(c, PASS, "interrupt-remapping", NULL,
		       "interrupt remapping: AMD-Vi remaps interrupts whenever it is on");
		return;
	}
	units = dir_list("/sys/class/iommu", NULL);
	for (size_t i = 0; units && units[i]; i++) {
		_cleanup_free_ char *path = NULL, *ecap = NULL;

		if (asprintf_safe(&path, "/sys/class/iommu/%s/intel-iommu/ecap", units[i]) < 0 ||
		    vb_read_file(path, &ecap) < 0)
			continue;
		total++;
		with += (strtoull(ecap, NULL, 16) >> 3) & 1;
	}
	strv_free(units);
	if (total && with == total)
		report(c, PASS, "interrupt-remapping", NULL,
		       "interrupt remapping: supported by all %u VT-d units", total);
	else if (total)
		report(c, FAIL, "interrupt-remapping",
		       "enable interrupt remapping in the firmware (x2APIC/IR); on QEMU use intel-iommu,intremap=on",
		       "interrupt remapping: %u of %u VT-d units lack it", total - with, total);
	else
		report(c, WARN, "interrupt-remapping", NULL,
		       "interrupt remapping: cannot tell (no intel-iommu/ecap in /sys/class/iommu)");
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

static void check_modules(struct check *c)
{
	char **kernels = dir_list("/lib/modules", NULL);

	if (!strv_len(kernels))
		report(c, WARN, "modules", NULL, "vfio modules: no kernel in %s/lib/modules",
		       vb_root());
	for (size_t i = 0; kernels && kernels[i]; i++) {
		_cleanup_free_ char *p1 = NULL, *p2 = NULL, *dep = NULL, *builtin = NULL;
		const char *missing = NULL;

		if (asprintf_safe(&p1, "/lib/modules/%s/modules.dep", kernels[i]) < 0 ||
		    asprintf_safe(&p2, "/lib/modules/%s/modules.builtin", kernels[i]) < 0)
			break;
		(void)vb_read_file(p1, &dep);
		(void)vb_read_file(p2, &builtin);
		if (!dep && !builtin) {
			report(c, WARN, "modules", "run depmod -a for it",
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
			report(c, FAIL, "modules",
			       "use a kernel built with CONFIG_VFIO, CONFIG_VFIO_IOMMU_TYPE1 and CONFIG_VFIO_PCI",
			       "vfio modules: kernel %s lacks %s", kernels[i], missing);
		else
			report(c, PASS, "modules", NULL,
			       "vfio modules: kernel %s has vfio, vfio_iommu_type1, vfio-pci",
			       kernels[i]);
	}
	strv_free(kernels);
}

/* A whole file below the root, byte for byte (vb_read_file strips trailing newlines). */
static int read_all(const char *abs, char **ret, size_t *len)
{
	_cleanup_free_ char *p = NULL;
	_cleanup_fclose_ FILE *f = NULL;
	size_t alloc = 0;
	FILE *m;
	int ch, fd;

	if (vb_path(abs, &p) < 0)
		return -ENOMEM;
	fd = vb_config_open(p, abs, NULL, 0);
	if (fd < 0)
		return fd;
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	*ret = NULL;
	m = open_memstream(ret, &alloc);
	if (!m)
		return -ENOMEM;
	while ((ch = fgetc(f)) != EOF)
		fputc(ch, m);
	fclose(m);
	*len = alloc;
	return 0;
}

#define CONF_MAX 64

struct image_scan {
	/* What /etc holds: names as in the image ("etc/vfio-boot/..."), contents. */
	char *name[CONF_MAX], *data[CONF_MAX];
	size_t size[CONF_MAX];
	bool seen[CONF_MAX];
	size_t n;
	bool binder;
	char differs[256], extra[256];
};

static int image_file(void *userdata, const char *name, const uint8_t *data, size_t size,
		      uint32_t mode)
{
	struct image_scan *s = userdata;

	(void)mode;
	if (streq(name, "usr/lib/vfio-boot/vfio-boot-binder")) {
		s->binder = size > 0;
		return 0;
	}
	if (!startswith(name, "etc/vfio-boot/"))
		return 0;
	for (size_t i = 0; i < s->n; i++)
		if (streq(s->name[i], name)) {
			s->seen[i] = true;
			if (s->size[i] != size || memcmp(s->data[i], data, size) != 0)
				snprintf(s->differs, sizeof(s->differs), "/%s", name);
			return 0;
		}
	if (fnmatch("etc/vfio-boot/conf.d/*.conf", name, 0) == 0 ||
	    streq(name, "etc/vfio-boot/vfio-boot.conf"))
		snprintf(s->extra, sizeof(s->extra), "/%s", name);
	return 0;
}

static void image_scan_free(struct image_scan *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->name[i]);
		free(s->data[i]);
	}
}

static int image_scan_init(struct image_scan *s)
{
	char **dropins = dir_list(VB_CONFIG_DROPINS, "*.conf");
	int r = 0;

	*s = (struct image_scan){0};
	if (read_all(VB_CONFIG_FILE, &s->data[0], &s->size[0]) == 0)
		s->name[s->n++] = strdup(VB_CONFIG_FILE + 1);
	for (size_t i = 0; s->n && dropins && dropins[i] && s->n < CONF_MAX; i++) {
		_cleanup_free_ char *abs = NULL;

		if (asprintf_safe(&abs, VB_CONFIG_DROPINS "/%s", dropins[i]) < 0) {
			r = -ENOMEM;
			break;
		}
		if (read_all(abs, &s->data[s->n], &s->size[s->n]) == 0)
			s->name[s->n++] = strdup(abs + 1);
	}
	strv_free(dropins);
	return r;
}

static void check_image(struct check *c, const char *image, const char *regen)
{
	_cleanup_free_ char *abs = NULL, *path = NULL;
	struct image_scan s;
	const char *missing = NULL;
	int r;

	if (asprintf_safe(&abs, "/boot/%s", image) < 0 || vb_path(abs, &path) < 0 ||
	    image_scan_init(&s) < 0)
		return;
	r = initrd_walk(path, image_file, &s);
	if (r == -EFBIG) {
		report(c, WARN, "initramfs", NULL,
		       "initramfs %s: unpacks to more than %llu MiB: not read any further", abs,
		       INITRD_OUT_MAX >> 20);
		image_scan_free(&s);
		return;
	}
	if (r == -EBADFD) {
		report(c, WARN, "initramfs", NULL, "initramfs %s: not a regular file: not read",
		       abs);
		image_scan_free(&s);
		return;
	}
	if (r < 0) {
		report(c, WARN, "initramfs", NULL, "initramfs %s: cannot read it: %s", abs,
		       strerror(-r));
		image_scan_free(&s);
		return;
	}
	for (size_t i = 0; i < s.n && !missing; i++)
		if (!s.seen[i])
			missing = s.name[i];
	if (!s.n && !s.binder && !*s.extra)
		report(c, PASS, "initramfs", NULL,
		       "initramfs %s: vfio-boot is not configured and not in it", abs);
	else if (!s.n)
		report(c, WARN, "initramfs", regen,
		       "initramfs %s: holds %s but %s/etc has no config: the binder would still claim by the old one",
		       abs, s.binder ? "the binder" : s.extra, vb_root());
	else if (!s.binder)
		report(c, FAIL, "initramfs", regen,
		       "initramfs %s: no binder (/usr/lib/vfio-boot/vfio-boot-binder): nothing is claimed at boot",
		       abs);
	else if (missing)
		report(c, FAIL, "initramfs", regen, "initramfs %s: lacks /%s: stale config", abs,
		       missing);
	else if (*s.differs)
		report(c, FAIL, "initramfs", regen,
		       "initramfs %s: %s differs from the one in /etc: stale config", abs,
		       s.differs);
	else if (*s.extra)
		report(c, FAIL, "initramfs", regen,
		       "initramfs %s: has %s, which /etc no longer has: stale config", abs,
		       s.extra);
	else
		report(c, PASS, "initramfs", NULL,
		       "initramfs %s: binder and the current config (%zu file%s)", abs, s.n,
		       s.n == 1 ? "" : "s");
	image_scan_free(&s);
}

static void check_images(struct check *c)
{
	char **boot = dir_list("/boot", NULL);
	size_t n = 0;

	for (size_t i = 0; boot && boot[i]; i++) {
		const char *v;
		char regen[300];

		/* Debian's initramfs-tools and dracut name them differently; both are read. */
		if ((v = startswith(boot[i], "initrd.img-")))
			snprintf(regen, sizeof(regen),
				 "update-initramfs -u -k %s (or dracut -f --kver %s)", v, v);
		else if (fnmatch("initramfs-*.img", boot[i], 0) == 0)
			snprintf(regen, sizeof(regen), "dracut -f /boot/%s", boot[i]);
		else
			continue;
		check_image(c, boot[i], regen);
		n++;
	}
	if (!n)
		report(c, WARN, "initramfs", NULL,
		       "initramfs: no /boot/initrd.img-* or /boot/initramfs-*.img in %s",
		       *vb_root() ? vb_root() : "/");
	strv_free(boot);
}

static bool claimed_now(const struct check *c, size_t dev)
{
	for (size_t i = 0; i < c->plan.n_sections; i++) {
		const struct vb_plan_section *s = &c->plan.sections[i];

		for (size_t k = 0; s->status == VB_PLAN_OK && k < s->n_devs; k++)
			if (s->devs[k].dev == dev)
				return true;
	}
	return false;
}

/* ids: "vvvv:dddd[:ssss:ssss],..." from vfio-pci.ids= or `options vfio-pci ids=`. */
static void judge_ids(struct check *c, const char *where, const char *ids, const char *fix)
{
	_cleanup_free_ char *shown = strndup(ids, strcspn(ids, " \t\n")), *copy = NULL;
	char other[VB_ADDR_MAX] = "";

	if (!shown || !(copy = strdup(shown)))
		return;
	for (char *save = NULL, *id = strtok_r(copy, ",", &save); id;
	     id = strtok_r(NULL, ",", &save)) {
		unsigned v, d;

		if (sscanf(id, "%x:%x", &v, &d) != 2)
			continue;
		for (size_t i = 0; i < c->pci.n && !*other; i++)
			if (c->pci.devs[i].vendor == v && c->pci.devs[i].device == d &&
			    !claimed_now(c, i))
				snprintf(other, sizeof(other), "%s", c->pci.devs[i].addr);
	}
	if (*other)
		report(c, FAIL, "leftover-ids", fix,
		       "%s: vfio-pci ids=%s also takes %s, which no [device] section claims", where,
		       shown, other);
	else
		report(c, WARN, "leftover-ids", fix,
		       "%s: vfio-pci ids=%s is redundant with vfio-boot's config", where, shown);
}

static void check_leftover_ids(struct check *c)
{
	char **confs = dir_list("/etc/modprobe.d", "*.conf");
	const char *p;
	size_t before = c->n;

	p = c->proc_cmdline ? strstr(c->proc_cmdline, "vfio-pci.ids=") : NULL;
	if (!p && c->proc_cmdline)
		p = strstr(c->proc_cmdline, "vfio_pci.ids=");
	if (p)
		judge_ids(
			c, "kernel command line", p + strlen("vfio-pci.ids="),
			"remove vfio-pci.ids= from the kernel command line (GRUB_CMDLINE_LINUX in /etc/default/grub, then update-grub)");
	for (size_t i = 0; confs && confs[i]; i++) {
		_cleanup_free_ char *abs = NULL, *buf = NULL;
		unsigned line = 0;

		if (asprintf_safe(&abs, "/etc/modprobe.d/%s", confs[i]) < 0 ||
		    vb_read_file(abs, &buf) < 0)
			continue;
		for (char *l = buf, *nl; l; l = nl ? nl + 1 : NULL) {
			char where[400], fix[500];
			const char *q;

			nl = strchr(l, '\n');
			if (nl)
				*nl = '\0';
			line++;
			l += strspn(l, " \t");
			if (!(q = startswith(l, "options")) ||
			    (!strstr(q, "vfio-pci") && !strstr(q, "vfio_pci")) ||
			    !(q = strstr(q, "ids=")))
				continue;
			snprintf(where, sizeof(where), "%s:%u", abs, line);
			snprintf(fix, sizeof(fix),
				 "remove the line from %s, then regenerate the initramfs", abs);
			judge_ids(c, where, q + 4, fix);
		}
	}
	strv_free(confs);
	if (c->n == before)
		report(c, PASS, "leftover-ids", NULL,
		       "no vfio-pci.ids= on the kernel command line or in /etc/modprobe.d");
}

/* The plan refuses what would take host-critical devices or split a group: say so here. */
static void check_groups(struct check *c)
{
	size_t before = c->n;

	if (!c->have_cfg) {
		report(c, PASS, "groups", NULL, "IOMMU groups: no config, nothing to claim");
		return;
	}
	for (size_t i = 0; i < c->plan.n_sections; i++) {
		const struct vb_plan_section *s = &c->plan.sections[i];

		if (s->status == VB_PLAN_GROUP || s->status == VB_PLAN_GUARDED ||
		    s->status == VB_PLAN_UNREADABLE)
			report(c, FAIL, "groups", NULL, "[device %s]: %s", s->name, s->why);
	}
	if (c->n == before)
		report(c, PASS, "groups", NULL,
		       "IOMMU groups: no configured device shares a group with a host-critical device");
}

static void check_free(struct check *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].item);
		free(c->v[i].text);
		free(c->v[i].fix);
	}
	free(c->v);
	vb_plan_free(&c->plan);
	vb_cmdline_free(&c->cmd);
	vb_pci_free(&c->pci);
	vb_config_free(&c->cfg);
	free(c->proc_cmdline);
}

int check_main(int argc, char **argv)
{
	struct check c = {0};
	struct inspect_opts o;
	int r, ret = EXIT_OK;
	enum iommu_table table;
	struct json j;
	bool iommu;

	r = inspect_parse(argc, argv, usage, false, &o);
	if (r >= 0)
		return r;
	(void)vb_read_file("/proc/cmdline", &c.proc_cmdline);
	(void)vb_cmdline_load(&c.cmd);
	r = inspect_load_config(o.config, &c.cfg, &c.have_cfg);
	if (r < 0)
		report(&c, FAIL, "config", "see the messages above; vfio-boot.conf(5)",
		       "config: refused or unreadable: %s", strerror(-r));
	else if (c.have_cfg && c.cfg.n_errors)
		report(&c, FAIL, "config", "fix the errors above; vfio-boot.conf(5)",
		       "config: %u error%s", c.cfg.n_errors, c.cfg.n_errors == 1 ? "" : "s");
	if (vb_pci_scan(&c.pci) < 0)
		report(&c, WARN, "pci", NULL, "cannot read %s/sys/bus/pci/devices", vb_root());
	else if (c.have_cfg && vb_plan_build(&c.plan, &c.cfg, &c.cmd, &c.pci) < 0)
		report(&c, WARN, "groups", NULL, "cannot plan");

	check_cpu(&c);
	iommu = iommu_on(&c, &table);
	check_intremap(&c, iommu, table);
	check_modules(&c);
	check_images(&c);
	check_leftover_ids(&c);
	check_groups(&c);

	if (o.json) {
		json_init(&j, stdout);
		json_open(&j, NULL, '{');
		json_open(&j, "checks", '[');
	}
	for (size_t i = 0; i < c.n; i++) {
		const struct result *res = &c.v[i];

		if (res->level == FAIL)
			ret = EXIT_PROBLEM;
		if (o.json) {
			json_open(&j, NULL, '{');
			json_str(&j, "result", level_names[res->level]);
			json_str(&j, "item", res->item);
			json_str(&j, "text", res->text);
			json_str(&j, "fix", res->fix);
			json_close(&j, '}');
			continue;
		}
		printf("%s %s\n", level_names[res->level], strna(res->text));
		if (res->fix && res->level != PASS)
			printf("     fix: %s\n", res->fix);
	}
	if (o.json) {
		json_close(&j, ']');
		json_close(&j, '}');
		json_end(&j);
	}
	check_free(&c);
	return ret;
}
