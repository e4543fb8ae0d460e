// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>

#include "domxml.h"
#include "escape.h"
#include "guest-dropin.h"
#include "log.h"
#include "paths.h"
#include "strbuf.h"

/* The template's TimeoutStartSec, which a start delay adds to. */
#define START_TIMEOUT_SEC 300
/* Time for `vfio-boot guest stop` to destroy the domain once its own timeout is up. */
#define STOP_SLACK_SEC 30

static void order_after(struct strbuf *b, const char *dep, const char *unit)
{
	strbuf_printf(b, "%s=%s\nAfter=%s\n", dep, unit, unit);
}

static void add_bridge(struct strbuf *b, const struct vb_guest *g)
{
	_cleanup_free_ char *unit = NULL, *dev = NULL, *path = NULL;

	if (vb_unit_instance(VB_BRIDGE_UNIT_PREFIX, g->bridge, "service", VB_UNIT_NAME_MAX, &unit) <
		    0 ||
	    asprintf_safe(&path, "/sys/subsystem/net/devices/%s", g->bridge) < 0 ||
	    vb_unit_from_path(path, "device", &dev) < 0) {
		b->error = -ENOMEM; /* bridge names are plain and short: nothing else fails */
		return;
	}
	order_after(b, "Wants", unit);
	/* The guest's tap device needs the bridge interface itself, not only its config. */
	order_after(b, "Requires", dev);
}

/*
 * RequiresMountsFor= splits on white space and takes quotes and backslashes as syntax: a path
 * with spaces is written in double quotes, one with other white space, quotes or backslashes
 * is left out.
 */
static bool mount_path_ok(const char *p)
{
	_cleanup_free_ char *esc = NULL;

	/* Absolute and without "..": systemd ignores other paths here. */
	if (vb_escape_path(p, &esc) < 0)
		return false;
	for (; *p; p++)
		if ((unsigned char)*p < ' ' || strchr("\"'\\", *p) || *p == 0x7f)
			return false;
	return true;
}

static void warn_no_xml(const struct vb_guest *g)
{
	log_warn(
		0,
		"%s:%u: [guest %s]: no %s/%s.xml (a domain not defined yet, or not in qemu:///system): not ordered after its disks",
		g->file, g->line, g->name, VB_LIBVIRT_QEMU_DIR, g->name);
}

/* The guests named in one message at most; the rest are counted. */
#define NO_XML_NAMED 10

void guest_notes_flush(struct guest_notes *notes, const struct vb_guests *all)
{
	_cleanup_free_ char *names = NULL;
	struct strbuf b = {0};
	size_t n = notes->n_no_xml;

	if (n == 1)
		warn_no_xml(vb_guest_find(all, notes->no_xml[0]));
	for (size_t i = 0; n > 1 && i < n && i < NO_XML_NAMED; i++)
		strbuf_printf(&b, "%s%s", i ? ", " : "", notes->no_xml[i]);
	if (n > NO_XML_NAMED)
		strbuf_printf(&b, " and %zu more", n - NO_XML_NAMED);
	/* Out of memory, the count alone still says it. */
	if (n > 1 && strbuf_take(&b, &names) < 0)
		names = NULL;
	if (n > 1)
		log_warn(
			0,
			"%zu guests have no domain XML in %s (domains not defined yet, or not in qemu:///system): not ordered after their disks: %s",
			n, VB_LIBVIRT_QEMU_DIR, names ? names : "(names left out: out of memory)");
	strbuf_done(&b);
	vb_strv_free(notes->no_xml, notes->n_no_xml);
	*notes = (struct guest_notes){0};
}

/* The same path twice in a domain (a disk and its copy) is waited for once. */
static bool seen_before(const struct dom_info *d, size_t i)
{
	for (size_t k = 0; k < i; k++)
		if (d->disks[k].kind == d->disks[i].kind &&
		    streq(d->disks[k].path, d->disks[i].path))
			return true;
	return false;
}

static void add_block_disk(struct strbuf *b, const struct vb_guest *g, const char *path)
{
	_cleanup_free_ char *unit = NULL;
	int r;

	r = vb_unit_from_path(path, "device", &unit);
	if (r == -ENOMEM) {
		b->error = r;
		return;
	}
	if (r < 0) {
		log_warn(
			0,
			"%s:%u: [guest %s]: disk \"%s\" %s: not waiting for it (the guest runner still checks it)",
			g->file, g->line, g->name, path,
			r == -ENAMETOOLONG ? "has a name too long for a systemd device unit"
					   : "is not an absolute path without \"..\"");
		return;
	}
	order_after(b, "Requires", unit);
}

static void add_file_disk(struct strbuf *b, const struct vb_guest *g, const char *path)
{
	const char *quote;

	if (!mount_path_ok(path)) {
		log_warn(
			0,
			"%s:%u: [guest %s]: disk image \"%s\": not an absolute path without \"..\", tabs, newlines, quotes or backslashes: not waiting for its file system",
			g->file, g->line, g->name, path);
		return;
	}
	quote = strchr(path, ' ') ? "\"" : "";
	strbuf_printf(b, "RequiresMountsFor=%s", quote);
	/* '%' starts a specifier in unit files. */
	for (const char *p = path; *p; p++)
		strbuf_printf(b, *p == '%' ? "%%%%" : "%c", *p);
	strbuf_printf(b, "%s\n", quote);
}

