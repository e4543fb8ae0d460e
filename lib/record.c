// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <time.h>

#include "cmdline.h"
#include "contract.h"
#include "name.h"
#include "pci.h"
#include "record.h"
#include "sysroot.h"
#include "util.h"

void vb_record_add(struct vb_record *rec, const char *key, const char *fmt, ...)
{
	char value[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	/* One key, one line: a newline in a value would forge the next key. */
	for (char *p = value; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	if (rec->error)
		return;
	if (GROW(rec->buf, rec->alloc, rec->len + strlen(key) + strlen(value) + 3) < 0) {
		rec->error = -ENOMEM;
		return;
	}
	n = sprintf(rec->buf + rec->len, "%s=%s\n", key, value);
	rec->len += n;
}

void vb_record_add_time_at(struct vb_record *rec, time_t when, enum vb_record_by by)
{
	char buf[32] = "";
	struct tm tm;

	if (gmtime_r(&when, &tm))
		strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	vb_record_add(rec, VB_KEY_TIME, "%s", buf);
	vb_record_add(rec, VB_KEY_BY, "%s", strna(vb_record_by_to_string(by)));
}

void vb_record_add_time_by(struct vb_record *rec, enum vb_record_by by)
{
	vb_record_add_time_at(rec, time(NULL), by);
}

bool vb_record_name_valid(const char *name)
{
	const char *addr = startswith(name, VB_CMDLINE_CLAIM_SECTION);
	struct vb_pci_addr a;

	if (addr)
		return vb_pci_addr_parse(addr, &a) == 0;
	return vb_name_valid(name, VB_NAME_MAX) || vb_pci_addr_parse(name, &a) == 0;
}

int vb_record_write(struct vb_record *rec, const char *kind, const char *name)
{
	_cleanup_free_ char *dir = NULL, *file = NULL;
	int r = rec->error;

	if (r < 0)
		goto out;
	if (!vb_record_name_valid(name)) {
		r = -EINVAL;
		goto out;
	}
	r = asprintf_safe(&dir, "%s%s%s", VB_RUN_DIR, kind ? "/" : "", kind ? kind : "");
	if (r < 0)
		goto out;
	r = vb_mkdir_p(dir, 0755);
	if (r < 0)
		goto out;
	r = asprintf_safe(&file, "%s/%s", dir, name);
	if (r < 0)
		goto out;
	r = vb_write_file_atomic(file, rec->buf ? rec->buf : "", 0644);
out:
	free(rec->buf);
	*rec = (struct vb_record){0};
	return r;
}

/*
 * Opened without following a link: a symlink planted in the directory's place would have its
 * target's files removed. Such a link (or a file) is removed instead; the next record makes
 * the directory anew.
 */
static int clear_dir(const char *abs)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int fd, r = 0;

	fd = vb_open_dir(abs);
	if (fd == -ENOENT)
		return 0;
	if (fd == -ELOOP || fd == -ENOTDIR) {
		r = vb_unlink(abs);
		return r == -ENOENT ? 0 : r;
	}
	if (fd < 0)
		return fd;
	d = fdopendir(fd);
	if (!d) {
		r = -errno;
		close(fd);
		return r;
	}
	/*
	 * Dot files too: an interrupted write leaves its temporary behind. One entry that cannot go
	 * (a directory planted among the records) must not leave the stale records after it.
	 */
	while ((de = readdir(d))) {
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) == 0 || errno == ENOENT)
			continue;
		if (errno == EISDIR && unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) == 0)
			continue;
		if (r == 0)
			r = -errno;
	}
	return r;
}

int vb_record_reset(void)
{
	int r, q;

	/* The status goes first: were anything after this to fail, no earlier run's status may
	 * be taken for this one's. */
	r = vb_unlink(VB_RUN_DIR "/" VB_RECORD_STATUS);
	if (r < 0 && r != -ENOENT)
		return r;
	r = clear_dir(VB_RUN_DIR "/" VB_RECORD_DEVICES);
	q = clear_dir(VB_RUN_DIR "/" VB_RECORD_SECTIONS);
	return r < 0 ? r : q;
}

int vb_record_get(const char *kind, const char *name, const char *key, char **ret)
{
	_cleanup_free_ char *buf = NULL;
	size_t klen = strlen(key);
	int r;

	r = vb_readf(&buf, "%s%s%s/%s", VB_RUN_DIR, kind ? "/" : "", kind ? kind : "", name);
	if (r < 0)
		return r;
	for (char *line = buf; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (strncmp(line, key, klen) == 0 && line[klen] == '=') {
			*ret = strdup(line + klen + 1);
			return *ret ? 0 : -ENOMEM;
		}
		line = nl ? nl + 1 : NULL;
	}
	return -ENOENT;
}

int vb_record_get_status(const char *key, char **ret)
{
	return vb_record_get(NULL, VB_RECORD_STATUS, key, ret);
}
