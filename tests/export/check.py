#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""tests/export/check.py ENGINE < OUTPUT: what `vfio-boot export ENGINE` wrote, checked by the
rules the engine itself applies to its config (each in tests/export/ENGINE.py, which cites the
engine's source it follows). Exits 0 when the output passes, else 1 with one line per violation
on stderr; 2 for an unknown engine."""
import importlib
import os
import sys

ENGINES = {"kubevirt": "kubevirt", "sriov-dp": "sriov_dp", "nova": "nova", "proxmox": "proxmox"}


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in ENGINES:
        print("usage: check.py %s < output" % "|".join(ENGINES), file=sys.stderr)
        return 2
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    try:
        mod = importlib.import_module(ENGINES[sys.argv[1]])
    except ModuleNotFoundError:
        print("%s: no rules (tests/export/%s.py)" % (sys.argv[1], ENGINES[sys.argv[1]]),
              file=sys.stderr)
        return 2
    errors = mod.check(sys.stdin.read())
    for e in errors:
        print("%s: %s" % (sys.argv[1], e), file=sys.stderr)
    if not errors:
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
