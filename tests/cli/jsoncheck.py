#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Checks the fields of a vfio-boot --json output: jsoncheck.py CASE FILE.
# The document was parsed by python3 -m json.tool already; here its content is checked.
import json
import os
import sys

case, path = sys.argv[1], sys.argv[2]
if case == "prometheus-utf8":
    # Not JSON: the Prometheus text format, whose label values must be UTF-8.
    text = open(path, "rb").read().decode("utf-8")
    lines = [x for x in text.splitlines() if x and not x.startswith("#")]
    assert 'guest="w\ufffdin\ufffd("' in text, text
    assert 'driver="xhci\ufffd\ufffd\\"\\\\"' in text, text
    for x in lines:
        assert x.count("{") == 1 and x.endswith(("} 0", "} 1", "} -1")), x
    raise SystemExit(0)
if case.startswith("prometheus-"):
    # The Prometheus text format, parsed by the reference client's own parser (Debian's
    # python3-prometheus-client, which scripts/deps.sh installs for the system's python3).
    try:
        from prometheus_client.parser import text_string_to_metric_families
    except ImportError:
        if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
            os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
        raise SystemExit("no prometheus_client: install python3-prometheus-client (scripts/deps.sh)")
    text = open(path, encoding="utf-8").read()
    fams = {f.name: f for f in text_string_to_metric_families(text)}
    for f in fams.values():
        assert f.type == "gauge", f

    def samples(name):
        return {tuple(sorted(s.labels.items())): s.value for s in fams[name].samples}

    if case == "prometheus-usb-attached":
        kbd = (("guest", "win"), ("section", "kbd"))
        dongle = (("guest", "win"), ("section", "dongle"))
        assert samples("vfio_boot_usb_present") == {kbd: 1, dongle: 0}, fams
        assert samples("vfio_boot_usb_matching") == {kbd: 1, dongle: 0}, fams
        assert samples("vfio_boot_usb_ambiguous") == {kbd: 0, dongle: 0}, fams
        assert samples("vfio_boot_usb_attached") == {
            kbd + (("status", "attached"),): 1,
            dongle + (("status", "absent"),): 0,
        }, fams
        # 2026-01-02T03:04:05Z and 03:00:00Z
        t = samples("vfio_boot_usb_status_timestamp_seconds")
        assert t == {
            tuple(sorted(kbd + (("status", "attached"),))): 1767323045,
            tuple(sorted(dongle + (("status", "absent"),))): 1767322800,
        }, t
        assert "vfio_boot_guest_pci_device" not in fams, fams
    elif case == "prometheus-usb-absent":
        kbd = (("guest", "win"), ("section", "kbd"))
        spare = (("guest", ""), ("section", "spare"))
        assert samples("vfio_boot_usb_present") == {kbd: 0, spare: 0}, fams
        assert samples("vfio_boot_usb_attached") == {
            kbd + (("status", "none"),): 0,
            spare + (("status", "none"),): 0,
        }, fams
        assert samples("vfio_boot_usb_status_timestamp_seconds") == {}, fams
    elif case == "prometheus-usb-ambiguous":
        kbd = (("guest", "win"), ("section", "kbd"))
        assert samples("vfio_boot_usb_present")[kbd] == 1, fams
        assert samples("vfio_boot_usb_matching")[kbd] == 2, fams
        assert samples("vfio_boot_usb_ambiguous")[kbd] == 1, fams
        assert samples("vfio_boot_usb_attached")[kbd + (("status", "ambiguous"),)] == 0, fams
    elif case == "prometheus-check-holders":
        # The GPU's card is held (WARN); its audio function, in the same section, not.
        res = samples("vfio_boot_check_result")
        gpu = (("device", "0000:02:00.0"), ("item", "holders"), ("section", "gpu"))
        audio = (("device", "0000:02:00.1"), ("item", "holders"), ("section", "gpu"))
        assert res[gpu] == 1 and res[audio] == 0, res
        assert all(v in (0, 1, 2) for v in res.values()), res
        lines = {k[0][1]: v for k, v in samples("vfio_boot_check_lines").items()}
        assert set(lines) == {"PASS", "WARN", "FAIL"}, lines
        assert lines["WARN"] >= 1 and lines["PASS"] >= 1, lines
        # Each series is the worst of its lines: a WARN series has a WARN line at least.
        assert lines["WARN"] >= sum(1 for v in res.values() if v == 1), (lines, res)
    elif case == "prometheus-guest-pci":
        assert samples("vfio_boot_guest_pci_device") == {
            (("address", a), ("guest", g), ("section", "gpu")): 1
            for a in ("0000:02:00.0", "0000:02:00.1")
            for g in ("win", "lin")
        }, fams
        assert samples("vfio_boot_guest_attach_devices") == {
            (("guest", "win"),): 1,
            (("guest", "lin"),): 0,
        }, fams
        assert "vfio_boot_usb_present" not in fams, fams
    else:
        raise SystemExit(f"unknown case {case}")
    raise SystemExit(0)
