// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * timeit: wall time of commands, run many times, with a monotonic clock.
 *
 *   timeit [-n MAX] [-m MIN] [-t SECONDS] [-w WARMUP] [-o PREFIX] SERIES [::: SERIES]...
 *   SERIES: [-l LABEL] [-p "PREPARE ARGS"] [-E VAR=VALUE]... -- COMMAND [ARG]...
 *
 * Each run of a series: PREPARE (split on spaces; untimed) runs to
 * completion, then the clock starts, COMMAND is spawned (stdin, stdout and
 * stderr on /dev/null, the -E variables, as strace -E, added to its
 * environment only), waited for, and the clock stops.  So a time is fork +
 * exec + the command's work + its exit, the same for every command.
 *
 * The series are interleaved, one run of each per round, so that a machine
 * that gets busier or quieter meanwhile affects them all alike.  WARMUP
 * (default 1) untimed rounds come first.  Rounds stop at MAX (default 200),
 * or once there are MIN (default 3) and SECONDS (default: no limit) have
 * passed.  A run that fails (non-zero exit or a signal) stops everything
 * with an error: a failed run measures nothing.
 *
 * Prints "LABEL RUNS MEDIAN P90 MIN MAX" per series, in milliseconds (p90:
 * nearest rank); -o writes each series' times, in microseconds, one a line,
 * to PREFIX-LABEL.txt.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ARGS   64
#define MAX_SERIES 16

extern char **environ;

struct series {
	const char *label;
	char *prep[MAX_ARGS];
	char *extra[MAX_ARGS];
	int n_extra;
	char **argv, **env;
	double *t;
	int n;
};

static void die(const char *msg)
{
	fprintf(stderr, "timeit: %s\n", msg);
	exit(1);
}

