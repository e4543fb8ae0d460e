/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>

/*
 * The mark vfio-boot puts on the hostdevs it adds to a domain: a libvirt user alias
 * ("ua-" is the prefix libvirt keeps for aliases a user chose, and keeps across restarts and
 * in the persistent definition), naming the kind, the section and the device's place in it:
 *
 *   ua-vfio-boot-pci-SECTION-N   the Nth device (0, 1, ...) claimed for [device SECTION]
 *   ua-vfio-boot-usb-SECTION-N   the Nth device of [usb SECTION] attached
 *
 * libvirt takes only letters, digits, '_' and '-' in an alias, so SECTION is written with '_'
 * as "__" and '.' as "_d"; N is last, after the last '-'. A hostdev without this mark is the
 * user's, and is left as written.
 */

#define VB_ALIAS_PREFIX "ua-vfio-boot-"
#define VB_ALIAS_MAX	(sizeof(VB_ALIAS_PREFIX) + 4 + 2 * 64 + 1 + 10 + 1)

enum vb_alias_kind {
	VB_ALIAS_PCI,
	VB_ALIAS_USB,
};

/* The alias of device index of section; -ENAMETOOLONG when it does not fit size. */
int vb_alias_format(enum vb_alias_kind kind, const char *section, unsigned index, char *buf,
		    size_t size);

/*
 * The kind, section and index an alias names; -EINVAL when it is not one of ours (a user's
 * alias, libvirt's own "hostdev0"), -ENAMETOOLONG when the section does not fit size.
 */
int vb_alias_parse(const char *alias, enum vb_alias_kind *kind, char *section, size_t size,
		   unsigned *index);
