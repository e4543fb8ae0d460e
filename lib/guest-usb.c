// SPDX-License-Identifier: GPL-2.0-or-later
/* [guest] sections' usb = : one [usb] section to one guest, and the runner's copies of them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "guest-internal.h"
#include "log.h"
#include "util.h"

/* The guest whose usb = names a section first, in file order, has it: a later claim is refused. */
int vb_guest_check_usb(struct vb_apply *a, const struct vb_setting *st)
{
	const struct guest_env *env = a->env;
	const struct vb_guest *g = a->obj;

	for (size_t i = 0; i < g->n_usb; i++) {
		struct vb_usb_section *u =
			(struct vb_usb_section *)vb_usb_section_find(a->cfg, g->usb[i]);
		const struct vb_section *sec = NULL;

		for (size_t j = 0; !u && j < a->cfg->n_sections; j++)
			if (a->cfg->sections[j].type == VB_SEC_USB &&
			    streq(a->cfg->sections[j].name, g->usb[i]))
				sec = &a->cfg->sections[j];
		if (!u && !sec)
			vb_apply_error(a, st, "usb: no [usb %s] in the configuration", g->usb[i]);
		else if (!u)
			vb_apply_error(a, st, "usb: [usb %s] (%s:%u) is skipped", g->usb[i],
				       sec->file, sec->line);
		else if (!u->guest)
			u->guest = g->name;
		else if (!streq(u->guest, g->name)) {
			const struct vb_guest *first = vb_guest_find(env->guests, u->guest);

			vb_apply_error(
				a, st,
				"usb: [usb %s] belongs to [guest %s] (%s:%u): a USB section goes to one guest",
				g->usb[i], u->guest, first ? first->file : "?",
				first ? first->line : 0);
		}
	}
	return 0;
}

static void usb_copy_free(struct vb_usb_section *u)
{
	free((char *)u->name);
	free(u->serial);
	free(u->port);
}

/* The [usb] sections g has (a section it names that another guest has is not its). */
int vb_guest_usb_copies(const struct vb_config *cfg, const struct vb_guest *g,
			struct vb_guest_wait *wait)
{
	if (!g->n_usb || wait->usb)
		return 0;
	wait->usb = calloc(g->n_usb, sizeof(*wait->usb));
	if (!wait->usb)
		return -ENOMEM;
	for (size_t i = 0; i < g->n_usb; i++) {
		const struct vb_usb_section *u = vb_usb_section_find(cfg, g->usb[i]);
		struct vb_usb_section *c = &wait->usb[wait->n_usb];
		bool dup = false;

		for (size_t j = 0; u && j < wait->n_usb; j++)
			dup |= streq(wait->usb[j].name, u->name);
		if (!u || dup || !streq_ptr(u->guest, g->name))
			continue;
		*c = (struct vb_usb_section){.has_id = u->has_id,
					     .vendor = u->vendor,
					     .product = u->product,
					     .count = u->count,
					     .line = u->line};
		wait->n_usb++;
		c->name = strdup(u->name);
		c->serial = u->serial ? strdup(u->serial) : NULL;
		c->port = u->port ? strdup(u->port) : NULL;
		if (!c->name || (u->serial && !c->serial) || (u->port && !c->port))
			return -ENOMEM;
	}
	return 0;
}

void vb_guest_usb_copies_free(struct vb_guest_wait *wait)
{
	for (size_t i = 0; i < wait->n_usb; i++)
		usb_copy_free(&wait->usb[i]);
	free(wait->usb);
}
