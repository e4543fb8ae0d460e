// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vfio-boot-netcfg BRIDGE: run by vfio-boot-bridge@BRIDGE.service before network-pre.target.
 * Writes the config of [bridge BRIDGE] for the network daemon that is enabled, into /run only:
 * systemd-networkd's .netdev and .network files, or a NetworkManager keyfile, never both.
 */
#include <errno.h>
#include <getopt.h>
#include <strings.h>
#include <sys/stat.h>

#include "bridge.h"
#include "config.h"
#include "log.h"
#include "logsink.h"
#include "netcfg.h"
#include "sysroot.h"
#include "util.h"

/* vfio-boot-generator(8), EXIT STATUS. */
enum netcfg_exit {
	NETCFG_EXIT_OK = 0,
	NETCFG_EXIT_FAILED = 1,
	NETCFG_EXIT_USAGE = 2,
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vfio-boot-netcfg [OPTIONS] BRIDGE\n"
		"\n"
		"Write the network daemon's config for [bridge BRIDGE] of vfio-boot.conf(5) into\n"
		"/run: systemd-networkd (" NETWORKD_DIR ") or NetworkManager\n"
		"(" NM_DIR "), whichever is enabled.\n"
		"\n"
		"Options:\n"
		"  -b, --backend NAME  networkd or NetworkManager, instead of the enabled one\n"
		"  -r, --root DIR      read the config and write below DIR (default $VFIO_BOOT_ROOT)\n"
		"  -h, --help          show this help\n");
}

/* The bridge's MAC: mac=, else uplink-mac=, else the named uplink's if it is there yet. */
static void pick_mac(const struct vb_bridge *b, char mac[VB_MAC_LEN])
{
	_cleanup_free_ char *addr = NULL;

	if (*b->mac) {
		memcpy(mac, b->mac, VB_MAC_LEN);
		return;
	}
	if (*b->uplink_mac) {
		memcpy(mac, b->uplink_mac, VB_MAC_LEN);
		return;
	}
	*mac = '\0';
	if (vb_readf(&addr, "/sys/class/net/%s/address", b->uplink) < 0 ||
	    vb_mac_parse(addr, mac) < 0) {
		*mac = '\0';
		log_info(
			"[bridge %s]: %s is not there yet, so its MAC is not known: the network daemon picks the bridge's (mac = sets it)",
			b->name, b->uplink);
	}
}

static int write_files(const struct vb_bridge *b, const struct netcfg_files *files)
{
	char **all = NULL;
	size_t n_all = 0;
	int r;

	/* What an earlier run wrote (another backend, another MAC) must not stay behind. */
	r = netcfg_all_paths(b->name, &all, &n_all);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n_all; i++) {
		r = vb_unlink(all[i]);
		if (r < 0 && r != -ENOENT)
			log_warn(r, "removing %s: %m", all[i]);
		free(all[i]);
	}
	free(all);

	for (size_t i = 0; i < files->n; i++) {
		const struct netcfg_file *f = &files->v[i];
		_cleanup_free_ char *dir = strdup(f->path);

		if (!dir)
			return -ENOMEM;
		*strrchr(dir, '/') = '\0';
		r = vb_mkdir_p(dir, 0755);
		if (r < 0)
			return log_err(r, "creating %s: %m", dir);
		r = vb_write_file_atomic(f->path, f->content, f->mode);
		if (r < 0)
			return log_err(r, "writing %s: %m", f->path);
		log_info("[bridge %s]: wrote %s", b->name, f->path);
	}
	return 0;
}

struct options {
	enum netcfg_backend backend;
	const char *root;
	bool help;
	bool version;
};

