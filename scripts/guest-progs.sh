#!/usr/bin/env bash
# Build the guest test programs, static, against the uapi headers of the
# patched tree (from a guest kernel build dir given as $1): the tree's own
# selftests (iommu, dmabuf-heaps, drivers/dma-buf) with their own Makefiles,
# the project's programs in tests/guest and demo with -Wall -Wextra -Werror,
# and the shell parts of tests/guest (*.sh). Also the modules of
# tests/guest/module_ns.c (tests/guest/module), built against the kernel of
# that build dir, so that their vermagic matches it, and renamed copies of
# them (scripts/ko-rename.py); and the variant driver of
# tests/guest/vfio_variant.c (tests/guest/variant), and the dma-buf importer
# of tests/guest/p2p_converter.c (tests/guest/p2p_importer). And the KUnit
# modules of tests/guest/kunit.sh with the modules they need (progs/kunit).
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
# The iommufd selftests get a per-test timeout of 300 s instead of the
# harness's 30 s (tests/guest/kselftest_timeout.h says why). -B: the
# selftest Makefiles make each program from its .c alone, so a change of
# a header the series touches (iommufd_test.h, iommufd_utils.h), of the
# uapi headers or of USERCFLAGS would leave a stale binary; rebuilding
# the three directories costs about 3 s.
for t in iommu dmabuf-heaps drivers/dma-buf; do
	log "guest programs: selftests/$t"
	mkdir -p "$out/st/$t"
	ucflags=
	[ "$t" = iommu ] && ucflags="-I $st -DKSELFTEST_TIMEOUT=300 -include $TOP/tests/guest/kselftest_timeout.h"
	make -s -B -C "$st/$t" OUTPUT="$out/st/$t" CC="gcc -static" \
		USERCFLAGS="$ucflags" \
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
# Shell parts of guest tests (vmm_test.sh), run by busybox sh.
for s in "$TOP"/tests/guest/*.sh; do
	install -m 755 "$s" "$out/"
done

# The modules of module_ns.c: dma-buf-mapping-test, a name the PAL importer
# symbols are exported to, as is and importing their module namespace, and
# each renamed to a name of the same length that is not in the list.
# External modules need the kernel's Module.symvers, which only the modules
# step writes (bzImage alone does not).
# modinfo_field KO FIELD: the value of FIELD in the .modinfo section of KO.
modinfo_field() {
	objcopy -O binary --only-section=.modinfo "$1" "$out/modinfo.tmp"
	tr '\0' '\n' <"$out/modinfo.tmp" | sed -n "s/^$2=//p"
	rm -f "$out/modinfo.tmp"
}

log "guest programs: modules of module_ns.c against $obj"
make -C "$TREE" O="$obj" ARCH=x86_64 -j"$JOBS" -s modules >/dev/null
grep -q '	dma_buf_pal_map_phys	' "$obj/Module.symvers" ||
	die "dma_buf_pal_map_phys is not in $obj/Module.symvers"
release=$(cat "$obj/include/config/kernel.release")
mwork=$obj/module-ns
rm -rf "$mwork" "$out"/*.ko
for v in plain import; do
	mkdir -p "$mwork/$v"
	cp "$TOP"/tests/guest/module/* "$mwork/$v/"
	kcflags=
	[ "$v" = import ] && kcflags=-DPAL_IMPORT_NS
	make -C "$TREE" O="$obj" ARCH=x86_64 M="$mwork/$v" KCFLAGS="$kcflags" \
		modules >"$mwork/$v.log" 2>&1 || {
		cat "$mwork/$v.log" >&2
		die "building the $v module of module_ns.c failed"
	}
	ko=$mwork/$v/dma-buf-mapping-test.ko
	vermagic=$(modinfo_field "$ko" vermagic)
	[ "${vermagic%% *}" = "$release" ] ||
		die "$ko: vermagic '$vermagic' is not of kernel $release"
done
cp "$mwork/plain/dma-buf-mapping-test.ko" "$out/module_ns_allowed.ko"
python3 "$TOP/scripts/ko-rename.py" "$mwork/plain/dma-buf-mapping-test.ko" \
	"$out/module_ns_outsider.ko" dma_buf_mapping_test dma_buf_mapping_tesu
python3 "$TOP/scripts/ko-rename.py" "$mwork/import/dma-buf-mapping-test.ko" \
	"$out/module_ns_outsider_import.ko" dma_buf_mapping_test dma_buf_mapping_tesv

# build_module DIR KO OUT PROG: build the external module in tests/guest/DIR
# against the guest kernel and install its KO as OUT, for guest program PROG.
build_module() {
	local work=$obj/$1
	log "guest programs: module of $4 against $obj"
	rm -rf "$work"
	mkdir -p "$work"
	cp "$TOP/tests/guest/$1"/* "$work/"
	make -C "$TREE" O="$obj" ARCH=x86_64 M="$work" modules >"$work.log" 2>&1 || {
		cat "$work.log" >&2
		die "building the module of $4 failed"
	}
	cp "$work/$2" "$out/$3"
}

# The variant driver of vfio_variant.c: a vfio-pci-core user that does not
# opt in to dma-buf export.
build_module variant vfio-pci-noexport-test.ko vfio_variant.ko vfio_variant.c
# The importer module of p2p_converter.c: a P2P SGT dma-buf importer on edu.
build_module p2p_importer p2p-importer-test.ko p2p_importer.ko p2p_converter.c

# The KUnit modules of tests/guest/kunit.sh (tests/guest/kunit.modules) and,
# in load order, every module they depend on (the depends= field of their
# .modinfo), into build/guest/progs/kunit.
kdir=$out/kunit
rm -rf "$kdir"
mkdir -p "$kdir"
: >"$kdir/deps"
# modinfo_depends KO: the modules KO depends on, one a line.
modinfo_depends() {
	modinfo_field "$1" depends | tr ',' '\n' | sed '/^$/d'
}
# module_path NAME: the .ko of module NAME in the guest build ('-' and '_'
# are the same in a module name).
module_path() {
	local p
	p=$(sed 's/\.o$/.ko/' "$obj/modules.order" | while read -r p; do
		b=$(basename "$p" .ko)
		[ "${b//-/_}" = "${1//-/_}" ] && echo "$p"
	done | head -n 1)
	[ -n "$p" ] && [ -f "$obj/$p" ] || die "module $1 is not built in $obj (configs/guest/guest.config)"
	echo "$obj/$p"
}
# add_dep NAME: NAME's dependencies, then NAME, onto deps (once each).
add_dep() {
	local ko dep
	grep -qxF "$1" "$kdir/deps" && return
	ko=$(module_path "$1")
	for dep in $(modinfo_depends "$ko"); do add_dep "$dep"; done
	cp "$ko" "$kdir/$1.ko"
	echo "$1" >>"$kdir/deps"
}
grep -vE '^(#|$)' "$TOP/tests/guest/kunit.modules" >"$kdir/modules"
while read -r m; do
	log "guest programs: KUnit module $m and what it needs"
	ko=$(module_path "$m")
	for dep in $(modinfo_depends "$ko"); do add_dep "$dep"; done
	cp "$ko" "$kdir/$m.ko"
done <"$kdir/modules"
