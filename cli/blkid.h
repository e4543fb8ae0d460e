/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What is on a block device, for messages: "ext4 \"home\"", "LVM2_member", "gpt partition
 * table". node is a /dev path, read below the root. NULL when nothing is recognized.
 */
char *cli_blkid_describe(const char *node);

/*
 * blkid's view of a member of something the host would assemble (linux_raid_member,
 * zfs_member, LVM2_member, bcache ...): "TYPE=zfs_member LABEL=\"tank\" UUID=...". NULL when
 * the device carries no such signature.
 */
char *cli_blkid_member(const char *node);
