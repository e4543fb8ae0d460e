// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-boot export nova: OpenStack Nova's [pci] section, one device_spec per claimed device
 * (pinned by address, "managed": "no") and one alias per kind of device of each section.
 *
 * The rules are Nova's own, as of openstack/nova 00a030403f672b975364c855b7d25b40ef83e757:
 * - nova/pci/devspec.py: vendor_id and product_id are hex strings up to ffff, address a
 *   full DDDD:BB:SS.F; "managed" a strict boolean string; other keys are kept as tags.
 * - nova/conf/pci.py: "managed": "no" means Nova does not detach the device from the host
 *   itself, it assumes the operator did (vfio-boot did, at boot). resource_class and traits
 *   count only with [pci] report_in_placement = True; a resource class that starts with
 *   CUSTOM_ is taken as it is (nova/compute/pci_placement_translator.py), so the names here are
 *   already what Placement accepts: CUSTOM_ and [A-Z0-9_], at most 255 characters.
 * - nova/pci/request.py: an alias has a name (1 to 256 characters), a device_type (type-PCI,
 *   type-PF or type-VF), vendor_id and product_id (four hex digits each), which are required
 *   unless [filter_scheduler] pci_in_placement is on, and resource_class; with
 *   pci_in_placement on, an alias may have only one spec. So each alias here is one spec that
 *   holds under both settings: a section of one kind of device is one alias named after it; a
 *   section of several kinds (a GPU and its audio function) gets one alias per kind, named
 *   SECTION-VVVV-DDDD, each with its own resource class.
 * - nova/api/validation/extra_specs/pci_passthrough.py: flavors ask for "ALIAS:COUNT[,...]",
 *   so an alias name has no ':' nor ','; section names never have them.
 * - nova/virt/libvirt/host.py: a device with SR-IOV (virt_functions) is type-PF, a VF
 *   (phys_function) type-VF, any other type-PCI; an alias matches only its device_type.
 * - nova/pci/stats.py leaves resource_class and traits out when it matches an alias to
 *   devices: without pci_in_placement, an alias matches every device_spec'd device of its
 *   vendor_id and product_id, whichever section it came from. That is said in a comment.
 *
 * No traits are set: the resource class already names the section, and a trait would only
 * refine a request within it.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "export.h"
#include "json.h"
#include "log.h"
#include "util.h"

/* Placement's limit on a resource class name, CUSTOM_ included. */
#define NOVA_RC_MAX 255
/* nova/pci/request.py _ALIAS_SCHEMA: name maxLength. */
#define NOVA_ALIAS_NAME_MAX 256
/* The resource classes' vendor part when --prefix does not give one. */
#define NOVA_DEFAULT_PREFIX "VFIO_BOOT"

/* One kind of device in a section: one alias, one resource class. */
struct nova_kind {
	const struct export_section *sec;
	uint16_t vendor, device;
	const char *type;
	char alias[NOVA_ALIAS_NAME_MAX + 1];
	char rc[NOVA_RC_MAX + 1];
};

/* How Nova's libvirt driver classifies the device (nova/virt/libvirt/host.py). */
static int nova_type(const struct vb_pci_dev *p, const char **ret)
{
	unsigned total;
	int r = vb_pci_load_sriov((struct vb_pci_dev *)p);

	if (r < 0)
		return r;
	if (p->physfn[0]) {
		*ret = "type-VF";
		return 0;
	}
	r = vb_pci_sriov_totalvfs(p->addr, &total);
	if (r < 0 && r != -ENOENT)
		return r;
	*ret = r == 0 && total > 0 ? "type-PF" : "type-PCI";
	return 0;
}

/*
 * Appends s to buf as a Placement name part: upper case, each run of characters outside
 * [A-Z0-9] one '_' (os_resource_classes' normalization, so Nova keeps it as it is).
 */
