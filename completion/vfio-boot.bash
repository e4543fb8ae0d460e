# SPDX-License-Identifier: GPL-2.0-or-later
# bash completion for vfio-boot(8).
_vfio_boot()
{
	local cur prev cmd i
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	cmd=
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-*) ;;
		*) cmd=${COMP_WORDS[i]}; break ;;
		esac
	done
	case $prev in
	--root)
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		return
		;;
	--config)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return
		;;
	esac
	case $cmd in
	'')
		mapfile -t COMPREPLY < <(compgen -W "list plan status check guest --help --version" -- "$cur")
		;;
	list)
		mapfile -t COMPREPLY < <(compgen -W "--root --json --help" -- "$cur")
		;;
	plan | check)
		mapfile -t COMPREPLY < <(compgen -W "--root --config --json --help" -- "$cur")
		;;
	status)
		mapfile -t COMPREPLY < <(compgen -W "--root --config --json --prometheus --help" -- "$cur")
		;;
	guest)
		mapfile -t COMPREPLY < <(compgen -W "start stop run --root --config --help" -- "$cur")
		;;
	esac
}
complete -F _vfio_boot vfio-boot
