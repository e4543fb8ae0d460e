// SPDX-License-Identifier: GPL-2.0-or-later
/* The Prometheus text format's labels, for status and check. */
#include <stdio.h>

#include "prom.h"
#include "util.h"

void prom_label(const char *key, const char *value, bool last)
{
	printf("%s=\"", key);
	for (const char *p = value ? value : ""; *p;) {
		size_t n = utf8_char_len(p);

		if (n == 0)
			fputs("\xef\xbf\xbd", stdout);
		else if (*p == '\\' || *p == '"')
			printf("\\%c", *p);
		else if (*p == '\n')
			printf("\\n");
		else
			fwrite(p, 1, n, stdout);
		p += n ? n : 1;
	}
	printf("\"%s", last ? "" : ",");
}
