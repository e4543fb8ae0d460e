// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-boot export sriov-dp: the SR-IOV network device plugin's config.json, one resourceList
 * pool per section, pinned to its devices' PCI addresses, so that identical devices are never
 * swapped between resources. From the plugin's own source (sriov-network-device-plugin commit
 * 40b6f507):
 *   - pkg/types/types.go: ResourceConfig (resourceName, resourcePrefix, deviceType,
 *     selectors, additionalInfo); SupportedDevices: the netDevice pools are made of network
 *     controllers (PCI class 0x02) only and the accelerator pools of processing accelerators
 *     (0x12) only: cmd/sriovdp/manager.go discoverHostDevices() hands each provider only the
 *     devices of its class (pkg/accelerator/accelDeviceProvider.go AddTargetDevices()).
 *   - AccelDeviceSelectors and NetDeviceSelectors both take vendors, devices, drivers and
 *     pciAddresses, compared as ghw shows them: lower-case hex IDs without 0x, full addresses
 *     (pkg/resources/deviceSelectors.go).
 *   - pkg/infoprovider/extraInfoProvider.go: additionalInfo, keyed by PCI address, reaches the
 *     pod with its device: where the identity that has no selector goes.
 *   - cmd/sriovdp/manager.go validConfigs(): resourceName ^[a-zA-Z0-9_-]+$, unique with its
 *     prefix (export-k8s.c makes both).
 * A device of another class (a GPU, an NVMe drive) is written all the same, so that its pool
 * is ready for a plugin that discovers it, and said on stderr: the plugin as released leaves
 * that pool empty.
 * The pools are for pods and for KubeVirt's SR-IOV network interfaces (a
 * NetworkAttachmentDefinition whose k8s.v1.cni.cncf.io/resourceName names the pool), not for
 * KubeVirt's permittedHostDevices: the plugin hands a pod its addresses in
 * PCIDEVICE_<prefix>_<name> (pkg/resources/pool_stub.go GetEnvs()), and KubeVirt reads a host
 * device's from PCI_RESOURCE_<name> (see export-kubevirt.c).
 */
#include <errno.h>
#include <stdlib.h>

#include "export.h"
#include "json.h"
#include "log.h"
#include "util.h"

#define CLASS_NETWORK	  0x02
#define CLASS_ACCELERATOR 0x12

static unsigned base_class(const struct export_dev *d)
{
	return d->pci->class_code >> 16;
}

/* The type of the first device whose class the plugin discovers; else accelerator. */
static const char *device_type(const struct export_section *s)
{
	for (size_t k = 0; k < s->n_devs; k++) {
		if (base_class(&s->devs[k]) == CLASS_NETWORK)
			return "netDevice";
		if (base_class(&s->devs[k]) == CLASS_ACCELERATOR)
			return "accelerator";
	}
	return "accelerator";
}

static bool discovered_as(const struct export_dev *d, const char *type)
{
	return base_class(d) ==
	       (streq(type, "netDevice") ? CLASS_NETWORK : (unsigned)CLASS_ACCELERATOR);
}

/* The distinct vendor (or device) IDs of s, as the plugin's selectors compare them. */
static void id_list(struct json *j, const char *key, const struct export_section *s, bool vendor)
{
	json_open(j, key, '[');
	for (size_t k = 0; k < s->n_devs; k++) {
		unsigned id = vendor ? s->devs[k].pci->vendor : s->devs[k].pci->device;
		bool seen = false;
		char buf[8];

		for (size_t i = 0; i < k && !seen; i++)
			seen = id == (vendor ? s->devs[i].pci->vendor : s->devs[i].pci->device);
		if (seen)
			continue;
		snprintf(buf, sizeof(buf), "%04x", id);
		json_str(j, NULL, buf);
	}
	json_close(j, ']');
}

static void identity(struct json *j, const struct export_section *s, const struct export_dev *d)
{
	const struct vb_pci_dev *p = d->pci;
	char buf[32];

	json_open(j, p->addr, '{');
	json_str(j, "vfio-boot-section", s->name);
	snprintf(buf, sizeof(buf), "%04x:%04x", p->vendor, p->device);
	json_str(j, "vendor-device", buf);
	snprintf(buf, sizeof(buf), "%04x:%04x", p->sub_vendor, p->sub_device);
	json_str(j, "subsystem", buf);
	json_str(j, "path", p->path ? p->path : "unknown");
	if (p->iommu_group >= 0)
		snprintf(buf, sizeof(buf), "%d", p->iommu_group);
	json_str(j, "iommu-group", p->iommu_group >= 0 ? buf : "none");
	if (d->serial)
		json_str(j, "serial", d->serial);
	json_close(j, '}');
}

int export_sriov_dp(const struct export *e, FILE *f)
{
	char **names = NULL;
	const char *prefix;
	struct json j;
	int r;

	r = export_k8s_prefix(e, &prefix);
	if (r < 0)
		return r;
	r = export_k8s_names(e, &names);
	if (r < 0)
		return r;
	json_init(&j, f);
	json_open(&j, NULL, '{');
	json_open(&j, "resourceList", '[');
	for (size_t i = 0; i < e->n_secs; i++) {
		const struct export_section *s = &e->secs[i];
		const char *type = device_type(s);

		for (size_t k = 0; k < s->n_devs; k++)
			if (!discovered_as(&s->devs[k], type))
				log_warn(
					0,
					"[device %s]: %s (class 0x%06x) is not a device the SR-IOV "
					"network device plugin discovers for deviceType %s (network "
					"controllers 0x02, processing accelerators 0x12): %s/%s will "
					"lack it",
					s->name, s->devs[k].pci->addr, s->devs[k].pci->class_code,
					type, prefix, names[i]);
		json_open(&j, NULL, '{');
		json_str(&j, "resourceName", names[i]);
		json_str(&j, "resourcePrefix", prefix);
		json_str(&j, "deviceType", type);
		json_open(&j, "selectors", '{');
		id_list(&j, "vendors", s, true);
		id_list(&j, "devices", s, false);
		json_open(&j, "drivers", '[');
		json_str(&j, NULL, "vfio-pci");
		json_close(&j, ']');
		json_open(&j, "pciAddresses", '[');
		for (size_t k = 0; k < s->n_devs; k++)
			json_str(&j, NULL, s->devs[k].pci->addr);
		json_close(&j, ']');
		json_close(&j, '}');
		json_open(&j, "additionalInfo", '{');
		for (size_t k = 0; k < s->n_devs; k++)
			identity(&j, s, &s->devs[k]);
		json_close(&j, '}');
		json_close(&j, '}');
	}
	json_close(&j, ']');
	json_close(&j, '}');
	json_end(&j);
	export_k8s_names_free(names, e->n_secs);
	return 0;
}
