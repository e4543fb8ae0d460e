// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-boot check's output: text, one line each (a device's lines start with its address and
 * section); JSON, one object each; Prometheus, the worst result of each item and device as a
 * gauge, so that one series stays one series however many lines an item has.
 */
#include <stdio.h>

#include "check.h"
#include "cli.h"
#include "json.h"
#include "prom.h"
#include "util.h"

static const char *const level_names[] = {"PASS", "WARN", "FAIL"};

static void print_text(const struct result *r)
{
	printf("%s ", level_names[r->level]);
	if (r->device)
		printf("%s%s%s%s: ", r->device, r->section ? " [device " : "", strempty(r->section),
		       r->section ? "]" : "");
	printf("%s\n", strna(r->text));
	if (r->fix && r->level != PASS)
		printf("     fix: %s\n", r->fix);
}

static void print_json(const struct check *c)
{
	struct json j;

	json_init(&j, stdout);
	json_open(&j, NULL, '{');
	json_open(&j, "checks", '[');
	for (size_t i = 0; i < c->n; i++) {
		const struct result *r = &c->v[i];

		json_open(&j, NULL, '{');
		json_str(&j, "result", level_names[r->level]);
		json_str(&j, "item", r->item);
		json_str(&j, "device", r->device);
		json_str(&j, "section", r->section);
		json_str(&j, "text", r->text);
		json_str(&j, "fix", r->fix);
		json_close(&j, '}');
	}
	json_close(&j, ']');
	json_close(&j, '}');
	json_end(&j);
}

static bool same_series(const struct result *a, const struct result *b)
{
	return streq(a->item, b->item) && streq(strempty(a->device), strempty(b->device)) &&
	       streq(strempty(a->section), strempty(b->section));
}

static void print_prometheus(const struct check *c)
{
	size_t count[ELEMENTSOF(level_names)] = {0};

	printf("# HELP vfio_boot_check_result The worst line of vfio-boot check for an item and "
	       "device: 0 PASS, 1 WARN, 2 FAIL.\n"
	       "# TYPE vfio_boot_check_result gauge\n");
	for (size_t i = 0; i < c->n; i++) {
		enum level worst = c->v[i].level;
		bool first = true;

		count[c->v[i].level]++;
		for (size_t k = 0; k < c->n && first; k++) {
			if (!same_series(&c->v[i], &c->v[k]))
				continue;
			if (k < i)
				first = false;
			else if (c->v[k].level > worst)
				worst = c->v[k].level;
		}
		if (!first)
			continue;
		printf("vfio_boot_check_result{");
		prom_label("item", c->v[i].item, false);
		prom_label("device", c->v[i].device, false);
		prom_label("section", c->v[i].section, true);
		printf("} %d\n", (int)worst);
	}
	printf("# HELP vfio_boot_check_lines How many lines of vfio-boot check have each result.\n"
	       "# TYPE vfio_boot_check_lines gauge\n");
	for (size_t l = 0; l < ELEMENTSOF(level_names); l++) {
		printf("vfio_boot_check_lines{");
		prom_label("result", level_names[l], true);
		printf("} %zu\n", count[l]);
	}
}

int check_print(const struct check *c, enum check_format format)
{
	int ret = EXIT_OK;

	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].level == FAIL)
			ret = EXIT_PROBLEM;
	if (format == CHECK_JSON)
		print_json(c);
	else if (format == CHECK_PROMETHEUS)
		print_prometheus(c);
	else
		for (size_t i = 0; i < c->n; i++)
			print_text(&c->v[i]);
	return ret;
}
