#!/usr/bin/env bash
# Builds the stylesheet crates/kit/static/pestor.css from GOV.UK Frontend and our theme layer
# (crates/kit/ui/pestor.scss), with the versions pinned by crates/kit/ui/package-lock.json.
# The built file is committed, so building and running the platform never need npm.
#   scripts/build-ui.sh           rebuild the stylesheet after a change to pestor.scss or the lock
#   scripts/build-ui.sh --check   fail when the committed stylesheet is not what the sources build
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
ui="$root/crates/kit/ui"
out="$root/crates/kit/static/pestor.css"
if [ ! -x "$ui/node_modules/.bin/sass" ] || [ ! -f "$ui/node_modules/govuk-frontend/package.json" ] \
  || [ "$ui/package-lock.json" -nt "$ui/node_modules/.package-lock.json" ]; then
  (cd "$ui" && npm ci --no-audit --no-fund --loglevel=error)
fi
version="$(cd "$ui" && node -p 'require("govuk-frontend/package.json").version')"
build() {
  {
    echo "/* Built by scripts/build-ui.sh from crates/kit/ui/pestor.scss and govuk-frontend $version (MIT). Do not edit. */"
    (cd "$ui" && node_modules/.bin/sass --no-source-map --style=compressed --load-path=node_modules pestor.scss)
  } >"$1"
}
if [ "${1:-}" = --check ]; then
  fresh="$(mktemp)"
  trap 'rm -f "$fresh"' EXIT
  build "$fresh"
  if ! cmp -s "$fresh" "$out"; then
    echo "crates/kit/static/pestor.css is not what crates/kit/ui builds: run scripts/build-ui.sh and commit it" >&2
    exit 1
  fi
else
  build "$out"
  echo "govuk-frontend $version -> crates/kit/static/pestor.css ($(wc -c <"$out") bytes)"
fi
