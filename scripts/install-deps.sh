#!/usr/bin/env bash
# Installs the system packages PES-TOR needs, only those missing; safe to run again.
#   scripts/install-deps.sh run    PostgreSQL server binaries (for the embedded cluster)
#   scripts/install-deps.sh test   the above, plus Chromium, ChromeDriver and Node.js for browser tests,
#                                  and schemathesis (PyPI) in target/fuzz-venv for the API fuzzer
#   scripts/install-deps.sh bench  the PostgreSQL binaries, plus wrk (HTTP load generator)
set -euo pipefail
mode="${1:-run}"

need=()
have_pg_server() {
  command -v initdb >/dev/null 2>&1 && command -v postgres >/dev/null 2>&1 && return 0
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null && compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null
}
have_pg_server || need+=(postgresql)
# As root the embedded cluster runs as the "postgres" user, which the postgresql package creates.
if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then need+=(postgresql); fi
if [ "$mode" = bench ]; then
  command -v wrk >/dev/null 2>&1 || need+=(wrk)
fi
if [ "$mode" = test ]; then
  [ -x /usr/bin/chromium ] || need+=(chromium)
  [ -x /usr/bin/chromedriver ] || need+=(chromium-driver)
  command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
fi

if [ "${#need[@]}" -gt 0 ]; then
  echo "Instaluję pakiety systemowe: ${need[*]}"
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

if [ "$mode" = test ]; then
  # axe-core and html-validate for the browser tests' checks, pinned by tests/browser/package-lock.json.
  here="$(cd "$(dirname "$0")/.." && pwd)"
  if [ ! -f "$here/tests/browser/node_modules/axe-core/axe.min.js" ] || [ ! -x "$here/tests/browser/node_modules/.bin/html-validate" ]; then
    (cd "$here/tests/browser" && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
if [ "$mode" = test ]; then
  # schemathesis, the API fuzzer of the suite, in a virtual environment of the project's own.
  "$(cd "$(dirname "$0")" && pwd)/fuzz-api.sh" --install
fi
