// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libvirt/virterror.h>

#include "runner-lifecycle.h"
#include "log.h"
#include "sysroot.h"
#include "util.h"

#define RECONNECT_EVERY_MS 1000
#define RECONNECT_TRIES	   60

static int sig_pipe[2] = {-1, -1};
static volatile sig_atomic_t sig_received;
static bool signal_pending;

const char *lc_error(void)
{
	const char *m = virGetLastErrorMessage();

	return m ? m : "unknown error";
}

static void on_signal(int sig)
{
	int saved = errno;
	char c = 1;

	sig_received = sig;
	/* The event loop sleeps in poll(); a byte in the pipe wakes it. */
	if (write(sig_pipe[1], &c, 1) < 0) {
	}
	errno = saved;
}

static void on_sig_pipe(int watch _unused_, int fd, int events _unused_, void *opaque _unused_)
{
	char buf[64];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	signal_pending = true;
}

bool lc_terminating(void)
{
	return signal_pending;
}

/* libvirt's default handler prints every error to stderr; the runner says it once, in context. */
static void quiet_errors(void *userdata _unused_, virErrorPtr err _unused_)
{
}

int lc_init(void)
{
	static bool done;
	struct sigaction sa = {.sa_handler = on_signal};

	if (done)
		return 0;
	virSetErrorFunc(NULL, quiet_errors);
	if (virInitialize() < 0 || virEventRegisterDefaultImpl() < 0)
		return -EIO;
	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	if (virEventAddHandle(sig_pipe[0], VIR_EVENT_HANDLE_READABLE, on_sig_pipe, NULL, NULL) < 0)
		return -EIO;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	if (sigaction(SIGTERM, &sa, NULL) < 0 || sigaction(SIGINT, &sa, NULL) < 0)
		return -errno;
	done = true;
	return 0;
}

static int on_lifecycle(virConnectPtr conn _unused_, virDomainPtr dom _unused_, int event,
			int detail, void *opaque)
{
	struct watch *w = opaque;

	w->last_event = event;
	w->last_detail = detail;
	if (event == VIR_DOMAIN_EVENT_SHUTDOWN)
		w->shutdown_seen = true;
	log_debug("guest %s: lifecycle event %d detail %d", w->name, event, detail);
	return 0;
}

static void on_close(virConnectPtr conn _unused_, int reason _unused_, void *opaque)
{
	struct watch *w = opaque;

	w->closed = true;
}

static void drop_connection(struct watch *w)
{
	if (w->cb_id >= 0 && w->conn)
		virConnectDomainEventDeregisterAny(w->conn, w->cb_id);
	w->cb_id = -1;
	if (w->dom)
		virDomainFree(w->dom);
	w->dom = NULL;
	if (w->conn) {
		virConnectUnregisterCloseCallback(w->conn, on_close);
		virConnectClose(w->conn);
	}
	w->conn = NULL;
}

/* Connects and subscribes; the domain by name the first time, by UUID after a reconnect. */
static int attach(struct watch *w, bool by_uuid)
{
	virErrorPtr err;

	w->closed = false;
	w->conn = virConnectOpen(w->uri);
	if (!w->conn)
		return log_err(-EIO, "cannot connect to libvirt at %s: %s", w->uri, lc_error());
	virConnectRegisterCloseCallback(w->conn, on_close, w, NULL);
	w->dom = by_uuid ? virDomainLookupByUUID(w->conn, w->uuid)
			 : virDomainLookupByName(w->conn, w->name);
	if (!w->dom) {
		err = virGetLastError();
		if (err && err->code == VIR_ERR_NO_DOMAIN)
			return log_err(
				-ENOENT,
				"guest %s: libvirt at %s has no domain of that name: define it first (virsh define)",
				w->name, w->uri);
		return log_err(-EIO, "guest %s: cannot look it up: %s", w->name, lc_error());
	}
	if (!by_uuid && virDomainGetUUID(w->dom, w->uuid) < 0)
		return log_err(-EIO, "guest %s: %s", w->name, lc_error());
	w->cb_id =
		virConnectDomainEventRegisterAny(w->conn, w->dom, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
						 VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), w, NULL);
	if (w->cb_id < 0)
		return log_err(-EIO, "guest %s: cannot subscribe to its lifecycle events: %s",
			       w->name, lc_error());
	return 0;
}

int watch_open(struct watch *w, const char *uri, const char *name)
{
	*w = (struct watch){.cb_id = -1, .last_event = -1, .last_detail = -1};
	w->uri = strdup(uri);
	w->name = strdup(name);
	if (!w->uri || !w->name)
		return log_err(-ENOMEM, "out of memory");
	return attach(w, false);
}

void watch_close(struct watch *w)
{
	drop_connection(w);
	free(w->uri);
	free(w->name);
	w->uri = w->name = NULL;
}

