// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * PCI by section (runner-hostdev.h): the guest's [device] sections name its devices by what
 * they are and where they sit, the binder finds them wherever the buses put them, and this
 * makes the domain's hostdevs follow. Under the start lock, before the checks, which then look
 * at the definition as it will start.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <libvirt/libvirt.h>

#include "alias.h"
#include "domxml.h"
#include "guest.h"
#include "log.h"
#include "name.h"
#include "record.h"
#include "runner-hostdev.h"
#include "strbuf.h"
#include "sysroot.h"
#include "util.h"

#define NONE SIZE_MAX

static const struct hd_section *section_of(const struct hd_section *s, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (streq(s[i].name, name))
			return &s[i];
	return NULL;
}

static size_t find_want(const struct hd_want *want, size_t n, const char *section, unsigned index)
{
	for (size_t j = 0; j < n; j++)
		if (want[j].index == index && streq(want[j].section, section))
			return j;
	return NONE;
}

/* The user's hostdev (no mark) for addr, or NONE. */
static size_t hand_written(const struct hd_have *have, size_t n, const char *addr)
{
	for (size_t i = 0; i < n; i++)
		if (!have[i].ours && streq(have[i].addr, addr))
			return i;
	return NONE;
}

static int push(struct hd_change **v, size_t *n, size_t *alloc, enum hd_kind kind, size_t have,
		size_t want)
{
	if (GROW(*v, *alloc, *n + 1) < 0)
		return -ENOMEM;
	(*v)[(*n)++] = (struct hd_change){.kind = kind, .have = have, .want = want};
	return 0;
}

int hd_decide(const struct hd_section *sections, size_t n_sections, const struct hd_want *want,
	      size_t n_want, const struct hd_have *have, size_t n_have, struct hd_change **ret,
	      size_t *n_ret)
{
	_cleanup_free_ bool *taken = calloc(n_want + 1, sizeof(bool));
	struct hd_change *v = NULL;
	size_t n = 0, alloc = 0;
	int r = 0;

	*ret = NULL;
	*n_ret = 0;
	if (!taken)
		return -ENOMEM;
	/* Ours first: each keeps its place (and guest address) for the device of its index. */
	for (size_t i = 0; i < n_have && r == 0; i++) {
		const struct hd_section *s;
		size_t j;

		if (!have[i].ours)
			continue;
		s = section_of(sections, n_sections, have[i].section);
		if (s && !s->claimed)
			continue; /* the checks say why the section is not ready */
		j = s ? find_want(want, n_want, have[i].section, have[i].index) : NONE;
		if (j == NONE || taken[j] || hand_written(have, n_have, want[j].addr) != NONE)
			r = push(&v, &n, &alloc, HD_REMOVE, i, NONE);
		else {
			taken[j] = true;
			if (!streq(have[i].addr, want[j].addr))
				r = push(&v, &n, &alloc, HD_MOVE, i, j);
		}
	}
	for (size_t j = 0; j < n_want && r == 0; j++) {
		size_t i = hand_written(have, n_have, want[j].addr);

		if (taken[j])
			continue;
		r = push(&v, &n, &alloc, i == NONE ? HD_ADD : HD_COVERED, i, j);
	}
	/*
	 * The user's hostdev whose address holds a device none of the guest's sections claimed,
	 * while a section claimed one like it elsewhere that no hostdev of the user names: the
	 * card the user wrote down most likely moved, and the address now holds its twin.
	 */
	for (size_t i = 0; i < n_have && r == 0; i++) {
		bool claimed_here = false;

		if (have[i].ours || !have[i].present)
			continue;
		for (size_t j = 0; j < n_want; j++)
			claimed_here = claimed_here || streq(want[j].addr, have[i].addr);
		for (size_t j = 0; j < n_want && !claimed_here; j++)
			if (want[j].vendor == have[i].vendor && want[j].device == have[i].device &&
			    hand_written(have, n_have, want[j].addr) == NONE) {
				r = push(&v, &n, &alloc, HD_CONFLICT, i, j);
				break;
			}
	}
	if (r < 0) {
		free(v);
		return r;
	}
	*ret = v;
	*n_ret = n;
	return 0;
}

