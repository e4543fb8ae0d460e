// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <string.h>

#include "name.h"
#include "util.h"

bool vb_name_valid(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max || s[0] == '.')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_-.", *s))
			return false;
	return true;
}

bool vb_ifname_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 15 || streq(s, ".") || streq(s, ".."))
		return false;
	if (strspn(s, "0123456789") == n)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.-", *s))
			return false;
	return true;
}
