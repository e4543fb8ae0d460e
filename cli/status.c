// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-boot status: for each [device] section, whether its devices are on vfio-pci now and,
 * when one is not, everything that explains it: the driver holding it, what the binder
 * recorded at boot (/run/vfio-boot), a firmware framebuffer on its memory, its IOMMU group.
 * For each [guest], its unit's state. --prometheus writes the same as node_exporter gauges.
 */
#include <errno.h>
#include <stdarg.h>
#include <time.h>

#include "bridge.h"
#include "contract.h"
#include "guest.h"
#include "boot-framebuffer.h"
#include "readonly.h"
#include "json.h"
#include "log.h"
#include "plan.h"
#include "record.h"
#include "sysroot.h"
#include "util.h"
#include "viable.h"

static const char usage[] =
	"Usage: vfio-boot status [--root DIR] [--config FILE] [--json | --prometheus]\n"
	"\n"
	"Whether each configured device is on vfio-pci and, if not, why; the state\n"
	"of each guest's unit. Exits 2 when a configured device is not on vfio-pci.\n";

#define REASONS_MAX 6

struct dev_status {
	char addr[VB_ADDR_MAX];
	char *driver;
	bool on_vfio, present;
	bool released; /* its record says vfio-boot release (or a rolled back claim) gave it back */
	char *time, *by; /* its record's, when written after boot; NULL: none */
	char *reasons[REASONS_MAX];
	size_t n_reasons;
};

struct section_status {
	const char *name;
	char *record;	 /* the binder's status for it at boot, NULL: no record */
	char *reason;	 /* the record's reason= (a pending section: what it waits for) */
	char *time, *by; /* the record's, when written after boot; NULL: none */
	enum vb_section_status plan; /* what vb_plan_build says of it now */
	const char *why;	     /* the plan's reason when it claims nothing */
	struct dev_status *devs;
	size_t n_devs;
};

struct guest_status {
	const char *name, *unit;
	char *state; /* NULL: unknown */
	const char *why_unknown;
};

static void add_reason(struct dev_status *d, const char *fmt, ...) _printf_(2, 3);
static void add_reason(struct dev_status *d, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (d->n_reasons >= REASONS_MAX)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) >= 0)
		d->reasons[d->n_reasons++] = s;
	va_end(ap);
}

/* Everything that keeps addr off vfio-pci, or 0 reasons when it is on it. */
static void examine(const struct vb_pci *pci, const char *addr, struct dev_status *d)
{
	_cleanup_free_ char *outcome = NULL, *error = NULL, *fb = NULL;
	const struct vb_pci_dev *pd = vb_pci_find(pci, addr);
	struct vb_viable v;
	int r;

	snprintf(d->addr, sizeof(d->addr), "%s", addr);
	d->present = pd != NULL;
	if (!pd) {
		add_reason(d, "not present: no such device in %s/sys/bus/pci/devices", vb_root());
		return;
	}
	d->driver = pd->driver ? strdup(pd->driver) : NULL;
	d->on_vfio = streq_ptr(pd->driver, "vfio-pci");
	(void)vb_record_get(VB_RECORD_DEVICES, addr, VB_KEY_TIME, &d->time);
	(void)vb_record_get(VB_RECORD_DEVICES, addr, VB_KEY_BY, &d->by);
	if (d->on_vfio)
		return;
	r = vb_record_get(VB_RECORD_DEVICES, addr, VB_KEY_OUTCOME, &outcome);
	if (r >= 0 && vb_device_outcome_from_string(outcome) == VB_OUTCOME_RELEASED) {
		_cleanup_free_ char *why = NULL;

		/* Given back on purpose: where it went is all there is to say. */
		d->released = true;
		(void)vb_record_get(VB_RECORD_DEVICES, addr, VB_KEY_REASON, &why);
		add_reason(d, "released%s%s%s%s: %s", d->by ? " by " : "", d->by ? d->by : "",
			   d->time ? " at " : "", d->time ? d->time : "", why ? why : "given back");
		return;
	}
	if (pd->driver_gone)
		add_reason(
			d,
			"its driver link points to %s, which is not there (no %s/sys/bus/pci/drivers/%s): the driver was removed or unloaded while it held the device; remove and rescan the device (echo 1 > /sys/bus/pci/devices/%s/remove; echo 1 > /sys/bus/pci/rescan) and check that its driver loads",
			pd->driver, vb_root(), pd->driver, addr);
	else
		add_reason(d, pd->driver ? "held by %s" : "no driver bound%s",
			   pd->driver ? pd->driver : "");
	if (r == -ENOENT)
		add_reason(d, "the binder did not act on it at boot (no %s/devices/%s)", VB_RUN_DIR,
			   addr);
	else if (r >= 0) {
		int o = vb_device_outcome_from_string(outcome);

		(void)vb_record_get(VB_RECORD_DEVICES, addr, VB_KEY_ERROR, &error);
		if (o == VB_OUTCOME_FAILED)
			add_reason(d, "the binder failed to claim it at boot: %s",
				   error && *error ? error : "no error recorded");
		else if (d->by)
			add_reason(d, "%s %s it at %s; something rebound it since", d->by,
				   o == VB_OUTCOME_ALREADY ? "found it on vfio-pci" : "claimed",
				   d->time ? d->time : "an unknown time");
		else
			add_reason(d, "the binder %s it at boot; something rebound it since",
				   o == VB_OUTCOME_ALREADY ? "found it on vfio-pci" : "claimed");
	}
	r = boot_framebuffer_holder(addr, &fb);
	if (r > 0)
		add_reason(
			d,
			"firmware framebuffer %s holds its memory (/proc/iomem): make another card the firmware's boot display, or keep %s off this card (video=efifb:off, or initcall_blacklist= of its driver)",
			fb, fb);
	r = vb_group_viable(pci, addr, &v);
	if (r == -ENXIO)
		add_reason(d, "no IOMMU group: the IOMMU is off");
	else if (r == -EBUSY && !streq(v.blocker, addr))
		add_reason(d, "IOMMU group %d is not viable: %s is on %s", v.group, v.blocker,
			   strna(v.blocker_driver));
	else if (r == -EIO)
		add_reason(d, "IOMMU group %d cannot be shown viable: %s cannot be read (%s)",
			   v.group, v.blocker[0] ? v.blocker : addr, strna(v.blocker_unreadable));
}