static void add_disks(struct strbuf *b, const struct vb_guest *g, struct guest_notes *notes)
{
	struct dom_info d;
	int r;

	r = dom_read(g->name, &d);
	if (r == -ENOENT && notes) {
		if (vb_strv_add(&notes->no_xml, &notes->n_no_xml, &notes->alloc_no_xml, g->name) <
		    0)
			b->error = -ENOMEM;
		return;
	}
	if (r == -ENOENT) {
		warn_no_xml(g);
		return;
	}
	if (r < 0) {
		log_warn(
			r,
			"%s:%u: [guest %s]: cannot read %s/%s.xml (%s): not ordered after its disks",
			g->file, g->line, g->name, VB_LIBVIRT_QEMU_DIR, g->name,
			r == -EBADMSG  ? "not a libvirt domain XML"
			: r == -EBADFD ? "not a regular file"
				       : strerror(-r));
		return;
	}
	/* Block devices first, then image files, each in the domain's order. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < d.n_disks; i++) {
			const struct dom_disk *k = &d.disks[i];

			if (k->kind != (pass ? DOM_DISK_FILE : DOM_DISK_BLOCK) || !*k->path ||
			    seen_before(&d, i))
				continue;
			if (pass)
				add_file_disk(b, g, k->path);
			else
				add_block_disk(b, g, k->path);
		}
	dom_info_free(&d);
}

/* "30", "0.5": GNU sleep takes fractions. */
static void print_seconds(struct strbuf *b, uint64_t usec)
{
	unsigned long long sec = usec / 1000000, frac = usec % 1000000;
	int digits = 6;

	if (!frac) {
		strbuf_printf(b, "%llu", sec);
		return;
	}
	while (frac % 10 == 0) {
		frac /= 10;
		digits--;
	}
	strbuf_printf(b, "%llu.%0*llu", sec, digits, frac);
}

int guest_dropin(const struct vb_guest *g, const struct vb_guests *all, char **ret)
{
	return guest_dropin_noting(g, all, NULL, ret);
}

int guest_dropin_noting(const struct vb_guest *g, const struct vb_guests *all,
			struct guest_notes *notes, char **ret)
{
	_cleanup_free_ char *deps = NULL, *name = NULL, *file = NULL;
	struct strbuf u = {0}, b = {0};
	unsigned long stop_sec = vb_usec_to_sec_ceil(g->shutdown_timeout_usec);
	uint64_t extra_usec = g->start_delay_usec;
	int r;

	/* Wants= pulls them in; After= starts this later and, at shutdown, stops it first. */
	for (size_t i = 0; i < g->n_after; i++)
		order_after(&u, "Wants", vb_guest_find(all, g->after[i])->unit);
	if (g->bridge)
		add_bridge(&u, g);
	add_disks(&u, g, notes);
	r = strbuf_take(&u, &deps);
	if (r < 0)
		return r;

	/* Both come from the config: a file name may hold a newline, which would start a
	 * setting. */
	if (vb_escape_comment(g->name, &name) < 0 || vb_escape_comment(g->file, &file) < 0)
		return -ENOMEM;
	strbuf_printf(&b,
		      "# Made by vfio-boot-generator from [guest %s] at %s:%u.\n"
		      "# See vfio-boot-generator(8); change the config, not this file.\n",
		      name, file, g->line);
	if (*deps)
		strbuf_printf(&b, "[Unit]\n%s\n", deps);
	strbuf_printf(&b, "[Service]\n");
	if (g->n_devices) {
		/* "--": a section name may start with '-'. */
		strbuf_printf(&b, "ExecStartPre=%s/vfio-boot-claimed --", VB_LIBEXECDIR);
		for (size_t i = 0; i < g->n_devices; i++)
			strbuf_printf(&b, " %s", g->devices[i]);
		strbuf_printf(&b, "\n");
	}
	if (g->start_delay_usec) {
		strbuf_printf(&b, "ExecStartPre=%s ", VB_SLEEP);
		print_seconds(&b, g->start_delay_usec);
		strbuf_printf(&b, "\n");
	}
	/* The template's timeout holds the default device-wait; a longer one adds to it. */
	if (g->n_devices && g->device_wait_usec > VB_DEVICE_WAIT_DEFAULT)
		extra_usec += g->device_wait_usec;
	if (extra_usec)
		strbuf_printf(&b, "TimeoutStartSec=%lu\n",
			      START_TIMEOUT_SEC + vb_usec_to_sec_ceil(extra_usec));
	strbuf_printf(&b, "Environment=VFIO_BOOT_SHUTDOWN_TIMEOUT=%lu\nTimeoutStopSec=%lu\n",
		      stop_sec, stop_sec + STOP_SLACK_SEC);
	/* The runner exits 2 when it refuses to start the guest: that stays so until the host
	 * changes, so it is not retried. */
	if (g->restart_on_failure)
		strbuf_printf(&b,
			      "Restart=on-failure\nRestartSec=10s\nRestartPreventExitStatus=2\n");
	return strbuf_take(&b, ret);
}
