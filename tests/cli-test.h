/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The tests of the vfio-boot command on fake trees (test-cli-readonly, test-cli-change): the
 * sanitized command ($TEST_CLI, else build/test/cli/vfio-boot) run under the kernel double with
 * --root, its output with the tree's path written ROOT.
 */
#pragma once

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"

static inline const char *cli(void)
{
	const char *c = getenv("TEST_CLI");
	return c ? c : "build/test/cli/vfio-boot";
}

struct out {
	int status;
	char *out, *err;
};

static inline void out_free(struct out *o)
{
	free(o->out);
	free(o->err);
}

/* Every occurrence of the tree's path replaced by ROOT, so that goldens do not depend on it. */
static inline char *unroot(const struct fx *fx, const char *s)
{
	const char *root = fx_root(fx), *p;
	size_t rl = strlen(root);
	char *r = malloc(strlen(s) + 1), *w = r;

	assert_non_null(r);
	while ((p = strstr(s, root))) {
		memcpy(w, s, p - s);
		w += p - s;
		memcpy(w, "ROOT", 4);
		w += 4;
		s = p + rl;
	}
	strcpy(w, s);
	return r;
}

/* Runs vfio-boot ARGS... --root ROOT (NULL-terminated). */
static inline struct out run(struct fx *fx, ...)
{
	const char *argv[24] = {cli()};
	struct out o;
	size_t n = 1;
	const char *a;
	char *s;
	va_list ap;

	va_start(ap, fx);
	while ((a = va_arg(ap, const char *)) && n < 20)
		argv[n++] = a;
	va_end(ap);
	argv[n++] = "--root";
	argv[n++] = fx_root(fx);
	argv[n] = NULL;
	o.status = fx_run(fx, argv);
	s = fx_read(fx, ".mock/stdout");
	o.out = unroot(fx, s ? s : "");
	free(s);
	s = fx_read(fx, ".mock/stderr");
	o.err = unroot(fx, s ? s : "");
	free(s);
	return o;
}

static inline void expect_status(const struct out *o, int status)
{
	if (o->status != status)
		fail_msg("exit status %d, expected %d; stdout:\n%s\nstderr:\n%s", o->status, status,
			 o->out, o->err);
}

/* The output holds text (a line, or several with their fix lines). */
static inline void expect_out(const struct out *o, const char *text)
{
	if (!strstr(o->out, text))
		fail_msg("output lacks \"%s\":\n%s", text, o->out);
}

/* The output does not hold text. */
static inline void expect_no_out(const struct out *o, const char *text)
{
	if (strstr(o->out, text))
		fail_msg("output holds \"%s\":\n%s", text, o->out);
}

static inline void config(struct fx *fx, const char *text)
{
	fx_write(fx, "etc/vfio-boot/vfio-boot.conf", text, 0644);
}

/* fx_bind() wants an unbound device: drop the host driver's link first. */
static inline void rebind(struct fx *fx, const char *addr, const char *drv)
{
	char rel[128];
	char *p;

	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/driver", addr);
	p = fx_path(fx, rel);
	assert_int_equal(unlink(p), 0);
	free(p);
	fx_bind(fx, addr, drv);
}

/* Feeds json to python3: json.tool must parse it, then the check script must accept it. */
static inline void expect_json(struct fx *fx, const char *json, const char *check)
{
	char *path = fx_path(fx, ".out.json");
	char cmd[1024];
	FILE *f = fopen(path, "we");
	int st;

	assert_non_null(f);
	fputs(json, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "python3 -m json.tool %s >/dev/null", path);
	/* The text format of Prometheus is not JSON: jsoncheck.py checks it alone. */
	st = strstr(check, "prometheus") ? 0 : system(cmd);
	if (st != 0)
		fail_msg("python3 -m json.tool rejects the output:\n%s", json);
	snprintf(cmd, sizeof(cmd), "python3 tests/cli/jsoncheck.py %s %s", check, path);
	st = system(cmd);
	if (st != 0)
		fail_msg("tests/cli/jsoncheck.py %s rejects the output:\n%s", check, json);
	free(path);
}

/* cmocka fixtures: the q35 stand-in (fx_q35_two_gpus), removed after the test. */
static inline int cli_setup_q35(void **state)
{
	struct fx *fx = fx_new();

	fx_q35_two_gpus(fx);
	*state = fx;
	return 0;
}

static inline int cli_teardown(void **state)
{
	fx_free(*state);
	return 0;
}

#define GOLDEN_DIR "tests/cli/golden"

/* A whole file, NULL when it cannot be read. */
static inline char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0;

	if (!f)
		return NULL;
	FILE *m = open_memstream(&buf, &len);
	assert_non_null(m);
	for (int c; (c = fgetc(f)) != EOF;)
		fputc(c, m);
	fclose(m);
	fclose(f);
	return buf;
}

static inline void expect_golden(const char *name, const char *text)
{
	char path[256];
	char *want;

	snprintf(path, sizeof(path), GOLDEN_DIR "/%s", name);
	if (getenv("VFIO_BOOT_UPDATE_GOLDEN")) {
		FILE *f = fopen(path, "we");

		assert_non_null(f);
		fputs(text, f);
		fclose(f);
		return;
	}
	want = slurp(path);
	if (!want)
		fail_msg("no golden file %s (VFIO_BOOT_UPDATE_GOLDEN=1 writes it); output:\n%s",
			 path, text);
	if (strcmp(want, text) != 0)
		fail_msg("output differs from %s:\n--- want\n%s--- got\n%s", path, want, text);
	free(want);
}

/* The engine's own rules (tests/export/check.py ENGINE) must accept what export wrote. */
static inline void expect_engine_ok(struct fx *fx, const char *engine, const char *text)
{
	char *path = fx_path(fx, ".export.out");
	char cmd[1024];
	FILE *f = fopen(path, "we");
	int st;

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "python3 tests/export/check.py %s < '%s'", engine, path);
	st = system(cmd);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("tests/export/check.py %s refuses:\n%s", engine, text);
	free(path);
}
