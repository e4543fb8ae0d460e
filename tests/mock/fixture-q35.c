// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The q35 machine of the VM tests; fixture.h has the table.
 */
#include <stdbool.h>
#include <stddef.h>

#include "fixture.h"

void fx_q35_two_gpus(struct fx *fx)
{
	static const char *const drivers[][2] = {
		{"bochs-drm", "bochs"},	    {"snd_hda_intel", "snd_hda_intel"},
		{"e1000", "e1000"},	    {"xhci_hcd", "xhci_pci"},
		{"ahci", "ahci"},	    {"lpc_ich", "lpc_ich"},
		{"i801_smbus", "i2c_i801"}, {"pcieport", NULL},
	};
	static const struct {
		const char *addr, *parent;
		unsigned int vendor, device, class, revision;
		int group;
		const char *driver, *slot, *reset;
		unsigned int irq;
		int boot_vga;
	} rows[] = {
		/* clang-format off */
		/* addr          parent          vendor  device  class     rev grp driver           slot reset  irq vga */
		{"0000:00:00.0", NULL,           0x8086, 0x29c0, 0x060000, 0,  0, NULL,            NULL, "",    0,  -1},
		{"0000:00:01.0", NULL,           0x1b36, 0x000c, 0x060400, 0,  1, "pcieport",      NULL, "",    22, -1},
		{"0000:01:00.0", "0000:00:01.0", 0x1234, 0x1111, 0x030000, 2,  1, "bochs-drm",     "1",  "bus", 0,  1},
		{"0000:01:00.1", "0000:00:01.0", 0x8086, 0x293e, 0x040300, 3,  1, "snd_hda_intel", "1",  "bus", 16, -1},
		{"0000:00:02.0", NULL,           0x1b36, 0x000c, 0x060400, 0,  2, "pcieport",      NULL, "",    23, -1},
		{"0000:02:00.0", "0000:00:02.0", 0x1234, 0x1111, 0x030000, 2,  2, "bochs-drm",     "2",  "bus", 0,  0},
		{"0000:02:00.1", "0000:00:02.0", 0x8086, 0x293e, 0x040300, 3,  2, "snd_hda_intel", "2",  "bus", 17, -1},
		{"0000:00:03.0", NULL,           0x1b36, 0x000e, 0x060400, 0,  3, NULL,            NULL, "",    0,  -1},
		{"0000:03:01.0", "0000:00:03.0", 0x8086, 0x100e, 0x020000, 3,  3, "e1000",         NULL, NULL,  20, -1},
		{"0000:03:02.0", "0000:00:03.0", 0x8086, 0x100e, 0x020000, 3,  3, "e1000",         NULL, NULL,  21, -1},
		{"0000:00:04.0", NULL,           0x1b36, 0x000d, 0x0c0330, 1,  4, "xhci_hcd",      NULL, NULL,  18, -1},
		{"0000:00:1f.0", NULL,           0x8086, 0x2918, 0x060100, 2,  5, "lpc_ich",       NULL, "",    0,  -1},
		{"0000:00:1f.2", NULL,           0x8086, 0x2922, 0x010601, 2,  5, "ahci",          NULL, "",    16, -1},
		{"0000:00:1f.3", NULL,           0x8086, 0x2930, 0x0c0500, 2,  5, "i801_smbus",    NULL, "",    16, -1},
		/* clang-format on */
	};

	for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++)
		fx_driver(fx, drivers[i][0], drivers[i][1]);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		/* PCI-to-PCI bridges have a type 1 header and no subsystem ids there. */
		bool bridge = rows[i].class >> 8 == 0x0604;

		fx_device(fx, rows[i].addr,
			  &(struct fx_dev){
				  .parent = rows[i].parent,
				  .vendor = rows[i].vendor,
				  .device = rows[i].device,
				  .sub_vendor = bridge ? 0 : 0x1af4,
				  .sub_device = bridge ? 0 : 0x1100,
				  .class = rows[i].class,
				  .revision = rows[i].revision,
				  .header_type = bridge ? 1 : 0,
				  .boot_vga = rows[i].boot_vga,
				  .group = rows[i].group,
				  .host_driver = rows[i].driver,
				  .bound = rows[i].driver != NULL,
				  .slot = rows[i].slot,
				  .reset_method = rows[i].reset,
				  .irq = rows[i].irq,
			  });
	}
}
