#!/usr/bin/env bash
# Runs the platform locally with demo data and no configuration: an embedded PostgreSQL cluster in
# .pestor/postgres, all 144 gminas provisioned, Toruń's demo branding. Then open
# http://localhost:8080 (regional portal) and http://torun.localhost:8080 (Toruń). Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh run
exec cargo run --locked -p pestor -- serve --demo "$@"
