# shellcheck shell=bash
# Common settings for the workbench scripts; sourced, never run.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
TREE=$BUILD/linux
PATCHES=$TOP/patches
CONFIGS=$TOP/configs
# shellcheck source=../configs/base.env
. "$CONFIGS/base.env"

# Every kernel build goes through ccache. Source and build directories are
# all below $TOP, so with CCACHE_BASEDIR the compiler sees the same relative
# paths in every clone of the project, and the cache is shared between them.
export PATH=/usr/lib/ccache:$PATH
export CCACHE_BASEDIR=$TOP
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
JOBS=${JOBS:-$(nproc)}

log() { printf '>>> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The series, in order, as absolute paths (cover letter excluded).
series_files() {
	local f
	[ -f "$PATCHES/series" ] || return 0
	while IFS= read -r f; do
		case "$f" in ''|'#'*) continue ;; esac
		printf '%s\n' "$PATCHES/$f"
	done <"$PATCHES/series"
}

# Stable patch ids of a stream of patches on stdin, one per line.
patch_ids() { git patch-id --stable | awk '{print $1}'; }

tree_patch_ids() { git -C "$TREE" format-patch --stdout base..HEAD | patch_ids; }

series_patch_ids() {
	local files
	mapfile -t files < <(series_files)
	[ "${#files[@]}" -eq 0 ] || cat "${files[@]}" | patch_ids
}
