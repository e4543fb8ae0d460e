// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The guest runner's USB watch (runner-usb.h). Every event only says "look again": each one
 * reconciles the whole picture (what the [usb] sections select now against the hostdevs with
 * our mark in the live XML), so a lost, doubled or coalesced event changes nothing.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alias.h"
#include "contract.h"
#include "domxml.h"
#include "log.h"
#include "name.h"
#include "record.h"
#include "runner-usb-internal.h"
#include "strbuf.h"
#include "usb.h"
#include "util.h"

/*
 * A device not ready yet is looked at again every RETRY_MS for this long after it was first
 * seen, then left waiting until the next event.
 */
#define READY_LIMIT_USEC (10 * 1000000ULL)

static char *libvirt_live_xml(virDomainPtr dom)
{
	return virDomainGetXMLDesc(dom, 0);
}

static int libvirt_attach(virDomainPtr dom, const char *xml, unsigned flags)
{
	return virDomainAttachDeviceFlags(dom, xml, flags);
}

static int libvirt_detach(virDomainPtr dom, const char *alias, unsigned flags)
{
	return virDomainDetachDeviceAlias(dom, alias, flags);
}

static const struct usb_ops libvirt_ops = {
	.live_xml = libvirt_live_xml,
	.attach = libvirt_attach,
	.detach = libvirt_detach,
};
static const struct usb_ops *ops = &libvirt_ops;

void usb_set_ops(const struct usb_ops *o)
{
	ops = o ? o : &libvirt_ops;
}

/* Our hostdevs in the live XML: the section and index each alias names. */
struct usb_mine {
	char section[VB_NAME_MAX + 1];
	unsigned index, bus, device;
	const char *alias;
	bool keep;
};

static int read_mine(struct usb_watch *uw, struct dom_info *d, struct usb_mine **ret, size_t *n)
{
	_cleanup_free_ char *xml = ops->live_xml(uw->w->dom);
	size_t alloc = 0;
	int r;

	*ret = NULL;
	*n = 0;
	if (!xml)
		return log_err(-EIO, "guest %s: cannot read its live XML: %s", uw->w->name,
			       lc_error());
	r = dom_parse(xml, d);
	if (r < 0)
		return log_err(r, "guest %s: cannot make sense of its live XML: %m", uw->w->name);
	for (size_t i = 0; i < d->n_usb; i++) {
		struct usb_mine m = {.bus = d->usb[i].bus, .device = d->usb[i].device};
		enum vb_alias_kind kind;

		m.alias = d->usb[i].alias;
		if (!m.alias ||
		    vb_alias_parse(m.alias, &kind, m.section, sizeof(m.section), &m.index) < 0 ||
		    kind != VB_ALIAS_USB)
			continue; /* the user's */
		if (GROW(*ret, alloc, *n + 1) < 0)
			return log_err(-ENOMEM, "out of memory");
		(*ret)[(*n)++] = m;
	}
	return 0;
}

static struct usb_seen *seen_get(struct usb_watch *uw, const struct vb_usb_dev *dev)
{
	struct usb_seen *s;

	for (size_t i = 0; i < uw->n_seen; i++) {
		s = &uw->seen[i];
		if (streq(s->name, dev->name) && s->busnum == dev->busnum &&
		    s->devnum == dev->devnum)
			return s;
	}
	if (GROW(uw->seen, uw->alloc_seen, uw->n_seen + 1) < 0)
		return NULL;
	s = &uw->seen[uw->n_seen++];
	*s = (struct usb_seen){.busnum = dev->busnum, .devnum = dev->devnum};
	snprintf(s->name, sizeof(s->name), "%s", dev->name);
	s->first_usec = vb_now_usec();
	return s;
}

static void seen_prune(struct usb_watch *uw)
{
	size_t j = 0;

	for (size_t i = 0; i < uw->n_seen; i++)
		if (uw->seen[i].present) {
			uw->seen[i].present = false;
			uw->seen[j++] = uw->seen[i];
		}
	uw->n_seen = j;
}

/* What one reconcile made of a section. */
struct usb_outcome {
	enum vb_usb_state state;
	struct strbuf reason, devices;
	bool failed, waiting;
};

static void add_device(struct usb_outcome *o, const char *name, unsigned bus, unsigned device)
{
	strbuf_printf(&o->devices, "%s%s:%03u:%03u", o->devices.len ? " " : "", name, bus, device);
}

static void add_reason(struct usb_outcome *o, const char *fmt, ...) _printf_(2, 3);
static void add_reason(struct usb_outcome *o, const char *fmt, ...)
{
	int saved = errno; /* for a %m in fmt, past the separator's allocation */
	va_list ap;

	if (o->reason.len)
		strbuf_printf(&o->reason, "; ");
	errno = saved;
	va_start(ap, fmt);
	strbuf_vprintf(&o->reason, fmt, ap);
	va_end(ap);
}

