// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for what the generator and netcfg write: a config, read as if from a
 * conf.d file of a given name, becomes each good guest's drop-in (written the generator's
 * way, into an output directory) and each good bridge's networkd files and NetworkManager
 * keyfiles (written netcfg's way, below a root). Every line written must be a known comment,
 * a section header of that file type or KEY=VALUE with a key of that file type, without
 * control bytes (so no line came from a newline in the input), keyfiles valid UTF-8, and
 * nothing may appear outside the output directory and the root's /run.
 *
 * Input: the conf.d file's name, a NUL, the file's text (no NUL: all text, a plain name).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bridge.h"
#include "config.h"
#include "escape.h"
#include "guest-dropin.h"
#include "guest.h"
#include "log.h"
#include "netcfg.h"
#include "output.h"
#include "paths.h"
#include "sysroot.h"
#include "util.h"

#include "../generated-keys.h"

static char base[64], outdir[96], rootdir[96], rundir[128];

static void sink(void *userdata, int level, const char *msg)
{
	(void)userdata;
	(void)level;
	(void)msg;
}

enum kind { UNIT, NETWORKD, KEYFILE };

static const char *const unit_sections[] = {"[Unit]", "[Service]", NULL};
static const char *const networkd_sections[] = {"[NetDev]", "[Bridge]",	 "[Match]",
						"[Link]",   "[Network]", NULL};
static const char *const keyfile_sections[] = {
	"[connection]", "[ethernet]", "[bridge]", "[ipv4]", "[ipv6]", "[bridge-port]", NULL};
/* Every comment the programs write starts so. */
static const char *const comments[] = {
	"# Made by vfio-boot-generator from [guest ",	    "# See vfio-boot-generator(8)",
	"# Written by vfio-boot-netcfg from [bridge ",	    "# Change the config, not this file",
	"# A port of the bridge: no addresses of its own.", NULL};

static bool in(const char *const list[], const char *s, size_t n)
{
	for (size_t i = 0; list[i]; i++)
		if (strlen(list[i]) == n && strncmp(list[i], s, n) == 0)
			return true;
	return false;
}

static bool prefixed(const char *const list[], const char *s)
{
	for (size_t i = 0; list[i]; i++)
		if (startswith(s, list[i]))
			return true;
	return false;
}

static void check_text(const char *text, enum kind kind)
{
	const char *const *keys = kind == UNIT	     ? unit_keys
				  : kind == NETWORKD ? networkd_keys
						     : keyfile_keys;
	const char *const *sections = kind == UNIT	 ? unit_sections
				      : kind == NETWORKD ? networkd_sections
							 : keyfile_sections;
	const char *line = text;

	while (*line) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		const char *eq = memchr(line, '=', n);
		bool ok;

		for (size_t i = 0; i < n; i++)
			if ((unsigned char)line[i] < ' ' || line[i] == 0x7f) {
				fprintf(stderr, "control byte in line %.*s\n", (int)n, line);
				abort();
			}
		if (kind == KEYFILE) {
			_cleanup_free_ char *l = strndup(line, n), *esc = NULL;

			/* The comment escaping leaves valid UTF-8 (without control bytes) alone. */
			if (!l || vb_escape_comment(l, &esc) < 0)
				abort();
			if (!streq(l, esc)) {
				fprintf(stderr, "keyfile line not UTF-8: %s\n", esc);
				abort();
			}
		}
		if (n == 0)
			ok = true;
		else if (line[0] == '#')
			ok = prefixed(comments, line);
		else if (line[0] == '[')
			ok = in(sections, line, n);
		else
			ok = eq && in(keys, line, eq - line);
		/* The only commands: a setting made of a line that a newline split would not be. */
		if (ok && startswith(line, "ExecStartPre="))
			ok = startswith(line,
					"ExecStartPre=" VB_LIBEXECDIR "/vfio-boot-claimed -- ") ||
			     startswith(line, "ExecStartPre=" VB_SLEEP " ");
		if (!ok) {
			fprintf(stderr, "unexpected line \"%.*s\" in:\n%s\n", (int)n, line, text);
			abort();
		}
		if (!nl)
			break;
		line = nl + 1;
	}
}

/* Everything below base must be the output directory, the root, its /run, or what the
 * harness made. */
static int outside(const char *p, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	if (streq(p, base) || streq(p, rootdir) || startswith(p, outdir) || startswith(p, rundir))
		return 0;
	fprintf(stderr, "written outside: %s\n", p);
	abort();
}

