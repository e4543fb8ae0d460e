/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Every key the generator and vfio-boot-netcfg may write, by file syntax: the generator's test
 * and its fuzz target both hold each line of their output to these. A key added to a generated
 * file is added here, once.
 */
static const char *const unit_keys[] = {"Wants",
					"After",
					"Requires",
					"RequiresMountsFor",
					"ExecStartPre",
					"TimeoutStartSec",
					"Environment",
					"TimeoutStopSec",
					"Restart",
					"RestartSec",
					"RestartPreventExitStatus",
					NULL};
static const char *const networkd_keys[] = {"Name",
					    "Kind",
					    "MACAddress",
					    "STP",
					    "OriginalName",
					    "MACAddressPolicy",
					    "DHCP",
					    "Address",
					    "Gateway",
					    "IPv6AcceptRA",
					    "PermanentMACAddress",
					    "Bridge",
					    "LinkLocalAddressing",
					    NULL};
static const char *const keyfile_keys[] = {"id",	  "uuid",
					   "type",	  "interface-name",
					   "autoconnect", "cloned-mac-address",
					   "mac-address", "stp",
					   "method",	  "address1",
					   "gateway",	  "master",
					   "slave-type",  "autoconnect-priority",
					   NULL};
