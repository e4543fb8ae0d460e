// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>

#include "util.h"

int grow_array(void **array, size_t *alloc, size_t need, size_t size)
{
	size_t n;
	void *p;

	if (need <= *alloc)
		return 0;
	n = *alloc ? *alloc * 2 : 8;
	while (n < need)
		n *= 2;
	if (n > SIZE_MAX / size)
		return -ENOMEM;
	p = realloc(*array, n * size);
	if (!p)
		return -ENOMEM;
	memset((char *)p + *alloc * size, 0, (n - *alloc) * size);
	*array = p;
	*alloc = n;
	return 0;
}

int asprintf_safe(char **ret, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(ret, fmt, ap);
	va_end(ap);
	if (r < 0) {
		*ret = NULL;
		return -ENOMEM;
	}
	return 0;
}
