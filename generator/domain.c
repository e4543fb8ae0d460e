// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "domain.h"
#include "sysroot.h"
#include "util.h"

static void xmlFreep(xmlChar **p)
{
	if (*p)
		xmlFree(*p);
}

static int add(char ***v, size_t *n, size_t *alloc, const char *s)
{
	char *dup;
	int r;

	for (size_t i = 0; i < *n; i++)
		if (streq((*v)[i], s))
			return 0;
	r = grow_array((void **)v, alloc, *n + 1, sizeof(**v));
	if (r < 0)
		return r;
	dup = strdup(s);
	if (!dup)
		return -ENOMEM;
	(*v)[(*n)++] = dup;
	return 0;
}

static bool is(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && streq((const char *)n->name, name);
}

static int read_disk(const xmlNode *disk, struct domain_disks *d)
{
	_cleanup_(xmlFreep) xmlChar *type = xmlGetProp(disk, (const xmlChar *)"type");
	bool block, file;

	block = type && streq((const char *)type, "block");
	file = type && streq((const char *)type, "file");
	if (!block && !file)
		return 0;
	for (const xmlNode *c = disk->children; c; c = c->next) {
		_cleanup_(xmlFreep) xmlChar *src = NULL;

		if (!is(c, "source"))
			continue;
		src = xmlGetProp(c, (const xmlChar *)(block ? "dev" : "file"));
		if (!src || !*src)
			continue;
		if (block)
			return add(&d->block, &d->n_block, &d->alloc_block, (const char *)src);
		return add(&d->file, &d->n_file, &d->alloc_file, (const char *)src);
	}
	return 0;
}

int domain_disks_read(const char *name, struct domain_disks *d)
{
	_cleanup_free_ char *rel = NULL, *buf = NULL;
	xmlDoc *doc;
	xmlNode *root;
	int r = 0;

	*d = (struct domain_disks){0};
	r = asprintf_safe(&rel, VB_LIBVIRT_QEMU_DIR "/%s.xml", name);
	if (r < 0)
		return r;
	/*
	 * Read here, not by libxml2: it takes a file name for a URI and may unescape "%2f" in
	 * it to a '/'.
	 */
	r = vb_read_file(rel, &buf);
	if (r < 0)
		return r;
	/* No network, no external entities, no messages on stderr: a broken file is one error. */
	doc = xmlReadMemory(buf, strlen(buf), "domain.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		return -EBADMSG;
	root = xmlDocGetRootElement(doc);
	if (!root || !is(root, "domain")) {
		xmlFreeDoc(doc);
		return -EBADMSG;
	}
	for (const xmlNode *devs = root->children; devs && r >= 0; devs = devs->next) {
		if (!is(devs, "devices"))
			continue;
		for (const xmlNode *n = devs->children; n && r >= 0; n = n->next)
			if (is(n, "disk"))
				r = read_disk(n, d);
	}
	xmlFreeDoc(doc);
	if (r < 0)
		domain_disks_free(d);
	return r;
}

void domain_disks_free(struct domain_disks *d)
{
	for (size_t i = 0; i < d->n_block; i++)
		free(d->block[i]);
	free(d->block);
	for (size_t i = 0; i < d->n_file; i++)
		free(d->file[i]);
	free(d->file);
	*d = (struct domain_disks){0};
}
