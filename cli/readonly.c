// SPDX-License-Identifier: GPL-2.0-or-later
/* What list, plan, status and check share: options, the config, device attributes. */
#include <errno.h>
#include <getopt.h>

#include "cli.h"
#include "readonly.h"
#include "log.h"
#include "sysroot.h"
#include "util.h"

int inspect_parse(int argc, char **argv, const char *usage, bool prometheus, struct inspect_opts *o)
{
	return cli_parse(argc, argv, usage, OPT_JSON | (prometheus ? OPT_PROMETHEUS : 0), o);
}

void cli_version(void)
{
	printf("vfio-boot %s\n", VERSION);
}

int cli_parse(int argc, char **argv, const char *usage, unsigned allow, struct inspect_opts *o)
{
	static const struct option longopts[] = {
		{"root", required_argument, NULL, 'r'},
		{"json", no_argument, NULL, 'j'},
		{"config", required_argument, NULL, 'c'},
		{"prometheus", no_argument, NULL, 'p'},
		{"dry-run", no_argument, NULL, 'n'},
		{"verbose", no_argument, NULL, 'v'},
		{"node", required_argument, NULL, 'N'},
		{"prefix", required_argument, NULL, 'P'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{},
	};
	bool rooted = false;
	int c;

	*o = (struct inspect_opts){0};
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) >= 0) {
		switch (c) {
		case 'r':
			if (vb_root_set(optarg) < 0) {
				fprintf(stderr, "vfio-boot: --root %s: not an absolute directory\n",
					optarg);
				return EXIT_USAGE;
			}
			rooted = true;
			break;
		case 'j':
			if (!(allow & OPT_JSON))
				goto bad;
			o->json = true;
			break;
		case 'n':
			if (!(allow & OPT_DRY_RUN))
				goto bad;
			o->dry_run = true;
			break;
		case 'c':
			o->config = optarg;
			break;
		case 'v':
			if (!(allow & OPT_VERBOSE))
				goto bad;
			o->verbose = true;
			break;
		case 'p':
			if (!(allow & OPT_PROMETHEUS))
				goto bad;
			o->prometheus = true;
			break;
		case 'N':
		case 'P':
			if (!(allow & OPT_EXPORT))
				goto bad;
			*(c == 'N' ? &o->node : &o->prefix) = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return EXIT_OK;
		case 'V':
			cli_version();
			return EXIT_OK;
		default:
			goto bad;
		}
	}
	if ((allow & OPT_TARGET) && optind + 1 != argc) {
		fprintf(stderr, "vfio-boot: expected one %s\n",
			allow & OPT_EXPORT ? "ENGINE" : "SECTION or ADDRESS");
		goto bad;
	}
	if ((allow & OPT_TARGET_OPT) && optind + 1 < argc) {
		fprintf(stderr, "vfio-boot: expected at most one SECTION or ADDRESS\n");
		goto bad;
	}
	if ((allow & OPT_TARGET) || ((allow & OPT_TARGET_OPT) && optind < argc))
		o->target = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "vfio-boot: unexpected argument \"%s\"\n", argv[optind]);
		goto bad;
	}
	if (o->json && o->prometheus) {
		fprintf(stderr, "vfio-boot: --json and --prometheus exclude each other\n");
		goto bad;
	}
	/* Without --root, VFIO_BOOT_ROOT as the binder takes it. */
	if (!rooted && vb_root_set(NULL) < 0)
		return EXIT_USAGE;
	return -1;
bad:
	fputs(usage, stderr);
	return EXIT_USAGE;
}

int inspect_load_config(const char *file, struct vb_config *cfg, bool *have)
{
	int r = vb_config_load(cfg, file);

	*have = r == 0;
	if (r == -ENOENT && !file)
		return 0;
	return r < 0 ? r : 0;
}

char *inspect_reset_method(const char *addr)
{
	char *v;

	return vb_readf(&v, "/sys/bus/pci/devices/%s/reset_method", addr) < 0 ? NULL : v;
}

const char *inspect_guard(const struct vb_pci_dev *d)
{
	if (d->boot_vga == 1)
		return "boot display";
	if (d->boot_vga == VB_BOOT_VGA_UNKNOWN)
		return "maybe the boot display";
	if (vb_pci_is_storage(d))
		return "storage";
	return NULL;
}
