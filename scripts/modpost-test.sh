#!/usr/bin/env bash
# Build-level check that the PAL importer symbols (dma_buf_pal_map_phys()
# and friends, exported with EXPORT_SYMBOL_GPL_FOR_MODULES) are out of reach
# of modules other than iommufd: the tiny external modules of tests/modpost
# are built against the normal guest kernel (CONFIG_MODULES=y, so it has a
# Module.symvers). modpost must refuse the outsiders with its message and
# build the control, a module named iommufd making the same call.
# Results: build/results/modpost.tsv, one case per module.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

obj=$BUILD/guest/normal
work=$BUILD/modpost-test
results=$BUILD/results
mkdir -p "$results"
out=$results/modpost.tsv
: >"$out"

"$TOP/scripts/guest-kernel.sh" normal >/dev/null
# bzImage alone writes no Module.symvers: the (empty) modules step does.
make -C "$TREE" O="$obj" ARCH=x86_64 -s modules >/dev/null
grep -q '	dma_buf_pal_map_phys	' "$obj/Module.symvers" ||
	die "dma_buf_pal_map_phys is not in $obj/Module.symvers"

rm -rf "$work"
cp -r "$TOP/tests/modpost" "$work"

# build DIR: build the module in $work/DIR; its log is $work/DIR.log
build() {
	log "modpost test: building tests/modpost/$1"
	make -C "$TREE" O="$obj" ARCH=x86_64 M="$work/$1" modules \
		>"$work/$1.log" 2>&1
}

msg='may not use symbol dma_buf_pal_map_phys: it is exported only to the modules "iommufd,'
rc=0
for m in outsider importer_ns; do
	if build "$m"; then
		printf 'FAIL\tmodpost.%s: built, but must be refused\n' "$m" >>"$out"
		rc=1
	elif grep -qF "$msg" "$work/$m.log"; then
		printf 'PASS\tmodpost.%s: refused by modpost\n' "$m" >>"$out"
	else
		printf 'FAIL\tmodpost.%s: failed without the modpost message (see %s)\n' \
			"$m" "$work/$m.log" >>"$out"
		rc=1
	fi
done
if build allowed && [ -f "$work/allowed/iommufd.ko" ]; then
	printf 'PASS\tmodpost.allowed: iommufd may use the PAL symbols\n' >>"$out"
else
	printf 'FAIL\tmodpost.allowed: control did not build (see %s)\n' \
		"$work/allowed.log" >>"$out"
	rc=1
fi
cat "$out"
exit "$rc"
