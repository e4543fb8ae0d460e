/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Domains of libvirt's test driver for the tests that call the runner in their own process
 * (test:///default keeps defined domains per process): define one from its <devices>, read its
 * persistent definition back, and count what it holds. Header-only, as runner-fixture.h.
 */
#ifndef VFIO_BOOT_TESTS_RUNNER_DOMAIN_H
#define VFIO_BOOT_TESTS_RUNNER_DOMAIN_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/libvirt.h>

/* A hostdev as libvirt writes it, for source bus:slot.fn, with an alias and a guest address. */
#define RD_HOSTDEV(bus, fn, extra)                                                            \
	"<hostdev mode='subsystem' type='pci' managed='no'><source><address domain='0x0000' " \
	"bus='0x" bus "' slot='0x00' function='0x" fn "'/></source>" extra "</hostdev>"
#define RD_ALIAS(name) "<alias name='" name "'/>"
#define RD_GUEST(bus, fn) \
	"<address type='pci' domain='0x0000' bus='0x" bus "' slot='0x00' function='0x" fn "'/>"

/* Defines the shut-off domain name with devices (the inside of <devices>). */
static inline virDomainPtr rd_define(virConnectPtr conn, const char *name, const char *devices)
{
	char xml[4096];

	snprintf(xml, sizeof(xml),
		 "<domain type='test'><name>%s</name><memory>1048576</memory><vcpu>1</vcpu>"
		 "<os><type>hvm</type></os><devices>%s</devices></domain>",
		 name, devices);
	return virDomainDefineXML(conn, xml);
}

/* The persistent definition (malloc'd). */
static inline char *rd_inactive_xml(virDomainPtr d)
{
	return virDomainGetXMLDesc(d, VIR_DOMAIN_XML_INACTIVE);
}

static inline size_t rd_count(const char *text, const char *needle)
{
	size_t n = 0;

	for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/*
 * The <hostdev> element of text whose alias is alias, copied (malloc'd), or NULL: what a test
 * looks at to see that a hostdev kept its guest address.
 */
static inline char *rd_hostdev_with(const char *text, const char *alias)
{
	const char *a = strstr(text, alias), *start, *end;
	char *copy;

	if (!a)
		return NULL;
	for (start = a; start > text && strncmp(start, "<hostdev", 8) != 0; start--)
		;
	end = strstr(a, "</hostdev>");
	if (!end)
		return NULL;
	copy = strndup(start, (size_t)(end - start) + strlen("</hostdev>"));
	return copy;
}

#endif
