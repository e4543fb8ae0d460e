// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel double's error injection: ROOT/.mock/inject, re-read on every use
 * (tests/mock/fixture.h documents the rules).
 */
#include "sysfs-mock.h"

/* ------------------------------------------------------------------------ */
/* Error injection: ROOT/.mock/inject, re-read on every use.                */

/* Third word of the first "VERB ARG VALUE" line, or false. */
bool inject_find(const char *verb, const char *arg, char *out, size_t size)
{
	char path[PATH_MAX], text[16384], *line, *save = NULL;

	if (read_file(at_root(path, MOCK_INJECT), text, sizeof(text)) < 0)
		return false;
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char *w[3], *wsave = NULL;
		int n = 0;

		for (char *t = strtok_r(line, " \t", &wsave); t != NULL && n < 3;
		     t = strtok_r(NULL, " \t", &wsave))
			w[n++] = t;
		if (n == 3 && strcmp(w[0], verb) == 0 && strcmp(w[1], arg) == 0) {
			copy_str(out, size, w[2]);
			return true;
		}
	}
	return false;
}

int inject_errno(const char *verb, const char *arg)
{
	char value[64];

	if (!inject_find(verb, arg, value, sizeof(value)))
		return 0;
	return mock_errno_parse(value) ?: EIO;
}

/* "write RELPATH ERRNO" names the file as the test sees it, possibly via links. */
int inject_write_errno(const char *canonical)
{
	char path[PATH_MAX], text[16384], *line, *save = NULL;

	if (read_file(at_root(path, MOCK_INJECT), text, sizeof(text)) < 0)
		return 0;
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char *verb, *rel, *err, *wsave = NULL, resolved[PATH_MAX];

		verb = strtok_r(line, " \t", &wsave);
		rel = strtok_r(NULL, " \t", &wsave);
		err = strtok_r(NULL, " \t", &wsave);
		if (verb == NULL || rel == NULL || err == NULL || strcmp(verb, "write") != 0)
			continue;
		while (*rel == '/')
			rel++;
		if (real_realpath(at_root(path, "%s", rel), resolved) == NULL)
			copy_str(resolved, sizeof(resolved), path);
		if (strcmp(resolved, canonical) == 0)
			return mock_errno_parse(err) ?: EIO;
		/* "DIR/": every file below DIR, whatever its (perhaps random) name. */
		size_t len = strlen(resolved);
		if (rel[0] != '\0' && rel[strlen(rel) - 1] == '/' &&
		    strncmp(canonical, resolved, len) == 0 && canonical[len] == '/')
			return mock_errno_parse(err) ?: EIO;
	}
	return 0;
}
