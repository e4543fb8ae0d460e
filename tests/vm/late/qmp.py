#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/vm/late/qmp.py SOCKET JSON...: sends each QMP command (a JSON object) to the QEMU
# monitor at SOCKET, in order, and prints each answer on one line. Exits 1 on an error answer
# or when the monitor does not answer in time. Events that arrive meanwhile are skipped.
import json
import socket
import sys


def main():
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(30)
    sock.connect(sys.argv[1])
    f = sock.makefile("rw")

    def answer():
        while True:
            line = f.readline()
            if not line:
                raise SystemExit("qmp: the monitor closed the connection")
            msg = json.loads(line)
            if "return" in msg or "error" in msg:
                return msg

    json.loads(f.readline())  # the greeting
    rc = 0
    for cmd in [{"execute": "qmp_capabilities"}] + [json.loads(a) for a in sys.argv[2:]]:
        f.write(json.dumps(cmd) + "\n")
        f.flush()
        msg = answer()
        if cmd["execute"] != "qmp_capabilities":
            print(json.dumps(cmd), "->", json.dumps(msg))
        if "error" in msg:
            rc = 1
    return rc


sys.exit(main())
