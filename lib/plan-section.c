// SPDX-License-Identifier: GPL-2.0-or-later
/* A section of the plan as it is built: its devices, its status and the details it reports. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "plan-internal.h"
#include "util.h"

int vb_plan_add_detail(struct vb_plan_section *s, const char *fmt, ...)
{
	va_list ap;
	char *line;
	int r;

	r = GROW(s->details, s->alloc_details, s->n_details + 1);
	if (r < 0)
		return r;
	va_start(ap, fmt);
	r = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	s->details[s->n_details++] = line;
	return 0;
}

int vb_plan_set_status(struct vb_plan_section *s, enum vb_section_status st, const char *fmt, ...)
{
	va_list ap;
	int r;

	free(s->why);
	s->why = NULL;
	s->status = st;
	va_start(ap, fmt);
	r = vasprintf(&s->why, fmt, ap);
	va_end(ap);
	if (r < 0) {
		s->why = NULL;
		return -ENOMEM;
	}
	return 0;
}

bool vb_plan_section_has(const struct vb_plan_section *s, size_t dev)
{
	for (size_t i = 0; i < s->n_devs; i++)
		if (s->devs[i].dev == dev)
			return true;
	return false;
}

int vb_plan_add_dev(struct vb_plan_section *s, size_t dev, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (vb_plan_section_has(s, dev))
		return 0;
	r = GROW(s->devs, s->alloc_devs, s->n_devs + 1);
	if (r < 0)
		return r;
	va_start(ap, fmt);
	r = vasprintf(&s->devs[s->n_devs].reason, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	s->devs[s->n_devs++].dev = dev;
	return 0;
}

void vb_plan_drop_devs(struct vb_plan_section *s)
{
	for (size_t i = 0; i < s->n_devs; i++)
		free(s->devs[i].reason);
	s->n_devs = 0;
}

bool vb_plan_section_claims(const struct vb_plan_section *s)
{
	return s->status == VB_PLAN_OK || (s->status == VB_SECTION_PENDING && s->n_devs > 0);
}
