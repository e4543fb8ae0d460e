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
 * So the selector is the vendor:device pair alone, and what KubeVirt cannot tell apart is a
 * section's device and a twin (the same IDs) outside the section that is on vfio-pci too:
 *   - a twin on vfio-pci now (another section's, or one no section claims): KubeVirt would hand
 *     out either for either resource. The entries are written with externalResourceProvider:
 *     true, so that KubeVirt's own plugin does not serve the wrong device, and the export
 *     exits 2: a provider that pins the devices by PCI address must come first. KubeVirt's
 *     contract for one (docs/devel/host-devices-and-device-plugins.md; pkg/util/util.go
 *     ResourceNameToEnvVar(), pci_device.go): it sets PCI_RESOURCE_<resourceName upper-cased,
 *     '/' and '.' made '_'> to the allocated addresses. The SR-IOV network device plugin sets
 *     PCIDEVICE_<prefix>_<name> instead (its pkg/resources/pool_stub.go GetEnvs()), so its
 *     pools do not serve hostDevices; they serve KubeVirt's SR-IOV network interfaces
 *     (a NetworkAttachmentDefinition's k8s.v1.cni.cncf.io/resourceName; KubeVirt takes the
 *     address from the network status, pkg/virt-launcher/virtwrap/device/hostdevice/sriov/
 *     hostdev.go), for network controllers.
 *   - a twin on a host driver now: KubeVirt does not take it, so it serves the section, the
 *     common case of a guest card identical to the host's boot card. A warning names the twin:
 *     bound to vfio-pci before virt-handler starts, it would join the resource.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

/* The configured section that lists addr although it is not exported (not on vfio-pci). */
static const char *configured_in(const struct export *e, const char *addr)
{
	for (size_t i = 0; i < e->st.n_secs; i++)
		for (size_t k = 0; k < e->st.secs[i].n_devs; k++)
			if (streq(e->st.secs[i].devs[k].addr, addr))
				return e->st.secs[i].name;
	return NULL;
}

/*
 * The devices outside section s with the IDs of one of its devices, one "; "-separated phrase
 * each: into vfio those on vfio-pci now (KubeVirt cannot tell them from s's), into host the
 * others (KubeVirt leaves them alone while they stay off vfio-pci).
 */
static void twins(const struct export *e, const struct export_section *s, struct strbuf *vfio,
		  struct strbuf *host)
{
	for (size_t i = 0; i < e->st.pci.n; i++) {
		const struct vb_pci_dev *p = &e->st.pci.devs[i];
		const struct export_section *other;
		const char *conf;
		struct strbuf *b;
		bool same = false;

		if (in_section(s, p))
			continue;
		for (size_t k = 0; k < s->n_devs && !same; k++)
			same = p->vendor == s->devs[k].pci->vendor &&
			       p->device == s->devs[k].pci->device;
		if (!same)
			continue;
		b = p->driver && streq(p->driver, "vfio-pci") ? vfio : host;
		strbuf_printf(b, "%s%s %04x:%04x on %s", b->len ? "; " : "", p->addr, p->vendor,
			      p->device, p->driver ? p->driver : "no driver");
		other = section_of(e, p);
		conf = configured_in(e, p->addr);
		if (other)
			strbuf_printf(b, " in [device %s]", other->name);
		else if (b == vfio)
			strbuf_printf(b, ", claimed by no section");
		else if (conf)
			strbuf_printf(b, " (configured in [device %s])", conf);
	}
}

/* The variable KubeVirt reads an external provider's addresses from (ResourceNameToEnvVar()). */
static void pci_resource_env(struct strbuf *b, const char *prefix, const char *name)
{
	static const char lead[] = "PCI_RESOURCE_";

	strbuf_printf(b, "%s%s/%s", lead, prefix, name);
	if (b->error)
		return;
	for (char *c = b->s + strlen(lead); *c; c++)
		*c = *c == '/' || *c == '.' ? '_' : toupper((unsigned char)*c);
}

/* Whether each device of s is a network controller, which an SR-IOV interface can take. */
static bool all_network(const struct export_section *s)
{
	for (size_t k = 0; k < s->n_devs; k++)
		if (s->devs[k].pci->class_code >> 16 != 0x02)
			return false;
	return true;
}

static void warn_ambiguous(const struct export_section *s, const char *prefix, const char *name,
			   const char *others)
{
	struct strbuf env = {0};

	pci_resource_env(&env, prefix, name);
	if (env.error == 0)
		log_warn(0,
			 "[device %s]: KubeVirt selects by vendor:device alone and would hand out "
			 "for %s/%s also %s. Written with externalResourceProvider: true, so that "
			 "KubeVirt does not serve it, it goes to no guest until one of these "
			 "provides it: a device plugin that pins it to its PCI addresses and sets "
			 "%s to the allocated ones, as KubeVirt wants of an external provider; or, "
			 "if the devices are interchangeable, one section for all of them (one "
			 "resource)%s",
			 s->name, prefix, name, others, env.s,
			 all_network(s) ? "; or, as network controllers, KubeVirt's SR-IOV network "
					  "interfaces with the pools of `vfio-boot export sriov-dp`"
					: "");
	strbuf_done(&env);
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
	bool any_external = false;
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
	      "# An entry with externalResourceProvider: true is one KubeVirt cannot tell from\n"
	      "# another device on vfio-pci: a device plugin that pins it by PCI address and\n"
	      "# sets PCI_RESOURCE_<RESOURCE NAME> must provide it (see the warning).\n"
	      "spec:\n"
	      "  configuration:\n"
	      "    permittedHostDevices:\n",
	      f);
	fputs(e->n_secs ? "      pciHostDevices:\n" : "      pciHostDevices: []\n", f);
	for (size_t i = 0; i < e->n_secs && r == 0; i++) {
		const struct export_section *s = &e->secs[i];
		struct strbuf vfio = {0}, host = {0};
		bool external;

		twins(e, s, &vfio, &host);
		r = vfio.error ? vfio.error : host.error;
		external = vfio.len > 0;
		any_external |= external;
		if (r == 0 && external)
			warn_ambiguous(s, prefix, names[i], vfio.s);
		else if (r == 0 && host.len)
			log_warn(0,
				 "[device %s]: KubeVirt serves %s/%s by vendor:device alone, from "
				 "the devices on vfio-pci when virt-handler starts, and would hand "
				 "out also %s were they on vfio-pci then: keep them off vfio-pci "
				 "(export again if that changes)",
				 s->name, prefix, names[i], host.s);
		fprintf(f, "        # [device %s]%s\n", s->name,
			external   ? ": other devices on vfio-pci have its IDs, see the warning"
			: host.len ? ": host devices have its IDs, see the warning"
				   : "");
		strbuf_done(&vfio);
		strbuf_done(&host);
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
	/* Written, but no guest gets those resources until the config or the cluster changes. */
	return r < 0 ? r : any_external;
}
