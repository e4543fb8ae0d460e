// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The scan's floor: the least a program can do that still looks at every PCI function. It
 * lists ROOT/sys/bus/pci/devices and reads each function's uevent once (open, read, close),
 * and nothing else: no parsing, no topology, no groups, no allocation. The binder's
 * `--dry-run` is measured against it in the same run (bench/run.sh).
 *
 * With --links it also makes the readlink the binder makes of every function (its
 * iommu_group; the driver comes with uevent, the bus's link is read only for path=), and
 * nothing more: the floor of a scan that reads what the binder reads.
 *
 *   floor-scan [--links] ROOT
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *const links[] = {"/iommu_group"};

int main(int argc, char **argv)
{
	char path[4096], buf[4096];
	bool with_links = argc == 3 && strcmp(argv[1], "--links") == 0;
	struct dirent *de;
	size_t bytes = 0;
	DIR *dir;
	int n = 0;

	if (argc != 2 && !with_links)
		return 2;
	snprintf(path, sizeof(path), "%s/sys/bus/pci/devices", argv[argc - 1]);
	dir = opendir(path);
	if (!dir)
		return 1;
	while ((de = readdir(dir))) {
		ssize_t r;
		int fd;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/uevent", de->d_name);
		fd = openat(dirfd(dir), path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return 1;
		r = read(fd, buf, sizeof(buf));
		close(fd);
		if (r <= 0)
			return 1;
		bytes += (size_t)r;
		n++;
		for (size_t i = 0; with_links && i < sizeof(links) / sizeof(links[0]); i++) {
			snprintf(path, sizeof(path), "%s%s", de->d_name, links[i]);
			r = readlinkat(dirfd(dir), path, buf, sizeof(buf));
			bytes += r > 0 ? (size_t)r : 0;
		}
	}
	closedir(dir);
	/* What was read, so that the reads are seen to be done (and not optimised away). */
	printf("%d functions, %zu bytes\n", n, bytes);
	return 0;
}