static void rc_append(char *buf, size_t size, const char *s)
{
	size_t n = strlen(buf);

	for (; *s && n + 1 < size; s++) {
		if (isalnum((unsigned char)*s) && isascii((unsigned char)*s))
			buf[n++] = toupper((unsigned char)*s);
		else if (n == 0 || buf[n - 1] != '_')
			buf[n++] = '_';
	}
	buf[n] = '\0';
}

static int kind_name(struct nova_kind *k, const char *prefix, bool split)
{
	char part[NOVA_RC_MAX * 2];
	int n;

	if (split)
		n = snprintf(k->alias, sizeof(k->alias), "%s-%04x-%04x", k->sec->name, k->vendor,
			     k->device);
	else
		n = snprintf(k->alias, sizeof(k->alias), "%s", k->sec->name);
	if (n < 0 || (size_t)n >= sizeof(k->alias))
		return log_err(-ENAMETOOLONG, "[device %s]: the alias name is longer than %d",
			       k->sec->name, NOVA_ALIAS_NAME_MAX);
	part[0] = '\0';
	rc_append(part, sizeof(part), prefix);
	if (*prefix)
		rc_append(part, sizeof(part), "_");
	rc_append(part, sizeof(part), k->alias);
	n = snprintf(k->rc, sizeof(k->rc), "CUSTOM_%s", part);
	if (n < 0 || (size_t)n >= sizeof(k->rc) || strlen(part) + 7 > NOVA_RC_MAX)
		return log_err(
			-ENAMETOOLONG,
			"[device %s]: resource class CUSTOM_%s is longer than Placement's %d",
			k->sec->name, part, NOVA_RC_MAX);
	/* "CUSTOM_" alone, or "CUSTOM__": a name of no letter or digit at all. */
	if (!strcmp(k->rc, "CUSTOM_") || !strcmp(k->rc, "CUSTOM__"))
		return log_err(-EINVAL, "[device %s]: no resource class can be made of it",
			       k->sec->name);
	return 0;
}

static struct nova_kind *find_kind(struct nova_kind *kinds, size_t n,
				   const struct export_section *s, const struct vb_pci_dev *p,
				   const char *type)
{
	for (size_t i = 0; i < n; i++)
		if (kinds[i].sec == s && kinds[i].vendor == p->vendor &&
		    kinds[i].device == p->device && streq(kinds[i].type, type))
			return &kinds[i];
	return NULL;
}

/* Every device of every section, each with its kind; the kinds named and told apart. */
static int collect_kinds(const struct export *e, struct nova_kind *kinds, size_t *n_kinds,
			 struct nova_kind **of)
{
	const char *prefix = e->prefix ? e->prefix : NOVA_DEFAULT_PREFIX;
	size_t n = 0, d = 0;
	int r;

	for (size_t i = 0; i < e->n_secs; i++) {
		const struct export_section *s = &e->secs[i];
		size_t first = n;

		for (size_t k = 0; k < s->n_devs; k++, d++) {
			const struct vb_pci_dev *p = s->devs[k].pci;
			const char *type;

			r = nova_type(p, &type);
			if (r < 0)
				return log_err(r, "%s: reading its SR-IOV state: %m", p->addr);
			of[d] = find_kind(kinds + first, n - first, s, p, type);
			if (!of[d]) {
				kinds[n] = (struct nova_kind){.sec = s,
							      .vendor = p->vendor,
							      .device = p->device,
							      .type = type};
				of[d] = &kinds[n++];
			}
		}
		for (size_t k = first; k < n; k++) {
			r = kind_name(&kinds[k], prefix, n - first > 1);
			if (r < 0)
				return r;
		}
	}
	/* Two sections whose names Nova would take as one: refused, never merged. */
	for (size_t a = 0; a < n; a++)
		for (size_t b = a + 1; b < n; b++)
			if (streq(kinds[a].rc, kinds[b].rc) ||
			    streq(kinds[a].alias, kinds[b].alias))
				return log_err(
					-EEXIST,
					"[device %s] and [device %s] would both be %s (alias %s) "
					"in Nova: rename one of them",
					kinds[a].sec->name, kinds[b].sec->name,
					streq(kinds[a].rc, kinds[b].rc) ? kinds[a].rc : "",
					kinds[a].alias);
	*n_kinds = n;
	return 0;
}