doc = json.load(open(path, encoding="utf-8"))


def dev(addr):
    for g in doc["groups"]:
        for d in g["devices"]:
            if d["address"] == addr:
                return g["group"], d
    raise SystemExit(f"{addr} missing")


if case == "list-q35":
    assert [g["group"] for g in doc["groups"]] == [0, 1, 2, 3, 4, 5], doc
    g, d = dev("0000:01:00.0")
    assert g == 1 and d["vendor"] == "1234" and d["device"] == "1111", d
    assert d["driver"] == "bochs-drm" and d["boot_vga"] is True, d
    assert d["guarded"] == "boot display" and d["type"] == "endpoint", d
    assert d["reset_methods"] == ["bus"], d
    assert d["subsystem_vendor"] == "1af4" and d["subsystem_device"] == "1100", d
    g, d = dev("0000:02:00.0")
    assert d["boot_vga"] is False and d["guarded"] is None, d
    g, d = dev("0000:00:01.0")
    assert d["type"] == "bridge" and d["reset_methods"] in ([], None), d
    assert d["vendor_name"] == "Red Hat, Inc.", d
    g, d = dev("0000:00:1f.2")
    assert g == 5 and d["guarded"] == "storage" and d["driver"] == "ahci", d
elif case == "plan-q35":
    s = {x["name"]: x for x in doc["sections"]}
    assert doc["state"] == "done", doc
    assert s["gpu"]["status"] == "ok" and s["gpu"]["claims"], s["gpu"]
    assert [d["address"] for d in s["gpu"]["devices"]] == ["0000:02:00.0", "0000:02:00.1"]
    assert s["nic"]["status"] == "ambiguous" and s["nic"]["devices"] == [], s["nic"]
    assert s["usb"]["status"] == "ok", s["usb"]
    assert s["sata"]["status"] == "guarded", s["sata"]
    assert s["missing"]["status"] == "absent", s["missing"]
elif case == "status-q35":
    s = {x["name"]: x for x in doc["sections"]}
    assert doc["binder_state"] == "done", doc
    assert [d["on_vfio"] for d in s["gpu"]["devices"]] == [True, True], s["gpu"]
    usb = s["usb"]["devices"][0]
    assert usb["on_vfio"] is False and usb["driver"] == "xhci_hcd", usb
    assert any("Device or resource busy" in r for r in usb["reasons"]), usb
    assert doc["guests"][0]["name"] == "win" and doc["guests"][0]["state"] is None, doc
elif case == "status-late":
    s = {x["name"]: x for x in doc["sections"]}
    assert s["vf"]["pending"] is True and s["vf"]["boot_status"] == "pending", s["vf"]
    assert "no driver yet" in s["vf"]["reason"], s["vf"]
    assert s["gpu"]["pending"] is False and s["gpu"]["by"] == "cli-release", s["gpu"]
    assert s["gpu"]["time"] == "2026-01-02T03:04:05Z", s["gpu"]
    for d in s["gpu"]["devices"]:
        assert d["released"] is True and d["on_vfio"] is False, d
        assert d["by"] == "cli-release", d
    usb = s["usb"]["devices"][0]
    assert usb["on_vfio"] is True and usb["released"] is False and usb["by"] == "cli-claim", usb
