# SPDX-License-Identifier: GPL-2.0-or-later
"""OpenStack Nova's rules for [pci] device_spec and alias, as its own code applies them at
openstack/nova 00a030403f672b975364c855b7d25b40ef83e757:
- nova/pci/whitelist.py: each device_spec is JSON, a dict or a list of dicts.
- nova/pci/devspec.py: vendor_id, product_id: strings, hex, at most ffff; address: a string
  (glob) whose fields are hex within domain ffff, bus ff, slot 1f, function 7; address and
  devname exclusive; managed, live_migratable, one_time_use strict booleans; one_time_use
  true needs report_in_placement (never written here).
- nova/conf/pci.py: resource_class / traits normalized to CUSTOM_[A-Z0-9_], 255 at most.
- nova/pci/request.py _ALIAS_SCHEMA: no other keys than name, capability_type, product_id,
  vendor_id, device_type, numa_policy, resource_class, traits, live_migratable; all strings;
  name 1..256; ids ^[0-9a-fA-F]{4}$; device_type type-PCI|type-PF|type-VF; aliases of one name
  share device_type and numa_policy; with pci_in_placement one spec per alias and ids or
  resource_class; without it vendor_id and product_id in every spec (both settings checked).
- nova/api/validation/extra_specs/pci_passthrough.py: flavors say NAME:COUNT[,...], so a name
  holds no ':' or ','.
Also what the export promises: each device_spec pins one full address with managed "no".
"""
import json
import re

HEX4 = re.compile(r"^[0-9a-fA-F]{4}$")
ADDR = re.compile(r"^([0-9a-fA-F]{4}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])$")
PLACEMENT = re.compile(r"^CUSTOM_[A-Z0-9_]+$")
ALIAS_KEYS = {"name", "capability_type", "product_id", "vendor_id", "device_type",
              "numa_policy", "resource_class", "traits", "live_migratable"}
NUMA = {"legacy", "preferred", "required", "socket"}
BOOLS = {"1", "t", "true", "on", "y", "yes", "0", "f", "false", "off", "n", "no"}


def _hexid(v, what, maxv, bad):
    if not isinstance(v, str):
        bad.append(f"{what}: {v!r} is not a string")
        return
    try:
        if int(v.strip(), 16) > maxv:
            bad.append(f"{what}: {v} is above {maxv:x}")
    except ValueError:
        bad.append(f"{what}: {v!r} does not parse as hex")


def _spec(d, where, bad):
    for k in ("vendor_id", "product_id"):
        if k in d:
            _hexid(d[k], f"{where}: {k}", 0xFFFF, bad)
    if "address" in d and "devname" in d:
        bad.append(f"{where}: address and devname together")
    a = d.get("address")
    if not isinstance(a, str) or not ADDR.match(a):
        bad.append(f"{where}: address {a!r} is not one full DDDD:BB:SS.F")
    else:
        m = ADDR.match(a)
        if int(m.group(3), 16) > 0x1F:
            bad.append(f"{where}: slot of {a} above 1f")
    for k in ("managed", "live_migratable", "one_time_use", "remote_managed"):
        if k in d and (not isinstance(d[k], str) or d[k].lower() not in BOOLS):
            bad.append(f"{where}: {k} {d[k]!r} is no strict boolean")
    if d.get("managed", "").lower() not in ("no", "false", "0", "n", "f", "off"):
        bad.append(f"{where}: managed is not \"no\"")
    if "one_time_use" in d:
        bad.append(f"{where}: one_time_use needs report_in_placement")
    rc = d.get("resource_class")
    if rc is not None and (not isinstance(rc, str) or not PLACEMENT.match(rc) or len(rc) > 255):
        bad.append(f"{where}: resource_class {rc!r} is no CUSTOM_[A-Z0-9_] name of <= 255")


def _alias(d, where, bad):
    for k in d:
        if k not in ALIAS_KEYS:
            bad.append(f"{where}: key {k!r} not in Nova's alias schema")
        elif not isinstance(d[k], str):
            bad.append(f"{where}: {k} is not a string")
    n = d.get("name")
    if not isinstance(n, str) or not 1 <= len(n) <= 256:
        bad.append(f"{where}: name missing or not 1..256 characters")
    elif ":" in n or "," in n or n.strip() != n:
        bad.append(f"{where}: name {n!r} cannot be asked for in pci_passthrough:alias")
    for k in ("vendor_id", "product_id"):
        if k in d and not (isinstance(d[k], str) and HEX4.match(d[k])):
            bad.append(f"{where}: {k} {d[k]!r} is not four hex digits")
    if d.get("device_type") not in ("type-PCI", "type-PF", "type-VF"):
        bad.append(f"{where}: device_type {d.get('device_type')!r}")
    if "numa_policy" in d and d["numa_policy"] not in NUMA:
        bad.append(f"{where}: numa_policy {d['numa_policy']!r}")
    if not ("vendor_id" in d and "product_id" in d):
        bad.append(f"{where}: no vendor_id and product_id (refused without pci_in_placement)")
    rc = d.get("resource_class")
    if rc is not None and not (isinstance(rc, str) and PLACEMENT.match(rc) and len(rc) <= 255):
        bad.append(f"{where}: resource_class {rc!r} is no CUSTOM_[A-Z0-9_] name of <= 255")


def check(text):
    bad, specs, aliases = [], [], {}
    section = None
    for no, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        if s.startswith("["):
            section = s
            if s != "[pci]":
                bad.append(f"line {no}: section {s} (only [pci] expected)")
            continue
        if section != "[pci]":
            bad.append(f"line {no}: option outside [pci]")
            continue
        key, eq, val = s.partition("=")
        key = key.strip()
        if not eq or key not in ("device_spec", "alias"):
            bad.append(f"line {no}: {key!r} is no [pci] option written here")
            continue
        try:
            v = json.loads(val)
        except ValueError as exc:
            bad.append(f"line {no}: {key} is not JSON: {exc}")
            continue
        where = f"line {no} {key}"
        if key == "device_spec":
            for d in v if isinstance(v, list) else [v]:
                if not isinstance(d, dict):
                    bad.append(f"{where}: not a dict")
                    continue
                _spec(d, where, bad)
                specs.append(d)
        else:
            if not isinstance(v, dict):
                bad.append(f"{where}: an alias is one dict")
                continue
            _alias(v, where, bad)
            aliases.setdefault(v.get("name"), []).append(v)
    for name, al in aliases.items():
        if len({a.get("device_type") for a in al}) > 1 or len({a.get("numa_policy") for a in al}) > 1:
            bad.append(f"alias {name}: device_type or numa_policy differ between its specs")
        if len(al) > 1:
            bad.append(f"alias {name}: {len(al)} specs, refused with pci_in_placement")
    addrs = [d.get("address") for d in specs]
    for a in set(addrs):
        if addrs.count(a) > 1:
            bad.append(f"device_spec: {a} given {addrs.count(a)} times")
    rcs = {d.get("resource_class") for d in specs}
    for name, al in aliases.items():
        for a in al:
            if a.get("resource_class") and a["resource_class"] not in rcs:
                bad.append(f"alias {name}: resource_class {a['resource_class']} is no device_spec's")
    # Nothing claimed is an empty [pci]; an alias with no device_spec would match nothing.
    if aliases and not specs:
        bad.append("alias lines but no device_spec at all")
    return bad
