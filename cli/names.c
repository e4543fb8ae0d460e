// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Names from pci.ids through libpci. The database is the running system's, not the one under
 * --root: names describe ids, and a captured tree carries no pci.ids of its own.
 */
#include <pci/pci.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "readonly.h"
#include "util.h"

static struct pci_access *pacc;

/* libpci calls these on a broken pci.ids; pci_init() would set defaults but also probe the bus. */
static void quiet(char *msg _unused_, ...)
{
}

static void PCI_NONRET fatal(char *msg, ...)
{
	va_list ap;

	va_start(ap, msg);
	fputs("vfio-boot: libpci: ", stderr);
	vfprintf(stderr, msg, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(EXIT_ERROR);
}

static struct pci_access *access_get(void)
{
	if (!pacc) {
		pacc = pci_alloc();
		/* No DNS queries for unknown ids, and no hardware access: we only look up. */
		if (pacc) {
			pacc->error = fatal;
			pacc->warning = quiet;
			pacc->debug = quiet;
		}
	}
	return pacc;
}

/* PCI_LOOKUP_NO_NUMBERS: NULL for ids pci.ids does not know, not a made-up "Device 1234". */
#define LOOKUP(flags, ...)                                                                    \
	({                                                                                    \
		static char buf[256];                                                         \
		struct pci_access *_a = access_get();                                         \
		char *_r = _a ? pci_lookup_name(_a, buf, sizeof(buf),                         \
						(flags) | PCI_LOOKUP_NO_NUMBERS, __VA_ARGS__) \
			      : NULL;                                                         \
		_r &&*_r ? (const char *)_r : NULL;                                           \
	})

const char *names_vendor(uint16_t vendor)
{
	return LOOKUP(PCI_LOOKUP_VENDOR, vendor);
}

const char *names_device(uint16_t vendor, uint16_t device)
{
	return LOOKUP(PCI_LOOKUP_DEVICE, vendor, device);
}

const char *names_subsystem(uint16_t vendor, uint16_t device, uint16_t sv, uint16_t sd)
{
	/* Bridges often have none; libpci would answer with the device's own name. */
	if (!sv && !sd)
		return NULL;
	return LOOKUP(PCI_LOOKUP_SUBSYSTEM | PCI_LOOKUP_DEVICE, vendor, device, sv, sd);
}

const char *names_class(uint32_t class_code)
{
	return LOOKUP(PCI_LOOKUP_CLASS, class_code >> 8);
}

void names_free(void)
{
	if (pacc)
		pci_cleanup(pacc);
	pacc = NULL;
}
