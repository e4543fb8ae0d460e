# SPDX-License-Identifier: GPL-2.0-or-later
"""`vfio-boot export sriov-dp`, checked as the SR-IOV network device plugin reads its
config.json (k8snetworkplumbingwg/sriov-network-device-plugin 40b6f507):
- cmd/sriovdp/manager.go readConfig(): JSON {"resourceList": [ResourceConfig...]}; an empty
  deviceType means netDevice, else it is one of pkg/types/types.go SupportedDevices (netDevice,
  accelerator, auxNetDevice); selectors is one object or a non-empty list of objects of the
  type's selector struct (pkg/factory/factory.go parseObjectOrSlice()).
- pkg/types/types.go: ResourceConfig fields and types (resourcePrefix, resourceName,
  deviceType: strings; excludeTopology: bool; additionalInfo: object of objects of strings);
  NetDeviceSelectors, AccelDeviceSelectors, AuxNetDeviceSelectors: their fields and types.
  encoding/json ignores unknown fields, so a misspelt one would select nothing silently: here
  it is a violation.
- cmd/sriovdp/manager.go validConfigs(): resourceName matches ^[a-zA-Z0-9_-]+$
  (pkg/utils/utils.go ValidResourceName()); resourcePrefix/resourceName is unique (the default
  prefix is --resource-prefix's, intel.com); it must be an extended resource name for the
  kubelet (k8s.py).
- pkg/resources/deviceSelectors.go: selectors compare strings as ghw shows them: vendor and
  device IDs four lower-case hex digits, PCI addresses DDDD:BB:DD.F in lower case; drivers by
  name.
- cmd/sriovdp/manager.go excludeAllocatedDevices(): a device already in one pool is left out
  of the next: a pciAddress in two pools is a violation."""
import json
import re

from k8s import extended_resource_errors

DEVICE_TYPES = ("netDevice", "accelerator", "auxNetDevice")
STRLIST = "list of strings"
COMMON = {"vendors": STRLIST, "devices": STRLIST, "drivers": STRLIST}
PCI = {"pciAddresses": STRLIST}
NET_GENERIC = {"pfNames": STRLIST, "rootDevices": STRLIST, "linkTypes": STRLIST,
               "acpiIndexes": STRLIST, "needVhostNet": bool, "IsRdma": bool}
SELECTORS = {
    "netDevice": dict(COMMON, **PCI, **NET_GENERIC, ddpProfiles=STRLIST, vdpaType=str,
                      pKeys=STRLIST),
    "accelerator": dict(COMMON, **PCI),
    "auxNetDevice": dict(COMMON, **NET_GENERIC, auxTypes=STRLIST),
}
CONF = {"resourcePrefix": str, "resourceName": str, "deviceType": str,
        "excludeTopology": bool, "selectors": None, "additionalInfo": dict}
RESOURCE_NAME = re.compile(r"^[a-zA-Z0-9_-]+$")
HEX4 = re.compile(r"^[0-9a-f]{4}$")
PCI_ADDR = re.compile(r"^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$")
DEFAULT_PREFIX = "intel.com"


def check_selector(where, sel, fields):
    errs = []
    if not isinstance(sel, dict):
        return ["%s is not an object" % where]
    for k, v in sel.items():
        want = fields.get(k)
        if want is None:
            errs.append("%s: %r is no selector of this deviceType" % (where, k))
        elif want == STRLIST:
            if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
                errs.append("%s: %s is not a list of strings" % (where, k))
                continue
            for x in v:
                if k in ("vendors", "devices") and not HEX4.match(x):
                    errs.append("%s: %s %r is not four lower-case hex digits" % (where, k, x))
                if k == "pciAddresses" and not PCI_ADDR.match(x):
                    errs.append("%s: pciAddress %r is not DDDD:BB:DD.F" % (where, x))
        elif not isinstance(v, want):
            errs.append("%s: %s is not a %s" % (where, k, want.__name__))
    return errs


def check(text):
    try:
        doc = json.loads(text)
    except ValueError as e:
        return ["not JSON: %s" % e]
    if not isinstance(doc, dict) or not isinstance(doc.get("resourceList"), list):
        return ["no resourceList list"]
    errs = []
    names = set()
    owner = {}
    for i, rc in enumerate(doc["resourceList"]):
        where = "resourceList[%d]" % i
        if not isinstance(rc, dict):
            errs.append("%s is not an object" % where)
            continue
        for k, v in rc.items():
            if k not in CONF:
                errs.append("%s: unknown field %r" % (where, k))
            elif CONF[k] is not None and not isinstance(v, CONF[k]):
                errs.append("%s: %s is not a %s" % (where, k, CONF[k].__name__))
        dtype = rc.get("deviceType") or "netDevice"
        if dtype not in DEVICE_TYPES:
            errs.append("%s: unsupported deviceType %r" % (where, dtype))
            continue
        name = rc.get("resourceName")
        if not isinstance(name, str) or not RESOURCE_NAME.match(name):
            errs.append("%s: resourceName %r contains invalid characters" % (where, name))
            continue
        full = "%s/%s" % (rc.get("resourcePrefix") or DEFAULT_PREFIX, name)
        if full in names:
            errs.append("%s: resource name %s already exists" % (where, full))
        names.add(full)
        errs += ["%s: %s" % (where, e) for e in extended_resource_errors(full)]
        sels = rc.get("selectors")
        if sels is None:
            errs.append("%s: no selectors" % where)
            continue
        sels = sels if isinstance(sels, list) else [sels]
        if not sels:
            errs.append("%s: need at least one selector, got 0" % where)
        for n, sel in enumerate(sels):
            errs += check_selector("%s.selectors[%d]" % (where, n), sel, SELECTORS[dtype])
            for a in sel.get("pciAddresses", []) if isinstance(sel, dict) else []:
                if isinstance(a, str) and owner.setdefault(a, full) != full:
                    errs.append("%s: %s is in %s already: the plugin leaves it out of %s"
                                % (where, a, owner[a], full))
        info = rc.get("additionalInfo", {})
        if isinstance(info, dict):
            for dev, kv in info.items():
                if not isinstance(kv, dict) or not all(
                        isinstance(k, str) and isinstance(v, str) for k, v in kv.items()):
                    errs.append("%s: additionalInfo[%r] is not an object of strings"
                                % (where, dev))
    return errs
