// SPDX-License-Identifier: GPL-2.0-or-later
/* The plan in words: one printer for `vfio-boot plan` and `vfio-boot-binder --dry-run`. */
#include "plan.h"

size_t vb_plan_print_section(FILE *f, const struct vb_pci *pci, const struct vb_plan_section *s)
{
	char src[300], desc[VB_PCI_DESCRIBE_MAX];
	size_t claims = 0;

	vb_plan_section_source(s, src, sizeof(src));
	fprintf(f, "[device %s] %s: %s: %s\n", s->name, src, vb_section_status_to_string(s->status),
		s->why);
	for (size_t i = 0; i < s->n_details; i++)
		fprintf(f, "  seen: %s\n", s->details[i]);
	/* Only a section that goes ahead, or waits for more, claims its devices. */
	for (size_t i = 0; i < s->n_devs && vb_plan_section_claims(s); i++) {
		vb_pci_describe(&pci->devs[s->devs[i].dev], desc, sizeof(desc));
		fprintf(f, "  claim %s (%s)\n", desc, s->devs[i].reason);
		claims++;
	}
	return claims;
}
