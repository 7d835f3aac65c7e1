#!/usr/bin/env bash
# Build the guest test programs, static, against the uapi headers of the
# patched tree (from a guest kernel build dir given as $1): the tree's own
# selftests (iommu, dmabuf-heaps, drivers/dma-buf) with their own Makefiles,
# and the project's programs in tests/guest and demo with -Wall -Wextra
# -Werror.
# Extra programs to build: further arguments (paths to .c files).
# Output: build/guest/progs.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

obj=$(cd "${1:?usage: guest-progs.sh GUEST_BUILD_DIR [extra.c ...]}" && pwd)
shift
hdr=$obj/usr/include
out=$BUILD/guest/progs
[ -d "$hdr/linux" ] || die "no uapi headers in $hdr"
mkdir -p "$out"

st=$TREE/tools/testing/selftests
for t in iommu dmabuf-heaps drivers/dma-buf; do
	log "guest programs: selftests/$t"
	mkdir -p "$out/st/$t"
	make -s -C "$st/$t" OUTPUT="$out/st/$t" CC="gcc -static" \
		KHDR_INCLUDES="-isystem $hdr" >"$out/st-build.log" 2>&1 || {
		cat "$out/st-build.log" >&2
		die "building selftests/$t failed"
	}
	find "$out/st/$t" -maxdepth 1 -type f -perm -u+x -exec cp {} "$out/" \;
done

cflags=(-static -O2 -Wall -Wextra -Werror -isystem "$hdr" -I "$TOP/tests/guest"
	-I "$st")
for c in "$TOP"/tests/guest/*.c "$TOP"/demo/*.c "$@"; do
	[ -f "$c" ] || die "no such program source: $c"
	log "guest programs: $(basename "$c")"
	gcc "${cflags[@]}" -o "$out/$(basename "$c" .c)" "$c"
done