static const struct vb_usb_dev *by_number(const struct vb_usb *u, unsigned bus, unsigned device)
{
	for (size_t i = 0; i < u->n; i++)
		if (u->v[i].busnum == bus && u->v[i].devnum == device)
			return &u->v[i];
	return NULL;
}

/* The port a device gone from the bus had, from the section's last record ("" if not there). */
static void port_was(const char *devices, unsigned bus, unsigned device, char *buf, size_t size)
{
	char tail[32];
	const char *p = devices, *end;

	*buf = '\0';
	snprintf(tail, sizeof(tail), ":%03u:%03u", bus, device);
	while (p && *p) {
		end = strchrnul(p, ' ');
		if ((size_t)(end - p) > strlen(tail) &&
		    !strncmp(end - strlen(tail), tail, strlen(tail))) {
			snprintf(buf, size, "%.*s ", (int)(end - p - strlen(tail)), p);
			return;
		}
		p = *end ? end + 1 : end;
	}
}

/* 0, or -EIO when libvirt refused (logged, and said in o): the hostdev, and its mark, stay. */
static int detach(struct usb_watch *uw, const struct vb_usb_section *s, const char *was,
		  const struct usb_mine *m, const struct vb_usb *u, const char *why,
		  struct usb_outcome *o)
{
	const struct vb_usb_dev *now = by_number(u, m->bus, m->device);
	char desc[256], port[VB_USB_NAME_MAX + 1];

	if (now)
		vb_usb_describe(now, desc, sizeof(desc));
	else {
		port_was(was, m->bus, m->device, port, sizeof(port));
		snprintf(desc, sizeof(desc), "%s(bus %u device %u)", port, m->bus, m->device);
	}
	if (ops->detach(uw->w->dom, m->alias, VIR_DOMAIN_AFFECT_LIVE) < 0) {
		log_err(-EIO, "guest %s: [usb %s] cannot detach %s: %s", uw->w->name, s->name, desc,
			lc_error());
		add_reason(o, "cannot detach %s: %s", desc, lc_error());
		o->failed = true;
		return -EIO;
	}
	log_notice("guest %s: [usb %s] detached %s (%s)", uw->w->name, s->name, desc, why);
	return 0;
}

/* The lowest index of section from idx on that no hostdev of ours keeps. */
static unsigned free_index(const struct usb_mine *mine, size_t n_mine, const char *section,
			   unsigned idx)
{
	for (;; idx++) {
		bool used = false;

		for (size_t i = 0; i < n_mine && !used; i++)
			used = mine[i].keep && mine[i].index == idx &&
			       streq(mine[i].section, section);
		if (!used)
			return idx;
	}
}

static int attach(struct usb_watch *uw, const struct vb_usb_section *s, const struct vb_usb_dev *d,
		  unsigned idx, struct usb_outcome *o)
{
	char alias[VB_ALIAS_MAX], desc[256], xml[512];
	int r;

	vb_usb_describe(d, desc, sizeof(desc));
	r = vb_alias_format(VB_ALIAS_USB, s->name, idx, alias, sizeof(alias));
	if (r < 0)
		return log_err(r, "guest %s: [usb %s] cannot name its hostdev: %m", uw->w->name,
			       s->name);
	/*
	 * By bus and device number, not vendor and product: exact, and two identical devices
	 * stay apart. Live only: the numbers are gone with the next plug.
	 */
	snprintf(xml, sizeof(xml),
		 "<hostdev mode='subsystem' type='usb'><source><address bus='%u' device='%u'/>"
		 "</source><alias name='%s'/></hostdev>",
		 d->busnum, d->devnum, alias);
	if (ops->attach(uw->w->dom, xml, VIR_DOMAIN_AFFECT_LIVE) < 0) {
		log_err(-EIO, "guest %s: [usb %s] cannot attach %s: %s", uw->w->name, s->name, desc,
			lc_error());
		add_reason(o, "libvirt refused %s: %s", desc, lc_error());
		o->failed = true;
		return -EIO;
	}
	log_notice("guest %s: [usb %s] attached %s", uw->w->name, s->name, desc);
	add_device(o, d->name, d->busnum, d->devnum);
	return 0;
}

