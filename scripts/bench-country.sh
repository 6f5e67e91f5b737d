#!/usr/bin/env bash
# The regional layer at the scale of Poland (issue 30): 2,477 gminas, each holding data.
#   scripts/bench-country.sh     a synthetic registry (the region's 144 gminas and 2,333 made-up
#                                ones in 130 made-up powiats), provisioning and a no-op migrate,
#                                every gmina seeded (organisations, offers, items, procurements),
#                                the figures' store counted, then: /koordynator with 8 coordinators
#                                at once, its CSV, the portal's home, the upkeep a write pays
#                                (pgbench, marks on and off), and the database's memory per pooled
#                                connection after the dashboard and after requests rotating over
#                                every gmina. Results go to docs/benchmarks.md by hand.
#   BENCH_GMINAS=500             fewer made-up gminas (a quicker look)
#   BENCH_DATA=/tmp/country      where the data goes (default target/bench-country, kept between
#                                runs for measuring by hand; emptied at the start of a run)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh bench
cargo build --locked --release -p pestor -p pestor-tests --features pestor-tests/bench --bin pestor --bin bench_seed
bin=target/release/pestor
data="${BENCH_DATA:-$PWD/target/bench-country}"
port="${BENCH_PORT:-18081}"
runs="${BENCH_RUNS:-3}"
duration="${BENCH_DURATION:-10s}"
extra="${BENCH_GMINAS:-2333}"
export PESTOR__DATABASE__DATA_DIR="$data/postgres"
export PESTOR__SERVER__BIND="127.0.0.1:$port"
export PESTOR__LOG__FILTER="warn"
export PESTOR__TENANTS__DIR="$data/tenants"
socket="$data/postgres/run"
psql_() { psql -h "$socket" -U pestor -d pestor -Atq "$@"; }
ms() { date +%s%3N; }

echo "== maszyna: $(nproc) rdzenie, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem/ {print $2}') GB"
rm -rf "$data" && mkdir -p "$data"
cp -r tenants "$data/tenants"
# Made-up gminas: voivodeship codes 50-56 do not exist, so no code clashes with a real one.
awk -v n="$extra" 'BEGIN {
  for (i = 0; i < n; i++) {
    p = int(i / 18); v = 50 + int(p / 20); q = 1 + p % 20; g = 1 + i % 18; k = 1 + i % 3;
    kind = (k == 1 ? "miejska" : (k == 2 ? "wiejska" : "miejsko-wiejska"));
    powiat = sprintf("%02d%02d", v, q);
    printf "%s%02d%d,syntetyczna-%d,Gmina Syntetyczna %d,%s,%s,powiat syntetyczny %s,Siedziba %d,%.5f,%.5f\n",
      powiat, g, k, i, i, kind, powiat, powiat, i, 50 + (i % 300) * 0.01, 15 + (i % 500) * 0.01 >> "'"$data/tenants/gminy.csv"'";
  }
  for (p = 0; p <= int((n - 1) / 18); p++) {
    printf "%02d%02d,powiat syntetyczny %02d%02d,Siedziba\n", 50 + int(p / 20), 1 + p % 20, 50 + int(p / 20), 1 + p % 20 >> "'"$data/tenants/powiaty.csv"'";
  }
}'
total=$(($(wc -l < "$data/tenants/gminy.csv") - 1))

"$bin" tenants sync >/dev/null
t0=$(ms); "$bin" tenants provision --all >/dev/null; t1=$(ms)
echo "provision --all, $total gmin: $((t1 - t0)) ms"
for i in $(seq "$runs"); do
  t1=$(ms); "$bin" migrate >/dev/null; t2=$(ms)
  echo "migrate bez zmian, $total gmin: $((t2 - t1)) ms [przebieg $i]"
done

"$bin" serve --demo >/dev/null 2>"$data/serve.log" &
server=$!
trap 'kill -INT $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 600); do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && break
  sleep 0.5
done
t0=$(ms)
target/release/bench_seed "$socket" wszystkie 10 20 5 3
echo "dane w każdej gminie: $(($(ms) - t0)) ms"
# The figures' job counts every gmina (marked by the seeding) within its ticks; wait for it.
t0=$(ms)
for _ in $(seq 1800); do
  left=$(psql_ -c "SELECT count(DISTINCT teryt) FROM figure_marks")
  counted=$(psql_ -c "SELECT count(*) FROM figure_counts")
  [ "$left" = 0 ] && [ "$counted" -ge "$total" ] && break
  sleep 1
done
echo "liczby wszystkich gmin policzone po: $(($(ms) - t0)) ms (zostało oznaczonych: $left, policzonych: $counted)"
psql_ -c "SELECT 'wiersze magazynu liczb: ' || (SELECT count(*) FROM figure_values) || ' wartości, ' || (SELECT count(*) FROM figure_days) || ' dni'"

PESTOR__DATABASE__URL="postgres://pestor@localhost/pestor?host=$socket" \
  "$bin" coordinators add admin@torun.example >/dev/null