static void usage(void)
{
	die("usage: timeit [-n MAX] [-m MIN] [-t SECONDS] [-w WARMUP] [-o PREFIX] SERIES [::: SERIES]...\n"
	    "       SERIES: [-l LABEL] [-p PREPARE] [-E VAR=VALUE]... -- COMMAND [ARG]...");
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Spawns argv with envp, stdio on @null_fd (-1: inherited); returns its wait status. */
static int run(char *const argv[], char *const envp[], int null_fd)
{
	posix_spawn_file_actions_t fa;
	int status, r;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	if (null_fd >= 0)
		for (int fd = 0; fd <= 2; fd++)
			posix_spawn_file_actions_adddup2(&fa, null_fd, fd);
	r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0) {
		errno = r;
		perror(argv[0]);
		die("cannot spawn the command");
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid failed");
	return status;
}

static void check(int status, const char *what, char *const argv[])
{
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return;
	fprintf(stderr, "timeit: %s failed (%s %d):", what,
		WIFEXITED(status) ? "exit status" : "signal",
		WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	for (int i = 0; argv[i]; i++)
		fprintf(stderr, " %s", argv[i]);
	fputc('\n', stderr);
	exit(1);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The environment plus the -E assignments, which replace variables of the same name. */
static char **make_env(char **extra, int n_extra)
{
	size_t n = 0, k = 0;
	char **env;

	while (environ[n])
		n++;
	env = calloc(n + n_extra + 1, sizeof(*env));
	if (!env)
		die("out of memory");
	for (size_t i = 0; i < n; i++) {
		bool replaced = false;

		for (int j = 0; j < n_extra && !replaced; j++) {
			size_t len = strcspn(extra[j], "=") + 1;

			replaced = strncmp(environ[i], extra[j], len) == 0;
		}
		if (!replaced)
			env[k++] = environ[i];
	}
	for (int j = 0; j < n_extra; j++)
		env[k++] = extra[j];
	return env;
}

/* Parses one SERIES from argv[*i]; leaves *i after its ":::" or at the end. */
static void parse_series(char **argv, int argc, int *i, struct series *s, int index)
{
	static char labels[MAX_SERIES][16];

	snprintf(labels[index], sizeof(labels[0]), "%d", index + 1);
	s->label = labels[index];
	for (; *i < argc && strcmp(argv[*i], "--") != 0; (*i)++) {
		const char *opt = argv[*i];

		if (*i + 1 >= argc)
			usage();
		if (strcmp(opt, "-l") == 0) {
			s->label = argv[++*i];
		} else if (strcmp(opt, "-p") == 0) {
			int k = 0;

			for (char *w = strtok(argv[++*i], " "); w && k < MAX_ARGS - 1;
			     w = strtok(NULL, " "))
				s->prep[k++] = w;
		} else if (strcmp(opt, "-E") == 0) {
			if (s->n_extra == MAX_ARGS || !strchr(argv[*i + 1], '='))
				die("-E takes VAR=VALUE");
			s->extra[s->n_extra++] = argv[++*i];
		} else {
			usage();
		}
	}
	if (*i + 1 >= argc)
		usage();
	s->argv = &argv[++*i];
	while (*i < argc && strcmp(argv[*i], ":::") != 0)
		(*i)++;
	if (*i < argc)
		argv[(*i)++] = NULL; /* ends this series' command */
	if (!s->argv[0])
		usage();
	s->env = make_env(s->extra, s->n_extra);
}

static void report(struct series *s, const char *prefix)
{
	double *t = s->t;
	int n = s->n;

	if (prefix) {
		char path[4096];
		FILE *f;

		snprintf(path, sizeof(path), "%s-%s.txt", prefix, s->label);
		f = fopen(path, "we");
		if (!f)
			die("cannot write the -o file");
		for (int i = 0; i < n; i++)
			fprintf(f, "%.1f\n", t[i]);
		if (fclose(f))
			die("cannot write the -o file");
	}
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	printf("%s %d %.3f %.3f %.3f %.3f\n", s->label, n,
	       (n % 2 ? t[n / 2] : (t[n / 2 - 1] + t[n / 2]) / 2) / 1e3,
	       t[(9 * n + 9) / 10 - 1] / 1e3, t[0] / 1e3, t[n - 1] / 1e3);
}

int main(int argc, char **argv)
{
	static struct series series[MAX_SERIES];
	const char *prefix = NULL;
	double limit = 0, start;
	int max = 200, min = 3, warmup = 1, ns = 0, null_fd, i;

	/* The global options; the first other word starts a series. */
	for (i = 1; i + 1 < argc && argv[i][0] == '-' && strlen(argv[i]) == 2 &&
		    strchr("nmtwo", argv[i][1]);
	     i += 2) {
		const char *arg = argv[i + 1];

		switch (argv[i][1]) {
		case 'n':
			max = atoi(arg);
			break;
		case 'm':
			min = atoi(arg);
			break;
		case 't':
			limit = atof(arg) * 1e6;
			break;
		case 'w':
			warmup = atoi(arg);
			break;
		default:
			prefix = arg;
			break;
		}
	}
	if (max < 1 || min < 1 || warmup < 0)
		usage();
	while (i < argc) {
		if (ns == MAX_SERIES)
			die("too many series");
		parse_series(argv, argc, &i, &series[ns], ns);
		series[ns].t = calloc((size_t)max, sizeof(double));
		if (!series[ns].t)
			die("out of memory");
		ns++;
	}
	if (ns == 0)
		usage();
	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null_fd < 0)
		die("cannot open /dev/null");

	start = now_us();
	for (int round = -warmup; round < max; round++) {
		if (round >= min && limit > 0 && now_us() - start > limit)
			break;
		for (int k = 0; k < ns; k++) {
			struct series *s = &series[k];
			double t0;
			int status;

			if (s->prep[0])
				check(run(s->prep, environ, -1), "prepare", s->prep);
			t0 = now_us();
			status = run(s->argv, s->env, null_fd);
			if (round >= 0)
				s->t[s->n++] = now_us() - t0;
			check(status, "command", s->argv);
		}
	}
	for (int k = 0; k < ns; k++)
		report(&series[k], prefix);
	return 0;
}
