#!/usr/bin/env bash
# Install every build and test dependency with apt, and the pinned base.
# Idempotent: prints one line and installs nothing when all is there.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

pkgs=(
	build-essential bc bison flex libelf-dev libssl-dev kmod cpio rsync
	xz-utils python3 perl git ccache file
	qemu-system-x86 busybox-static
	mmdebstrap
)

sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing+=("$p")
done
have_base=0
if "$TOP/scripts/base.sh" >/dev/null 2>&1 </dev/null; then
	have_base=1
fi

if [ "${#missing[@]}" -eq 0 ] && [ "$have_base" -eq 1 ]; then
	log "setup: all dependencies are installed"
	exit 0
fi

export DEBIAN_FRONTEND=noninteractive
log "setup: apt-get update"
$sudo apt-get update -qq
if [ "${#missing[@]}" -gt 0 ]; then
	log "setup: installing ${missing[*]}"
	$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ "$have_base" -eq 0 ]; then
	log "setup: installing $BASE_PKG=$BASE_VERSION"
	$sudo apt-get install -y -qq --no-install-recommends --allow-downgrades \
		"$BASE_PKG=$BASE_VERSION" >/dev/null
	"$TOP/scripts/base.sh" >/dev/null
fi
log "setup: done"
