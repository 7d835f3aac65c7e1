#!/usr/bin/env bash
# Print the path of the pinned base tarball after checking its sha256.
# Looks in /usr/src (installed by `make setup`) and then in build/dl; if
# neither holds the pinned tarball, downloads the pinned .deb from Debian's
# archive into build/dl and takes the tarball out of it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

want="$BASE_PKG $BASE_VERSION (sha256 $BASE_SHA256)"

matches() { [ -f "$1" ] && echo "$BASE_SHA256  $1" | sha256sum --quiet -c - 2>/dev/null; }

for cand in "${BASE_TARBALL:-}" "/usr/src/$BASE_TARBALL_NAME" \
	    "$BUILD/dl/usr/src/$BASE_TARBALL_NAME"; do
	[ -n "$cand" ] || continue
	if matches "$cand"; then
		printf '%s\n' "$cand"
		exit 0
	fi
	if [ -n "${BASE_TARBALL:-}" ] && [ "$cand" = "$BASE_TARBALL" ]; then
		die "BASE_TARBALL=$cand is not the pinned base: expected $want"
	fi
done

log "fetching $BASE_PKG=$BASE_VERSION from the Debian archive"
mkdir -p "$BUILD/dl"
(cd "$BUILD/dl" && apt-get download -q "$BASE_PKG=$BASE_VERSION" >&2) ||
	die "cannot download $BASE_PKG=$BASE_VERSION; expected $want (run 'make setup' first)"
deb=$(ls "$BUILD/dl/${BASE_PKG}_"*.deb | head -n 1)
dpkg-deb -x "$deb" "$BUILD/dl"
rm -f "$deb"
cand="$BUILD/dl/usr/src/$BASE_TARBALL_NAME"
matches "$cand" || die "$cand does not match the pinned base: expected $want"
printf '%s\n' "$cand"
