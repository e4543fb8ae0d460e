// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-boot export kubevirt: the KubeVirt CR's spec.configuration.permittedHostDevices
 * .pciHostDevices, as a merge patch. What KubeVirt does with it (kubevirt d923fdb8):
 *   - pkg/virt-handler/device-manager/device_controller.go: each entry without
 *     externalResourceProvider goes into one map from its lower-cased pciVendorSelector to
 *     its resourceName; a selector given twice keeps only the last resource.
 *   - pkg/virt-handler/device-manager/pci_device.go discoverPermittedHostPCIDevices(): once,
 *     when virt-handler starts, every device in /sys/bus/pci/devices whose uevent PCI_ID is a
 *     selector in the map and whose driver is vfio-pci joins that resource.
 * So the selector is the vendor:device pair alone: any other device with the same IDs that is
 * on vfio-pci when virt-handler starts (another section's, one no section claims, a host
 * device bound to vfio-pci later by anyone) joins the resource, and the guests get identical
 * devices at random. A section whose IDs any other device in the tree shares is therefore
 * written with externalResourceProvider: true, and said so on stderr with those devices:
 * KubeVirt then leaves it to the SR-IOV network device plugin, whose pools `vfio-boot export
 * sriov-dp` pins to PCI addresses.
 */
#include <errno.h>
#include <stdlib.h>

#include "export.h"
#include "log.h"
#include "strbuf.h"
#include "util.h"

static bool in_section(const struct export_section *s, const struct vb_pci_dev *p)
{
	for (size_t k = 0; k < s->n_devs; k++)
		if (s->devs[k].pci == p)
			return true;
	return false;
}

static const struct export_section *section_of(const struct export *e, const struct vb_pci_dev *p)
{
	for (size_t i = 0; i < e->n_secs; i++)
		if (in_section(&e->secs[i], p))
			return &e->secs[i];
	return NULL;
}

/*
 * The other devices in the tree that KubeVirt would take for section s, one "; "-separated
 * phrase each into b; whether there is any.
 */
static bool ambiguous(const struct export *e, const struct export_section *s, struct strbuf *b)
{
	bool any = false;

	for (size_t i = 0; i < e->st.pci.n; i++) {
		const struct vb_pci_dev *p = &e->st.pci.devs[i];
		const struct export_section *other;
		bool same = false;

		if (in_section(s, p))
			continue;
		for (size_t k = 0; k < s->n_devs && !same; k++)
			same = p->vendor == s->devs[k].pci->vendor &&
			       p->device == s->devs[k].pci->device;
		if (!same)
			continue;
		other = section_of(e, p);
		strbuf_printf(b, "%s%s %04x:%04x ", any ? "; " : "", p->addr, p->vendor, p->device);
		if (other)
			strbuf_printf(b, "in [device %s]", other->name);
		else if (p->driver && streq(p->driver, "vfio-pci"))
			strbuf_printf(b, "on vfio-pci, claimed by no section");
		else
			strbuf_printf(b, "on %s, taken too once it is on vfio-pci",
				      p->driver ? p->driver : "no driver");
		any = true;
	}
	return any;
}

static bool selector_seen(const struct export_section *s, size_t k)
{
	for (size_t j = 0; j < k; j++)
		if (s->devs[j].pci->vendor == s->devs[k].pci->vendor &&
		    s->devs[j].pci->device == s->devs[k].pci->device)
			return true;
	return false;
}

int export_kubevirt(const struct export *e, FILE *f)
{
	char **names = NULL;
	const char *prefix;
	int r;

	r = export_k8s_prefix(e, &prefix);
	if (r < 0)
		return r;
	r = export_k8s_names(e, &names);
	if (r < 0)
		return r;
	/*
	 * A JSON merge patch replaces lists whole, and KubeVirt's CRD declares this one atomic:
	 * applied as it is, the patch drops every entry the CR had (other devices, other hosts).
	 */
	fputs("# vfio-boot export kubevirt: the devices claimed for vfio-pci at this boot, as\n"
	      "# KubeVirt's permittedHostDevices. A merge patch replaces the CR's whole\n"
	      "# pciHostDevices list: add the entries it already has (other devices, other\n"
	      "# hosts' exports) to this one, then apply it:\n"
	      "#   kubectl patch kubevirt kubevirt -n kubevirt --type merge --patch-file FILE\n"
	      "# Entries with externalResourceProvider: true are provided by the SR-IOV network\n"
	      "# device plugin from `vfio-boot export sriov-dp`, by PCI address.\n"
	      "spec:\n"
	      "  configuration:\n"
	      "    permittedHostDevices:\n",
	      f);
	fputs(e->n_secs ? "      pciHostDevices:\n" : "      pciHostDevices: []\n", f);
	for (size_t i = 0; i < e->n_secs && r == 0; i++) {
		const struct export_section *s = &e->secs[i];
		struct strbuf b = {0};
		bool external = ambiguous(e, s, &b);

		r = b.error;
		if (external && r == 0)
			log_warn(
				0,
				"[device %s]: KubeVirt selects by vendor:device alone and would "
				"also take %s; %s/%s is written with externalResourceProvider: true: "
				"provide it with the SR-IOV network device plugin (vfio-boot export "
				"sriov-dp), which pins it to its PCI addresses",
				s->name, b.s, prefix, names[i]);
		strbuf_done(&b);
		fprintf(f, "        # [device %s]%s\n", s->name,
			external ? ": its IDs are not its own, see the warning" : "");
		for (size_t k = 0; k < s->n_devs && r == 0; k++) {
			_cleanup_free_ char *id = NULL;

			r = export_identity(&s->devs[k], &id);
			if (r == 0)
				fprintf(f, "        # %s\n", id);
		}
		for (size_t k = 0; k < s->n_devs && r == 0; k++) {
			if (selector_seen(s, k))
				continue;
			fprintf(f, "        - pciVendorSelector: \"%04X:%04X\"\n",
				s->devs[k].pci->vendor, s->devs[k].pci->device);
			fprintf(f, "          resourceName: \"%s/%s\"\n", prefix, names[i]);
			if (external)
				fputs("          externalResourceProvider: true\n", f);
		}
	}
	export_k8s_names_free(names, e->n_secs);
	return r;
}
