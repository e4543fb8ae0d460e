# SPDX-License-Identifier: GPL-2.0-or-later
"""`vfio-boot export kubevirt`, checked as KubeVirt reads it (kubevirt/kubevirt d923fdb8):
- staging/src/kubevirt.io/api/core/v1/types.go PciHostDevice and the CRD's structural schema
  (pkg/virt-operator/resource/generate/components/validations_generated.go): pciHostDevices is
  a list of objects with pciVendorSelector (string, required), resourceName (string, required),
  externalResourceProvider (boolean); no other field (the API server prunes unknown ones).
- pkg/util/hardware/grace.go ParsePCIVendorSelector(): VENDOR:DEVICE, four hex digits each.
- pkg/virt-handler/device-manager/device_controller.go: the entries KubeVirt serves itself
  (no externalResourceProvider) go into one map from the lower-cased selector to the resource,
  so one selector for two resources keeps the last only; pci_device.go then gives each such
  resource every vfio-pci device with the selector's IDs, so a selector KubeVirt serves must not
  also be one an external provider's entry has (KubeVirt would take its devices), and a
  resource is served by KubeVirt or by an external provider, not both (two device plugins for
  one resource name).
- The resource names are extended resource names (k8s.py) for the kubelet to take them.
Where vfio-boot writes the identity (comments), every device comment names an address, its
IDs, subsystem, path and IOMMU group."""
import re

import yaml

from k8s import extended_resource_errors

FIELDS = {"pciVendorSelector": str, "resourceName": str, "externalResourceProvider": bool}
REQUIRED = ("pciVendorSelector", "resourceName")
HEX4 = re.compile(r"^[0-9A-Fa-f]{4}$")
IDENTITY = re.compile(r"^# [0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7] [0-9a-f]{4}:[0-9a-f]{4} "
                      r"subsystem [0-9a-f]{4}:[0-9a-f]{4}, path \S+, "
                      r"(IOMMU group \d+|no IOMMU group)(, serial ([0-9a-f]{2}-){7}[0-9a-f]{2})?$")


def check(text):
    errs = []
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as e:
        return ["not YAML: %s" % e]
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("# ") and re.match(r"^# [0-9a-f]{4}:", s) and not IDENTITY.match(s):
            errs.append("identity comment %r lacks IDs, subsystem, path or IOMMU group" % s)
    try:
        phd = doc["spec"]["configuration"]["permittedHostDevices"]
    except (TypeError, KeyError):
        return errs + ["no spec.configuration.permittedHostDevices"]
    if not isinstance(phd, dict):
        return errs + ["permittedHostDevices is not an object"]
    entries = phd.get("pciHostDevices")
    if not isinstance(entries, list):
        return errs + ["permittedHostDevices.pciHostDevices is not a list"]
    served = {}  # lower-cased selector -> resource KubeVirt serves
    external_sel = set()
    provider = {}  # resource -> "kubevirt" or "external"
    for i, ent in enumerate(entries):
        where = "pciHostDevices[%d]" % i
        if not isinstance(ent, dict):
            errs.append("%s is not an object" % where)
            continue
        for k, v in ent.items():
            if k not in FIELDS:
                errs.append("%s: unknown field %r (pruned by the API server)" % (where, k))
            elif not isinstance(v, FIELDS[k]):
                errs.append("%s: %s is not a %s" % (where, k, FIELDS[k].__name__))
        missing = [k for k in REQUIRED if k not in ent]
        if missing:
            errs.append("%s: %s required" % (where, ", ".join(missing)))
            continue
        sel, res = ent["pciVendorSelector"], ent["resourceName"]
        if not isinstance(sel, str) or not isinstance(res, str):
            continue
        parts = sel.split(":")
        if len(parts) != 2 or not all(HEX4.match(p) for p in parts):
            errs.append("%s: pciVendorSelector %r is not VVVV:DDDD in hex" % (where, sel))
        errs += ["%s: resourceName %s" % (where, e) for e in extended_resource_errors(res)]
        ext = ent.get("externalResourceProvider") is True
        kind = "external" if ext else "kubevirt"
        if provider.setdefault(res, kind) != kind:
            errs.append("%s: %s is served both by KubeVirt and by an external provider"
                        % (where, res))
        if ext:
            external_sel.add(sel.lower())
        elif served.setdefault(sel.lower(), res) != res:
            errs.append("%s: selector %s is KubeVirt's for %s already; it keeps only one"
                        % (where, sel, served[sel.lower()]))
    for sel in sorted(set(served) & external_sel):
        errs.append("selector %s is served by KubeVirt (%s) and also an external provider's: "
                    "KubeVirt takes every vfio-pci device with these IDs" % (sel, served[sel]))
    return errs
