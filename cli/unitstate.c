// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A unit's state from systemd itself, over sd-bus: `systemctl is-active` would be a process
 * per guest and text to parse, and /run/systemd/units is systemd's private state, not an
 * interface. GetUnit only answers for loaded units; a unit that is not loaded is inactive,
 * which is what systemctl says of it too.
 */
#include <errno.h>
#include <systemd/sd-bus.h>

#include "readonly.h"
#include "util.h"

static sd_bus *bus;

int unit_state(const char *unit, char **ret)
{
	sd_bus_error err = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	const char *path;
	int r;

	if (!bus) {
		r = sd_bus_open_system(&bus);
		if (r < 0)
			return r;
	}
	r = sd_bus_call_method(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
			       "org.freedesktop.systemd1.Manager", "GetUnit", &err, &reply, "s",
			       unit);
	if (r < 0) {
		bool not_loaded =
			sd_bus_error_has_name(&err, "org.freedesktop.systemd1.NoSuchUnit");

		sd_bus_error_free(&err);
		if (!not_loaded)
			return r;
		*ret = strdup("inactive");
		return *ret ? 0 : -ENOMEM;
	}
	r = sd_bus_message_read(reply, "o", &path);
	if (r >= 0)
		r = sd_bus_get_property_string(bus, "org.freedesktop.systemd1", path,
					       "org.freedesktop.systemd1.Unit", "ActiveState", &err,
					       ret);
	sd_bus_error_free(&err);
	sd_bus_message_unref(reply);
	return r < 0 ? r : 0;
}
