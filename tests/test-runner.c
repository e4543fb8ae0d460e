// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The guest runner as systemd runs it: the real (sanitized) vfio-boot executable against
 * libvirt's test driver, which reads tests/runner/node.xml afresh for every run, and a fake
 * host tree (--root) for the PCI, block device, mount, swap and bridge side. Exit codes and
 * messages are what a unit's status and the journal will show, so they are checked as such.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"
#include "runner/runner-fixture.h"

#define WAIT_LIMIT_S 60

static const char *cli(void)
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

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void result_free(struct result *r)
{
	free(r->err);
	free(r->notified);
	memset(r, 0, sizeof(*r));
}

/* Receives notify messages until one contains want (NULL: none expected) or the child ends. */
static void collect_notify(int sock, pid_t pid, const char *want, char *buf, size_t size)
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
static struct result run_cli(struct fx *fx, const char *term_after, const char *verb,
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

static void expect_status(const struct result *r, int status)
{
	if (r->status != status)
		fail_msg("exit status %d, expected %d; stderr:\n%s", r->status, status, r->err);
}

static void expect_err(const struct result *r, const char *text)
{
	if (!strstr(r->err, text))
		fail_msg("stderr lacks \"%s\":\n%s", text, r->err);
}

static void expect_no_err(const struct result *r, const char *text)
{
	if (strstr(r->err, text))
		fail_msg("stderr has \"%s\":\n%s", text, r->err);
}

static int setup(void **state)
{
	*state = rf_setup();
	return 0;
}

static int teardown(void **state)
{
	fx_free(*state);
	return 0;
}

static int cli_status(const char *const args[], char **out)
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

static void test_usage(void **state)
{
	char *out;

	(void)state;
	assert_int_equal(cli_status((const char *[]){NULL}, &out), 1);
	assert_non_null(strstr(out, "Usage: vfio-boot COMMAND"));
	free(out);
	assert_int_equal(cli_status((const char *[]){"frob", NULL}, &out), 1);
	assert_non_null(strstr(out, "unknown command \"frob\""));
	free(out);
	assert_int_equal(cli_status((const char *[]){"guest", "start", NULL}, &out), 1);
	free(out);
	assert_int_equal(cli_status((const char *[]){"guest", "reboot", "x", NULL}, &out), 1);
	assert_non_null(strstr(out, "expected start, stop or run"));
	free(out);
	assert_int_equal(
		cli_status((const char *[]){"guest", "stop", "--timeout", "soon", "x", NULL}, &out),
		1);
	assert_non_null(strstr(out, "--timeout soon"));
	free(out);
	assert_int_equal(cli_status((const char *[]){"guest", "--help", NULL}, &out), 0);
	assert_non_null(strstr(out, "Exit status: 0 ok"));
	free(out);
	assert_int_equal(cli_status((const char *[]){"--help", NULL}, &out), 0);
	assert_non_null(strstr(out, "guest"));
	free(out);
}

/* A device still on its host driver: the message names the device and the driver. */
static void test_refuse_not_on_vfio(void **state)
{
	struct fx *fx = *state;
	struct result r = run_cli(fx, NULL, "start", "gpu", NULL);

	expect_status(&r, 2);
	expect_err(
		&r,
		"PCI device 0000:02:00.0 (hostdev, 1234:1111) is bound to bochs-drm, not vfio-pci");
	expect_err(&r, "PCI device 0000:02:00.1 (hostdev, 8086:293e) is bound to snd_hda_intel");
	expect_err(&r, "guest gpu: not started: 2 problems above");
	result_free(&r);

	/* No driver at all is no better: the binder did not claim it. */
	rf_rebind(fx, RF_GPU1, NULL);
	rf_rebind(fx, RF_AUDIO1, "vfio-pci");
	r = run_cli(fx, NULL, "start", "gpu", NULL);
	expect_status(&r, 2);
	expect_err(&r, "0000:02:00.0 (hostdev, 1234:1111) has no driver, not vfio-pci");
	result_free(&r);
}

static void test_refuse_unviable_group(void **state)
{
	struct fx *fx = *state;
	struct result r;

	rf_rebind(fx, RF_GPU1, "vfio-pci");
	r = run_cli(fx, NULL, "start", "gpu-only", NULL);
	expect_status(&r, 2);
	expect_err(
		&r,
		"IOMMU group 2 of PCI device 0000:02:00.0 (hostdev) is not viable: 0000:02:00.1 in the same group is bound to snd_hda_intel");
	expect_no_err(&r, "0000:00:02.0"); /* the root port in the group does not count */
	result_free(&r);

	/* A driverless sibling keeps the group viable. */
	rf_rebind(fx, RF_AUDIO1, NULL);
	r = run_cli(fx, NULL, "start", "gpu-only", NULL);
	expect_status(&r, 0);
	expect_err(&r, "guest gpu-only started");
	result_free(&r);
}

static void test_start(void **state)
{
	struct fx *fx = *state;
	struct result r;

	rf_claim_gpu1(fx);
	r = run_cli(fx, NULL, "start", "gpu", NULL);
	expect_status(&r, 0);
	expect_err(&r, "guest gpu started");
	expect_no_err(&r, "kernel name"); /* named by id */
	result_free(&r);
}

static void test_refuse_mounted_disk(void **state)
{
	struct fx *fx = *state;
	struct result r;

	rf_claim_gpu1(fx);
	rf_mounts(fx, "40 22 8:16 / /srv rw,relatime shared:20 - xfs /dev/sdb rw\n");
	r = run_cli(fx, NULL, "start", "gpu", NULL);
	expect_status(&r, 2);
	expect_err(&r, "guest gpu: block disk vda (/dev/disk/by-id/ata-GUEST_DISK_1): /dev/sdb");
	expect_err(
		&r,
		"is mounted on /srv (xfs) by the host; two systems writing one file system lose data");
	result_free(&r);
}

/* The guest names the disk; the host mounted a partition of it, with a space in the path. */
static void test_refuse_mounted_partition(void **state)
{
	struct fx *fx = *state;
	struct result r;

	rf_claim_gpu1(fx);
	rf_mounts(fx, "41 22 8:17 / /mnt/my\\040data rw shared:21 - ext2 /dev/sdb1 rw\n");
	r = run_cli(fx, NULL, "start", "gpu", NULL);
	expect_status(&r, 2);
	expect_err(&r, "/dev/sdb1 (ext2 \"data\") is mounted on /mnt/my data (ext2)");
	result_free(&r);
}

/* btrfs reports an anonymous device number: the mount's source still names the partition. */
static void test_refuse_mount_by_source(void **state)
{
	struct fx *fx = *state;
	struct result r;

	rf_claim_gpu1(fx);
	rf_mounts(fx, "42 22 0:45 /@home /home rw shared:22 - btrfs /dev/sdb2 rw,subvol=/@home\n");
	r = run_cli(fx, NULL, "start", "gpu", NULL);
	expect_status(&r, 2);
	expect_err(&r, "/dev/sdb2 is mounted on /home (btrfs)");
	result_free(&r);
}

static void test_refuse_lvm(void **state)
{
	struct fx *fx = *state;
	struct result r;

	rf_claim_gpu1(fx);
	rf_holder(fx, "sdb", "dm-0");
	fx_write(fx, "sys/class/block/dm-0/dm/name", "vg0-lv0\n", 0444);
	fx_write(fx, "sys/class/block/dm-0/dm/uuid", "LVM-abcdefabcdef\n", 0444);
	r = run_cli(fx, NULL, "start", "gpu", NULL);
	expect_status(&r, 2);
	expect_err(
		&r,
		"/dev/sdb is held by /dev/dm-0, LVM logical volume vg0-lv0, so the host is using it");
	result_free(&r);
}

static void test_refuse_md_member_partition(void **state)
{
	struct fx *fx = *state;
	struct result r;

	rf_claim_gpu1(fx);
	rf_holder(fx, "sdb2", "md127");
	fx_write(fx, "sys/class/block/md127/md/level", "raid1\n", 0444);
	r = run_cli(fx, NULL, "start", "gpu", NULL);
	expect_status(&r, 2);
	expect_err(&r, "/dev/sdb2 is held by /dev/md127, md RAID array (raid1)");
	result_free(&r);
}

static void test_refuse_swap(void **state)
{
	struct fx *fx = *state;
	struct result r;

	rf_claim_gpu1(fx);
	rf_swaps(fx, "/dev/disk/by-id/ata-GUEST_DISK_1-part2 partition\t8388604\t0\t-2\n");
	rf_symlink(fx, "dev/disk/by-id/ata-GUEST_DISK_1-part2", "../../sdb2");
	r = run_cli(fx, NULL, "start", "gpu", NULL);
	expect_status(&r, 2);
	expect_err(&r, "/dev/sdb2 is the host's swap (partition)");
	expect_err(&r, "swapoff /dev/disk/by-id/ata-GUEST_DISK_1-part2");
	result_free(&r);
}

/* The external log of an XFS whose data device is another disk. */
static void test_refuse_xfs_log_device(void **state)
{
	struct fx *fx = *state;
	struct result r;

	rf_claim_gpu1(fx);
	rf_mounts(fx, "44 22 8:1 / /srv rw - xfs /dev/sda1 rw,attr2,logdev=/dev/sdb,noquota\n");
	r = run_cli(fx, NULL, "start", "gpu", NULL);
	expect_status(&r, 2);
	expect_err(&r, "/dev/sdb is the external log of the XFS mounted on /srv by the host");
	result_free(&r);
}

/* A loop device whose backing file is on the disk: loop devices register no holder. */
static void test_refuse_loop_backing(void **state)
{
	struct fx *fx = *state;
	struct result r;

	rf_disk_under_tree(fx, "sde");
	fx_write(fx, "var/lib/libvirt/images/big.img", "", 0644);
	rf_loop(fx, "loop0", "7:0", "/var/lib/libvirt/images/big.img");
	r = run_cli(fx, NULL, "start", "looped", NULL);
	expect_status(&r, 2);
	expect_err(
		&r,
		"/dev/sde backs loop device /dev/loop0 (backing file /var/lib/libvirt/images/big.img)");
	expect_err(&r, "losetup -d /dev/loop0");
	result_free(&r);
}

/* Given a partition: multipath holds the whole disk it is on. */
static void test_refuse_parent_held(void **state)
{
	struct fx *fx = *state;
	struct result r;

	r = run_cli(fx, NULL, "start", "part", NULL);
	expect_status(&r, 0);
	result_free(&r);

	rf_holder(fx, "sdb", "dm-3");
	fx_write(fx, "sys/class/block/dm-3/dm/name", "mpatha\n", 0444);
	fx_write(fx, "sys/class/block/dm-3/dm/uuid", "mpath-3600a0b8\n", 0444);
	r = run_cli(fx, NULL, "start", "part", NULL);
	expect_status(&r, 2);
	expect_err(&r, "block disk vda (/dev/disk/by-id/ata-GUEST_DISK_1-part1): the whole disk it "
		       "is on, /dev/sdb is held by /dev/dm-3, multipath map mpatha");
	result_free(&r);
}

/* Another running domain of the connection has a partition of the disk. */
static void test_refuse_other_domain(void **state)
{
	struct fx *fx = *state;
	struct result r = run_cli(fx, NULL, "start", "shares", NULL);

	expect_status(&r, 2);
	expect_err(&r, "guest shares: block disk vdb (/dev/disk/by-id/ata-SHARED_DISK): /dev/sdd1 "
		       "is used by the running domain neighbour (block disk vda (/dev/sdd1))");
	expect_err(&r, "virsh shutdown neighbour");
	result_free(&r);
}

/*
 * Starts "shares" (given sdd) on a node of its own beside one running domain "other" with
 * devices other_devices, and returns what the runner did.
 */
static struct result start_beside(struct fx *fx, const char *other_devices)
{
	char saved[sizeof(uri)], *node, xml[4096];
	struct result r;

	snprintf(xml, sizeof(xml),
		 "<node>\n"
		 "<domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>"
		 "<name>shares</name><memory>1048576</memory><vcpu>1</vcpu>"
		 "<os><type>hvm</type></os><devices><disk type='block' device='disk'>"
		 "<source dev='/dev/disk/by-id/ata-SHARED_DISK'/><target dev='vdb' bus='virtio'/>"
		 "</disk></devices><test:runstate>5</test:runstate></domain>\n"
		 "<domain type='test'><name>other</name><memory>1048576</memory><vcpu>1</vcpu>"
		 "<os><type>hvm</type></os><devices>%s</devices></domain>\n"
		 "</node>\n",
		 other_devices);
	fx_write(fx, "other-node.xml", xml, 0644);
	node = fx_path(fx, "other-node.xml");
	memcpy(saved, uri, sizeof(uri));
	snprintf(uri, sizeof(uri), "test://%s", node);
	r = run_cli(fx, NULL, "start", "shares", NULL);
	memcpy(uri, saved, sizeof(uri));
	free(node);
	return r;
}

/*
 * Another running domain whose disk cannot be resolved may hold this one: cannot tell, so
 * refused, naming that domain and its disk. Its image files, present or not, and a SCSI
 * hostdev that is no disk here are not block devices: no reason to refuse.
 */
static void test_refuse_other_domain_unknown(void **state)
{
	struct fx *fx = *state;
	struct result r;

	r = start_beside(fx, "<disk type='block' device='disk'><source dev='/dev/disk/by-id/"
			     "ata-GONE'/><target dev='vdc' bus='virtio'/></disk>");
	expect_status(&r, 2);
	expect_err(&r,
		   "guest shares: block disk vdb (/dev/disk/by-id/ata-SHARED_DISK): cannot "
		   "tell whether the running domain other uses it: its block disk vdc "
		   "(/dev/disk/by-id/ata-GONE) cannot be looked at (No such file or directory)");
	expect_err(&r, "shut other down before starting shares");
	result_free(&r);

	r = start_beside(fx, "<disk type='volume' device='disk'><source pool='nopool' "
			     "volume='v1'/><target dev='vdc' bus='virtio'/></disk>");
	expect_status(&r, 2);
	expect_err(&r, "cannot tell whether the running domain other uses it: libvirt cannot "
		       "find its disk vdc, volume v1 of pool nopool");
	expect_err(&r, "virsh pool-start nopool");
	result_free(&r);

	r = start_beside(fx, "<hostdev mode='subsystem' type='scsi'><source>"
			     "<adapter name='weird0'/><address bus='0' target='0' unit='0'/>"
			     "</source></hostdev>");
	expect_status(&r, 2);
	expect_err(&r, "cannot tell whether the running domain other uses it: cannot find the "
		       "host device of its SCSI hostdev weird0 0:0:0");
	result_free(&r);

	/* A unit number no SCSI address has: the runner cannot make sense of the XML. */
	r = start_beside(fx, "<hostdev mode='subsystem' type='scsi'><source>"
			     "<adapter name='scsi_host2'/><address bus='0' target='0' "
			     "unit='99999999'/></source></hostdev>");
	expect_status(&r, 2);
	expect_err(&r, "cannot tell whether the running domain other uses it: its XML makes no "
		       "sense here");
	result_free(&r);

	r = start_beside(fx, "<disk type='file' device='disk'><source file='/var/lib/libvirt/"
			     "images/gone.qcow2'/><target dev='vdc' bus='virtio'/></disk>"
			     "<hostdev mode='subsystem' type='scsi'><source>"
			     "<adapter name='scsi_host9'/><address bus='0' target='0' unit='0'/>"
			     "</source></hostdev>");
	expect_status(&r, 0);
	expect_no_err(&r, "other");
	result_free(&r);
}

/*
 * Checking the disks and starting the guest is one step across runners: while another runner
 * holds the start lock, this one waits, and starts once it is let go. (The test driver's
 * domains live in each process, so two runners cannot see each other's guests here: what is
 * shown is that the second one's check waits for the first one's step to end.)
 */
static void test_start_waits_for_lock(void **state)
{
	struct fx *fx = *state;
	char *lock = fx_path(fx, "run/vfio-boot/guest-start.lock");
	int ready[2], fd;
	struct result r;
	pid_t holder;
	char c;

	rf_mkdir(fx, "run/vfio-boot");
	assert_int_equal(pipe(ready), 0);
	fflush(NULL);
	holder = fork();
	assert_true(holder >= 0);
	if (holder == 0) {
		fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0 || flock(fd, LOCK_EX) < 0 || write(ready[1], "x", 1) != 1)
			_exit(1);
		usleep(1500 * 1000);
		_exit(0);
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	r = run_cli(fx, NULL, "start", "disks", NULL);
	waitpid(holder, NULL, 0);
	expect_status(&r, 0);
	expect_err(&r,
		   "guest disks: waiting for another guest runner to check and start its guest");
	expect_err(&r, "guest disks started");
	if (r.seconds < 1.0)
		fail_msg("started after %.2f s, while the lock was held for 1.5 s", r.seconds);
	result_free(&r);
	free(lock);
}

/* A link planted where the lock file goes is refused, not followed. */
static void test_start_lock_link_refused(void **state)
{
	struct fx *fx = *state;
	char *target = fx_path(fx, "planted-target");
	struct result r;

	rf_mkdir(fx, "run/vfio-boot");
	rf_symlink(fx, "run/vfio-boot/guest-start.lock", target);
	r = run_cli(fx, NULL, "start", "disks", NULL);
	expect_status(&r, 2);
	expect_err(&r, "guest-start.lock, the lock that keeps two runners from checking and "
		       "starting guests at once");
	expect_err(&r, "no link: remove what is there");
	expect_no_err(&r, "guest disks started");
	assert_int_equal(access(target, F_OK), -1);
	result_free(&r);
	free(target);
}

/* An md member whose array is not assembled: started, with what blkid sees. */
static void test_warn_unassembled_member(void **state)
{
	struct fx *fx = *state;
	struct result r;

	rf_md_member(fx, "sdc");
	r = run_cli(fx, NULL, "start", "disks", NULL);
	expect_status(&r, 0);
	expect_err(&r,
		   "file disk vdb (/dev/sdc): blkid sees TYPE=linux_raid_member "
		   "LABEL=\"host:vbtest\" UUID=01020304-0506-0708-090a-0b0c0d0e0f10 on /dev/sdc");
	expect_err(&r, "guest disks started");
	result_free(&r);
}

/* /dev/sdb by kernel name: started, with a warning that names the stable link to use. */
static void test_warn_unstable_name(void **state)
{
	struct fx *fx = *state;
	struct result r = run_cli(fx, NULL, "start", "disks", NULL);

	expect_status(&r, 0);
	expect_err(
		&r,
		"guest disks: block disk vda (/dev/sdb): /dev/sdb is a kernel name, which another disk can get at the next boot; name it /dev/disk/by-id/ata-GUEST_DISK_1 in the domain XML");
	expect_err(&r, "file disk vdb (/dev/sdc): /dev/sdc is a kernel name");
	expect_err(&r, "name it by a /dev/disk/by-id/ link"); /* sdc has none */
	expect_no_err(&r, "vdc");			      /* an image file: not a device */
	result_free(&r);
}

/* A <disk type='file'> whose file is a block device is checked like a block disk. */
static void test_refuse_file_disk_on_block_device(void **state)
{
	struct fx *fx = *state;
	struct result r;

	rf_mounts(fx, "43 22 8:32 / /var/backup rw shared:23 - ext4 /dev/sdc rw\n");
	r = run_cli(fx, NULL, "start", "disks", NULL);
	expect_status(&r, 2);
	expect_err(&r, "file disk vdb (/dev/sdc): /dev/sdc is mounted on /var/backup (ext4)");
	expect_err(&r, "not started: 1 problem above");
	result_free(&r);
}

static void test_refuse_scsi_hostdev(void **state)
{
	struct fx *fx = *state;
	struct result r;

	r = run_cli(fx, NULL, "start", "scsi", NULL);
	expect_status(&r, 2);
	expect_err(&r, "SCSI hostdev scsi_host2 0:0:0 does not exist on this host");
	result_free(&r);

	rf_mkdir(fx, "sys/bus/scsi/devices/2:0:0:0/block/sdc");
	r = run_cli(fx, NULL, "start", "scsi", NULL);
	expect_status(&r, 0);
	result_free(&r);

	rf_mounts(fx, "43 22 8:32 / /var/backup rw shared:23 - ext4 /dev/sdc rw\n");
	r = run_cli(fx, NULL, "start", "scsi", NULL);
	expect_status(&r, 2);
	expect_err(&r,
		   "SCSI hostdev scsi_host2 0:0:0 (/dev/sdc): /dev/sdc is mounted on /var/backup");
	result_free(&r);
}

static void test_refuse_absent(void **state)
{
	struct fx *fx = *state;
	struct result r = run_cli(fx, NULL, "start", "absent", NULL);

	expect_status(&r, 2);
	expect_err(&r, "PCI device 0000:05:00.0 (hostdev) does not exist on this host");
	expect_err(&r, "block disk vda (/dev/disk/by-id/ata-GONE) does not exist");
	result_free(&r);
}

static void test_bridge(void **state)
{
	struct fx *fx = *state;
	struct result r = run_cli(fx, NULL, "start", "bridged", NULL);

	expect_status(&r, 2);
	expect_err(&r, "bridge br0 does not exist");
	expect_err(&r, "vfio-boot-bridge@br0.service");
	result_free(&r);

	rf_bridge(fx, "br0");
	r = run_cli(fx, NULL, "start", "bridged", NULL);
	expect_status(&r, 0);
	result_free(&r);
}

/* [guest] bridge = br0: the libvirt network br0 is defined and started before the guest. */
static void test_bridge_network_from_config(void **state)
{
	struct fx *fx = *state;
	struct result r;

	rf_claim_gpu1(fx);
	fx_write(fx, "etc/vfio-boot/vfio-boot.conf",
		 "[bridge br0]\nuplink = eth0\n\n[guest gpu]\nbridge = br0\n", 0644);
	r = run_cli(fx, NULL, "start", "gpu", NULL);
	expect_status(&r, 2); /* the bridge itself is not up */
	expect_err(&r, "bridge br0 does not exist");
	result_free(&r);

	rf_bridge(fx, "br0");
	r = run_cli(fx, NULL, "start", "gpu", NULL);
	expect_status(&r, 0);
	expect_err(&r,
		   "guest gpu: defined libvirt network br0 (forward mode bridge, on bridge br0)");
	expect_err(&r, "guest gpu: started libvirt network br0");
	/* gpu has no interface at all: it runs, but the user is told it is not on br0 */
	expect_err(&r, "guest gpu: bridge = br0, but no interface of the domain is on it: give it "
		       "<interface type='network'><source network='br0'/></interface>");
	result_free(&r);

	/* On the network br0, or on the bridge br0 itself: nothing to say. */
	fx_write(fx, "etc/vfio-boot/vfio-boot.conf",
		 "[bridge br0]\nuplink = eth0\n\n[guest networked]\nbridge = br0\n\n"
		 "[guest bridged]\nbridge = br0\n",
		 0644);
	r = run_cli(fx, NULL, "start", "networked", NULL);
	expect_status(&r, 0);
	expect_no_err(&r, "no interface of the domain");
	result_free(&r);
	r = run_cli(fx, NULL, "start", "bridged", NULL);
	expect_status(&r, 0);
	expect_no_err(&r, "no interface of the domain");
	result_free(&r);

	/* The command line wins. */
	rf_bridge(fx, "br1");
	r = run_cli(fx, NULL, "start", "gpu", "--bridge", "br1", NULL);
	expect_status(&r, 0);
	expect_err(&r, "defined libvirt network br1");
	result_free(&r);
	r = run_cli(fx, NULL, "start", "gpu", "--bridge", "../x", NULL);
	expect_status(&r, 1);
	result_free(&r);
	/* The config's interface-name rule: a number is read as an ifindex by ip(8). */
	r = run_cli(fx, NULL, "start", "gpu", "--bridge", "100", NULL);
	expect_status(&r, 1);
	expect_err(&r, "--bridge 100: expected an interface name");
	result_free(&r);
}

/*
 * A [guest] section that cannot be used is a usage error (1), whatever the errno under it: a
 * missing --config file (ENOENT) must not pass for "no such domain" (2), nor a bad duration
 * for a libvirt failure (3).
 */
static void test_guest_section_errors_are_usage(void **state)
{
	struct fx *fx = *state;
	struct result r;

	rf_claim_gpu1(fx);
	r = run_cli(fx, NULL, "start", "gpu", "--config", "/nonexistent/vfio-boot.conf", NULL);
	expect_status(&r, 1);
	expect_err(&r, "guest gpu: cannot read its [guest] section");
	result_free(&r);

	fx_write(fx, "etc/vfio-boot/vfio-boot.conf", "[guest gpu]\nshutdown-timeout = soon\n",
		 0644);
	r = run_cli(fx, NULL, "stop", "gpu", NULL);
	expect_status(&r, 1);
	expect_err(&r, "shutdown-timeout = \"soon\": not a duration");
	result_free(&r);

	r = run_cli(fx, NULL, "start", "", NULL);
	expect_status(&r, 1);
	expect_err(&r, "the domain name is empty");
	result_free(&r);
}

/* start on a running guest does nothing, and does not even look at its devices. */
static void test_start_idempotent(void **state)
{
	struct fx *fx = *state;
	struct result r = run_cli(fx, NULL, "start", "running", NULL);

	expect_status(&r, 0);
	expect_err(&r, "guest running is already running; nothing to start");
	expect_no_err(&r, "bochs-drm");
	result_free(&r);
}

static void test_stop(void **state)
{
	struct fx *fx = *state;
	struct result r = run_cli(fx, NULL, "stop", "running", NULL);

	expect_status(&r, 0);
	expect_err(&r, "guest running: asked it to shut down");
	expect_err(&r, "guest running shut down");
	assert_true(r.seconds < 10);
	result_free(&r);

	r = run_cli(fx, NULL, "stop", "gpu", NULL);
	expect_status(&r, 0);
	expect_err(&r, "guest gpu is not running; nothing to stop");
	result_free(&r);
}

/* A guest that ignores the request: forced off after the timeout, not a moment later. */
static void test_stop_timeout_then_destroy(void **state)
{
	struct fx *fx = *state;
	struct result r = run_cli(fx, NULL, "stop", "stubborn", "--timeout", "1", NULL);

	expect_status(&r, 6);
	expect_err(&r, "guest stubborn: asked it to shut down");
	expect_err(
		&r,
		"guest stubborn did not shut down within 1 s (no sign that it heard the request");
	expect_err(&r, "guest stubborn forced off");
	assert_true(r.seconds >= 1.0);
	assert_true(r.seconds < 10);
	result_free(&r);

	/* shutdown-timeout from its [guest] section when the command line has none. */
	fx_write(fx, "etc/vfio-boot/vfio-boot.conf", "[guest stubborn]\nshutdown-timeout = 2s\n",
		 0644);
	r = run_cli(fx, NULL, "stop", "stubborn", NULL);
	expect_status(&r, 6);
	expect_err(&r, "did not shut down within 2 s");
	assert_true(r.seconds >= 2.0);
	result_free(&r);

	r = run_cli(fx, NULL, "stop", "stubborn", "--timeout", "0", NULL);
	expect_status(&r, 6);
	result_free(&r);
}

/* With a guest agent channel the agent is asked first; the test driver has none to ask. */
static void test_stop_agent_falls_back(void **state)
{
	struct fx *fx = *state;
	struct result r = run_cli(fx, NULL, "stop", "agent", NULL);

	expect_status(&r, 0);
	expect_err(&r, "guest agent: the guest agent did not take the shutdown request");
	expect_err(&r, "guest agent shut down");
	result_free(&r);
}

/* run: READY=1 once the guest runs; SIGTERM (systemctl stop) shuts it down, exit 0. */
static void test_run_sigterm(void **state)
{
	struct fx *fx = *state;
	struct result r;

	rf_claim_gpu1(fx);
	r = run_cli(fx, "READY=1", "run", "gpu", NULL);
	expect_status(&r, 0);
	expect_err(&r, "guest gpu started");
	expect_err(&r, "guest gpu: stopping, as asked by a signal");
	expect_err(&r, "guest gpu shut down");
	assert_non_null(strstr(r.notified, "READY=1"));
	assert_non_null(strstr(r.notified, "STOPPING=1"));
	result_free(&r);

	/* A running guest is taken over, not started again. */
	r = run_cli(fx, "READY=1", "run", "running", NULL);
	expect_status(&r, 0);
	expect_err(&r, "already running");
	result_free(&r);
}

static void test_run_sigterm_forced(void **state)
{
	struct fx *fx = *state;
	struct result r = run_cli(fx, "READY=1", "run", "stubborn", "--timeout", "1", NULL);

	expect_status(&r, 6);
	expect_err(&r, "guest stubborn forced off");
	result_free(&r);
}

/* A refused start never says READY=1: dependent guests do not start either. */
static void test_run_refused(void **state)
{
	struct fx *fx = *state;
	struct result r = run_cli(fx, NULL, "run", "gpu", NULL);

	expect_status(&r, 2);
	assert_null(strstr(r.notified, "READY=1"));
	result_free(&r);
}

static void test_no_such_domain_and_bad_uri(void **state)
{
	struct fx *fx = *state;
	struct result r = run_cli(fx, NULL, "start", "nope", NULL);
	char saved[sizeof(uri)];

	expect_status(&r, 2);
	expect_err(&r, "guest nope: libvirt at test://");
	expect_err(&r, "has no domain of that name");
	result_free(&r);

	memcpy(saved, uri, sizeof(uri));
	snprintf(uri, sizeof(uri), "test:///nonexistent/node.xml");
	r = run_cli(fx, NULL, "start", "gpu", NULL);
	memcpy(uri, saved, sizeof(uri));
	expect_status(&r, 3);
	expect_err(&r, "cannot connect to libvirt at test:///nonexistent/node.xml");
	result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_usage),
		cmocka_unit_test_setup_teardown(test_refuse_not_on_vfio, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_unviable_group, setup, teardown),
		cmocka_unit_test_setup_teardown(test_start, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_mounted_disk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_mounted_partition, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_mount_by_source, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_lvm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_md_member_partition, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_swap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_warn_unstable_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_xfs_log_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_loop_backing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_parent_held, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_other_domain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_other_domain_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_start_waits_for_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_start_lock_link_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_warn_unassembled_member, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_file_disk_on_block_device, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_refuse_scsi_hostdev, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_absent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bridge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bridge_network_from_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_section_errors_are_usage, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_start_idempotent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_timeout_then_destroy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_agent_falls_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_sigterm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_sigterm_forced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_run_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_such_domain_and_bad_uri, setup, teardown),
	};
	const char *node = getenv("TEST_RUNNER_NODE");
	char cwd[4096];

	if (!node) {
		if (!getcwd(cwd, sizeof(cwd) - 32))
			return 1;
		strcat(cwd, "/tests/runner/node.xml");
		node = cwd;
	}
	snprintf(uri, sizeof(uri), "test://%s", node);
	if (access(cli(), X_OK) < 0) {
		fprintf(stderr, "test-runner: %s: %s (make %s)\n", cli(), strerror(errno), cli());
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
