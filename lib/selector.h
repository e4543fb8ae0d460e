/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "pci.h"

enum {
	VB_SEL_ADDRESS = 1 << 0,
	VB_SEL_ID = 1 << 1,
	VB_SEL_SUBSYSTEM = 1 << 2,
	VB_SEL_CLASS = 1 << 3,
	VB_SEL_PATH = 1 << 4,
	VB_SEL_SLOT = 1 << 5,
	VB_SEL_BOOT_VGA = 1 << 6,
};

/* A `match =` line: every term present must hold. */
struct vb_selector {
	unsigned terms;
	struct vb_pci_addr addr;
	uint16_t vendor, device;
	uint16_t sub_vendor, sub_device;
	uint32_t class_code;
	unsigned class_digits; /* 4 or 6 */
	char *path;	       /* canonical: domain always present, lower case */
	char *slot;
	int boot_vga;
};

/*
 * Parses a match line. On a bad term, *bad points into text at it and the error says what
 * was expected there (a static string).
 */
int vb_selector_parse(struct vb_selector *sel, const char *text, const char **bad,
		      const char **expected);
void vb_selector_done(struct vb_selector *sel);

/* Parses a pci= topology path, "[dddd:]bb:dd.f[/dd.f]..."; *ret is canonical. */
int vb_path_parse(const char *s, char **ret);

/*
 * 1 when every term holds, 0 when one does not; -ENODATA when none is false but one cannot be
 * told because the device could not be fully read (*unknown names that term); -EAGAIN when
 * only a path= term is left to tell and the device's path is not read yet (vb_pci_load_path).
 */
int vb_selector_eval(const struct vb_selector *sel, const struct vb_pci_dev *d,
		     const char **unknown);
/*
 * vb_selector_eval(), the device's path read first (vb_pci_load_path) when only the path can
 * tell; a negative errno also when the path cannot be read.
 */
int vb_selector_eval_load(const struct vb_selector *sel, struct vb_pci_dev *d,
			  const char **unknown);
/* Whether every term holds; false too when that cannot be told. */
bool vb_selector_match(const struct vb_selector *sel, const struct vb_pci_dev *d);

/* The selector back as text, canonical, for messages. */
int vb_selector_format(const struct vb_selector *sel, char **ret);
