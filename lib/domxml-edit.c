// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "domxml-internal.h"
#include "domxml.h"
#include "util.h"

struct dom_doc {
	xmlDocPtr doc;
	xmlNodePtr devices;
	struct dom_hostdev *hostdevs;
	xmlNodePtr *nodes; /* hostdevs[i]'s element */
	size_t n, alloc, alloc_nodes;
};

static int add_hostdev(struct dom_doc *d, xmlNodePtr n)
{
	xmlNodePtr src = dom_child(n, "source"), a = dom_child(src, "address");
	xmlNodePtr guest = dom_child(n, "address");
	struct dom_hostdev h = {0};
	int r;

	if (!a)
		return -EBADMSG;
	r = dom_pci_address(a, h.addr);
	if (r == 0 && guest && dom_attr_is(guest, "type", "pci"))
		r = dom_pci_address(guest, h.guest_addr);
	if (r < 0)
		return r;
	if (GROW(d->hostdevs, d->alloc, d->n + 1) < 0 ||
	    GROW(d->nodes, d->alloc_nodes, d->n + 1) < 0)
		return -ENOMEM;
	h.alias = dom_attr(dom_child(n, "alias"), "name");
	d->hostdevs[d->n] = h;
	d->nodes[d->n++] = n;
	return 0;
}

int dom_doc_parse(const char *text, struct dom_doc **ret)
{
	struct dom_doc *d;
	xmlNodePtr root;
	int r;

	*ret = NULL;
	r = dom_xml_load();
	if (r < 0)
		return r;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->doc = dom_xml.read_memory(text, strlen(text), "domain.xml", NULL,
				     XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	root = d->doc ? dom_xml.root(d->doc) : NULL;
	if (!root || !dom_is(root, "domain")) {
		dom_doc_free(d);
		return -EBADMSG;
	}
	d->devices = dom_child(root, "devices");
	for (xmlNodePtr n = d->devices ? d->devices->children : NULL; n && r >= 0; n = n->next)
		if (dom_is(n, "hostdev") && dom_attr_is(n, "mode", "subsystem") &&
		    dom_attr_is(n, "type", "pci"))
			r = add_hostdev(d, n);
	if (r < 0) {
		dom_doc_free(d);
		return r;
	}
	*ret = d;
	return 0;
}

void dom_doc_free(struct dom_doc *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++)
		free(d->hostdevs[i].alias);
	if (d->doc)
		dom_xml.free_doc(d->doc);
	free(d->hostdevs);
	free(d->nodes);
	free(d);
}

const struct dom_hostdev *dom_doc_hostdevs(const struct dom_doc *d, size_t *n)
{
	*n = d->n;
	return d->hostdevs;
}

/* The four attributes of a PCI address, as libvirt writes them. */
static int set_pci_address(xmlNodePtr a, const char *addr)
{
	struct vb_pci_addr pa;
	char v[4][8];
	static const char *const names[] = {"domain", "bus", "slot", "function"};

	if (vb_pci_addr_parse(addr, &pa) < 0)
		return -EINVAL;
	snprintf(v[0], sizeof(v[0]), "0x%04x", pa.domain);
	snprintf(v[1], sizeof(v[1]), "0x%02x", pa.bus);
	snprintf(v[2], sizeof(v[2]), "0x%02x", pa.dev);
	snprintf(v[3], sizeof(v[3]), "0x%x", pa.fn);
	for (size_t i = 0; i < ELEMENTSOF(names); i++)
		if (!dom_xml.set_prop(a, (const xmlChar *)names[i], (const xmlChar *)v[i]))
			return -ENOMEM;
	return 0;
}

int dom_doc_set_source(struct dom_doc *d, size_t i, const char *addr)
{
	xmlNodePtr a = dom_child(dom_child(d->nodes[i], "source"), "address");
	int r = set_pci_address(a, addr);

	if (r == 0)
		memcpy(d->hostdevs[i].addr, addr, VB_ADDR_MAX);
	return r;
}

void dom_doc_remove(struct dom_doc *d, size_t i)
{
	if (d->hostdevs[i].removed)
		return;
	dom_xml.unlink_node(d->nodes[i]);
	dom_xml.free_node(d->nodes[i]);
	d->nodes[i] = NULL;
	d->hostdevs[i].removed = true;
}

static xmlNodePtr new_child(xmlNodePtr parent, const char *name)
{
	return dom_xml.new_child(parent, NULL, (const xmlChar *)name, NULL);
}

static bool set(xmlNodePtr n, const char *name, const char *value)
{
	return n && dom_xml.set_prop(n, (const xmlChar *)name, (const xmlChar *)value);
}

int dom_doc_add(struct dom_doc *d, const char *addr, const char *alias)
{
	xmlNodePtr h, src, a, al;

	if (!d->devices) {
		d->devices = new_child(dom_xml.root(d->doc), "devices");
		if (!d->devices)
			return -ENOMEM;
	}
	h = new_child(d->devices, "hostdev");
	if (!set(h, "mode", "subsystem") || !set(h, "type", "pci") || !set(h, "managed", "no"))
		return -ENOMEM;
	src = new_child(h, "source");
	a = src ? new_child(src, "address") : NULL;
	al = new_child(h, "alias");
	if (!a || !set(al, "name", alias))
		return -ENOMEM;
	return set_pci_address(a, addr);
}

int dom_doc_dump(struct dom_doc *d, char **ret)
{
	xmlChar *buf = NULL;
	int len = 0;

	dom_xml.dump_memory(d->doc, &buf, &len);
	if (!buf)
		return -ENOMEM;
	*ret = strndup((const char *)buf, (size_t)len);
	(*dom_xml.free)(buf);
	return *ret ? 0 : -ENOMEM;
}
