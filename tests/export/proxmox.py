# SPDX-License-Identifier: GPL-2.0-or-later
"""Proxmox VE's rules for `pvesh create /cluster/mapping/pci`, as its own code applies them:
- proxmox/pve-guest-common 4a8f6cbf78e1b6992ef77facb4ff2ab3372999e7 src/PVE/Mapping/PCI.pm:
  --id a pve-configid; --description at most 4096; --map repeated, each a property string
  with node (pve-node), path ((PCI;)*PCI, PCI = [a-f0-9]{4,}:[a-f0-9]{2}:[a-f0-9]{2}(\.[a-f0-9])?),
  id and subsystem-id ^[0-9A-Fa-f]{4}:[0-9A-Fa-f]{4}$, iommugroup an integer, description
  (4096); id and path required; mdev and live-migration-capable booleans; no other option.
- proxmox/pve-common f665029eac78022e81810ab2e44eace57ade13fb src/PVE/JSONSchema.pm:
  configid [a-z][a-z0-9_-]+ (any case); node ^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$;
  property strings split at ',', each part KEY=VALUE, no key twice, no unknown key.
The command line is split as the shell would (shlex, POSIX), so the quoting is checked too.
Also what the export promises: one mapping per id, no address in two maps.
"""
import re
import shlex

PCI = r"[a-f0-9]{4,}:[a-f0-9]{2}:[a-f0-9]{2}(?:\.[a-f0-9])?"
PATH = re.compile(rf"^(?:{PCI};)*{PCI}$")
IDS = re.compile(r"^[0-9A-Fa-f]{4}:[0-9A-Fa-f]{4}$")
CONFIGID = re.compile(r"^[a-z][a-z0-9_-]+$", re.I)
NODE = re.compile(r"^[a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?$")
INT = re.compile(r"^[+-]?\d+$")
MAP_KEYS = {"node", "path", "id", "subsystem-id", "iommugroup", "description"}
BOOL = {"1", "0", "on", "off", "yes", "no", "true", "false"}


def _map(v, where, bad):
    res = {}
    for part in v.split(","):
        if not part.strip():
            continue
        m = re.match(r"^([^=]+)=(.+)$", part)
        if not m:
            bad.append(f"{where}: {part!r} is no KEY=VALUE (no default key)")
            continue
        k, val = m.groups()
        if k in res:
            bad.append(f"{where}: {k} twice")
        if k not in MAP_KEYS:
            bad.append(f"{where}: unknown key {k}")
        res[k] = val
    for k in ("node", "path", "id"):
        if k not in res:
            bad.append(f"{where}: no {k}")
    if "node" in res and not NODE.match(res["node"]):
        bad.append(f"{where}: node {res['node']!r}")
    if "path" in res and not PATH.match(res["path"]):
        bad.append(f"{where}: path {res['path']!r}")
    for k in ("id", "subsystem-id"):
        if k in res and not IDS.match(res[k]):
            bad.append(f"{where}: {k} {res[k]!r}")
    if "iommugroup" in res and not INT.match(res["iommugroup"]):
        bad.append(f"{where}: iommugroup {res['iommugroup']!r} is no integer")
    if len(res.get("description", "")) > 4096:
        bad.append(f"{where}: description longer than 4096")
    return res


def check(text):
    bad, ids, paths = [], set(), {}
    # Shell continuation lines joined, comments dropped, as sh reads them.
    joined = re.sub(r"\\\n", " ", text)
    n = 0
    for no, line in enumerate(joined.splitlines(), 1):
        try:
            words = shlex.split(line, comments=True)
        except ValueError as exc:
            bad.append(f"command {no}: the shell cannot split it: {exc}")
            continue
        if not words:
            continue
        n += 1
        where = f"command {n}"
        if words[:3] != ["pvesh", "create", "/cluster/mapping/pci"]:
            bad.append(f"{where}: not pvesh create /cluster/mapping/pci: {words[:3]}")
            continue
        args, maps, mid = words[3:], [], None
        i = 0
        while i < len(args):
            opt = args[i]
            if not opt.startswith("--") or i + 1 >= len(args):
                bad.append(f"{where}: {opt!r} is no --OPTION VALUE")
                i += 1
                continue
            val = args[i + 1]
            i += 2
            if opt == "--id":
                if mid is not None:
                    bad.append(f"{where}: --id twice")
                mid = val
            elif opt == "--map":
                maps.append(_map(val, f"{where} --map {len(maps) + 1}", bad))
            elif opt == "--description":
                if len(val) > 4096:
                    bad.append(f"{where}: --description longer than 4096")
            elif opt in ("--mdev", "--live-migration-capable"):
                if val.lower() not in BOOL:
                    bad.append(f"{where}: {opt} {val!r} is no boolean")
            else:
                bad.append(f"{where}: unknown option {opt}")
        if mid is None or not CONFIGID.match(mid):
            bad.append(f"{where}: --id {mid!r} is no pve-configid")
        elif mid in ids:
            bad.append(f"{where}: mapping {mid} created twice")
        else:
            ids.add(mid)
        if not maps:
            bad.append(f"{where}: no --map")
        for m in maps:
            for p in m.get("path", "").split(";"):
                key = (m.get("node"), p)
                if key in paths:
                    bad.append(f"{where}: {p} on {m.get('node')} already in {paths[key]}")
                paths[key] = mid
    return bad
