// SPDX-License-Identifier: GPL-2.0-or-later
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>

#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "domxml-internal.h"
#include "domxml.h"
#include "strbuf.h"
#include "sysroot.h"
#include "util.h"

const char *dom_disk_kind_name(enum dom_disk_kind k)
{
	switch (k) {
	case DOM_DISK_BLOCK:
		return "block disk";
	case DOM_DISK_FILE:
		return "file disk";
	case DOM_DISK_VOLUME:
		return "volume disk";
	case DOM_DISK_SCSI:
		return "SCSI hostdev";
	}
	return "disk";
}

/*
 * libxml2 is opened when the first domain is read, not linked: with the ICU and C++ runtimes
 * it pulls in, loading it takes longer than the generator's whole work on a hundred guests
 * without a domain XML, and the generator runs at every boot and daemon-reload. (The command
 * has it loaded already, through libvirt; dlopen() then only finds it.)
 */
struct dom_xml_lib dom_xml;

#define XML_SYM(field, name) (dom_xml.field = (typeof(dom_xml.field))dlsym(h, name))

int dom_xml_load(void)
{
	void *h;

	if (dom_xml.tried)
		return dom_xml.free_doc ? 0 : -ELIBACC;
	dom_xml.tried = true;
	h = dlopen("libxml2.so.2", RTLD_LAZY | RTLD_LOCAL);
	if (!h)
		return -ELIBACC;
	dom_xml.free = (xmlFreeFunc *)dlsym(h, "xmlFree");
	if (!XML_SYM(read_memory, "xmlReadMemory") || !XML_SYM(root, "xmlDocGetRootElement") ||
	    !XML_SYM(get_prop, "xmlGetProp") || !dom_xml.free || !*dom_xml.free ||
	    !XML_SYM(new_child, "xmlNewChild") || !XML_SYM(set_prop, "xmlSetProp") ||
	    !XML_SYM(unlink_node, "xmlUnlinkNode") || !XML_SYM(free_node, "xmlFreeNode") ||
	    !XML_SYM(dump_memory, "xmlDocDumpMemory") || !XML_SYM(free_doc, "xmlFreeDoc")) {
		dom_xml.free_doc = NULL;
		return -ELIBACC;
	}
	return 0;
}

char *dom_attr(xmlNodePtr n, const char *name)
{
	xmlChar *v = n ? dom_xml.get_prop(n, (const xmlChar *)name) : NULL;
	char *s = v ? strdup((const char *)v) : NULL;

	if (v)
		(*dom_xml.free)(v);
	return s;
}

xmlNodePtr dom_child(xmlNodePtr n, const char *name)
{
	for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && streq((const char *)c->name, name))
			return c;
	return NULL;
}

/* libvirt writes 0x-prefixed hex but reads decimal too. */
static int num_attr(xmlNodePtr n, const char *name, unsigned max, unsigned *ret)
{
	_cleanup_free_ char *s = dom_attr(n, name);
	unsigned long v;
	char *end;

	if (!s) {
		*ret = 0;
		return 0;
	}
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || v > max)
		return -EBADMSG;
	*ret = v;
	return 0;
}

int dom_pci_address(xmlNodePtr address, char buf[VB_ADDR_MAX])
{
	struct vb_pci_addr a;
	int r;

	if ((r = num_attr(address, "domain", 0xffff, &a.domain)) < 0 ||
	    (r = num_attr(address, "bus", 0xff, &a.bus)) < 0 ||
	    (r = num_attr(address, "slot", 0x1f, &a.dev)) < 0 ||
	    (r = num_attr(address, "function", 0x7, &a.fn)) < 0)
		return r;
	vb_pci_addr_format(&a, buf);
	return 0;
}

