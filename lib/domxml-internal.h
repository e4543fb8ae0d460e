/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What domxml.c (the reader) and domxml-edit.c (the editor) share: libxml2's functions, opened
 * with dlopen() (domxml.c says why), and the few ways of looking at a node.
 */

#include <stdbool.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "pci.h"

struct dom_xml_lib {
	bool tried;
	typeof(xmlReadMemory) *read_memory;
	typeof(xmlDocGetRootElement) *root;
	typeof(xmlFreeDoc) *free_doc;
	typeof(xmlGetProp) *get_prop;
	xmlFreeFunc *free; /* libxml2's xmlFree is a variable */
	typeof(xmlNewChild) *new_child;
	typeof(xmlSetProp) *set_prop;
	typeof(xmlUnlinkNode) *unlink_node;
	typeof(xmlFreeNode) *free_node;
	typeof(xmlDocDumpMemory) *dump_memory;
};

extern struct dom_xml_lib dom_xml;

/* Opens libxml2 at the first call: 0, or -ELIBACC when it cannot be loaded. */
int dom_xml_load(void);

/* The attribute name of n (NULL when n is NULL or has none), malloc'd. */
char *dom_attr(xmlNodePtr n, const char *name);
/* The first element child of n named name, or NULL. */
xmlNodePtr dom_child(xmlNodePtr n, const char *name);
/* Whether n is an element named name. */
bool dom_is(xmlNodePtr n, const char *name);
/* Whether n has the attribute name, equal to value. */
bool dom_attr_is(xmlNodePtr n, const char *name, const char *value);
/* A PCI <address domain bus slot function/> as "dddd:bb:dd.f"; -EBADMSG when out of range. */
int dom_pci_address(xmlNodePtr address, char buf[VB_ADDR_MAX]);
