// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-boot export proxmox: one `pvesh create /cluster/mapping/pci` per section and kind of
 * device, each device (or whole multi-function device) one --map of this node.
 *
 * The rules are Proxmox VE's own, as of proxmox/pve-guest-common
 * 4a8f6cbf78e1b6992ef77facb4ff2ab3372999e7 (src/PVE/Mapping/PCI.pm), proxmox/pve-common
 * f665029eac78022e81810ab2e44eace57ade13fb (src/PVE/JSONSchema.pm, src/PVE/INotify.pm) and
 * proxmox/qemu-server e6352be67f70042a7433a3a3c712b36d02f9f7cb (src/PVE/QemuServer/PCI.pm):
 * - The mapping id is a pve-configid: [a-z][a-z0-9_-]+, any case. It is PREFIX-SECTION,
 *   PREFIX "vfio-boot" unless --prefix gives another ("" for none), each '.' of the section
 *   name (which configid refuses) written '_'.
 * - A map is a property string node=,path=,id=,subsystem-id=,iommugroup=: split at ',', so
 *   no value may hold one. node is a pve-node name, the host name without its domain as
 *   PVE::INotify::nodename() makes it. path is a lower-case address; with its function left
 *   out it maps the whole multi-function device, checked against function 0. id and
 *   subsystem-id are VVVV:DDDD; assert_valid() refuses a map without subsystem-id when the
 *   device has one, and an iommugroup other than the device's.
 * - Several maps of one node are alternatives: a guest's hostpciN: mapping=ID takes the first
 *   free one at start (qemu-server choose_hostpci_devices(); pve-docs qm.adoc, Resource
 *   Mapping). So a section of identical devices is one mapping with one --map each, and a
 *   guest asks for as many as it needs (hostpci0, hostpci1 ...). Alternatives of different
 *   kinds would hand a guest any of them: a section of several kinds of device gets one
 *   mapping per kind, named ID-VVVV-DDDD. Paths joined with ';' in one map are not used:
 *   qemu-server passes them all to one guest device, not one of them as PCI.pm says.
 * A function of a multi-function device is mapped whole (path without function) when the
 * section holds every function of it; otherwise each function is mapped alone.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "export.h"
#include "log.h"
#include "util.h"

#define PVE_DEFAULT_PREFIX "vfio-boot"

/* One --map: a function, or a whole multi-function device (fn 0 standing for it). */
struct pve_unit {
	const struct export_dev *d;
	bool whole;
};

/* One mapping: the units of one kind (vendor:device) of a section. */
struct pve_mapping {
	const struct export_section *sec;
	uint16_t vendor, device;
	char *id;
};

/* The text as one shell word, whatever it holds. */
static void shell_word(FILE *f, const char *s)
{
	if (*s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
			    "_-.,:=/+@%") == strlen(s)) {
		fputs(s, f);
		return;
	}
	fputc('\'', f);
	for (; *s; s++)
		if (*s == '\'')
			fputs("'\\''", f);
		else
			fputc(*s, f);
	fputc('\'', f);
}

static bool configid_valid(const char *s)
{
	if (!isascii((unsigned char)s[0]) || !isalpha((unsigned char)s[0]) || !s[1])
		return false;
	for (const char *p = s + 1; *p; p++)
		if (!isascii((unsigned char)*p) ||
		    (!isalnum((unsigned char)*p) && *p != '_' && *p != '-'))
			return false;
	return true;
}

static bool node_valid(const char *s)
{
	size_t n = strlen(s);

	if (!n || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
		return false;
	for (const char *p = s; *p; p++)
		if (!isascii((unsigned char)*p) || (!isalnum((unsigned char)*p) && *p != '-'))
			return false;
	return true;
}

/* Every function of d's multi-function device is in the section (and there is more than one). */
static bool whole_device(const struct export *e, const struct export_section *s,
			 const struct vb_pci_dev *d)
{
	size_t in_slot = 0;

	for (size_t i = 0; i < e->st.pci.n; i++) {
		const struct vb_pci_dev *o = &e->st.pci.devs[i];
		bool found = false;

		if (!vb_pci_same_slot(o, d) || o->physfn[0])
			continue;
		for (size_t k = 0; k < s->n_devs && !found; k++)
			found = s->devs[k].pci == o;
		if (!found)
			return false;
		in_slot++;
	}
	return in_slot > 1;
}

static int mapping_id(const struct export *e, struct pve_mapping *m, bool split)
{
	const char *prefix = e->prefix ? e->prefix : PVE_DEFAULT_PREFIX;
	char *s;
	int r;

	if (split)
		r = asprintf(&s, "%s%s%s-%04x-%04x", prefix, *prefix ? "-" : "", m->sec->name,
			     m->vendor, m->device);
	else
		r = asprintf(&s, "%s%s%s", prefix, *prefix ? "-" : "", m->sec->name);
	if (r < 0)
		return -ENOMEM;
	for (char *p = s + strlen(prefix); *p; p++)
		if (*p == '.')
			*p = '_';
	m->id = s;
	if (!configid_valid(s))
		return log_err(-EINVAL,
			       "[device %s]: mapping id \"%s\" is no Proxmox configid "
			       "([a-z][a-z0-9_-]+): choose another --prefix",
			       m->sec->name, s);
	return 0;
}

static void write_map(FILE *f, const char *node, const struct pve_unit *u)
{
	const struct vb_pci_dev *p = u->d->pci;
	char *arg = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&arg, &len);

	if (!m)
		return;
	/* A whole device is DDDD:BB:SS, its function 0's address without ".0". */
	fprintf(m, "node=%s,path=%.*s,id=%04x:%04x,subsystem-id=%04x:%04x", node,
		u->whole ? (int)strcspn(p->addr, ".") : (int)strlen(p->addr), p->addr, p->vendor,
		p->device, p->sub_vendor, p->sub_device);
	if (p->iommu_group >= 0)
		fprintf(m, ",iommugroup=%d", p->iommu_group);
	fclose(m);
	fputs(" \\\n  --map ", f);
	shell_word(f, arg);
	free(arg);
}