/* The devices of a section: what the binder recorded, else what the plan would claim now. */
static int section_devices(const struct vb_pci *pci, const struct vb_plan_section *ps,
			   const char *name, char **list)
{
	size_t len = 0;
	int r = vb_record_get(VB_RECORD_SECTIONS, name, VB_KEY_DEVICES, list);

	if (r >= 0 && **list)
		return 0;
	free(*list);
	*list = NULL;
	if (r < 0 && r != -ENOENT)
		return r;
	if (!ps || ps->status != VB_PLAN_OK || !ps->n_devs)
		return 0;
	*list = calloc(ps->n_devs, VB_ADDR_MAX + 1);
	if (!*list)
		return -ENOMEM;
	for (size_t i = 0; i < ps->n_devs; i++)
		len += sprintf(*list + len, "%s%s", i ? " " : "", pci->devs[ps->devs[i].dev].addr);
	return 0;
}

static const struct vb_plan_section *plan_find(const struct vb_plan *plan, const char *name)
{
	for (size_t i = 0; i < plan->n_sections; i++)
		if (plan->sections[i].file && streq(plan->sections[i].name, name))
			return &plan->sections[i];
	return NULL;
}

struct status {
	struct vb_config cfg;
	struct vb_pci pci;
	struct vb_plan plan;
	struct vb_cmdline cmd;
	struct vb_bridges bridges;
	struct vb_guests guests;
	char *binder_state; /* /run/vfio-boot/status state=, NULL: no record */
	struct section_status *secs;
	size_t n_secs;
	struct guest_status *gs;
	size_t n_gs;
	bool have_cfg;
};

