// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * parse: how the config parser's time grows with the config. For each size (KiB) it builds
 * legal configs of that size out of many distinct sections, of two shapes: "device", [device]
 * sections of three keys, and "bare", [guest] headers alone, the most sections a size can
 * hold. It times vb_config_parse + vb_config_resolve in this process (no file system, no
 * spawn): the median of several runs.
 *
 *   parse [-r RUNS] [KIB]...      (default: -r 5 128 256 512 1024)
 *
 * Prints "SHAPE KIB SECTIONS MEDIAN_MS MIN_MS RATIO", RATIO being the median over the previous
 * size's median: about 2 for each doubling when the time grows linearly, 4 when quadratically.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"

static char *build(size_t size, bool bare, size_t *n_sections)
{
	char *buf = malloc(size + 1), sec[128];
	size_t len = 0, n = 0;
	int k;

	if (!buf)
		exit(1);
	for (;;) {
		if (bare)
			k = snprintf(sec, sizeof(sec), "[guest g%zu]\n", n);
		else
			k = snprintf(sec, sizeof(sec),
				     "[device d%zu]\nmatch = id=%04zx:%04zx\ncount = any\n\n", n,
				     0x1000 + n % 0xe000, n / 0xe000);
		if (len + k > size)
			break;
		memcpy(buf + len, sec, k);
		len += k;
		n++;
	}
	/* Fill up to the size with a comment, so that each size is what it says. */
	memset(buf + len, '#', size - len);
	if (size > len)
		buf[size - 1] = '\n';
	buf[size] = '\0';
	*n_sections = n;
	return buf;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	static const char *const defaults[] = {"128", "256", "512", "1024"};
	const char *const *sizes = defaults;
	int n_sizes = 4, runs = 5, i = 1;

	if (argc > 2 && strcmp(argv[1], "-r") == 0) {
		runs = atoi(argv[2]);
		i = 3;
	}
	if (runs < 1 || runs > 1000) {
		fprintf(stderr, "usage: parse [-r RUNS] [KIB]...\n");
		return 2;
	}
	if (argc > i) {
		sizes = (const char *const *)argv + i;
		n_sizes = argc - i;
	}
	printf("SHAPE KIB SECTIONS MEDIAN_MS MIN_MS RATIO\n");
	for (int bare = 0; bare <= 1; bare++) {
		double prev = 0;

		for (int s = 0; s < n_sizes; s++) {
			size_t kib = strtoul(sizes[s], NULL, 10), n;
			char *text = build(kib * 1024, bare, &n);
			double *t = calloc(runs, sizeof(*t));

			for (int r = 0; r < runs; r++) {
				struct vb_config cfg = {0};
				double start = now_ms();

				if (vb_config_parse(&cfg, "bench.conf", text, kib * 1024) < 0 ||
				    vb_config_resolve(&cfg) < 0 || cfg.n_errors ||
				    cfg.n_sections != n) {
					fprintf(stderr,
						"parse: the %zu KiB config did not parse cleanly\n",
						kib);
					return 1;
				}
				t[r] = now_ms() - start;
				vb_config_free(&cfg);
			}
			qsort(t, runs, sizeof(*t), cmp_double);
			printf("%s %zu %zu %.1f %.1f ", bare ? "bare" : "device", kib, n,
			       t[runs / 2], t[0]);
			if (prev > 0)
				printf("%.2f\n", t[runs / 2] / prev);
			else
				printf("-\n");
			fflush(stdout);
			prev = t[runs / 2];
			free(t);
			free(text);
		}
	}
	return 0;
}
