// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdlib.h>

#include <libvirt/virterror.h>

#include "runner-lifecycle.h"
#include "log.h"
#include "runner-network.h"
#include "util.h"

/* Whether an existing network is the one this would define: forward mode bridge on NAME. */
static bool is_ours(virNetworkPtr net, const char *name)
{
	char *xml = virNetworkGetXMLDesc(net, 0);
	_cleanup_free_ char *mode = NULL, *bridge = NULL;
	bool ok;

	if (!xml)
		return false;
	asprintf_safe(&mode, "<forward mode='bridge'");
	asprintf_safe(&bridge, "<bridge name='%s'", name);
	ok = mode && bridge && strstr(xml, mode) && strstr(xml, bridge);
	free(xml);
	return ok;
}

int net_ensure_bridge(virConnectPtr conn, const char *guest, const char *name)
{
	_cleanup_free_ char *xml = NULL;
	virNetworkPtr net = virNetworkLookupByName(conn, name);
	int active, r = 0;

	if (!net) {
		if (asprintf_safe(&xml,
				  "<network>\n  <name>%s</name>\n  <forward mode='bridge'/>\n"
				  "  <bridge name='%s'/>\n</network>\n",
				  name, name) < 0)
			return log_err(-ENOMEM, "out of memory");
		net = virNetworkDefineXML(conn, xml);
		/* Another guest's runner may have defined it just now. */
		if (!net)
			net = virNetworkLookupByName(conn, name);
		else
			log_notice(
				"guest %s: defined libvirt network %s (forward mode bridge, on bridge %s)",
				guest, name, name);
		if (!net)
			return log_err(-EIO, "guest %s: cannot define libvirt network %s: %s",
				       guest, name, lc_error());
	} else if (!is_ours(net, name))
		log_warn(
			0,
			"guest %s: libvirt network %s exists and is not a bridge network on bridge %s; leaving it as it is",
			guest, name, name);

	active = virNetworkIsActive(net);
	if (active == 0 && virNetworkCreate(net) < 0 && virNetworkIsActive(net) != 1) {
		r = log_err(-EIO, "guest %s: cannot start libvirt network %s: %s", guest, name,
			    lc_error());
	} else if (active == 0)
		log_notice("guest %s: started libvirt network %s", guest, name);
	virNetworkFree(net);
	return r;
}
