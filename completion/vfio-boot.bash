# SPDX-License-Identifier: GPL-2.0-or-later
# bash completion for vfio-boot(8).
# The [KIND NAME] sections (guest, device) of the config and its drop-ins under ROOT.
_vfio_boot_sections()
{
	local d=${2%/}/etc/vfio-boot
	sed -n "s/^[[:space:]]*\\[$1[[:space:]]\\+\\([^]]*\\)\\].*/\\1/p" \
		"$d/vfio-boot.conf" "$d"/conf.d/*.conf 2>/dev/null
}

_vfio_boot()
{
	local cur prev cmd groot i
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	cmd= groot=
	# --root and --config may come before the command: their values are no command.
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--root) groot=${COMP_WORDS[i + 1]}; i=$((i + 1)) ;;
		--config) i=$((i + 1)) ;;
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
		mapfile -t COMPREPLY < <(compgen -W "list plan status check claim release export guest --root --config --help --version" -- "$cur")
		;;
	list)
		mapfile -t COMPREPLY < <(compgen -W "--root --json --help" -- "$cur")
		;;
	plan)
		mapfile -t COMPREPLY < <(compgen -W "--root --config --json --verbose --help" -- "$cur")
		;;
	status)
		mapfile -t COMPREPLY < <(compgen -W "--root --config --json --prometheus --help" -- "$cur")
		;;
	export)
		case $prev in
		--node | --prefix) return ;;
		esac
		mapfile -t COMPREPLY < <(compgen -W "kubevirt sriov-dp nova proxmox --root --config --node
			--prefix --help" -- "$cur")
		;;
	check | claim | release)
		local root=$groot opts="--root --config --dry-run --help"
		for ((i = 2; i < COMP_CWORD; i++)); do
			case ${COMP_WORDS[i]} in
			--root) root=${COMP_WORDS[i + 1]} ;;
			esac
		done
		[[ $cmd == check ]] && opts="--root --config --json --prometheus --help"
		if [[ $cur == -* ]]; then
			mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -W "$(_vfio_boot_sections device "$root")" -- "$cur")
		fi
		;;
	guest)
		local action='' root=$groot
		for ((i = 2; i < COMP_CWORD; i++)); do
			case ${COMP_WORDS[i]} in
			start | stop | run) action=${COMP_WORDS[i]} ;;
			--root | -r) root=${COMP_WORDS[i + 1]} ;;
			esac
		done
		case $prev in
		--uri | -c | --timeout | -t | --bridge | -b) return ;;
		esac
		if [[ -z $action ]]; then
			mapfile -t COMPREPLY < <(compgen -W "start stop run" -- "$cur")
		elif [[ $cur == -* ]]; then
			mapfile -t COMPREPLY < <(compgen -W "--uri --timeout --bridge --config --dry-run --root
				--verbose --help" -- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -W "$(_vfio_boot_sections guest "$root")" -- "$cur")
		fi
		;;
	esac
}
complete -F _vfio_boot vfio-boot
