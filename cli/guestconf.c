// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>

#include "config.h"
#include "guestconf.h"
#include "log.h"
#include "util.h"

int guestconf_read(const char *file, const char *name, uint64_t *timeout_usec, char **bridge)
{
	struct vb_config cfg;
	int level = vb_log_get_max_level(), r;

	/* Problems elsewhere in the file are the generator's to report, at every boot. */
	vb_log_set_max_level(LOG_CRIT);
	r = vb_config_load(&cfg, file);
	vb_log_set_max_level(level);
	if (r == -ENOENT && !file) {
		vb_config_free(&cfg);
		return 0;
	}
	if (r < 0) {
		vb_config_free(&cfg);
		return r;
	}
	for (size_t i = 0; i < cfg.n_sections && r >= 0; i++) {
		const struct vb_section *sec = &cfg.sections[i];
		const struct vb_setting *st;

		if (sec->type != VB_SEC_GUEST || sec->bad || !streq_ptr(sec->name, name))
			continue;
		st = vb_section_get(sec, "shutdown-timeout");
		if (st && vb_parse_duration(st->value, timeout_usec) < 0)
			r = log_err(-EINVAL, "%s:%u: shutdown-timeout = \"%s\": not a duration",
				    st->file, st->line, st->value);
		st = vb_section_get(sec, "bridge");
		if (st && r >= 0 && !*bridge) {
			*bridge = strdup(st->value);
			if (!*bridge)
				r = -ENOMEM;
		}
	}
	vb_config_free(&cfg);
	return r;
}