/* A device s selects that is not ready: waiting, and whether to look again soon. */
static void not_ready(struct usb_watch *uw, const struct vb_usb_dev *d, struct usb_outcome *o)
{
	struct usb_seen *seen = seen_get(uw, d);
	char desc[256];

	vb_usb_describe(d, desc, sizeof(desc));
	o->waiting = true;
	if (!seen) {
		add_reason(o, "%s is not ready yet", desc);
		return;
	}
	seen->present = true;
	if (!uw->watching)
		add_reason(
			o,
			"%s was not ready (no driver or no /dev/bus/usb node) when the guest started; only guest run keeps watching",
			desc);
	else if (vb_now_usec() - seen->first_usec < READY_LIMIT_USEC) {
		add_reason(o, "%s is not ready yet (no driver or no /dev/bus/usb node)", desc);
		uw->retry = true;
	} else
		add_reason(
			o,
			"%s has not become ready in %llu s (no driver or no /dev/bus/usb node); waiting for its next event",
			desc, READY_LIMIT_USEC / 1000000ULL);
}

/*
 * Said once for as long as the same devices make it ambiguous: every udev event of any other
 * device looks again, and would say it again.
 */
static void ambiguous(struct usb_watch *uw, const struct vb_usb_section *s,
		      const struct usb_sec *prev, const struct vb_usb *u, struct usb_outcome *o)
{
	struct strbuf list = {0};
	char desc[256];
	size_t n = 0;

	for (size_t i = 0; i < u->n; i++)
		if (vb_usb_matches(s, &u->v[i])) {
			strbuf_printf(&list, "%s%s", n++ ? ", " : "",
				      vb_usb_describe(&u->v[i], desc, sizeof(desc)));
		}
	add_reason(
		o,
		"%zu devices match and count is %d: %s; none attached: set serial = or port = to tell them apart",
		n, s->count, list.s ? list.s : "");
	if (prev->state != VB_USB_AMBIGUOUS || !prev->reason || !o->reason.s ||
	    !streq(prev->reason, o->reason.s))
		log_err(0, "guest %s: [usb %s] %s", uw->w->name, s->name,
			o->reason.s ? o->reason.s : "");
	strbuf_done(&list);
}

static void section_reconcile(struct usb_watch *uw, size_t si, const struct vb_usb *u,
			      struct usb_mine *mine, size_t n_mine, struct usb_outcome *o)
{
	const struct vb_usb_section *s = &uw->wait->usb[si];
	const char *was = uw->sec[si].devices;
	_cleanup_free_ size_t *idx = NULL;
	unsigned next = 0;
	size_t n = 0;
	int r;

	r = vb_usb_select(s, u, &idx, &n);
	if (r == -E2BIG) {
		/* Fail closed: not even the one attached before stays, nothing tells which. */
		ambiguous(uw, s, &uw->sec[si], u, o);
		for (size_t i = 0; i < n_mine; i++)
			if (streq(mine[i].section, s->name))
				(void)detach(uw, s, was, &mine[i], u, "the section is ambiguous",
					     o);
		o->state = VB_USB_AMBIGUOUS;
		return;
	}
	if (r < 0) {
		/* What is attached stays: a device that cannot be read is not known gone. */
		errno = -r;
		add_reason(o, "cannot read a USB device it may select: %m");
		log_err(r, "guest %s: [usb %s] cannot read a USB device it may select: %m",
			uw->w->name, s->name);
		for (size_t i = 0; i < n_mine; i++)
			if (streq(mine[i].section, s->name)) {
				mine[i].keep = true;
				add_device(o, "?", mine[i].bus, mine[i].device);
			}
		o->state = VB_USB_FAILED;
		return;
	}
	for (size_t i = 0; i < n_mine; i++) {
		bool found = false;

		if (!streq(mine[i].section, s->name))
			continue;
		for (size_t j = 0; j < n && !found; j++)
			found = u->v[idx[j]].busnum == mine[i].bus &&
				u->v[idx[j]].devnum == mine[i].device;
		/* One that libvirt would not detach keeps its mark: no new hostdev may take it. */
		if (found || detach(uw, s, was, &mine[i], u, "unplugged or re-enumerated", o) < 0)
			mine[i].keep = true;
	}
	for (size_t j = 0; j < n; j++) {
		const struct vb_usb_dev *d = &u->v[idx[j]];
		bool kept = false;

		for (size_t i = 0; i < n_mine && !kept; i++)
			kept = mine[i].keep && streq(mine[i].section, s->name) &&
			       mine[i].bus == d->busnum && mine[i].device == d->devnum;
		if (kept)
			add_device(o, d->name, d->busnum, d->devnum);
		else if (!vb_usb_ready(d))
			not_ready(uw, d, o);
		else {
			next = free_index(mine, n_mine, s->name, next);
			(void)attach(uw, s, d, next++, o);
		}
	}
	if (o->failed)
		o->state = VB_USB_FAILED;
	else if (o->waiting)
		o->state = VB_USB_WAITING;
	else
		o->state = o->devices.len ? VB_USB_ATTACHED : VB_USB_ABSENT;
}