static int collect(struct status *st, const char *config)
{
	int r;

	r = inspect_load_config(config, &st->cfg, &st->have_cfg);
	if (r == -EPERM)
		return log_err(r, "the config is refused (%s)", st->cfg.refused);
	if (r < 0)
		return log_err(r, "reading the config: %m");
	r = vb_pci_scan(&st->pci);
	if (r >= 0)
		r = vb_pci_load_links(&st->pci);
	if (r < 0)
		return log_err(r, "reading %s/sys/bus/pci/devices: %m", vb_root());
	(void)vb_cmdline_load(&st->cmd);
	if (!st->have_cfg)
		return 0;
	r = vb_plan_build(&st->plan, &st->cfg, &st->cmd, &st->pci);
	if (r < 0)
		return log_err(r, "planning: %m");
	(void)vb_record_get_status(VB_KEY_STATE, &st->binder_state);

	st->secs = calloc(st->cfg.n_sections + 1, sizeof(*st->secs));
	if (!st->secs)
		return log_err(-ENOMEM, "out of memory");
	for (size_t i = 0; i < st->cfg.n_sections; i++) {
		const struct vb_section *sec = &st->cfg.sections[i];
		const struct vb_plan_section *ps;
		struct section_status *ss;
		_cleanup_free_ char *list = NULL;

		if (sec->type != VB_SEC_DEVICE)
			continue;
		ss = &st->secs[st->n_secs++];
		ss->name = sec->name;
		ps = sec->bad ? NULL : plan_find(&st->plan, sec->name);
		ss->plan = ps ? ps->status : VB_SECTION_INVALID;
		ss->why = ps ? ps->why : "the section has errors in the config";
		(void)vb_record_get(VB_RECORD_SECTIONS, sec->name, VB_KEY_STATUS, &ss->record);
		(void)vb_record_get(VB_RECORD_SECTIONS, sec->name, VB_KEY_REASON, &ss->reason);
		(void)vb_record_get(VB_RECORD_SECTIONS, sec->name, VB_KEY_TIME, &ss->time);
		(void)vb_record_get(VB_RECORD_SECTIONS, sec->name, VB_KEY_BY, &ss->by);
		r = section_devices(&st->pci, ps, sec->name, &list);
		if (r < 0)
			return log_err(r, "reading the records of [device %s]: %m", sec->name);
		ss->devs = calloc(list ? strlen(list) / 2 + 1 : 1, sizeof(*ss->devs));
		if (!ss->devs)
			return log_err(-ENOMEM, "out of memory");
		for (char *save = NULL, *a = list ? strtok_r(list, " ", &save) : NULL; a;
		     a = strtok_r(NULL, " ", &save))
			examine(&st->pci, a, &ss->devs[ss->n_devs++]);
	}

	r = vb_bridges_resolve(&st->cfg, &st->bridges);
	if (r >= 0)
		r = vb_guests_resolve(&st->cfg, &st->bridges, &st->guests);
	if (r < 0)
		return log_err(r, "reading the [guest] sections: %m");
	st->gs = calloc(st->guests.n + 1, sizeof(*st->gs));
	if (!st->gs)
		return log_err(-ENOMEM, "out of memory");
	for (size_t i = 0; i < st->guests.n; i++) {
		const struct vb_guest *g = &st->guests.v[i];
		struct guest_status *gs = &st->gs[st->n_gs++];

		gs->name = g->name;
		gs->unit = g->unit;
		if (!g->unit || g->bad)
			gs->why_unknown = "the section has errors in the config";
		else if (!vb_root_is_host())
			gs->why_unknown = "--root is not the running system";
		else if ((r = unit_state(g->unit, &gs->state)) < 0)
			gs->why_unknown = "systemd could not be asked over D-Bus";
	}
	return 0;
}

static void status_free(struct status *st)
{
	for (size_t i = 0; i < st->n_secs; i++) {
		for (size_t k = 0; k < st->secs[i].n_devs; k++) {
			free(st->secs[i].devs[k].driver);
			free(st->secs[i].devs[k].time);
			free(st->secs[i].devs[k].by);
			for (size_t n = 0; n < st->secs[i].devs[k].n_reasons; n++)
				free(st->secs[i].devs[k].reasons[n]);
		}
		free(st->secs[i].devs);
		free(st->secs[i].record);
		free(st->secs[i].reason);
		free(st->secs[i].time);
		free(st->secs[i].by);
	}
	free(st->secs);
	for (size_t i = 0; i < st->n_gs; i++)
		free(st->gs[i].state);
	free(st->gs);
	free(st->binder_state);
	vb_guests_free(&st->guests);
	vb_bridges_free(&st->bridges);
	vb_plan_free(&st->plan);
	vb_cmdline_free(&st->cmd);
	vb_pci_free(&st->pci);
	vb_config_free(&st->cfg);
}

/* Its devices come later (VFs, hot-plug): not an error, whatever the plan says now. */
static bool section_pending(const struct section_status *ss)
{
	return (ss->record && vb_section_status_from_string(ss->record) == VB_SECTION_PENDING) ||
	       (!ss->n_devs && ss->plan == VB_SECTION_PENDING);
}

