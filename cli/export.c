// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-boot export ENGINE: the devices claimed at this boot, in the config words of KubeVirt,
 * the SR-IOV network device plugin, OpenStack Nova or Proxmox VE. Only devices on vfio-pci now
 * are exported: an engine told of a device the host still drives would hand it to a guest that
 * cannot start, or worse. What is left out is said on stderr, and the exit status says so.
 */
#include <errno.h>

#include "export.h"
#include "log.h"
#include "readonly.h"
#include "sysroot.h"
#include "util.h"

const struct export_engine export_engines[] = {
	{"kubevirt", "KubeVirt permittedHostDevices (pciHostDevices)", export_kubevirt},
	{"sriov-dp", "SR-IOV network device plugin resourceList (pciAddresses)", export_sriov_dp},
	{"nova", "OpenStack Nova [pci] device_spec and alias", export_nova},
	{"proxmox", "Proxmox VE PCI resource mappings (pvesh create /cluster/mapping/pci)",
	 export_proxmox, true},
};
const size_t export_n_engines = ELEMENTSOF(export_engines);

static const char usage[] =
	"Usage: vfio-boot export [--root DIR] [--config FILE] [--node NAME] [--prefix NAME] ENGINE\n"
	"\n"
	"The devices claimed for vfio-pci at this boot, as ENGINE's config:\n"
	"  kubevirt   KubeVirt permittedHostDevices (pciHostDevices)\n"
	"  sriov-dp   SR-IOV network device plugin resourceList (pciAddresses)\n"
	"  nova       OpenStack Nova [pci] device_spec and alias\n"
	"  proxmox    Proxmox VE PCI resource mappings (pvesh create /cluster/mapping/pci)\n"
	"Each [device] section is one resource, named after it. --node names the host\n"
	"(default: the tree's /etc/hostname); --prefix the resource names' vendor part.\n"
	"Exits 2 when a configured device is not on vfio-pci (it is left out), or when\n"
	"the engine cannot tell a resource's devices apart (kubevirt: see the warning).\n";

/* The host's name as the engines know it: its static hostname, read from the tree. */
static int node_name(const char *given, char **ret)
{
	_cleanup_free_ char *s = NULL;
	int r;

	if (given) {
		*ret = strdup(given);
		return *ret ? 0 : -ENOMEM;
	}
	r = vb_read_file("/etc/hostname", &s);
	if (r < 0)
		return r;
	s[strcspn(s, " \t\r\n")] = '\0';
	if (!*s)
		return -ENODATA;
	*ret = TAKE_PTR(s);
	return 0;
}

int export_collect(struct export *e, const char *config)
{
	int r = status_collect(&e->st, config);

	if (r < 0)
		return r;
	if (!e->st.have_cfg)
		return log_err(-ENOENT, "no config: nothing is claimed, nothing to export");
	e->secs = calloc(e->st.n_secs + 1, sizeof(*e->secs));
	if (!e->secs)
		return log_err(-ENOMEM, "out of memory");
	for (size_t i = 0; i < e->st.n_secs; i++) {
		const struct section_status *ss = &e->st.secs[i];
		struct export_section *es = &e->secs[e->n_secs];

		es->devs = calloc(ss->n_devs + 1, sizeof(*es->devs));
		if (!es->devs)
			return log_err(-ENOMEM, "out of memory");
		/* Counted at once, so that export_free() frees it when a device below fails. */
		e->n_secs++;
		es->name = ss->name;
		for (size_t k = 0; k < ss->n_devs; k++) {
			const struct dev_status *ds = &ss->devs[k];
			const struct vb_pci_dev *p;
			struct export_dev *ed;

			if (!ds->on_vfio) {
				log_warn(0, "[device %s]: %s is not on vfio-pci (%s): left out",
					 ss->name, ds->addr,
					 ds->n_reasons ? ds->reasons[0] : "no driver");
				e->n_left_out++;
				continue;
			}
			p = vb_pci_find(&e->st.pci, ds->addr);
			r = vb_pci_load_sriov((struct vb_pci_dev *)p);
			if (r < 0)
				return log_err(r, "%s: reading its SR-IOV state: %m", ds->addr);
			/*
			 * Its IDs, group and whether it is a VF go into the engines' fields:
			 * unread, they would be 0000:0000, no group or not a VF, which no engine
			 * matches to this device.
			 */
			if (p->unknown &
			    (VB_PCI_UNKNOWN_IDS | VB_PCI_UNKNOWN_GROUP | VB_PCI_UNKNOWN_SRIOV)) {
				log_warn(0, "[device %s]: %s cannot be read (%s): left out",
					 ss->name, ds->addr, strna(p->unreadable));
				e->n_left_out++;
				continue;
			}
			ed = &es->devs[es->n_devs++];
			ed->pci = p;
			r = vb_pci_load_path((struct vb_pci_dev *)ed->pci);
			if (r < 0)
				return log_err(r, "%s: reading its topology path: %m", ds->addr);
			r = export_dev_serial(ds->addr, &ed->serial);
			if (r < 0 && r != -ENOENT)
				return log_err(r, "%s: reading its serial number: %m", ds->addr);
		}
		if (es->n_devs)
			continue;
		e->n_secs--;
		free(es->devs);
		es->devs = NULL;
		/* As status judges it: still to come is no problem, claiming nothing is. */
		if (ss->n_devs)
			continue; /* each device was warned of above */
		if (status_section_pending(ss))
			log_warn(
				0,
				"[device %s]: its devices come after boot%s%s%s: export again once they are claimed",
				ss->name, ss->reason ? " (" : "", ss->reason ? ss->reason : "",
				ss->reason ? ")" : "");
		else if (ss->plan != VB_PLAN_NONE) {
			log_warn(0, "[device %s]: claims nothing at this boot (%s): left out",
				 ss->name, ss->why ? ss->why : "no device");
			e->n_left_out++;
		}
	}
	return 0;
}

void export_free(struct export *e)
{
	for (size_t i = 0; i < e->n_secs; i++) {
		for (size_t k = 0; k < e->secs[i].n_devs; k++)
			free(e->secs[i].devs[k].serial);
		free(e->secs[i].devs);
	}
	free(e->secs);
	free(e->node);
	status_free(&e->st);
}

int export_main(int argc, char **argv)
{
	_cleanup_(export_free) struct export e = {0};
	const struct export_engine *eng = NULL;
	struct inspect_opts o;
	int r;

	r = cli_parse(argc, argv, usage, OPT_TARGET | OPT_EXPORT, &o);
	if (r >= 0)
		return r;
	for (size_t i = 0; i < export_n_engines; i++)
		if (streq(o.target, export_engines[i].name))
			eng = &export_engines[i];
	if (!eng) {
		fprintf(stderr, "vfio-boot: export: no engine \"%s\"\n%s", o.target, usage);
		return EXIT_USAGE;
	}
	e.prefix = o.prefix;
	if (export_collect(&e, o.config) < 0)
		return EXIT_ERROR;
	r = eng->needs_node ? node_name(o.node, &e.node) : 0;
	if (r < 0) {
		log_err(r, "the host's name: %s/etc/hostname: %m; name it with --node", vb_root());
		return EXIT_ERROR;
	}
	r = eng->write(&e, stdout);
	if (r < 0) {
		log_err(r, "export %s: %m", eng->name);
		return EXIT_ERROR;
	}
	return e.n_left_out || r > 0 ? EXIT_PROBLEM : EXIT_OK;
}
