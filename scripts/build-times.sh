#!/usr/bin/env bash
# One build of the workspace's test binaries, for the build-time figures in docs/benchmarks.md.
#   scripts/build-times.sh clean            rebuild of the workspace's own crates (dependencies stay built)
#   scripts/build-times.sh gielda-template  after a one-line change in a Giełda template
#   scripts/build-times.sh gielda-handler   after a one-line change in a Giełda handler
#   scripts/build-times.sh kit              after a one-line change in the shared kit
# Time it with any timer over several runs and quote the median, e.g.
#   for i in 1 2 3; do /usr/bin/time -f %e scripts/build-times.sh kit; done
# The changed file is restored after the build (the next run changes it again).
set -euo pipefail
cd "$(dirname "$0")/.."
build() { cargo test --workspace --locked --no-run --quiet >/dev/null 2>&1; }
case "${1:-}" in
  clean)
    cargo clean --quiet $(cargo metadata --no-deps --format-version 1 |
      python3 -c 'import json,sys; print(" ".join("-p " + p["name"] for p in json.load(sys.stdin)["packages"]))')
    build
    exit
    ;;
  gielda-template) file=crates/offers/templates/offers/list.html probe='{# build probe #}' ;;
  gielda-handler) file=crates/offers/src/list.rs probe='// build probe' ;;
  kit) file=crates/kit/src/error.rs probe='// build probe' ;;
  *) echo "usage: $0 clean|gielda-template|gielda-handler|kit" >&2; exit 2 ;;
esac
# Before the restructure the same files lived in crates/web.
if [ ! -e "$file" ]; then
  case "$1" in
    gielda-template) file=crates/web/templates/offers/list.html ;;
    gielda-handler) file=crates/web/src/offers/list.rs ;;
    kit) file=crates/web/src/error.rs ;;
  esac
fi
cp "$file" "$file.orig"
# Touched after restoring, so the next build sees the file changed back.
trap 'mv "$file.orig" "$file" && touch "$file"' EXIT
echo "$probe" >>"$file"
build
