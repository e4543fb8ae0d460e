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

/*
 * Signatures of members of something the host assembles (an md array, a ZFS pool, an LVM
 * volume group, a bcache set): as members they are no file system the guest could own alone.
 */
static bool member_type(const char *type, const char *usage)
{
	size_t n = strlen(type);

	return (usage && streq(usage, "raid")) || (n > 7 && streq(type + n - 7, "_member")) ||
	       streq(type, "bcache") || streq(type, "ceph_bluestore") || streq(type, "drbd");
}

char *cli_blkid_member(const char *node)
{
	blkid_probe pr = new_probe(node);
	const char *type = NULL, *usage = NULL, *label = NULL, *uuid = NULL;
	char *ret = NULL;

	if (!pr)
		return NULL;
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_USAGE |
						      BLKID_SUBLKS_LABEL | BLKID_SUBLKS_UUID);
	/* Full probe, not safeprobe: a member beside another signature is still a member. */
	if (blkid_do_fullprobe(pr) == 0 && blkid_probe_lookup_value(pr, "TYPE", &type, NULL) == 0) {
		(void)blkid_probe_lookup_value(pr, "USAGE", &usage, NULL);
		if (member_type(type, usage)) {
			if (blkid_probe_lookup_value(pr, "LABEL", &label, NULL) < 0 || !*label)
				label = NULL;
			if (blkid_probe_lookup_value(pr, "UUID", &uuid, NULL) < 0 || !*uuid)
				uuid = NULL;
			asprintf_safe(&ret, "TYPE=%s%s%s%s%s%s", type, label ? " LABEL=\"" : "",
				      label ? label : "", label ? "\"" : "", uuid ? " UUID=" : "",
				      uuid ? uuid : "");
		}
	}
	blkid_free_probe(pr);
	return ret;
}
