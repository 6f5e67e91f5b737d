#!/usr/bin/env bash
# Schema-driven fuzzing of the open-data API with schemathesis (all checks), against a running server.
#   scripts/fuzz-api.sh <server base URL> <gmina host>      e.g. http://127.0.0.1:8080 torun.localhost:8080
#   scripts/fuzz-api.sh --install                            only install (scripts/install-deps.sh test does)
# Installs schemathesis into target/fuzz-venv on first use (pinned; safe to run again). Exit code 0
# only when no check failed. FUZZ_EXAMPLES sets the examples per operation (default 40).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/fuzz-venv
version=4.32.5
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$version"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$version"
fi
[ "${1:-}" = --install ] && exit 0
base="$1"
host="$2"
schema="$(mktemp --suffix=.json)"
trap 'rm -f "$schema"' EXIT
curl -sSf -H "Host: $host" "$base/api/v1/openapi.json" -o "$schema"
# schemathesis keeps its state in the working directory: target/, not the checkout.
mkdir -p target/fuzz
cd target/fuzz
exec "../fuzz-venv/bin/schemathesis" run "$schema" --url "$base" -H "Host: $host" \
  --checks all --max-examples "${FUZZ_EXAMPLES:-40}" --generation-deterministic \
  --no-color