/*
 * Ours, of a section wait no longer lists (usb = changed while the guest ran): no longer this
 * guest's, and the guest that lists the section now could never have its device.
 */
static void detach_unlisted(struct usb_watch *uw, const struct vb_usb *u,
			    const struct usb_mine *mine, size_t n_mine)
{
	for (size_t i = 0; i < n_mine; i++) {
		struct vb_usb_section s = {.name = mine[i].section};
		struct usb_outcome o = {0};
		bool listed = false;

		for (size_t j = 0; j < uw->wait->n_usb && !listed; j++)
			listed = streq(uw->wait->usb[j].name, mine[i].section);
		if (listed)
			continue;
		(void)detach(uw, &s, NULL, &mine[i], u, "usb = no longer lists it", &o);
		strbuf_done(&o.reason);
		strbuf_done(&o.devices);
	}
}

static void write_record(const char *guest, const struct vb_usb_section *s, struct usb_sec *sec,
			 enum vb_usb_state state, const char *reason, const char *devices)
{
	struct vb_record rec = {0};
	char *rs, *ds;
	int r;

	reason = reason ? reason : "";
	devices = devices ? devices : "";
	if (sec->state == (int)state && sec->reason && streq(sec->reason, reason) && sec->devices &&
	    streq(sec->devices, devices))
		return;
	if (sec->state != (int)state)
		sec->since = time(NULL);
	rs = strdup(reason);
	ds = strdup(devices);
	free(sec->reason);
	free(sec->devices);
	sec->reason = rs;
	sec->devices = ds;
	sec->state = state;
	vb_record_add(&rec, VB_KEY_NAME, "%s", s->name);
	vb_record_add(&rec, VB_KEY_STATUS, "%s", vb_usb_state_to_string(state));
	if (*reason)
		vb_record_add(&rec, VB_KEY_REASON, "%s", reason);
	vb_record_add_time_at(&rec, sec->since, VB_BY_RUNNER);
	vb_record_add(&rec, VB_KEY_GUEST, "%s", guest);
	vb_record_add(&rec, VB_KEY_DEVICES, "%s", devices);
	r = vb_record_write(&rec, VB_RECORD_USB, s->name);
	if (r < 0)
		log_warn(r, "guest %s: [usb %s] cannot write its record: %m", guest, s->name);
}

void usb_reconcile(struct usb_watch *uw)
{
	struct vb_usb u = {0};
	struct dom_info d = {0};
	struct usb_mine *mine = NULL;
	size_t n_mine = 0;
	int r;

	/*
	 * Reconnecting to libvirt: the events that come meanwhile are read and gone, so look
	 * again soon, until the domain is back (the reconnect has its own bound).
	 */
	if (!uw->w->dom || uw->w->closed) {
		if (uw->timer >= 0)
			virEventUpdateTimeout(uw->timer, RETRY_MS);
		return;
	}
	uw->retry = false;
	r = vb_usb_scan(&u);
	if (r < 0) {
		log_err(r, "guest %s: cannot read the USB devices: %m", uw->w->name);
		goto out;
	}
	if (read_mine(uw, &d, &mine, &n_mine) < 0)
		goto out;
	for (size_t i = 0; i < uw->wait->n_usb; i++) {
		const struct vb_usb_section *s = &uw->wait->usb[i];
		struct usb_outcome o = {0};

		section_reconcile(uw, i, &u, mine, n_mine, &o);
		write_record(uw->w->name, s, &uw->sec[i], o.state, o.reason.s, o.devices.s);
		strbuf_done(&o.reason);
		strbuf_done(&o.devices);
	}
	detach_unlisted(uw, &u, mine, n_mine);
	seen_prune(uw);
out:
	/* After a failure, the next event looks again: no retry for as long as it fails. */
	if (uw->timer >= 0)
		virEventUpdateTimeout(uw->timer, uw->retry ? RETRY_MS : -1);
	free(mine);
	dom_info_free(&d);
	vb_usb_free(&u);
}

void usb_write_detached(const char *guest, const struct vb_usb_section *s, struct usb_sec *sec)
{
	write_record(guest, s, sec, VB_USB_DETACHED, "the guest stopped", "");
}

void usb_records_detached(const char *guest, const struct vb_guest_wait *wait)
{
	for (size_t i = 0; wait && i < wait->n_usb; i++) {
		struct usb_sec sec = {.state = -1};

		usb_write_detached(guest, &wait->usb[i], &sec);
		free(sec.reason);
		free(sec.devices);
	}
}