static int rm(const char *p, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	remove(p);
	return 0;
}

static void clean(void)
{
	nftw(outdir, rm, 16, FTW_DEPTH | FTW_PHYS);
	nftw(rundir, rm, 16, FTW_DEPTH | FTW_PHYS);
	if (mkdir(outdir, 0755) < 0 && errno != EEXIST)
		abort();
}

static void gen_guests(const struct vb_guests *gs)
{
	int outfd = open(outdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (outfd < 0)
		abort();
	for (size_t i = 0; i < gs->n; i++) {
		const struct vb_guest *g = &gs->v[i];
		_cleanup_free_ char *dropin = NULL, *dir = NULL;
		_cleanup_close_ int dfd = -EBADF;

		if (g->bad || guest_dropin(g, gs, &dropin) < 0)
			continue;
		check_text(dropin, UNIT);
		if (asprintf_safe(&dir, "%s.d", g->unit) < 0)
			abort();
		dfd = out_subdir(outfd, dir);
		if (dfd >= 0)
			(void)out_file(dfd, GUEST_DROPIN_NAME, dropin);
	}
	close(outfd);
}

static void write_files(const struct netcfg_files *files, enum kind kind)
{
	for (size_t i = 0; i < files->n; i++) {
		const struct netcfg_file *f = &files->v[i];
		_cleanup_free_ char *dir = strdup(f->path);

		if (!dir)
			abort();
		check_text(f->content, kind);
		*strrchr(dir, '/') = '\0';
		if (vb_mkdir_p(dir, 0755) == 0)
			(void)vb_write_file_atomic(f->path, f->content, f->mode);
	}
}

static void gen_bridges(const struct vb_bridges *bs)
{
	for (size_t i = 0; i < bs->n; i++) {
		const struct vb_bridge *b = &bs->v[i];
		struct netcfg_files files = {0};
		const char *mac = *b->mac ? b->mac : "";

		if (b->bad)
			continue;
		if (netcfg_networkd(b, mac, &files) == 0)
			write_files(&files, NETWORKD);
		netcfg_files_free(&files);
		if (netcfg_nm(b, mac, &files) == 0)
			write_files(&files, KEYFILE);
		netcfg_files_free(&files);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *t = getenv("TMPDIR");

	(void)argc;
	(void)argv;
	snprintf(base, sizeof(base), "%s/vb-fuzz-gen.XXXXXX", t && strlen(t) < 32 ? t : "/tmp");
	if (!mkdtemp(base))
		abort();
	snprintf(outdir, sizeof(outdir), "%s/out", base);
	snprintf(rootdir, sizeof(rootdir), "%s/root", base);
	snprintf(rundir, sizeof(rundir), "%s/root/run", base);
	if (mkdir(rootdir, 0755) < 0 || mkdir(outdir, 0755) < 0 || vb_root_set(rootdir) < 0)
		abort();
	vb_log_set_sink(sink, NULL);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const char *nul = size ? memchr(data, '\0', size) : NULL;
	_cleanup_free_ char *file = NULL;
	struct vb_config cfg = {0};
	struct vb_bridges bridges = {0};
	struct vb_guests guests = {0};
	size_t len = size;

	if (nul) {
		if (asprintf_safe(&file, "/etc/vfio-boot/conf.d/%.*s.conf", (int)(nul - text),
				  text) < 0)
			abort();
		len = size - (nul - text) - 1;
		text = nul + 1;
	} else if (asprintf_safe(&file, "/etc/vfio-boot/conf.d/50-fuzz.conf") < 0)
		abort();
	/* What a directory listing could give: no '/' in a name. */
	for (char *p = file + strlen("/etc/vfio-boot/conf.d/"); *p; p++)
		if (*p == '/')
			*p = '_';

	if (vb_config_parse(&cfg, file, text, len) == 0 && vb_config_resolve(&cfg) == 0 &&
	    vb_bridges_resolve(&cfg, &bridges) == 0 &&
	    vb_guests_resolve(&cfg, &bridges, &guests) == 0) {
		gen_guests(&guests);
		gen_bridges(&bridges);
		nftw(base, outside, 16, FTW_PHYS);
	}
	clean();
	vb_guests_free(&guests);
	vb_bridges_free(&bridges);
	vb_config_free(&cfg);
	return 0;
}
