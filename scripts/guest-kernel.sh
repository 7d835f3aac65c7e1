#!/usr/bin/env bash
# Build the guest kernel of build/linux for one variant (normal or debug):
# allnoconfig + configs/guest/base.config (a small bootable base) +
# configs/guest/guest.config (+ guest-debug.config), in
# build/guest/<variant>, through ccache. Also installs the uapi headers into
# build/guest/<variant>/usr/include. Prints the bzImage path.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

variant=${1:-normal}
obj=$BUILD/guest/$variant
frags=("$CONFIGS/guest/base.config" "$CONFIGS/guest/guest.config")
case "$variant" in
normal) ;;
debug) frags+=("$CONFIGS/guest/guest-debug.config") ;;
*) die "unknown guest variant '$variant' (normal or debug)" ;;
esac
[ -d "$TREE" ] || die "no work tree at $TREE; run 'make tree' first"
kmake() { make -C "$TREE" O="$obj" ARCH=x86_64 -j"$JOBS" "$@"; }

mkdir -p "$obj"
log "guest kernel ($variant): configuring in $obj"
(cd "$TREE" && ARCH=x86_64 scripts/kconfig/merge_config.sh -m -O "$obj" \
	"${frags[@]}" >/dev/null)
mv "$obj/.config" "$obj/fragments.config"
kmake -s KCONFIG_ALLCONFIG="$obj/fragments.config" allnoconfig >/dev/null
missing=$(cat "${frags[@]}" | grep -E '^CONFIG_[A-Z0-9_]+=' | while IFS= read -r l; do
	grep -qxF "$l" "$obj/.config" || echo "$l"
done)
[ -z "$missing" ] || die "guest kernel ($variant): options not set: $(echo $missing)"

log "guest kernel ($variant): building bzImage (log: $obj/build.log)"
if ! kmake bzImage >"$obj/build.log" 2>&1; then
	grep -E 'error|Error' "$obj/build.log" | head -n 30 >&2
	die "guest kernel ($variant): build failed"
fi
kmake -s headers_install >/dev/null
echo "$obj/arch/x86/boot/bzImage"
