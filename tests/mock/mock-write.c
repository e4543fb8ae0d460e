// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A tiny program that pokes the kernel the way the binder does, one system
 * call per invocation, so test-mock can check the preloaded double from the
 * outside.  Exit status: 0, or the errno of the failed call (its name is
 * printed on stderr).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include <libkmod.h>

long init_module(const void *image, unsigned long len, const char *params);
long delete_module(const char *name, unsigned int flags);

static int failed(const char *what)
{
	int err = errno ? errno : EIO;

	fprintf(stderr, "%s: %s\n", what, strerrorname_np(err) ?: "?");
	return err;
}

static int cmd_write(int argc, char **argv)
{
	const char *how = argv[1], *path = argv[2], *value = argv[3];
	size_t len = strlen(value);
	ssize_t n;
	int fd;

	if (argc != 4)
		return EINVAL;
	if (strcmp(how, "fputs") == 0) {
		/* stdio ends in libc's internal write: the double never sees it. */
		FILE *f = fopen(path, "we");

		if (f == NULL || fputs(value, f) < 0 || fclose(f) != 0)
			return failed(how);
		return 0;
	}
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return failed("open");
	if (strcmp(how, "writev") == 0) {
		struct iovec iov[2] = {
			{.iov_base = (void *)value, .iov_len = len / 2},
			{.iov_base = (void *)(value + len / 2), .iov_len = len - len / 2},
		};

		n = writev(fd, iov, 2);
	} else if (strcmp(how, "pwrite") == 0) {
		n = pwrite(fd, value, len, 0);
	} else {
		n = write(fd, value, len);
	}
	if (n < 0)
		return failed(how);
	close(fd);
	return n == (ssize_t)len ? 0 : EIO;
}