int export_proxmox(const struct export *e, FILE *f)
{
	_cleanup_free_ struct pve_unit *units = NULL;
	_cleanup_free_ struct pve_mapping *maps = NULL;
	_cleanup_free_ char *node = NULL;
	size_t n_devs = 0, n_units = 0, n_maps = 0;
	int r = 0;

	/* PVE::INotify::nodename(): the host name, its domain part stripped. */
	node = strndup(e->node, strcspn(e->node, "."));
	if (!node)
		return -ENOMEM;
	if (!node_valid(node))
		return log_err(-EINVAL, "node name \"%s\" is no Proxmox node name: give --node",
			       node);
	for (size_t i = 0; i < e->n_secs; i++)
		n_devs += e->secs[i].n_devs;
	units = calloc(n_devs + 1, sizeof(*units));
	maps = calloc(n_devs + 1, sizeof(*maps));
	if (!units || !maps)
		return -ENOMEM;

	for (size_t i = 0; i < e->n_secs && r >= 0; i++) {
		const struct export_section *s = &e->secs[i];
		size_t first_map = n_maps;

		for (size_t k = 0; k < s->n_devs; k++) {
			const struct vb_pci_dev *p = s->devs[k].pci;
			bool whole = whole_device(e, s, p);
			bool dup = false;

			r = vb_pci_load_sriov((struct vb_pci_dev *)p);
			if (r < 0)
				return log_err(r, "%s: reading its SR-IOV state: %m", p->addr);
			/* A whole device is one map, made from its function 0. */
			if (whole && p->a.fn != 0)
				continue;
			units[n_units++] = (struct pve_unit){&s->devs[k], whole};
			for (size_t j = first_map; j < n_maps; j++)
				dup |= maps[j].vendor == p->vendor && maps[j].device == p->device;
			if (!dup)
				maps[n_maps++] =
					(struct pve_mapping){s, p->vendor, p->device, NULL};
		}
		for (size_t j = first_map; j < n_maps && r >= 0; j++)
			r = mapping_id(e, &maps[j], n_maps - first_map > 1);
	}
	for (size_t a = 0; a < n_maps && r >= 0; a++)
		for (size_t b = a + 1; b < n_maps && r >= 0; b++)
			if (streq(maps[a].id, maps[b].id))
				r = log_err(
					-EEXIST,
					"[device %s] and [device %s] would both be mapping %s in "
					"Proxmox: rename one of them",
					maps[a].sec->name, maps[b].sec->name, maps[a].id);
	if (r >= 0)
		fputs("# Proxmox VE: the devices vfio-boot claimed for vfio-pci at this boot, as\n"
		      "# cluster PCI resource mappings; run once per cluster (a mapping that exists:\n"
		      "# pvesh set /cluster/mapping/pci/ID with all its --map of every node). A guest\n"
		      "# takes one device of a mapping per hostpciN: mapping=ID.\n",
		      f);
	for (size_t j = 0; j < n_maps && r >= 0; j++) {
		const struct pve_mapping *m = &maps[j];
		_cleanup_free_ char *desc = NULL;

		fprintf(f, "\n# [device %s]\n", m->sec->name);
		for (size_t u = 0; u < n_units; u++) {
			const struct export_dev *d = units[u].d;

			if (units[u].d->pci->vendor != m->vendor ||
			    units[u].d->pci->device != m->device ||
			    !(d >= m->sec->devs && d < m->sec->devs + m->sec->n_devs))
				continue;
			export_identity_line(f, units[u].whole ? "# whole device: " : "# ", d);
			if (units[u].whole)
				for (size_t k = 0; k < m->sec->n_devs; k++)
					if (m->sec->devs[k].pci != d->pci &&
					    vb_pci_same_slot(m->sec->devs[k].pci, d->pci))
						export_identity_line(f, "#   with ",
								     &m->sec->devs[k]);
		}
		fputs("pvesh create /cluster/mapping/pci --id ", f);
		shell_word(f, m->id);
		for (size_t u = 0; u < n_units; u++) {
			const struct export_dev *d = units[u].d;

			if (d->pci->vendor == m->vendor && d->pci->device == m->device &&
			    d >= m->sec->devs && d < m->sec->devs + m->sec->n_devs)
				write_map(f, node, &units[u]);
		}
		if (asprintf(&desc, "vfio-boot [device %s]", m->sec->name) < 0) {
			desc = NULL;
			r = -ENOMEM;
			break;
		}
		fputs(" \\\n  --description ", f);
		shell_word(f, desc);
		fputc('\n', f);
	}
	for (size_t j = 0; j < n_maps; j++)
		free(maps[j].id);
	return r;
}