static int add_pci(struct dom_info *d, xmlNodePtr address, const char *kind)
{
	char addr[VB_ADDR_MAX];
	int r = dom_pci_address(address, addr);

	if (r < 0)
		return r;
	r = GROW(d->pci, d->alloc_pci, d->n_pci + 1);
	if (r < 0)
		return r;
	memcpy(d->pci[d->n_pci].addr, addr, VB_ADDR_MAX);
	d->pci[d->n_pci++].kind = kind;
	return 0;
}

static int add_disk(struct dom_info *d, struct dom_disk *disk)
{
	int r = GROW(d->disks, d->alloc_disks, d->n_disks + 1);

	if (r < 0)
		return r;
	d->disks[d->n_disks++] = *disk;
	return 0;
}

bool dom_is(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && streq((const char *)n->name, name);
}

bool dom_attr_is(xmlNodePtr n, const char *name, const char *value)
{
	_cleanup_free_ char *v = dom_attr(n, name);

	return v && streq(v, value);
}

static int parse_disk(struct dom_info *d, xmlNodePtr n)
{
	xmlNodePtr src = dom_child(n, "source");
	struct dom_disk disk = {0};
	_cleanup_free_ char *type = dom_attr(n, "type");
	int r;

	if (!type || !src) /* an empty CD-ROM drive has no source */
		return 0;
	if (streq(type, "block")) {
		disk.kind = DOM_DISK_BLOCK;
		disk.path = dom_attr(src, "dev");
	} else if (streq(type, "file")) {
		disk.kind = DOM_DISK_FILE;
		disk.path = dom_attr(src, "file");
	} else if (streq(type, "volume")) {
		disk.kind = DOM_DISK_VOLUME;
		disk.pool = dom_attr(src, "pool");
		disk.volume = dom_attr(src, "volume");
		if (!disk.pool || !disk.volume) {
			free(disk.pool);
			free(disk.volume);
			return 0;
		}
	} else if (streq(type, "nvme")) {
		/* The controller itself goes to the guest: it is a PCI device like a hostdev. */
		xmlNodePtr a = dom_child(src, "address");
		return a ? add_pci(d, a, "nvme disk") : 0;
	} else
		return 0; /* network disks are no block device of this host */
	if (disk.kind != DOM_DISK_VOLUME && !disk.path)
		return 0;
	disk.target = dom_attr(dom_child(n, "target"), "dev");
	r = add_disk(d, &disk);
	if (r < 0) {
		free(disk.path);
		free(disk.target);
		free(disk.pool);
		free(disk.volume);
	}
	return r;
}

static int add_usb(struct dom_info *d, xmlNodePtr n, xmlNodePtr src)
{
	xmlNodePtr addr = dom_child(src, "address");
	struct dom_usb u = {0};
	int r;

	if ((r = num_attr(addr, "bus", 0xffff, &u.bus)) < 0 ||
	    (r = num_attr(addr, "device", 0xffff, &u.device)) < 0)
		return r;
	r = GROW(d->usb, d->alloc_usb, d->n_usb + 1);
	if (r < 0)
		return r;
	u.alias = dom_attr(dom_child(n, "alias"), "name");
	d->usb[d->n_usb++] = u;
	return 0;
}

static int parse_hostdev(struct dom_info *d, xmlNodePtr n)
{
	xmlNodePtr src = dom_child(n, "source");
	_cleanup_free_ char *type = dom_attr(n, "type");
	struct dom_disk disk = {.kind = DOM_DISK_SCSI};
	xmlNodePtr adapter, addr;
	int r;

	if (!type || !src || !dom_attr_is(n, "mode", "subsystem"))
		return 0;
	if (streq(type, "pci")) {
		addr = dom_child(src, "address");
		return addr ? add_pci(d, addr, "hostdev") : 0;
	}
	if (streq(type, "usb"))
		return add_usb(d, n, src);
	if (!streq(type, "scsi") || dom_attr_is(src, "protocol", "iscsi"))
		return 0; /* mdev devices are no disks; iSCSI is not this host's */
	adapter = dom_child(src, "adapter");
	addr = dom_child(src, "address");
	if (!adapter || !addr)
		return 0;
	if ((r = num_attr(addr, "bus", 0xffff, &disk.bus)) < 0 ||
	    (r = num_attr(addr, "target", 0xffff, &disk.target_id)) < 0 ||
	    (r = num_attr(addr, "unit", 0xffffff, &disk.unit)) < 0)
		return r;
	disk.adapter = dom_attr(adapter, "name");
	if (!disk.adapter)
		return 0;
	r = add_disk(d, &disk);
	if (r < 0)
		free(disk.adapter);
	return r;
}