/* As the binder does: a dirfd on a directory, then a relative openat(). */
static int cmd_openat(int argc, char **argv)
{
	int dir, fd;

	if (argc != 5)
		return EINVAL;
	dir = open(argv[2], O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return failed("open dir");
	fd = openat(dir, argv[3], O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return failed("openat");
	if (write(fd, argv[4], strlen(argv[4])) < 0)
		return failed("write");
	close(fd);
	close(dir);
	return 0;
}

static int load_image(int fd, const char *params)
{
	struct stat st;
	char *image;
	int err = 0;

	if (fstat(fd, &st) < 0 || (image = malloc((size_t)st.st_size + 1)) == NULL)
		return failed("read");
	if (read(fd, image, (size_t)st.st_size) != st.st_size)
		err = failed("read");
	else if (init_module(image, (unsigned long)st.st_size, params) < 0)
		err = failed("init_module");
	free(image);
	return err;
}

static int cmd_load(int argc, char **argv)
{
	const char *params = argc > 3 ? argv[3] : "";
	int fd, err = 0;

	if (argc < 3)
		return EINVAL;
	fd = open(argv[2], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return failed("open");
	if (strcmp(argv[1], "load-mem") == 0)
		err = load_image(fd, params);
	else if (syscall(SYS_finit_module, fd, params, 0) < 0)
		err = failed("finit_module");
	close(fd);
	return err;
}

static int cmd_unload(int argc, char **argv)
{
	if (argc != 3)
		return EINVAL;
	if (delete_module(argv[2], O_NONBLOCK) < 0)
		return failed("delete_module");
	return 0;
}

static int cmd_stat(int argc, char **argv)
{
	struct stat st;

	if (argc != 3)
		return EINVAL;
	if (stat(argv[2], &st) < 0)
		return failed("stat");
	puts(S_ISDIR(st.st_mode) ? "dir" : S_ISREG(st.st_mode) ? "file" : "other");
	return 0;
}

static int cmd_cat(int argc, char **argv)
{
	char buf[4096];
	ssize_t n;
	int fd;

	if (argc != 3)
		return EINVAL;
	fd = open(argv[2], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return failed("open");
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	close(fd);
	return n < 0 ? failed("read") : 0;
}

static int cmd_fopen(int argc, char **argv)
{
	char line[4096];
	FILE *f;

	if (argc != 3)
		return EINVAL;
	f = fopen(argv[2], "re");
	if (f == NULL)
		return failed("fopen");
	while (fgets(line, sizeof(line), f) != NULL)
		fputs(line, stdout);
	fclose(f);
	return 0;
}

static int cmd_readlink(int argc, char **argv)
{
	char target[PATH_MAX];
	ssize_t n;

	if (argc != 3)
		return EINVAL;
	n = readlink(argv[2], target, sizeof(target) - 1);
	if (n < 0)
		return failed("readlink");
	printf("%.*s\n", (int)n, target);
	return 0;
}

static int cmd_realpath(int argc, char **argv)
{
	char *path;

	if (argc != 3)
		return EINVAL;
	path = realpath(argv[2], NULL);
	if (path == NULL)
		return failed("realpath");
	puts(path);
	free(path);
	return 0;
}

static int cmd_ls(int argc, char **argv)
{
	struct dirent **names;
	int n;

	if (argc != 3)
		return EINVAL;
	n = scandir(argv[2], &names, NULL, alphasort);
	if (n < 0)
		return failed("scandir");
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.')
			puts(names[i]->d_name);
		free(names[i]);
	}
	free(names);
	return 0;
}

/* libkmod the way the binder drives it: probe-insert by name from a module dir. */
static int cmd_kmod(int argc, char **argv)
{
	struct kmod_module *mod = NULL;
	struct kmod_ctx *ctx;
	int err;

	if (argc < 4)
		return EINVAL;
	ctx = kmod_new(argv[2], NULL);
	if (ctx == NULL)
		return failed("kmod_new");
	err = kmod_module_new_from_name(ctx, argv[3], &mod);
	if (err == 0 && strcmp(argv[1], "kmod-state") == 0) {
		err = kmod_module_get_initstate(mod);
		puts(err < 0 ? "absent" : kmod_module_initstate_str(err));
		err = 0;
	} else if (err == 0) {
		err = kmod_module_probe_insert_module(mod, 0, argc > 4 ? argv[4] : NULL, NULL, NULL,
						      NULL);
	}
	kmod_module_unref(mod);
	kmod_unref(ctx);
	errno = -err;
	return err < 0 ? failed(argv[1]) : 0;
}

/* Not a system call: the kernel adding a device (the double's vfio_mock_hot_add()). */
static int cmd_hot_add(int argc, char **argv)
{
	int (*hot_add)(const char *addr);
	int err;

	if (argc != 3)
		return EINVAL;
	hot_add = (int (*)(const char *))dlsym(RTLD_DEFAULT, "vfio_mock_hot_add");
	if (hot_add == NULL) {
		errno = ENOSYS;
		return failed("hot-add");
	}
	err = hot_add(argv[2]);
	errno = -err;
	return err < 0 ? failed("hot-add") : 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} cmds[] = {
		{"write", cmd_write},	    {"writev", cmd_write},    {"pwrite", cmd_write},
		{"fputs", cmd_write},	    {"openat", cmd_openat},   {"load", cmd_load},
		{"load-mem", cmd_load},	    {"unload", cmd_unload},   {"stat", cmd_stat},
		{"cat", cmd_cat},	    {"fopen", cmd_fopen},     {"readlink", cmd_readlink},
		{"realpath", cmd_realpath}, {"ls", cmd_ls},	      {"kmod", cmd_kmod},
		{"kmod-state", cmd_kmod},   {"hot-add", cmd_hot_add},
	};

	for (size_t i = 0; argc > 1 && i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc, argv);
	}
	fprintf(stderr,
		"usage: %s write|writev|pwrite|fputs PATH VALUE\n"
		"       %s openat DIR RELPATH VALUE\n"
		"       %s load|load-mem MODULE-FILE [PARAMS] | unload NAME\n"
		"       %s stat|cat|fopen|readlink|realpath|ls PATH\n"
		"       %s kmod|kmod-state MODULE-DIR NAME [PARAMS]\n"
		"       %s hot-add ADDR\n",
		argv[0], argv[0], argv[0], argv[0], argv[0], argv[0]);
	return EINVAL;
}
