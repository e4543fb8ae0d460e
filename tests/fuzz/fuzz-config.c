// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for everything that reads text a user or boot loader wrote: the config
 * parser and resolver, and, on the same bytes, the match-line, pci= path and kernel command
 * line parsers.
 *
 * A form feed splits the input into two files, so that sections repeated across files (the
 * conf.d merge) are exercised too; config files have no other use for it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "config.h"
#include "log.h"
#include "selector.h"

/* The messages are built even though no one reads them: that is where %.*s and the like live. */
static void sink(void *userdata, int level, const char *msg)
{
	(void)userdata;
	(void)level;
	(void)msg;
}

static void fuzz_config(const char *data, size_t size)
{
	struct vb_config cfg = {0};
	/* An empty input may come with a NULL pointer, which memchr must not see. */
	const char *ff = size ? memchr(data, '\f', size) : NULL;

	if (ff) {
		if (vb_config_parse(&cfg, "/etc/vfio-boot/vfio-boot.conf", data, ff - data) == 0)
			vb_config_parse(&cfg, "/etc/vfio-boot/conf.d/50-fuzz.conf", ff + 1,
					size - (ff - data) - 1);
	} else {
		vb_config_parse(&cfg, "/etc/vfio-boot/vfio-boot.conf", data, size);
	}
	vb_config_resolve(&cfg);
	/* The binder formats every device's selector for its messages and records. */
	for (size_t i = 0; i < cfg.n_devices; i++) {
		char *s = NULL;
		if (vb_selector_format(&cfg.devices[i].sel, &s) == 0)
			free(s);
	}
	vb_config_free(&cfg);
}

static void fuzz_strings(const char *s)
{
	struct vb_selector sel;
	struct vb_cmdline cmd;
	struct vb_pci_addr a;
	const char *bad, *expected;
	char *out = NULL;
	uint64_t usec;

	if (vb_selector_parse(&sel, s, &bad, &expected) == 0) {
		if (vb_selector_format(&sel, &out) == 0)
			free(out);
		vb_selector_done(&sel);
	}
	if (vb_path_parse(s, &out) == 0)
		free(out);
	/* On failure the claims read so far are still to be freed. */
	vb_cmdline_parse(&cmd, s);
	vb_cmdline_free(&cmd);
	vb_pci_addr_parse(s, &a);
	vb_parse_duration(s, &usec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy;

	vb_log_set_sink(sink, NULL);
	vb_log_set_max_level(LOG_DEBUG);

	fuzz_config((const char *)data, size);

	copy = malloc(size + 1);
	if (!copy)
		return 0;
	if (size)
		memcpy(copy, data, size);
	copy[size] = '\0';
	fuzz_strings(copy);
	free(copy);
	return 0;
}