/* The options into *o, up to --help; -EINVAL when they are wrong (after saying so). */
static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{"backend", required_argument, NULL, 'b'},
		{"root", required_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{},
	};
	int c;

	while ((c = getopt_long(argc, argv, "b:r:h", longopts, NULL)) >= 0) {
		switch (c) {
		case 'b':
			if (streq(optarg, "networkd") || streq(optarg, "systemd-networkd"))
				o->backend = NETCFG_NETWORKD;
			else if (strcasecmp(optarg, "NetworkManager") == 0 || streq(optarg, "nm"))
				o->backend = NETCFG_NM;
			else {
				fprintf(stderr,
					"vfio-boot-netcfg: --backend %s: expected networkd or NetworkManager\n",
					optarg);
				return -EINVAL;
			}
			break;
		case 'r':
			o->root = optarg;
			break;
		case 'h':
			o->help = true;
			return 0;
		case 'V':
			o->version = true;
			return 0;
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind + 1 != argc) {
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

/* [bridge name] of the config, resolved, into *b; its errors are logged. */
static int load_bridge(const char *name, struct vb_config *cfg, struct vb_bridges *bridges,
		       const struct vb_bridge **b)
{
	int r;

	r = vb_config_load(cfg, NULL);
	if (r == -ENOENT)
		return log_err(r, "no %s: no [bridge %s] to set up", VB_CONFIG_FILE, name);
	if (r < 0)
		return log_err(r, "reading the config: %m; not setting up [bridge %s]", name);
	r = vb_bridges_resolve(cfg, bridges);
	if (r < 0)
		return r;
	*b = vb_bridge_find(bridges, name);
	if (!*b)
		return log_err(-ENOENT, "no [bridge %s] in the config", name);
	if ((*b)->bad)
		return -EINVAL; /* its errors are logged */
	return 0;
}

/* The files of bridge b for backend (the enabled daemon's when NETCFG_NONE), written. */
static int configure(const struct vb_bridge *b, enum netcfg_backend backend)
{
	_cleanup_(netcfg_files_free) struct netcfg_files files = {0};
	char mac[VB_MAC_LEN];
	int r;

	if (backend == NETCFG_NONE)
		backend = netcfg_detect();
	if (backend == NETCFG_NONE)
		return log_err(
			-ENOENT,
			"[bridge %s]: neither systemd-networkd nor NetworkManager is enabled, and vfio-boot configures only those (not ifupdown): enable one, e.g. systemctl enable systemd-networkd",
			b->name);
	pick_mac(b, mac);
	r = backend == NETCFG_NM ? netcfg_nm(b, mac, &files) : netcfg_networkd(b, mac, &files);
	if (r < 0)
		return log_err(r, "%m");
	r = write_files(b, &files);
	if (r < 0)
		return r;
	log_notice("[bridge %s]: configured for %s, uplink %s", b->name,
		   netcfg_backend_name(backend), b->uplink ? b->uplink : b->uplink_mac);
	return 0;
}

int main(int argc, char **argv)
{
	struct options o = {.backend = NETCFG_NONE};
	struct vb_config cfg = {0};
	struct vb_bridges bridges = {0};
	const struct vb_bridge *b = NULL;
	int r;

	if (parse_args(argc, argv, &o) < 0)
		return NETCFG_EXIT_USAGE;
	if (o.help) {
		usage(stdout);
		return NETCFG_EXIT_OK;
	}
	if (o.version) {
		printf("vfio-boot-netcfg %s\n", VERSION);
		return NETCFG_EXIT_OK;
	}
	if (vb_root_set(o.root) < 0) {
		fprintf(stderr, "vfio-boot-netcfg: the root must be an absolute path\n");
		return NETCFG_EXIT_USAGE;
	}
	vb_logsink_stderr("vfio-boot-netcfg");

	r = load_bridge(argv[optind], &cfg, &bridges, &b);
	if (r >= 0)
		r = configure(b, o.backend);
	vb_bridges_free(&bridges);
	vb_config_free(&cfg);
	return r < 0 ? NETCFG_EXIT_FAILED : NETCFG_EXIT_OK;
}
