// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The generator's floor: the least a program can do that still writes what the generator
 * writes. It reads one manifest of the generator's output, made beforehand from a reference
 * run (bench/generator.sh), and makes the same directories, files and symlinks below OUT:
 * one read of the manifest, then mkdir, open, write, close and symlink only. No config, no
 * domain XML, no dynamic libraries (it is linked statically).
 *
 *   floor-generator MANIFEST OUT
 *
 * The manifest, one entry after another, names relative to OUT:
 *   d NAME\n              a directory
 *   l NAME\nTARGET\n      a symlink
 *   f NAME\nLEN\nBYTES    a file of LEN bytes
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char buf[1 << 22];

static char *line(char **p)
{
	char *s = *p, *nl = strchr(s, '\n');

	if (!nl)
		exit(1);
	*nl = '\0';
	*p = nl + 1;
	return s;
}

int main(int argc, char **argv)
{
	ssize_t n;
	char *p;
	int out, fd;

	if (argc != 3)
		return 2;
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	out = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || out < 0)
		return 1;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0 || n == sizeof(buf) - 1)
		return 1;
	close(fd);
	buf[n] = '\0';
	for (p = buf; *p;) {
		char kind = *p, *name;

		p += 2;
		name = line(&p);
		if (kind == 'd') {
			if (mkdirat(out, name, 0755) < 0)
				return 1;
		} else if (kind == 'l') {
			if (symlinkat(line(&p), out, name) < 0)
				return 1;
		} else if (kind == 'f') {
			size_t len = strtoul(line(&p), NULL, 10);

			fd = openat(out, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
			if (fd < 0 || write(fd, p, len) != (ssize_t)len || close(fd) < 0)
				return 1;
			p += len;
		} else {
			return 1;
		}
	}
	return 0;
}
