// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alias.h"
#include "util.h"

static const char *const kind_names[] = {
	[VB_ALIAS_PCI] = "pci",
	[VB_ALIAS_USB] = "usb",
};

int vb_alias_format(enum vb_alias_kind kind, const char *section, unsigned index, char *buf,
		    size_t size)
{
	size_t len;
	int n;

	if ((size_t)kind >= ELEMENTSOF(kind_names))
		return -EINVAL;
	n = snprintf(buf, size, VB_ALIAS_PREFIX "%s-", kind_names[kind]);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	len = (size_t)n;
	for (const char *p = section; *p; p++) {
		const char *out = *p == '_' ? "__" : *p == '.' ? "_d" : NULL;
		size_t w = out ? 2 : 1;

		if (len + w >= size)
			return -ENAMETOOLONG;
		if (out)
			memcpy(buf + len, out, 2);
		else
			buf[len] = *p;
		len += w;
	}
	n = snprintf(buf + len, size - len, "-%u", index);
	if (n < 0 || (size_t)n >= size - len)
		return -ENAMETOOLONG;
	return 0;
}

int vb_alias_parse(const char *alias, enum vb_alias_kind *kind, char *section, size_t size,
		   unsigned *index)
{
	const char *p, *dash;
	unsigned long v;
	size_t len = 0;
	char *end;
	int k = -1;

	if (!alias || strncmp(alias, VB_ALIAS_PREFIX, strlen(VB_ALIAS_PREFIX)) != 0)
		return -EINVAL;
	p = alias + strlen(VB_ALIAS_PREFIX);
	for (size_t i = 0; i < ELEMENTSOF(kind_names); i++)
		if (strncmp(p, kind_names[i], 3) == 0 && p[3] == '-')
			k = (int)i;
	if (k < 0)
		return -EINVAL;
	p += 4;
	dash = strrchr(p, '-');
	if (!dash || dash == p || dash[1] < '0' || dash[1] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(dash + 1, &end, 10);
	if (errno || *end || v > 0xffffffffUL || (dash[1] == '0' && dash[2]))
		return -EINVAL;
	for (; p < dash; p++) {
		char c = *p;

		if (c == '_') {
			if (p + 1 >= dash || (p[1] != '_' && p[1] != 'd'))
				return -EINVAL;
			c = p[1] == '_' ? '_' : '.';
			p++;
		}
		if (len + 1 >= size)
			return -ENAMETOOLONG;
		section[len++] = c;
	}
	section[len] = '\0';
	*kind = (enum vb_alias_kind)k;
	*index = (unsigned)v;
	return 0;
}
