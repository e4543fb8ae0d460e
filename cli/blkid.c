// SPDX-License-Identifier: GPL-2.0-or-later
#include <blkid/blkid.h>
#include <stdlib.h>

#include "blkid.h"
#include "sysroot.h"
#include "util.h"

static blkid_probe new_probe(const char *node)
{
	_cleanup_free_ char *p = NULL;

	if (vb_path(node, &p) < 0)
		return NULL;
	return blkid_new_probe_from_filename(p);
}

char *cli_blkid_describe(const char *node)
{
	blkid_probe pr = new_probe(node);
	const char *type = NULL, *label = NULL;
	char *ret = NULL;

	if (!pr)
		return NULL;
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_LABEL);
	blkid_probe_enable_partitions(pr, 1);
	/* safeprobe: an ambiguous device (two signatures) reports nothing rather than a guess. */
	if (blkid_do_safeprobe(pr) == 0) {
		if (blkid_probe_lookup_value(pr, "TYPE", &type, NULL) == 0) {
			if (blkid_probe_lookup_value(pr, "LABEL", &label, NULL) == 0 && *label)
				asprintf_safe(&ret, "%s \"%s\"", type, label);
			else
				ret = strdup(type);
		} else if (blkid_probe_lookup_value(pr, "PTTYPE", &type, NULL) == 0)
			asprintf_safe(&ret, "%s partition table", type);
	}
	blkid_free_probe(pr);
	return ret;
}
