/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "engine.h"

/*
 * vfio-boot plan's hint to a guest with usb =: when every device its [usb] sections match now
 * sits below one USB host controller whose IOMMU group could go to the guest whole, passing the
 * controller is the sturdier choice, and out says how. Otherwise, verbose says why not. run is the
 * plan's (vb_run_prepare); its devices' paths are read. Returns 0 or a negative errno.
 */
int plan_usb_hints(struct vb_run *run, bool verbose, FILE *out);
