#!/usr/bin/env bash
# Check the series patch by patch on the pristine base, in a worktree of
# build/linux at `base` (build/check/linux). For every patch in patches/series:
#   apply       - git am applies it on top of the previous ones
#   checkpatch  - scripts/checkpatch.pl --strict is clean, or each of its
#                 findings (type and message) is listed for the patch in
#                 configs/checkpatch-exceptions, with its reason
#   kernel-doc  - scripts/kernel-doc -none finds no more problems in the
#                 files it touches than before it
#   build       - the objects of the .c files it touches compile for x86_64
#                 (x86_64_defconfig + configs/check-x86_64.config, -Werror);
#                 a patch that touches headers or Kbuild files also rebuilds
#                 every object the whole series touches; a patch to
#                 scripts/mod rebuilds modpost
#   kunit       - the KUnit suites of 'make kunit' pass at this patch
#                 (KUNIT_EACH=0 skips this step and says so)
# Results go to build/results/check.tsv; any failure fails the script.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# The worktree and the UML build sit in build/check as build/linux and
# build/kunit-uml sit in build: the compiler sees the same relative paths
# (../linux/...), so ccache serves each side the UML objects the other
# compiled: in make test, check runs first and the kunit step after it
# (build/linux is the tree at the last patch) finds every object cached.
src=$BUILD/check/linux
obj=$BUILD/check/x86_64
uml=$BUILD/check/kunit-uml
results=$BUILD/results
out=$results/check.tsv
frag=$CONFIGS/check-x86_64.config
exceptions=$CONFIGS/checkpatch-exceptions
logs=$results/check
mkdir -p "$results" "$logs"
: >"$out"
rm -rf "${logs:?}"/*

git -C "$TREE" rev-parse -q --verify base >/dev/null ||
	die "no work tree at $TREE; run 'make tree' first"

mapfile -t patches < <(series_files)
for p in "${patches[@]}"; do
	[ -f "$p" ] || die "patches/series names $p, which does not exist"
done
if [ "${#patches[@]}" -eq 0 ]; then
	log "check: the series is empty: nothing to check"
	exit 0
fi

record() { printf '%s\t%s\n' "$1" "$2" >>"$out"; [ "$1" = PASS ] || log "check: $1 $2"; }

# The worktree and UML build of older versions of this script.
if [ -e "$BUILD/check/src" ] || [ -e "$BUILD/check/uml" ]; then
	git -C "$TREE" worktree remove --force "$BUILD/check/src" 2>/dev/null || true
	rm -rf "$BUILD/check/src" "$BUILD/check/uml"
	git -C "$TREE" worktree prune
fi

# A pristine worktree at base.
if [ ! -e "$src/.git" ]; then
	git -C "$TREE" worktree prune
	rm -rf "$src"
	log "check: creating worktree $src"
	git -C "$TREE" worktree add -q --detach "$src" base
fi
git -C "$src" am --abort >/dev/null 2>&1 || true
git -C "$src" checkout -q -f --detach base
git -C "$src" clean -fdxq

kmake() { make -C "$src" O="$obj" ARCH=x86_64 -j"$JOBS" "$@"; }

# Merge the fragment into x86_64_defconfig (again after each patch that
# touches a Kconfig file, as it may add the options the fragment asks for).
configure() {
	kmake -s x86_64_defconfig >/dev/null
	(cd "$src" && ARCH=x86_64 scripts/kconfig/merge_config.sh -m -O "$obj" \
		"$obj/.config" "$frag" >/dev/null)
	kmake -s olddefconfig >/dev/null
}

# Options of the fragment missing from .config.
missing_options() {
	grep -E '^CONFIG_[A-Z0-9_]+=' "$frag" | while IFS= read -r line; do
		grep -qxF "$line" "$obj/.config" || echo "$line"
	done
}

kdoc_count() {
	local f n=0
	for f in "$@"; do
		[ -f "$src/$f" ] || continue
		n=$((n + $(cd "$src" && scripts/kernel-doc -none "$f" 2>&1 | grep -c . || true)))
	done
	echo "$n"
}

is_kernel_file() {
	case "$1" in tools/*|scripts/*|Documentation/*|usr/*|samples/*) return 1 ;; esac
	return 0
}

# Every kernel .c file the whole series touches (for header changes).
series_c_files() {
	cat "${patches[@]}" | sed -n 's|^+++ b/\(.*\.c\)$|\1|p' | sort -u |
	while IFS= read -r f; do is_kernel_file "$f" && echo "$f"; done
}

log "check: configuring x86_64 in $obj"
mkdir -p "$obj"
configure
kmake -s prepare >"$logs/prepare.log" 2>&1 || { tail -n 30 "$logs/prepare.log" >&2; die "check: make prepare failed"; }
mapfile -t all_c < <(series_c_files)

failed_apply=0
i=0
for p in "${patches[@]}"; do
	i=$((i + 1))
	name=$(basename "$p" .patch)
	# The subject, with format-patch's folding of long ones undone.
	subject=$(awk '/^Subject: / {
		s = $0; sub(/^Subject: (\[PATCH[^]]*\] )?/, "", s)
		while ((getline l) > 0 && l ~ /^[ \t]/) { sub(/^[ \t]+/, " ", l); s = s l }
		print s; exit
	}' "$p")
	if [ "$failed_apply" -eq 1 ]; then
		record FAIL "$name: apply (an earlier patch did not apply)"
		continue
	fi
	log "check: [$i/${#patches[@]}] $subject"

	# Files as they are before the patch, for the kernel-doc comparison.
	mapfile -t touched < <(git -C "$src" apply --numstat "$p" 2>/dev/null | cut -f3)
	mapfile -t kdoc_files < <(printf '%s\n' "${touched[@]}" | grep -E '\.(c|h)$' |
		while IFS= read -r f; do is_kernel_file "$f" && echo "$f"; done || true)
	kdoc_before=$(kdoc_count "${kdoc_files[@]}")

	if git -C "$src" am -q "$p" >"$logs/$name.am.log" 2>&1; then
		record PASS "$name: apply"
	else
		git -C "$src" am --abort >/dev/null 2>&1 || true
		record FAIL "$name: apply"
		failed_apply=1
		continue
	fi

	if (cd "$src" && scripts/checkpatch.pl --strict -q --no-summary --show-types --color=never "$p") \
			>"$logs/$name.checkpatch.log" 2>&1; then
		record PASS "$name: checkpatch --strict"
	elif python3 "$TOP/scripts/checkpatch_exceptions.py" "$exceptions" "$subject" \
			"$logs/$name.checkpatch.log" >"$logs/$name.checkpatch.exceptions" 2>&1; then
		record PASS "$name: checkpatch --strict (listed exceptions: $(sed -n 's/^excepted: \([^ ]*\): .*/\1/p' \
			"$logs/$name.checkpatch.exceptions" | sort -u | paste -sd' '))"
	else
		cat "$logs/$name.checkpatch.log" "$logs/$name.checkpatch.exceptions" >&2
		record FAIL "$name: checkpatch --strict ($(grep -c '^not excepted' "$logs/$name.checkpatch.exceptions" || true) findings not excepted)"
	fi

	kdoc_after=$(kdoc_count "${kdoc_files[@]}")
	if [ "$kdoc_after" -le "$kdoc_before" ]; then
		record PASS "$name: kernel-doc ($kdoc_after findings, $kdoc_before before)"
	else
		(cd "$src" && for f in "${kdoc_files[@]}"; do [ -f "$f" ] && scripts/kernel-doc -none "$f"; done) >&2 || true
		record FAIL "$name: kernel-doc ($kdoc_after findings, $kdoc_before before)"
	fi

	# Configure again only when the patch may add options the fragment
	# asks for.
	if printf '%s\n' "${touched[@]}" | grep -q 'Kconfig'; then
		configure
	fi
	objs=()
	rebuild_all=0
	for f in "${touched[@]}"; do
		# modpost is a host program: rebuild it when it changes.
		case "$f" in scripts/mod/*) objs+=(scripts/mod/) ;; esac
		is_kernel_file "$f" || continue
		case "$f" in
		*.c) [ -f "$src/$f" ] && objs+=("${f%.c}.o") ;;
		*.h|*Kconfig*|*Makefile*|*Kbuild*) rebuild_all=1 ;;
		esac
	done
	if [ "$rebuild_all" -eq 1 ]; then
		for f in "${all_c[@]}"; do [ -f "$src/$f" ] && objs+=("${f%.c}.o"); done
	fi
	mapfile -t objs < <(printf '%s\n' "${objs[@]}" | sed '/^$/d' | sort -u)
	if [ "${#objs[@]}" -gt 0 ]; then
		if kmake "${objs[@]}" >"$logs/$name.build.log" 2>&1; then
			record PASS "$name: build (${#objs[@]} objects)"
		else
			grep -E 'error|warning|No rule' "$logs/$name.build.log" | head -n 30 >&2 || true
			record FAIL "$name: build (${#objs[@]} objects)"
		fi
	fi

	if [ "${KUNIT_EACH:-1}" = 0 ]; then
		log "check: KUNIT_EACH=0: KUnit not run at this patch"
	elif KUNIT_EARLY_PATCH=1 KUNIT_SRC=$src KUNIT_BUILD=$uml KUNIT_OUT=$logs/$name.kunit.tsv \
			"$TOP/scripts/kunit.sh" 2>"$logs/$name.kunit.log"; then
		record PASS "$name: kunit ($(grep -c '^PASS' "$logs/$name.kunit.tsv") cases passed)"
	else
		tail -n 20 "$logs/$name.kunit.log" >&2
		record FAIL "$name: kunit ($(grep -c '^FAIL' "$logs/$name.kunit.tsv" || true) cases failed)"
	fi
	# What kunit.sh left out because the tree does not have it yet.
	if [ "${KUNIT_EACH:-1}" != 0 ]; then
		grep -a '^SKIP.*not in the tree\|^SKIP.*none in the tree' "$logs/$name.kunit.tsv" |
			while IFS=$'\t' read -r _ what; do record SKIP "$name: kunit: $what"; done || true
	fi
done

missing=$(missing_options)
if [ -z "$missing" ]; then
	record PASS "series: every option of $(basename "$frag") is set at the last patch"
else
	record FAIL "series: options of $(basename "$frag") not set: $(echo $missing)"
fi

git -C "$src" checkout -q -f --detach base
pass=$(grep -c '^PASS' "$out" || true)
fail=$(grep -c '^FAIL' "$out" || true)
log "check: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