static void print_text(const struct status *st)
{
	if (!st->have_cfg) {
		printf("no %s: no device is configured\n", VB_CONFIG_FILE);
		return;
	}
	printf("binder at boot: %s\n",
	       st->binder_state ? st->binder_state : "no record (it did not run at this boot)");
	for (size_t i = 0; i < st->n_secs; i++) {
		const struct section_status *ss = &st->secs[i];

		printf("[device %s] boot record: %s; plan now: %s\n", ss->name,
		       ss->record ? ss->record : "none", vb_section_status_to_string(ss->plan));
		if (ss->by)
			printf("  record written after boot by %s at %s\n", ss->by,
			       ss->time ? ss->time : "an unknown time");
		if (section_pending(ss))
			printf("  pending, not an error: %s\n",
			       ss->reason ? ss->reason : "its devices come later");
		else if (!ss->n_devs)
			printf("  no device: %s\n", ss->why);
		for (size_t k = 0; k < ss->n_devs; k++) {
			const struct dev_status *d = &ss->devs[k];

			if (d->released)
				printf("  %s: released, now on %s\n", d->addr, strna(d->driver));
			else
				printf("  %s: %s\n", d->addr,
				       d->on_vfio ? "on vfio-pci" : "NOT on vfio-pci");
			for (size_t n = 0; n < d->n_reasons; n++)
				printf("    %s\n", d->reasons[n]);
		}
	}
	for (size_t i = 0; i < st->n_gs; i++) {
		const struct guest_status *g = &st->gs[i];

		printf("[guest %s] %s: %s", g->name, strna(g->unit),
		       g->state ? g->state : "unknown");
		if (g->why_unknown)
			printf(" (%s)", g->why_unknown);
		printf("\n");
	}
}

static void print_json(const struct status *st)
{
	struct json j;

	json_init(&j, stdout);
	json_open(&j, NULL, '{');
	json_bool(&j, "configured", st->have_cfg);
	json_str(&j, "binder_state", st->binder_state);
	json_open(&j, "sections", '[');
	for (size_t i = 0; i < st->n_secs; i++) {
		const struct section_status *ss = &st->secs[i];

		json_open(&j, NULL, '{');
		json_str(&j, "name", ss->name);
		json_str(&j, "boot_status", ss->record);
		json_str(&j, "reason", ss->reason);
		json_str(&j, "time", ss->time);
		json_str(&j, "by", ss->by);
		json_bool(&j, "pending", section_pending(ss));
		json_str(&j, "plan", vb_section_status_to_string(ss->plan));
		json_str(&j, "why", ss->why);
		json_open(&j, "devices", '[');
		for (size_t k = 0; k < ss->n_devs; k++) {
			const struct dev_status *d = &ss->devs[k];

			json_open(&j, NULL, '{');
			json_str(&j, "address", d->addr);
			json_bool(&j, "present", d->present);
			json_str(&j, "driver", d->driver);
			json_bool(&j, "on_vfio", d->on_vfio);
			json_bool(&j, "released", d->released);
			json_str(&j, "time", d->time);
			json_str(&j, "by", d->by);
			json_open(&j, "reasons", '[');
			for (size_t n = 0; n < d->n_reasons; n++)
				json_str(&j, NULL, d->reasons[n]);
			json_close(&j, ']');
			json_close(&j, '}');
		}
		json_close(&j, ']');
		json_close(&j, '}');
	}
	json_close(&j, ']');
	json_open(&j, "guests", '[');
	for (size_t i = 0; i < st->n_gs; i++) {
		json_open(&j, NULL, '{');
		json_str(&j, "name", st->gs[i].name);
		json_str(&j, "unit", st->gs[i].unit);
		json_str(&j, "state", st->gs[i].state);
		json_str(&j, "why_unknown", st->gs[i].why_unknown);
		json_close(&j, '}');
	}
	json_close(&j, ']');
	json_close(&j, '}');
	json_end(&j);
}

/*
 * A Prometheus label value: UTF-8 (the text format's rule), backslash, double quote and newline
 * escaped as the format says. A byte that is not UTF-8 becomes U+FFFD, as in the JSON output.
 */
static void label(const char *key, const char *value, bool last)
{
	printf("%s=\"", key);
	for (const char *p = value ? value : ""; *p;) {
		size_t n = utf8_char_len(p);

		if (n == 0)
			fputs("\xef\xbf\xbd", stdout);
		else if (*p == '\\' || *p == '"')
			printf("\\%c", *p);
		else if (*p == '\n')
			printf("\\n");
		else
			fwrite(p, 1, n, stdout);
		p += n ? n : 1;
	}
	printf("\"%s", last ? "" : ",");
}