static void write_spec(FILE *f, const struct export_dev *d, const struct nova_kind *k)
{
	char id[8];

	export_identity_line(f, "# ", d);
	fputs("device_spec = {\"address\": ", f);
	json_quoted(f, d->pci->addr);
	snprintf(id, sizeof(id), "%04x", d->pci->vendor);
	fprintf(f, ", \"vendor_id\": \"%s\"", id);
	snprintf(id, sizeof(id), "%04x", d->pci->device);
	fprintf(f, ", \"product_id\": \"%s\", \"managed\": \"no\", \"resource_class\": ", id);
	json_quoted(f, k->rc);
	fputs("}\n", f);
}

static void write_alias(FILE *f, const struct export *e, const struct nova_kind *kinds,
			size_t n_kinds, const struct nova_kind *k)
{
	/* Nova's alias matching without Placement: vendor_id, product_id and type only. */
	for (size_t i = 0; i < e->n_secs; i++) {
		const struct export_section *s = &e->secs[i];

		if (s == k->sec)
			continue;
		for (size_t j = 0; j < n_kinds; j++)
			if (kinds[j].sec == s && kinds[j].vendor == k->vendor &&
			    kinds[j].device == k->device && streq(kinds[j].type, k->type)) {
				fprintf(f,
					"# Without [filter_scheduler] pci_in_placement, alias %s also "
					"matches the devices of [device %s] (same vendor_id, "
					"product_id and device_type): only %s tells them apart.\n",
					k->alias, s->name, k->rc);
				break;
			}
	}
	fputs("alias = {\"name\": ", f);
	json_quoted(f, k->alias);
	fprintf(f, ", \"device_type\": \"%s\", \"vendor_id\": \"%04x\", \"product_id\": \"%04x\"",
		k->type, k->vendor, k->device);
	fputs(", \"resource_class\": ", f);
	json_quoted(f, k->rc);
	fputs("}\n", f);
}

int export_nova(const struct export *e, FILE *f)
{
	_cleanup_free_ struct nova_kind *kinds = NULL;
	_cleanup_free_ struct nova_kind **of = NULL;
	size_t n_devs = 0, n_kinds = 0, d = 0;
	int r;

	for (size_t i = 0; i < e->n_secs; i++)
		n_devs += e->secs[i].n_devs;
	kinds = calloc(n_devs + 1, sizeof(*kinds));
	of = calloc(n_devs + 1, sizeof(*of));
	if (!kinds || !of)
		return -ENOMEM;
	r = collect_kinds(e, kinds, &n_kinds, of);
	if (r < 0)
		return r;

	fputs("# OpenStack Nova: the devices vfio-boot claimed for vfio-pci at this boot.\n"
	      "# device_spec lines: this compute host's nova.conf. alias lines: nova.conf of\n"
	      "# nova-api and of every compute host. \"managed\": \"no\": vfio-boot has the\n"
	      "# devices on vfio-pci before nova-compute starts; Nova does not detach them.\n"
	      "# resource_class counts with [pci] report_in_placement = True and\n"
	      "# [filter_scheduler] pci_in_placement = True. A flavor asks for a device with\n"
	      "# pci_passthrough:alias=NAME:COUNT.\n"
	      "[pci]\n",
	      f);
	for (size_t i = 0; i < e->n_secs; i++) {
		const struct export_section *s = &e->secs[i];

		fprintf(f, "\n# [device %s]\n", s->name);
		for (size_t k = 0; k < s->n_devs; k++, d++)
			write_spec(f, &s->devs[k], of[d]);
		for (size_t k = 0; k < n_kinds; k++)
			if (kinds[k].sec == s)
				write_alias(f, e, kinds, n_kinds, &kinds[k]);
	}
	return 0;
}
