// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Running programs against a fake tree, under the preloaded kernel double.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture-internal.h"
#include "mock-common.h"

#if !defined(MOCK_SO) || !defined(MOCK_WRITE)
#error "MOCK_SO and MOCK_WRITE must name the built double and helper (see tests/mock/rules.mk)"
#endif

/* An environment override, made absolute: children may run elsewhere. */
static const char *from_env(const char *const names[], const char *fallback, char **cache)
{
	if (*cache != NULL)
		return *cache;
	for (const char *const *n = names; *n != NULL; n++) {
		const char *v = getenv(*n);

		if (v != NULL && *v != '\0') {
			*cache = realpath(v, NULL);
			if (*cache == NULL)
				fx_die("%s=%s: %m", *n, v);
			return *cache;
		}
	}
	*cache = strdup(fallback);
	return *cache;
}

const char *fx_mock_so(void)
{
	static const char *const names[] = {"VFIO_MOCK_SO", "MOCK_SO", NULL};
	static char *path;

	return from_env(names, MOCK_SO, &path);
}

const char *fx_mock_write(void)
{
	static const char *const names[] = {"VFIO_MOCK_WRITE", NULL};
	static char *path;

	return from_env(names, MOCK_WRITE, &path);
}

static bool is_var(const char *entry, const char *const names[])
{
	for (const char *const *n = names; *n != NULL; n++) {
		size_t len = strlen(*n);

		if (strncmp(entry, *n, len) == 0 && entry[len] == '=')
			return true;
	}
	return false;
}

/* The test's environment plus the double: vars[] receives what must be freed. */
static char **child_env(const struct fx *fx, char *vars[3])
{
	static const char *const names[] = {"LD_PRELOAD", "ASAN_OPTIONS", "VFIO_MOCK_ROOT", NULL};
	const char *preload = getenv("LD_PRELOAD");
	const char *asan = getenv("ASAN_OPTIONS");
	size_t n = 0, i = 0;
	char **envp;

	/* A sanitizer runtime already preloaded has to stay first. */
	vars[0] = preload && *preload ? fx_asprintf("LD_PRELOAD=%s:%s", preload, fx_mock_so())
				      : fx_asprintf("LD_PRELOAD=%s", fx_mock_so());
	/* ASan wants its runtime first; the double does not allocate behind its back. */
	vars[1] = asan && *asan ? fx_asprintf("ASAN_OPTIONS=%s:verify_asan_link_order=0", asan)
				: fx_asprintf("ASAN_OPTIONS=verify_asan_link_order=0");
	vars[2] = fx_asprintf("VFIO_MOCK_ROOT=%s", fx->root);

	while (environ[n] != NULL)
		n++;
	envp = calloc(n + 4, sizeof(*envp));
	if (envp == NULL)
		fx_die("out of memory");
	for (char **e = environ; *e != NULL; e++) {
		if (!is_var(*e, names))
			envp[i++] = *e;
	}
	for (int v = 0; v < 3; v++)
		envp[i++] = vars[v];
	return envp;
}

int fx_run(struct fx *fx, const char *const argv[])
{
	_cleanup_free_ char *out = fx_path(fx, MOCK_STATE_DIR "/stdout");
	_cleanup_free_ char *err = fx_path(fx, MOCK_STATE_DIR "/stderr");
	posix_spawn_file_actions_t actions;
	char *vars[3];
	char **envp = child_env(fx, vars);
	int status, r;
	pid_t pid;

	/* posix_spawn, not fork: copying an ASan process's page tables is slow. */
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out, O_WRONLY | O_CREAT | O_TRUNC,
					 0644);
	posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err, O_WRONLY | O_CREAT | O_TRUNC,
					 0644);
	fflush(NULL);
	r = posix_spawn(&pid, argv[0], &actions, NULL, (char *const *)argv, envp);
	posix_spawn_file_actions_destroy(&actions);
	free(envp);
	for (int v = 0; v < 3; v++)
		free(vars[v]);
	if (r != 0) {
		fprintf(stderr, "fixture: cannot run %s: %s\n", argv[0], strerror(r));
		return 127;
	}
	if (waitpid(pid, &status, 0) < 0)
		fx_die("waitpid: %m");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
