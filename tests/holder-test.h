/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A real process holding a file of the fake tree, for the holders check and the guest runner:
 * a child of the test opens ROOT/REL and waits; the tree's proc/PID is a link to the kernel's
 * /proc/PID, so that what vfio-boot reads there (fd links, comm) is what the kernel says about
 * that process, as on a host. Header-only: each test program is its own.
 */
#ifndef VFIO_BOOT_TESTS_HOLDER_TEST_H
#define VFIO_BOOT_TESTS_HOLDER_TEST_H

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"

/* Forks a process named comm that holds ROOT/rel (made when absent) open; its PID. */
static inline pid_t ht_hold(struct fx *fx, const char *rel, const char *comm)
{
	char *path, *link, target[64], ok;
	int ready[2];
	pid_t pid;

	if (!fx_exists(fx, rel))
		fx_write(fx, rel, "", 0644);
	path = fx_path(fx, rel);
	if (pipe(ready) < 0)
		abort();
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		abort();
	if (pid == 0) {
		int fd = open(path, O_RDONLY);

		prctl(PR_SET_NAME, comm);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(ready[0]);
		if (fd < 0 || write(ready[1], "1", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	if (read(ready[0], &ok, 1) != 1) {
		fprintf(stderr, "holder of %s did not start\n", path);
		abort();
	}
	close(ready[0]);
	snprintf(target, sizeof(target), "/proc/%d", (int)pid);
	link = fx_path(fx, target + 1);
	if (symlink(target, link) < 0)
		abort();
	free(link);
	free(path);
	return pid;
}

/*
 * The test's own process in the tree's /proc, holding nothing of the tree: a tree whose /proc
 * shows no process at all is a capture, where who holds what cannot be told.
 */
static inline void ht_live(struct fx *fx)
{
	char target[64], *link;

	snprintf(target, sizeof(target), "/proc/%d", (int)getpid());
	link = fx_path(fx, target + 1);
	if (symlink(target, link) < 0)
		abort();
	free(link);
}

/* Ends the holder and takes its entry out of the tree. */
static inline void ht_release(struct fx *fx, pid_t pid)
{
	char rel[32], *link;

	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	snprintf(rel, sizeof(rel), "proc/%d", (int)pid);
	link = fx_path(fx, rel);
	unlink(link);
	free(link);
}

#endif
