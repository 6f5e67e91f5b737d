#!/usr/bin/env bash
# The whole test suite: installs what is missing, then runs every test of the workspace. Each test binary
# starts its own private PostgreSQL cluster; browser tests drive headless Chromium through ChromeDriver.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh test
# The committed stylesheet must be what GOV.UK Frontend and our theme layer build.
scripts/build-ui.sh --check
cargo test --workspace --locked "$@"
# Green: remove the clusters of finished test binaries (a failed run stops above and keeps them).
for dir in target/test-scratch/*/; do
  [ -d "$dir" ] || continue
  pid=$(basename "$dir"); pid=${pid%%-*}
  [ -e "/proc/$pid" ] || rm -rf "$dir"
done