/* What the runner read: the sections, their devices at this boot, the domain's hostdevs. */
struct hd_state {
	const char *guest;
	struct hd_section *sections;
	size_t n_sections;
	struct hd_want *want;
	size_t n_want, alloc_want;
	struct hd_have *have;
	char (*section_names)[VB_NAME_MAX + 1]; /* of the hostdevs' marks */
	const struct dom_hostdev *hostdevs;
	size_t n_have;
};

static int cmp_addr(const void *a, const void *b)
{
	const struct vb_pci_addr *x = a, *y = b;

	if (x->domain != y->domain)
		return x->domain < y->domain ? -1 : 1;
	if (x->bus != y->bus)
		return x->bus < y->bus ? -1 : 1;
	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return x->fn < y->fn ? -1 : x->fn > y->fn;
}

/* The devices= of section's record, by address, as wants. */
static int read_section(struct hd_state *st, const struct vb_pci *pci, const char *section)
{
	_cleanup_free_ char *devs = NULL;
	_cleanup_free_ struct vb_pci_addr *addrs = NULL;
	size_t n = 0, alloc = 0;
	int r;

	r = vb_record_get(VB_RECORD_SECTIONS, section, VB_KEY_DEVICES, &devs);
	if (r < 0)
		return log_err(r,
			       "guest %s: cannot read the devices of [device %s] from %s/%s/%s: %m",
			       st->guest, section, VB_RUN_DIR, VB_RECORD_SECTIONS, section);
	for (char *save = NULL, *tok = strtok_r(devs, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		if (GROW(addrs, alloc, n + 1) < 0)
			return log_err(-ENOMEM, "guest %s: out of memory", st->guest);
		if (vb_pci_addr_parse(tok, &addrs[n]) < 0)
			return log_err(-EBADMSG, "guest %s: %s/%s/%s: %s is no PCI address",
				       st->guest, VB_RUN_DIR, VB_RECORD_SECTIONS, section, tok);
		n++;
	}
	if (n)
		qsort(addrs, n, sizeof(*addrs), cmp_addr);
	for (size_t k = 0; k < n; k++) {
		struct hd_want *w;
		const struct vb_pci_dev *d;

		if (GROW(st->want, st->alloc_want, st->n_want + 1) < 0)
			return log_err(-ENOMEM, "guest %s: out of memory", st->guest);
		w = &st->want[st->n_want++];
		*w = (struct hd_want){.section = section, .index = (unsigned)k};
		vb_pci_addr_format(&addrs[k], w->addr);
		d = vb_pci_find(pci, w->addr);
		if (d) {
			w->vendor = d->vendor;
			w->device = d->device;
		}
	}
	return 0;
}

static int read_wants(struct hd_state *st, const struct vb_guest_wait *wait,
		      const struct vb_pci *pci)
{
	st->sections = calloc(wait->n_devices + 1, sizeof(*st->sections));
	if (!st->sections)
		return log_err(-ENOMEM, "guest %s: out of memory", st->guest);
	for (size_t i = 0; i < wait->n_devices; i++) {
		_cleanup_free_ char *status = NULL;
		int r;

		st->sections[i].name = wait->devices[i];
		st->n_sections = i + 1;
		/* Any other status, or a record that cannot be read, is the checks' to explain. */
		if (vb_section_claimed(wait->devices[i], &status) != 1)
			continue;
		r = read_section(st, pci, wait->devices[i]);
		if (r < 0)
			return r;
		st->sections[i].claimed = true;
	}
	return 0;
}

static int read_have(struct hd_state *st, const struct dom_doc *doc, const struct vb_pci *pci)
{
	st->hostdevs = dom_doc_hostdevs(doc, &st->n_have);
	st->have = calloc(st->n_have + 1, sizeof(*st->have));
	st->section_names = calloc(st->n_have + 1, sizeof(*st->section_names));
	if (!st->have || !st->section_names)
		return log_err(-ENOMEM, "guest %s: out of memory", st->guest);
	for (size_t i = 0; i < st->n_have; i++) {
		const struct dom_hostdev *h = &st->hostdevs[i];
		const struct vb_pci_dev *d = vb_pci_find(pci, h->addr);
		struct hd_have *v = &st->have[i];
		enum vb_alias_kind kind;

		v->addr = h->addr;
		v->ours = h->alias &&
			  vb_alias_parse(h->alias, &kind, st->section_names[i],
					 sizeof(st->section_names[i]), &v->index) == 0 &&
			  kind == VB_ALIAS_PCI;
		v->section = st->section_names[i];
		if (d) {
			v->present = true;
			v->vendor = d->vendor;
			v->device = d->device;
		}
	}
	return 0;
}

static void state_free(struct hd_state *st)
{
	free(st->sections);
	free(st->want);
	free(st->have);
	free(st->section_names);
}

/* Why a marked hostdev goes. */
static void remove_reason(const struct hd_state *st, const struct hd_have *h, char *buf,
			  size_t size)
{
	size_t j, n = 0;

	if (!section_of(st->sections, st->n_sections, h->section)) {
		snprintf(buf, size, "devices = no longer lists [device %s]", h->section);
		return;
	}
	j = find_want(st->want, st->n_want, h->section, h->index);
	if (j != NONE) {
		snprintf(buf, size,
			 "a hostdev written by hand, or another with the same mark, names %s",
			 st->want[j].addr);
		return;
	}
	for (j = 0; j < st->n_want; j++)
		n += streq(st->want[j].section, h->section);
	snprintf(buf, size, "[device %s] holds %zu device%s at this boot", h->section, n,
		 n == 1 ? "" : "s");
}

/* One change in words: "[device S] moved: hostdev ALIAS A -> B (guest address G kept)". */
static void describe(const struct hd_state *st, const struct hd_change *c, bool dry_run, char *buf,
		     size_t size)
{
	const struct hd_want *w = c->want != NONE ? &st->want[c->want] : NULL;
	const struct hd_have *h = c->have != NONE ? &st->have[c->have] : NULL;
	const char *guest_addr = h ? st->hostdevs[c->have].guest_addr : "";
	char alias[VB_ALIAS_MAX] = "", why[256];

	if (w && vb_alias_format(VB_ALIAS_PCI, w->section, w->index, alias, sizeof(alias)) < 0)
		snprintf(alias, sizeof(alias), "(mark too long)");
	switch (c->kind) {
	case HD_MOVE:
		snprintf(buf, size, "[device %s] %s: hostdev %s %s -> %s (%s%s%s)", w->section,
			 dry_run ? "would move" : "moved", alias, h->addr, w->addr,
			 *guest_addr ? "guest address " : "", guest_addr,
			 *guest_addr ? " kept"
				     : "no guest address in the definition: libvirt picks one");
		break;
	case HD_ADD:
		snprintf(buf, size,
			 "[device %s] %s: hostdev %s %s (libvirt picks its guest address)",
			 w->section, dry_run ? "would add" : "added", alias, w->addr);
		break;
	case HD_REMOVE:
		remove_reason(st, h, why, sizeof(why));
		snprintf(buf, size, "[device %s] %s: hostdev %s %s (%s)", h->section,
			 dry_run ? "would remove" : "removed", st->hostdevs[c->have].alias, h->addr,
			 why);
		break;
	case HD_COVERED:
		snprintf(buf, size,
			 "[device %s]: %s is named by a hostdev written by hand; not added",
			 w->section, w->addr);
		break;
	case HD_CONFLICT:
		snprintf(
			buf, size,
			"hostdev %s written by hand now holds %04x:%04x, a device none of the guest's sections claimed; [device %s] claimed %s (%04x:%04x) at this boot: the card moved? Remove the hand-written hostdev (virsh edit %s): vfio-boot attaches [device %s] itself",
			h->addr, h->vendor, h->device, w->section, w->addr, w->vendor, w->device,
			st->guest, w->section);
		break;
	}
}

static int apply(struct dom_doc *doc, const struct hd_state *st, const struct hd_change *c)
{
	const struct hd_want *w = c->want != NONE ? &st->want[c->want] : NULL;
	char alias[VB_ALIAS_MAX];
	int r;

	switch (c->kind) {
	case HD_MOVE:
		return dom_doc_set_source(doc, c->have, w->addr);
	case HD_ADD:
		r = vb_alias_format(VB_ALIAS_PCI, w->section, w->index, alias, sizeof(alias));
		return r < 0 ? r : dom_doc_add(doc, w->addr, alias);
	case HD_REMOVE:
		dom_doc_remove(doc, c->have);
		return 0;
	default:
		return 0;
	}
}

/* Logs (or, dry_run, prints) each change; returns how many conflicts there are. */
static int tell(const struct hd_state *st, const struct hd_change *v, size_t n, bool dry_run)
{
	int conflicts = 0;

	for (size_t i = 0; i < n; i++) {
		char text[1024];

		describe(st, &v[i], dry_run, text, sizeof(text));
		if (v[i].kind == HD_CONFLICT) {
			log_err(0, "guest %s: %s", st->guest, text);
			conflicts++;
		} else if (dry_run)
			printf("guest %s: %s\n", st->guest, text);
		else if (v[i].kind == HD_COVERED)
			log_info("guest %s: %s", st->guest, text);
		else
			log_notice("guest %s: %s", st->guest, text);
	}
	return conflicts;
}

/* The changes decided for the definition xml, applied to it: *edited is NULL when none. */
static int plan_changes(struct hd_state *st, const struct vb_guest_wait *wait, const char *xml,
			bool dry_run, char **edited, int *conflicts)
{
	_cleanup_free_ struct hd_change *v = NULL;
	struct vb_pci pci = {0};
	struct dom_doc *doc = NULL;
	size_t n = 0;
	bool changed = false;
	int r;

	r = vb_pci_scan(&pci);
	if (r < 0)
		return log_err(r, "guest %s: cannot read PCI devices from %s/sys/bus/pci: %m",
			       st->guest, vb_root());
	r = dom_doc_parse(xml, &doc);
	if (r < 0)
		log_err(r, "guest %s: cannot make sense of its persistent XML: %m", st->guest);
	if (r == 0)
		r = read_wants(st, wait, &pci);
	if (r == 0)
		r = read_have(st, doc, &pci);
	if (r == 0) {
		r = hd_decide(st->sections, st->n_sections, st->want, st->n_want, st->have,
			      st->n_have, &v, &n);
		if (r < 0)
			log_err(r, "guest %s: out of memory", st->guest);
	}
	if (r == 0)
		*conflicts = tell(st, v, n, dry_run);
	for (size_t i = 0; r == 0 && i < n; i++) {
		changed = changed || v[i].kind == HD_MOVE || v[i].kind == HD_ADD ||
			  v[i].kind == HD_REMOVE;
		r = apply(doc, st, &v[i]);
		if (r < 0)
			log_err(r, "guest %s: cannot edit its XML: %m", st->guest);
	}
	if (r == 0 && changed) {
		r = dom_doc_dump(doc, edited);
		if (r < 0)
			log_err(r, "guest %s: cannot write its XML: %m", st->guest);
	}
	dom_doc_free(doc);
	vb_pci_free(&pci);
	return r;
}

int runner_hostdev_sync(struct watch *w, const struct vb_guest_wait *wait, bool dry_run,
			char **planned)
{
	struct hd_state st = {.guest = w->name};
	_cleanup_free_ char *xml = NULL, *edited = NULL;
	virDomainPtr defined;
	int r, conflicts = 0;

	*planned = NULL;
	/* SECURE: what is defined back must keep the passwords the definition has. */
	xml = virDomainGetXMLDesc(w->dom, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE);
	if (!xml)
		return log_err(-EIO, "guest %s: cannot read its persistent XML: %s", w->name,
			       lc_error());
	r = plan_changes(&st, wait, xml, dry_run, &edited, &conflicts);
	state_free(&st);
	if (r < 0)
		return r;
	if (!edited) {
		if (dry_run)
			printf("guest %s: its PCI hostdevs are those of its sections; nothing to change\n",
			       w->name);
		return conflicts;
	}
	if (dry_run || conflicts) {
		*planned = TAKE_PTR(edited);
		return conflicts;
	}
	defined = virDomainDefineXML(w->conn, edited);
	if (!defined)
		return log_err(-EIO, "guest %s: libvirt did not take its new definition: %s",
			       w->name, lc_error());
	virDomainFree(defined);
	log_notice("guest %s: its persistent definition now has the PCI devices of its sections",
		   w->name);
	return 0;
}