int watch_state(struct watch *w, int *state, int *reason)
{
	virErrorPtr err;

	if (virDomainGetState(w->dom, state, reason, 0) == 0)
		return 0;
	err = virGetLastError();
	if (err && err->code == VIR_ERR_NO_DOMAIN) {
		/* A transient domain is gone once it stops: its last event tells how. */
		*state = VIR_DOMAIN_SHUTOFF;
		*reason = w->last_event == VIR_DOMAIN_EVENT_STOPPED ? w->last_detail + 1
								    : VIR_DOMAIN_SHUTOFF_UNKNOWN;
		return 0;
	}
	return -EIO;
}

static bool inactive(int state)
{
	/* A crashed domain kept for inspection (on_crash=preserve) is done too. */
	return state == VIR_DOMAIN_SHUTOFF || state == VIR_DOMAIN_CRASHED;
}

bool watch_active(struct watch *w)
{
	int state, reason;

	return watch_state(w, &state, &reason) == 0 && !inactive(state);
}

static void on_timer(int timer _unused_, void *opaque)
{
	*(bool *)opaque = true;
}

static int reconnect(struct watch *w)
{
	bool tick = false;
	int timer;

	log_warn(0, "guest %s: lost the connection to libvirt (daemon restarted?); reconnecting",
		 w->name);
	drop_connection(w);
	timer = virEventAddTimeout(RECONNECT_EVERY_MS, on_timer, &tick, NULL);
	if (timer < 0)
		return -EIO;
	for (int i = 0; i < RECONNECT_TRIES; i++) {
		int r;

		tick = false;
		while (!tick)
			if (virEventRunDefaultImpl() < 0)
				break;
		r = attach(w, true);
		if (r == 0) {
			virEventRemoveTimeout(timer);
			log_notice("guest %s: connected to libvirt again", w->name);
			return 0;
		}
		drop_connection(w);
		if (r == -ENOENT) /* the domain went away with the daemon */
			break;
	}
	virEventRemoveTimeout(timer);
	return -EIO;
}

enum wait_result watch_wait(struct watch *w, int timeout_ms, bool wake_on_signal)
{
	bool fired = false;
	enum wait_result res;
	int timer = -1;

	if (timeout_ms >= 0) {
		timer = virEventAddTimeout(timeout_ms, on_timer, &fired, NULL);
		if (timer < 0) {
			log_err(-EIO, "guest %s: cannot set a timer: %s", w->name, lc_error());
			return WAIT_ERROR;
		}
	}
	for (;;) {
		int state, reason;

		if (w->closed && reconnect(w) < 0) {
			log_err(-EIO, "guest %s: cannot reach libvirt at %s any more: %s", w->name,
				w->uri, lc_error());
			res = WAIT_ERROR;
			break;
		}
		/* Asked after every wake-up, so a missed or coalesced event does not matter. */
		if (watch_state(w, &state, &reason) < 0) {
			if (w->closed)
				continue;
			log_err(-EIO, "guest %s: cannot get its state: %s", w->name, lc_error());
			res = WAIT_ERROR;
			break;
		}
		if (inactive(state)) {
			res = WAIT_INACTIVE;
			break;
		}
		if (fired) {
			res = WAIT_TIMEOUT;
			break;
		}
		if (wake_on_signal && signal_pending) {
			res = WAIT_SIGNAL;
			break;
		}
		if (virEventRunDefaultImpl() < 0) {
			log_err(-EIO, "guest %s: libvirt's event loop failed: %s", w->name,
				lc_error());
			res = WAIT_ERROR;
			break;
		}
	}
	if (timer >= 0)
		virEventRemoveTimeout(timer);
	return res;
}

/*
 * Made with the sysroot's exclusive create, then opened without following a link: a link or a
 * FIFO planted in its place is refused, not followed or waited on. Read-only is enough for
 * flock.
 */
int lc_start_lock_open(void)
{
	_cleanup_close_ int dirfd = -1;
	struct stat st;
	int fd, r;

	r = vb_mkdir_p(LC_START_LOCK_DIR, 0755);
	if (r < 0)
		return r;
	dirfd = vb_open_dir(LC_START_LOCK_DIR);
	if (dirfd < 0)
		return dirfd;
	r = vb_create_at(dirfd, LC_START_LOCK_NAME, "", 0600, false);
	if (r < 0 && r != -EEXIST)
		return r;
	fd = openat(dirfd, LC_START_LOCK_NAME, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EBADFD;
	}
	return fd;
}

int lc_start_lock_wait(int fd, int timeout_ms)
{
	struct timespec start, now, pause = {.tv_nsec = 50 * 1000 * 1000};

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		if (errno != EWOULDBLOCK && errno != EINTR)
			return -errno;
		if (sig_received)
			return -EINTR;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 >=
		    timeout_ms)
			return timeout_ms == 0 ? -EWOULDBLOCK : -ETIMEDOUT;
		nanosleep(&pause, NULL);
	}
}
