#!/usr/bin/env bash
# Build, once, the root the guest runs QEMU 11 from: Debian sid with
# qemu-system-x86 (configs/vmm.env), made by mmdebstrap from the archive of
# this machine's apt sources, without doc/man/info/locale, packed as a newc
# cpio whose files are under /vmm: appended to the guest's initramfs, it
# appears at /vmm in the guest. Cached: build/vmm/root-<version>.cpio; a
# second run only checks it. Prints the cpio path.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
# shellcheck source=../configs/vmm.env
. "$CONFIGS/vmm.env"

dir=$BUILD/vmm
ver=${VMM_QEMU_VERSION//[:+~]/_}
cpio=$dir/root-$ver.cpio
if [ -s "$cpio" ]; then
	log "vmm root: cached $cpio ($(du -m "$cpio" | cut -f1) MB)"
	echo "$cpio"
	exit 0
fi

command -v mmdebstrap >/dev/null || die "mmdebstrap is missing: run 'make setup'"
# The archive this machine's apt uses for its own release (no host is named
# here: it comes from the apt configuration).
. /etc/os-release
# shellcheck disable=SC2016 # apt's own $(FIELD) format, not the shell's
mirror=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' |
	awk -v c="$VERSION_CODENAME" '$2 == c { print $1; exit }')
[ -n "$mirror" ] || die "no apt source for $VERSION_CODENAME to take the mirror from"

work=$dir/root.tmp
rm -rf "$work"
mkdir -p "$work"
log "vmm root: mmdebstrap $VMM_SUITE with $VMM_QEMU_PKG from $mirror (about a minute)"
t0=$(date +%s)
mmdebstrap --quiet --variant=essential --mode=root --include="$VMM_QEMU_PKG" \
	--aptopt='Acquire::Check-Valid-Until "false"' \
	--dpkgopt='path-exclude=/usr/share/doc/*' \
	--dpkgopt='path-exclude=/usr/share/man/*' \
	--dpkgopt='path-exclude=/usr/share/info/*' \
	--dpkgopt='path-exclude=/usr/share/locale/*' \
	"$VMM_SUITE" "$work/vmm" "$mirror" >&2

got=$(dpkg-query --admindir="$work/vmm/var/lib/dpkg" -W -f '${Version}' "$VMM_QEMU_PKG")
if [ "$got" != "$VMM_QEMU_VERSION" ]; then
	rm -rf "$work"
	die "vmm root: $VMM_SUITE serves $VMM_QEMU_PKG $got, the test expects $VMM_QEMU_VERSION (configs/vmm.env)"
fi

log "vmm root: packing $cpio"
(cd "$work" && find vmm -print0 | cpio --quiet -o -0 -H newc -R 0:0) >"$cpio.tmp"
mv "$cpio.tmp" "$cpio"
rm -rf "$work"
log "vmm root: $VMM_QEMU_PKG $got, $(du -m "$cpio" | cut -f1) MB, made in $(( $(date +%s) - t0 )) s"
echo "$cpio"