elif case == "status-vm":
    # tests/vm/fullboot: vfio-boot status --json on the booted stand-in machine
    s = {x["name"]: x for x in doc["sections"]}
    assert doc["binder_state"] == "done", doc
    gpu = {d["address"]: d for d in s["guest-gpu"]["devices"]}
    assert gpu["0000:02:00.0"]["on_vfio"] is True, gpu
    card = s["boot-card"]["devices"][0]
    assert card["address"] == "0000:01:00.0", card
    assert card["on_vfio"] is False and card["driver"] == "bochs-drm", card
    g = {x["name"]: x for x in doc["guests"]}
    assert g["fbguest"]["state"] == "active", g
elif case == "status-utf8":
    # Each byte that is not UTF-8 is U+FFFD; the rest of the name is kept.
    assert doc["guests"][0]["name"] == "w\ufffdin\ufffd(", doc["guests"]
    usb = doc["sections"][0]["devices"][0]
    assert usb["driver"] == 'xhci\ufffd\ufffd"\\', usb
    assert doc["binder_state"] == "d\ufffd\ufffdne", doc
elif case == "plan-utf8":
    usb = {x["name"]: x for x in doc["sections"]}["usb"]
    assert usb["devices"][0]["driver"] == 'xhci\ufffd\ufffd"\\', usb
elif case == "list-utf8":
    g, d = dev("0000:00:04.0")
    assert d["driver"] == 'xhci\ufffd\ufffd"\\', d
elif case == "usb-attached":
    u = {x["name"]: x for x in doc["usb"]}
    kbd, dongle = u["kbd"], u["dongle"]
    assert kbd["guest"] == "win" and kbd["now"] == "present" and kbd["present"] is True, kbd
    assert kbd["ambiguous"] is False and kbd["count"] == 1, kbd
    [m] = kbd["matches"]
    assert m["port"] == "1-2" and m["id"] == "046d:c52b" and m["serial"] == "K1", m
    assert m["bus"] == 1 and m["device"] == 5 and m["controller"] == "0000:00:04.0", m
    assert kbd["status"] == "attached" and kbd["time"] == "2026-01-02T03:04:05Z", kbd
    assert kbd["record_guest"] == "win" and kbd["attached"] == ["1-2:001:005"], kbd
    assert dongle["present"] is False and dongle["matches"] == [], dongle
    assert dongle["status"] == "absent" and dongle["attached"] == [], dongle
    assert dongle["reason"] == "no device matches", dongle
    assert doc["guests"][0]["pci"] == [], doc["guests"]
elif case == "usb-ambiguous":
    [kbd] = [x for x in doc["usb"] if x["name"] == "kbd"]
    assert kbd["now"] == "ambiguous" and kbd["ambiguous"] is True, kbd
    assert [m["port"] for m in kbd["matches"]] == ["1-1", "1-2"], kbd
    assert [m["serial"] for m in kbd["matches"]] == [None, None], kbd
    assert kbd["status"] == "ambiguous" and kbd["attached"] == [], kbd
elif case == "guest-pci":
    g = {x["name"]: x for x in doc["guests"]}
    assert g["win"]["attach_devices"] is True and g["lin"]["attach_devices"] is False, g
    assert g["win"]["pci"] == [
        {"section": "gpu", "boot_status": "claimed",
         "addresses": ["0000:02:00.0", "0000:02:00.1"]},
        {"section": "nic", "boot_status": "absent", "addresses": []},
    ], g["win"]
    assert g["bare"]["pci"] == [], g["bare"]
    assert doc["usb"] == [], doc
elif case == "check-holders":
    c = doc["checks"]
    assert all(set(x) == {"result", "item", "device", "section", "text", "fix"} for x in c), c
    h = {x["device"]: x for x in c if x["item"] == "holders"}
    gpu, audio = h["0000:02:00.0"], h["0000:02:00.1"]
    assert gpu["result"] == "WARN" and gpu["section"] == "gpu", gpu
    assert gpu["text"].startswith("holders: /dev/dri/card1 held by PID "), gpu
    assert gpu["text"].endswith("(Xorg): the host uses this device; vfio-boot can neither "
                                "take it nor hand it back cleanly while they run"), gpu
    assert "systemctl stop display-manager" in gpu["fix"], gpu
    assert audio == {"result": "PASS", "item": "holders", "device": "0000:02:00.1",
                     "section": "gpu", "text": "holders: no process holds /dev/vfio/2",
                     "fix": None}, audio
    # The host's lines carry no device.
    assert any(x["device"] is None for x in c), c
else:
    raise SystemExit(f"unknown case {case}")
