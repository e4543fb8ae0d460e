#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""check.py ENGINE < OUTPUT: checks `vfio-boot export ENGINE` output against the engine's own
rules (tests/export/ENGINE.py, check(text) -> list of violations); exits 1 naming each."""
import importlib
import os
import sys


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: check.py ENGINE < OUTPUT")
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    mod = importlib.import_module(sys.argv[1].replace("-", "_"))
    bad = mod.check(sys.stdin.read())
    for v in bad:
        print(f"{sys.argv[1]}: {v}", file=sys.stderr)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