static void print_prometheus(const struct status *st)
{
	printf("# HELP vfio_boot_device_on_vfio Whether a configured device is bound to vfio-pci.\n"
	       "# TYPE vfio_boot_device_on_vfio gauge\n");
	for (size_t i = 0; i < st->n_secs; i++)
		for (size_t k = 0; k < st->secs[i].n_devs; k++) {
			const struct dev_status *d = &st->secs[i].devs[k];

			printf("vfio_boot_device_on_vfio{");
			label("section", st->secs[i].name, false);
			label("address", d->addr, false);
			label("driver", d->driver, true);
			printf("} %d\n", d->on_vfio);
		}
	printf("# HELP vfio_boot_section_devices Devices a [device] section has now.\n"
	       "# TYPE vfio_boot_section_devices gauge\n");
	for (size_t i = 0; i < st->n_secs; i++) {
		printf("vfio_boot_section_devices{");
		label("section", st->secs[i].name, false);
		label("boot_status", st->secs[i].record ? st->secs[i].record : "none", false);
		label("plan", vb_section_status_to_string(st->secs[i].plan), true);
		printf("} %zu\n", st->secs[i].n_devs);
	}
	printf("# HELP vfio_boot_device_released Whether a configured device was given back to its "
	       "host driver (vfio-boot release).\n"
	       "# TYPE vfio_boot_device_released gauge\n");
	for (size_t i = 0; i < st->n_secs; i++)
		for (size_t k = 0; k < st->secs[i].n_devs; k++) {
			const struct dev_status *d = &st->secs[i].devs[k];

			printf("vfio_boot_device_released{");
			label("section", st->secs[i].name, false);
			label("address", d->addr, true);
			printf("} %d\n", d->released);
		}
	printf("# HELP vfio_boot_section_pending Whether a [device] section waits for devices that "
	       "come later (VFs, hot-plug).\n"
	       "# TYPE vfio_boot_section_pending gauge\n");
	for (size_t i = 0; i < st->n_secs; i++) {
		printf("vfio_boot_section_pending{");
		label("section", st->secs[i].name, true);
		printf("} %d\n", section_pending(&st->secs[i]));
	}
	printf("# HELP vfio_boot_section_record_timestamp_seconds When a section's record was "
	       "written after boot, and by what.\n"
	       "# TYPE vfio_boot_section_record_timestamp_seconds gauge\n");
	for (size_t i = 0; i < st->n_secs; i++) {
		const struct section_status *ss = &st->secs[i];
		struct tm tm = {0};
		const char *end;

		if (!ss->time || !ss->by)
			continue;
		end = strptime(ss->time, "%Y-%m-%dT%H:%M:%SZ", &tm);
		if (!end || *end)
			continue;
		printf("vfio_boot_section_record_timestamp_seconds{");
		label("section", ss->name, false);
		label("by", ss->by, true);
		printf("} %lld\n", (long long)timegm(&tm));
	}
	printf("# HELP vfio_boot_guest_active Whether a guest's unit is active (-1: unknown).\n"
	       "# TYPE vfio_boot_guest_active gauge\n");
	for (size_t i = 0; i < st->n_gs; i++) {
		const struct guest_status *g = &st->gs[i];

		printf("vfio_boot_guest_active{");
		label("guest", g->name, false);
		label("unit", g->unit, false);
		label("state", g->state ? g->state : "unknown", true);
		printf("} %d\n", g->state ? streq(g->state, "active") : -1);
	}
}

int status_main(int argc, char **argv)
{
	struct status st = {0};
	struct inspect_opts o;
	int r, ret = EXIT_OK;

	r = inspect_parse(argc, argv, usage, true, &o);
	if (r >= 0)
		return r;
	if (collect(&st, o.config) < 0) {
		status_free(&st);
		return EXIT_ERROR;
	}
	if (o.json)
		print_json(&st);
	else if (o.prometheus)
		print_prometheus(&st);
	else
		print_text(&st);
	for (size_t i = 0; i < st.n_secs; i++) {
		const struct section_status *ss = &st.secs[i];

		/* Given back on purpose, or still to come: neither is a problem. */
		for (size_t k = 0; k < ss->n_devs; k++)
			if (!ss->devs[k].on_vfio && !ss->devs[k].released)
				ret = EXIT_PROBLEM;
		/* A section that should claim and has nothing is a device not on vfio-pci too. */
		if (!ss->n_devs && ss->plan != VB_PLAN_NONE && !section_pending(ss))
			ret = EXIT_PROBLEM;
	}
	status_free(&st);
	return ret;
}