jar="$data/cookies"
portal="http://localhost:$port"
token=$(curl -fsS -c "$jar" -b "$jar" --resolve "localhost:$port:127.0.0.1" "$portal/logowanie" \
  | grep -o 'name="csrf" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')
curl -fsS -o /dev/null -c "$jar" -b "$jar" --resolve "localhost:$port:127.0.0.1" \
  --data-urlencode "csrf=$token" --data-urlencode "email=admin@torun.example" \
  --data-urlencode "password=demo-pestor-2026" "$portal/logowanie"
cookie="pestor_session=$(awk '$6 == "pestor_session" { print $7 }' "$jar")"

bench() { # name connections host path [cookie]
  for i in $(seq "$runs"); do
    echo "-- $1 [przebieg $i]"
    out=$(wrk -t2 -c"$2" -d"$duration" --latency -s scripts/wrk-p95.lua -H "Host: $3" ${5:+-H "Cookie: $5"} "http://127.0.0.1:$port$4")
    grep -E "Requests/sec|50%|p95|99%|Non-2xx|Socket errors" <<<"$out"
    if grep -q "Non-2xx" <<<"$out"; then
      echo "BŁĄD: $4 odpowiada błędem — zobacz $data/serve.log" >&2
      exit 1
    fi
  done
}

# Private memory of the server's pooled connections (not this script's, not the jobs' own).
backends() {
  pids=$(psql_ -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend'
                   AND pid <> pg_backend_pid() AND application_name NOT LIKE 'pestor-%' AND application_name <> 'psql'")
  for pid in $pids; do
    awk '/^Private_(Clean|Dirty)/ { kb += $2 } END { print kb }' "/proc/$pid/smaps_rollup" 2>/dev/null || true
  done | sort -n | awk '{ a[NR] = $1 } END { if (NR) printf "%d połączeń, pamięć prywatna: mediana %.1f MB, najwięcej %.1f MB\n", NR, a[int((NR + 1) / 2)] / 1024, a[NR] / 1024 }'
}

bench "pulpit koordynatora, $total gmin, 8 koordynatorów naraz" 8 "localhost:$port" /koordynator "$cookie"
bench "pulpit: CSV wszystkich gmin" 8 "localhost:$port" /koordynator/gminy.csv "$cookie"
bench "portal regionalny: strona główna" 32 "localhost:$port" /
bench "portal regionalny: strona powiatu" 32 "localhost:$port" /powiaty/5001
echo "po pulpicie: $(backends)"

# Requests rotating over every gmina's Giełda.
lua="$data/rotate.lua"
{
  echo "local hosts = {"
  psql_ -c "SELECT '\"' || slug || '.localhost:$port\",' FROM tenants WHERE status = 'active' ORDER BY teryt"
  echo "}"
  cat <<'LUA'
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/oferty", { Host = hosts[(i % #hosts) + 1] })
end
done = function(summary, latency, requests)
  io.write(string.format("p95: %.2f ms\n", latency:percentile(95) / 1000))
end
LUA
} > "$lua"
# One unmeasured round first: every gmina's first request pays for its schema's catalogue.
wrk -t1 -c4 -d"$duration" -s "$lua" "http://127.0.0.1:$port/" >/dev/null
for i in $(seq "$runs"); do
  echo "-- giełda, Host po kolei we wszystkich gminach [przebieg $i]"
  wrk -t2 -c32 -d"$duration" --latency -s "$lua" "http://127.0.0.1:$port/" | grep -E "Requests/sec|50%|p95|99%|Non-2xx|Socket errors"
done
echo "po rotacji po wszystkich gminach: $(backends)"
# Two minutes more of rotation, twice a pooled connection's lifetime (database.
# connection_lifetime_secs, 60 s): the memory of the oldest connections stays bounded.
wrk -t2 -c16 -d120s -s "$lua" "http://127.0.0.1:$port/" >/dev/null &
rotation=$!
for t in 30 60 90 120; do
  sleep 30
  echo "rotacja trwa ${t} s: $(backends)"
done
wait "$rotation" # not a bare `wait`: the server runs in the background too

# What the marks add to a write: pgbench updating Toruń's offers with the figures' triggers on
# and off, alternately.
pgbench=$(ls /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | tail -1)
cat > "$data/write.sql" <<'SQL'
\set id random(1, 20)
UPDATE gmina_0463011.offers SET updated_at = now() WHERE id = :id;
SQL
triggers() {
  psql_ -c "ALTER TABLE gmina_0463011.offers $1 TRIGGER figures_mark; ALTER TABLE public.offer_directory $1 TRIGGER figures_mark;"
}
# Five alternating rounds: one write costs ~0.25 ms, and the machine's noise is of the same order
# as the difference.
for i in $(seq 5); do
  for mode in DISABLE ENABLE; do
    triggers "$mode"
    tps=$("$pgbench" -h "$socket" -U pestor -n -c 2 -T 10 -f "$data/write.sql" pestor 2>/dev/null | awk '/^tps/ { print $3 }')
    echo "zapis oferty, znaczniki liczb $([ $mode = ENABLE ] && echo włączone || echo wyłączone): $tps tps [przebieg $i]"
  done
done
triggers ENABLE
