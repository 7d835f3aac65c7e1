#!/usr/bin/env bash
# Create build/linux: the pinned base as a git repository (base commit tagged
# `base`) with patches/ applied on top by `git am`. An existing tree that is
# already at the series is reused; one with uncommitted or unexported work is
# never overwritten.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# Unpack the base into $1 and commit it, tagged `base`.
make_base() {
	local dir=$1 tarball
	tarball=$("$TOP/scripts/base.sh")
	log "unpacking $BASE_PKG $BASE_VERSION into $dir"
	rm -rf "$dir"
	mkdir -p "$dir"
	tar -xJf "$tarball" -C "$dir" --strip-components=1
	# Debian appends a rule that ignores every top-level entry (for its
	# packaging repository); without dropping it, new files in the tree
	# would be invisible to git.
	sed -i '/^# Debian packaging: ignore everything/,$d' "$dir/.gitignore"
	sed -i '${/^#$/d}' "$dir/.gitignore"
	log "committing the base (takes a minute)"
	git -C "$dir" init -q -b series
	git -C "$dir" config gc.auto 0
	git -C "$dir" config core.abbrev 12
	if [ -z "$(git -C "$dir" config user.email || true)" ]; then
		git -C "$dir" config user.name "DMA-buf mapping types workbench"
		git -C "$dir" config user.email "workbench@localhost"
	fi
	git -C "$dir" add -A -f
	GIT_AUTHOR_NAME=Debian GIT_AUTHOR_EMAIL=debian-kernel@lists.debian.org \
	GIT_COMMITTER_NAME=Debian GIT_COMMITTER_EMAIL=debian-kernel@lists.debian.org \
	GIT_AUTHOR_DATE='2025-01-01T00:00:00Z' GIT_COMMITTER_DATE='2025-01-01T00:00:00Z' \
		git -C "$dir" commit -q -m "Linux $BASE_VERSION ($BASE_PKG)" \
		-m "Unpacked from Debian's $BASE_TARBALL_NAME, sha256 $BASE_SHA256; the Debian packaging rule at the end of .gitignore is dropped."
	git -C "$dir" tag base
}

apply_series() {
	local dir=$1 files
	mapfile -t files < <(series_files)
	if [ "${#files[@]}" -eq 0 ]; then
		log "series is empty"
		return 0
	fi
	log "applying ${#files[@]} patches"
	git -C "$dir" am -q "${files[@]}" || {
		git -C "$dir" am --abort || true
		die "the series does not apply on base"
	}
}

if [ -e "$TREE" ]; then
	git -C "$TREE" rev-parse -q --verify base >/dev/null ||
		die "$TREE exists but is not a workbench tree (no 'base' tag); move it away"
	gitdir=$(git -C "$TREE" rev-parse --absolute-git-dir)
	if [ -d "$gitdir/rebase-apply" ] || [ -d "$gitdir/rebase-merge" ]; then
		die "$TREE is in the middle of a git am/rebase; finish or abort it first"
	fi
	dirty=$(git -C "$TREE" status --porcelain | head -n 5)
	[ -z "$dirty" ] ||
		die "$TREE has uncommitted changes; commit them into the right patch and run 'make export':
$dirty"
	tree_ids=$(tree_patch_ids)
	series_ids=$(series_patch_ids)
	n_commits=$(git -C "$TREE" rev-list --count base..HEAD)
	n_ids=$(sed '/^$/d' <<<"$tree_ids" | wc -l)
	[ "$n_commits" -eq "$n_ids" ] ||
		die "$TREE has commits without a diff, which patches/ cannot carry; drop or squash them first"
	if [ "$tree_ids" = "$series_ids" ]; then
		log "$TREE is at the series ($(git -C "$TREE" rev-list --count base..HEAD) patches on base); reusing it"
		exit 0
	fi
	unexported=$(comm -23 <(sort -u <<<"$tree_ids" | sed '/^$/d') <(sort -u <<<"$series_ids"))
	[ -z "$unexported" ] ||
		die "$TREE has $(wc -l <<<"$unexported") commit(s) not in patches/; run 'make export' (or drop them) first"
	log "patches/ differs from $TREE, which holds no unexported work: re-applying"
	git -C "$TREE" checkout -q -B series base
	apply_series "$TREE"
	exit 0
fi

mkdir -p "$BUILD"
make_base "$TREE.new"
apply_series "$TREE.new"
mv "$TREE.new" "$TREE"
log "$TREE ready: $(git -C "$TREE" rev-list --count base..HEAD) patches on base"
