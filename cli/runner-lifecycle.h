/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include <libvirt/libvirt.h>

/*
 * A domain watched through libvirt's lifecycle events: the runner sleeps in libvirt's event
 * loop and wakes when the domain changes state, when a timer runs out or on SIGTERM/SIGINT.
 * It never polls the domain. When the connection drops (libvirtd restarted) it reconnects and
 * looks again.
 */
struct watch {
	char *uri;
	char *name;
	virConnectPtr conn;
	virDomainPtr dom;
	unsigned char uuid[VIR_UUID_BUFLEN];
	int cb_id;
	int last_event, last_detail; /* the last lifecycle event, -1 before any */
	bool closed;		     /* the connection dropped */
	bool shutdown_seen;	     /* the guest began to shut down (event SHUTDOWN) */
};

enum wait_result {
	WAIT_INACTIVE, /* the domain is off, or crashed */
	WAIT_TIMEOUT,
	WAIT_SIGNAL, /* SIGTERM or SIGINT */
	WAIT_ERROR,  /* logged */
};

/* Registers libvirt's event loop and the signal handlers; before any connection is opened. */
int lc_init(void);

/*
 * Opens uri, finds the domain and subscribes to its events: 0, -ENOENT when libvirt has no
 * domain of that name, another negative errno when libvirt fails (logged; libvirt has no
 * errno of its own, so its failures are -EIO).
 */
int watch_open(struct watch *w, const char *uri, const char *name);
void watch_close(struct watch *w);

/* Waits up to timeout_ms (-1: no limit); a signal ends the wait only when wake_on_signal. */
enum wait_result watch_wait(struct watch *w, int timeout_ms, bool wake_on_signal);

/* Whether a SIGTERM/SIGINT arrived; watch_wait may have left it pending. */
bool lc_terminating(void);

/* virDomainGetState, treating an undefined (transient) domain as shut off. */
int watch_state(struct watch *w, int *state, int *reason);

/* Whether the domain runs: neither shut off nor crashed; false when libvirt cannot tell. */
bool watch_active(struct watch *w);

/* The libvirt error of the last failed call, for messages. */
const char *lc_error(void);

/*
 * Checking a guest's disks and creating it is one step across every runner: guests without
 * "after =" start in parallel, and two that share a disk would each check while the other does
 * not run yet. The step holds an exclusive flock on this file, below the root.
 */
#define LC_START_LOCK_DIR  "/run/vfio-boot"
#define LC_START_LOCK_NAME "guest-start.lock"

/* Opens (first makes) the lock file; a negative errno, -EBADFD when it is no regular file. */
int lc_start_lock_open(void);

/*
 * Takes the lock on fd (released by closing fd), waiting up to timeout_ms. -EWOULDBLOCK when
 * timeout_ms is 0 and another runner holds it, -ETIMEDOUT after waiting, -EINTR on SIGTERM or
 * SIGINT.
 */
int lc_start_lock_wait(int fd, int timeout_ms);
