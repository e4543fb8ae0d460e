/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the test-runner-* programs share: the sanitized vfio-boot executable run as systemd
 * runs a guest unit (stderr and the notify socket collected, SIGTERM after READY=1), the
 * checks on its exit status and messages, and the test driver's URI.
 */
#ifndef VFIO_BOOT_TESTS_RUNNER_CLI_H
#define VFIO_BOOT_TESTS_RUNNER_CLI_H

#define WAIT_LIMIT_S 60

static inline const char *cli(void)
{
	const char *c = getenv("TEST_CLI");
	return c ? c : "build/test/cli/vfio-boot";
}

static char uri[4200];

struct result {
	int status;
	char *err;
	char *notified; /* everything sent to NOTIFY_SOCKET */
	double seconds;
};

static inline double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline void result_free(struct result *r)
{
	free(r->err);
	free(r->notified);
	memset(r, 0, sizeof(*r));
}

/* Receives notify messages until one contains want (NULL: none expected) or the child ends. */
static inline void collect_notify(int sock, pid_t pid, const char *want, char *buf, size_t size)
{
	size_t len = strlen(buf);
	double end = now() + WAIT_LIMIT_S;

	while (now() < end) {
		struct pollfd p = {.fd = sock, .events = POLLIN};
		ssize_t n;

		if (want && strstr(buf, want))
			return;
		if (poll(&p, 1, 100) > 0) {
			n = recv(sock, buf + len, size - len - 1, 0);
			if (n > 0) {
				len += n;
				buf[len++] = '\n';
				buf[len] = '\0';
			}
			continue;
		}
		if (waitpid(pid, NULL, WNOHANG | WNOWAIT) != 0 && !want)
			return;
		if (want && kill(pid, 0) < 0)
			return;
	}
}

/*
 * Runs vfio-boot guest VERB --uri URI --root ROOT ARGS... NAME. With term_after set, waits for
 * that notify message (READY=1) and then sends SIGTERM, as systemd stopping the unit does.
 */
static inline struct result run_cli(struct fx *fx, const char *term_after, const char *verb,
				    const char *name, ...)
{
	const char *argv[32] = {cli(), "guest", verb, "--uri", uri, "--root", fx_root(fx)};
	char *errpath = fx_path(fx, ".runner-stderr");
	char *sockpath = fx_path(fx, ".notify");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct result res = {0};
	char notified[4096] = "";
	size_t n = 7;
	const char *a;
	int sock, status = -1;
	double start;
	va_list ap;
	pid_t pid;

	va_start(ap, name);
	while ((a = va_arg(ap, const char *)) && n < 29)
		argv[n++] = a;
	va_end(ap);
	argv[n++] = "--";
	argv[n++] = name;
	argv[n] = NULL;

	unlink(sockpath);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sockpath);
	sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(sock >= 0);
	assert_int_equal(bind(sock, (struct sockaddr *)&sa, sizeof(sa)), 0);

	start = now();
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (fd < 0 || dup2(fd, 2) < 0)
			_exit(127);
		setenv("NOTIFY_SOCKET", sockpath, 1);
		unsetenv("JOURNAL_STREAM");
		unsetenv("VFIO_BOOT_ROOT");
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	if (term_after) {
		collect_notify(sock, pid, term_after, notified, sizeof(notified));
		kill(pid, SIGTERM);
	}
	for (double end = now() + WAIT_LIMIT_S; waitpid(pid, &status, WNOHANG) == 0;) {
		if (now() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			fail_msg("vfio-boot guest %s %s still running after %d s", verb, name,
				 WAIT_LIMIT_S);
		}
		usleep(10000);
	}
	collect_notify(sock, pid, NULL, notified, sizeof(notified));
	close(sock);
	res.seconds = now() - start;
	res.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	res.err = fx_read(fx, ".runner-stderr");
	if (!res.err)
		res.err = strdup("");
	res.notified = strdup(notified);
	free(errpath);
	free(sockpath);
	return res;
}

static inline void expect_status(const struct result *r, int status)
{
	if (r->status != status)
		fail_msg("exit status %d, expected %d; stderr:\n%s", r->status, status, r->err);
}

static inline void expect_err(const struct result *r, const char *text)
{
	if (!strstr(r->err, text))
		fail_msg("stderr lacks \"%s\":\n%s", text, r->err);
}

static inline void expect_no_err(const struct result *r, const char *text)
{
	if (strstr(r->err, text))
		fail_msg("stderr has \"%s\":\n%s", text, r->err);
}

static inline int setup(void **state)
{
	*state = rf_setup();
	return 0;
}

static inline int teardown(void **state)
{
	fx_free(*state);
	return 0;
}

static inline int cli_status(const char *const args[], char **out)
{
	char cmd[1024];
	size_t len = snprintf(cmd, sizeof(cmd), "%s", cli());
	FILE *p;
	int st;

	for (; *args; args++)
		len += snprintf(cmd + len, sizeof(cmd) - len, " %s", *args);
	snprintf(cmd + len, sizeof(cmd) - len, " 2>&1");
	p = popen(cmd, "r");
	assert_non_null(p);
	*out = calloc(1, 8192);
	if (fread(*out, 1, 8191, p)) {
	}
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * The test driver's URI (TEST_RUNNER_NODE, else tests/runner/node.xml from the top of the
 * tree), and the executable the tests run; -1 when it is not there.
 */
static inline int runner_init(void)
{
	const char *node = getenv("TEST_RUNNER_NODE");
	char cwd[4096];

	if (!node) {
		if (!getcwd(cwd, sizeof(cwd) - 32))
			return -1;
		strcat(cwd, "/tests/runner/node.xml");
		node = cwd;
	}
	snprintf(uri, sizeof(uri), "test://%s", node);
	if (access(cli(), X_OK) < 0) {
		fprintf(stderr, "%s: %s: %s (make %s)\n", program_invocation_short_name, cli(),
			strerror(errno), cli());
		return -1;
	}
	return 0;
}

#endif
