#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/cli/completion.sh: the bash completion (completion/vfio-boot.bash) offers exactly the
# commands and long options that the command's own --help lists, and the config's guest and
# device section names.
# Environment: TEST_CLI (default build/test/cli/vfio-boot).
set -uo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
CLI=${TEST_CLI:-$TOP/build/test/cli/vfio-boot}
case $CLI in /*) ;; *) CLI=$TOP/$CLI ;; esac
# shellcheck source=../../completion/vfio-boot.bash
. "$TOP/completion/vfio-boot.bash"
fails=0 n=0

# comp WORD...: what completing the last word offers, sorted, one line
comp()
{
	COMP_WORDS=(vfio-boot "$@")
	COMP_CWORD=$#
	COMPREPLY=()
	_vfio_boot
	printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | sort -u | tr '\n' ' '
}
expect()
{
	n=$((n + 1))
	if [ "$2" != "$3" ]; then
		printf 'FAIL %s: completion offers [%s], expected [%s]\n' "$1" "$2" "$3"
		fails=$((fails + 1))
	fi
}
helpopts() { "$CLI" "$@" --help 2>&1 | grep -o -- '--[a-z][a-z-]*' | sort -u | tr '\n' ' '; }

commands=$("$CLI" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z]\+\) .*/\1/p' | sort | tr '\n' ' ')
expect "commands" "$(comp '' | tr ' ' '\n' | grep -v '^-' | sed '/^$/d' | tr '\n' ' ')" "$commands"
for c in list plan status check claim release; do
	# --help is accepted by every command, whether its usage names it or not
	want=$( (helpopts "$c" | tr ' ' '\n'; echo --help) | sed '/^$/d' | sort -u | tr '\n' ' ')
	expect "$c options" "$(comp "$c" -)" "$want"
done
expect "guest actions" "$(comp guest '')" "run start stop "
expect "guest options" "$(comp guest start -)" "$(helpopts guest)"
R=$(mktemp -d)
trap 'rm -rf "$R"' EXIT
mkdir -p "$R/etc/vfio-boot/conf.d"
printf '[device gpu]\nmatch = id=1234:1111\n\n[guest win11]\n[guest  nas ]\n' >"$R/etc/vfio-boot/vfio-boot.conf"
printf '[guest router]\n' >"$R/etc/vfio-boot/conf.d/10-router.conf"
expect "guest names" "$(comp guest --root "$R" stop '')" "nas router win11 "
expect "device names" "$(comp claim --root "$R" '')" "gpu "
expect "device names, release" "$(comp release --root "$R" g)" "gpu "
expect "guest names, prefix" "$(comp guest run --root "$R" w)" "win11 "
expect "--root takes a directory" "$(comp status --root "$R/et")" "$R/etc "
# global options before the command: their values are no command, and --root still counts
expect "commands after --root" "$(comp --root "$R" '' | tr ' ' '\n' | grep -v '^-' | sed '/^$/d' | tr '\n' ' ')" "$commands"
expect "global options" "$(comp --ro)" "--root "
expect "device names, global --root" "$(comp --root "$R" claim '')" "gpu "
expect "guest names, global --root" "$(comp --root "$R" --config "$R/x.conf" guest stop '')" "nas router win11 "
echo "completion: $n checks, $fails failed"
[ "$fails" = 0 ]