static int parse_devices(struct dom_info *d, xmlNodePtr devices)
{
	int r = 0;

	for (xmlNodePtr n = devices->children; n && r >= 0; n = n->next) {
		if (dom_is(n, "disk"))
			r = parse_disk(d, n);
		else if (dom_is(n, "hostdev"))
			r = parse_hostdev(d, n);
		else if (dom_is(n, "interface")) {
			xmlNodePtr src = dom_child(n, "source");

			if (dom_attr_is(n, "type", "bridge")) {
				char *br = dom_attr(src, "bridge");
				r = br ? vb_strv_push(&d->bridges, &d->n_bridges, &d->alloc_bridges,
						      br)
				       : 0;
			} else if (dom_attr_is(n, "type", "network")) {
				char *net = dom_attr(src, "network");
				r = net ? vb_strv_push(&d->networks, &d->n_networks,
						       &d->alloc_networks, net)
					: 0;
			} else if (dom_attr_is(n, "type", "hostdev")) {
				/* An SR-IOV function handed over as a network interface. */
				xmlNodePtr a = dom_child(src, "address");
				if (a && dom_attr_is(a, "type", "pci"))
					r = add_pci(d, a, "interface");
			}
		} else if (dom_is(n, "channel")) {
			xmlNodePtr t = dom_child(n, "target");
			if (dom_attr_is(t, "name", "org.qemu.guest_agent.0"))
				d->has_agent = true;
		}
	}
	return r;
}

int dom_parse(const char *text, struct dom_info *ret)
{
	xmlDocPtr doc;
	xmlNodePtr root, devices;
	int r = 0;

	*ret = (struct dom_info){0};
	r = dom_xml_load();
	if (r < 0)
		return r;
	/* No network, no entities: the XML comes from libvirt, but a parser should not trust. */
	doc = dom_xml.read_memory(text, strlen(text), "domain.xml", NULL,
				  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		return -EBADMSG;
	root = dom_xml.root(doc);
	if (!root || !dom_is(root, "domain"))
		r = -EBADMSG;
	else if ((devices = dom_child(root, "devices")))
		r = parse_devices(ret, devices);
	dom_xml.free_doc(doc);
	if (r < 0)
		dom_info_free(ret);
	return r;
}

int dom_read(const char *name, struct dom_info *ret)
{
	_cleanup_free_ char *buf = NULL;
	int r;

	*ret = (struct dom_info){0};
	/*
	 * Read here, not by libxml2: it takes a file name for a URI and may unescape "%2f" in
	 * it to a '/'.
	 */
	r = vb_readf(&buf, VB_LIBVIRT_QEMU_DIR "/%s.xml", name);
	if (r < 0)
		return r;
	return dom_parse(buf, ret);
}

void dom_info_free(struct dom_info *d)
{
	for (size_t i = 0; i < d->n_disks; i++) {
		free(d->disks[i].path);
		free(d->disks[i].target);
		free(d->disks[i].pool);
		free(d->disks[i].volume);
		free(d->disks[i].adapter);
	}
	vb_strv_free(d->bridges, d->n_bridges);
	vb_strv_free(d->networks, d->n_networks);
	for (size_t i = 0; i < d->n_usb; i++)
		free(d->usb[i].alias);
	free(d->usb);
	free(d->disks);
	free(d->pci);
	*d = (struct dom_info){0};
}
