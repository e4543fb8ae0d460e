#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Standalone check of the fullboot inner guest under plain TCG: builds it, boots it with a
# stand-in VGA (1234:1111), checks its PCI list, that it stays up until the ACPI power button,
# and that QMP system_powerdown (what libvirt's ACPI shutdown sends) powers it off.
# A second boot without ACPI must say "none" and stay up. Exits non-zero on any failure.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
READY_WAIT=${READY_WAIT:-60}
OFF_WAIT=${OFF_WAIT:-30}
IDLE=${IDLE:-10}

T=$(mktemp -d)
qpid=
cleanup()
{
	[ -z "$qpid" ] || kill "$qpid" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

LOG=
die()
{
	echo "guest/test.sh: FAIL: $*" >&2
	if [ -n "$LOG" ] && [ -f "$LOG" ]; then
		echo "--- last serial lines ($LOG) ---" >&2
		tail -n 15 "$LOG" >&2
	fi
	exit 1
}
ok() { echo "ok: $*"; }
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
alive() { [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null; }

# boot NAME MACHINE-OPTIONS: starts QEMU in the background, serial in $T/NAME.log
boot()
{
	LOG=$T/$1.log
	QMP=$T/$1.qmp
	: >"$LOG"
	qemu-system-x86_64 -machine "pc$2" -accel tcg -m 64 -nographic -vga none -nic none \
		-monitor none -no-reboot -kernel "$T/fbguest.elf" -device VGA \
		-serial "file:$LOG" -qmp "unix:$QMP,server,nowait" </dev/null >"$T/$1.out" 2>&1 &
	qpid=$!
	t_boot=$(now_ms)
}

# wait_line REGEX SECONDS: until the serial log has a matching line, while QEMU runs
wait_line()
{
	local end=$(($(now_ms) + $2 * 1000))

	while ! grep -Eq "$1" "$LOG"; do
		alive || die "QEMU exited before the guest printed /$1/ ($(cat "$T"/*.out))"
		[ "$(now_ms)" -lt "$end" ] || die "no /$1/ on the serial within $2 s"
		sleep 0.1
	done
}

# powerdown: QMP system_powerdown, then waits (bounded) for QEMU to close the socket as it
# exits; prints the milliseconds in between (timed here: python3 takes most of a second to start)
powerdown()
{
	python3 - "$QMP" "$OFF_WAIT" <<'PY'
import json, socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
f = s.makefile("rw")
f.readline()
for cmd in ("qmp_capabilities", "system_powerdown"):
    t0 = time.monotonic()
    f.write(json.dumps({"execute": cmd}) + "\n")
    f.flush()
    while True:  # events (POWERDOWN, SHUTDOWN) may come before the reply
        r = json.loads(f.readline())
        if "error" in r:
            sys.exit("QMP %s: %s" % (cmd, r["error"]))
        if "return" in r:
            break
s.settimeout(float(sys.argv[2]))
try:
    while f.readline():
        pass
except socket.timeout:
    sys.exit("QEMU still running %s s after system_powerdown" % sys.argv[2])
print(round((time.monotonic() - t0) * 1000))
PY
}

"$HERE/build.sh" "$T/fbguest.elf" || die "build.sh failed"
ok "built $(stat -c %s "$T/fbguest.elf") bytes"

# ---- 1. with ACPI: ready, PCI list, stays up, powers off on the power button ----
boot acpi ""
wait_line '^FBGUEST ready, power button at acpi' "$READY_WAIT"
t_ready=$(($(now_ms) - t_boot))
ok "ready after $t_ready ms (QEMU start to the ready line)"
grep -q '^FBGUEST start$' "$LOG" || die "no 'FBGUEST start' line"
grep -Eq '^FBGUEST pci 0000:00:[0-9a-f]{2}\.[0-7] 0x1234:0x1111 class=0x030000$' "$LOG" ||
	die "the VGA (0x1234:0x1111 class=0x030000) is not in the PCI list"
bad=$(grep '^FBGUEST pci' "$LOG" |
	grep -Ev '^FBGUEST pci 0000:[0-9a-f]{2}:[0-1][0-9a-f]\.[0-7] 0x[0-9a-f]{4}:0x[0-9a-f]{4} class=0x[0-9a-f]{6}$')
[ -z "$bad" ] || die "malformed PCI lines: $bad"
ok "PCI list has the VGA; $(grep -c '^FBGUEST pci' "$LOG") functions, all well-formed"
grep '^FBGUEST \(acpi\|ready\)' "$LOG" | sed 's/^/   /'

sleep "$IDLE"
alive || die "the guest powered off by itself within $IDLE s of ready"
! grep -q 'power button pressed' "$LOG" || die "the guest saw a power button press nobody made"
ok "still running $IDLE s after ready, without a power button press"

t_off=$(powerdown) || die "system_powerdown did not power the guest off"
end=$(($(now_ms) + 10000))
while alive; do # the QMP socket is closed: this is QEMU's own teardown
	[ "$(now_ms)" -lt "$end" ] || die "QEMU closed its QMP socket but did not exit"
	sleep 0.05
done
wait "$qpid"
rc=$?
qpid=
[ "$rc" -eq 0 ] || die "QEMU exited with status $rc"
grep -q '^FBGUEST power button pressed: powering off$' "$LOG" ||
	die "QEMU exited, but the serial has no 'FBGUEST power button pressed'"
ok "powered off $t_off ms after system_powerdown (QEMU exit status 0)"

# ---- 2. without ACPI: says none and never powers off by itself ----
boot noacpi ",acpi=off"
wait_line '^FBGUEST ready, power button at none$' "$READY_WAIT"
sleep 3
alive || die "without ACPI the guest did not stay up"
ok "without ACPI: 'power button at none', still running 3 s later"
kill "$qpid"
wait "$qpid" 2>/dev/null
qpid=
echo "PASS: ready in $t_ready ms, off $t_off ms after system_powerdown"
