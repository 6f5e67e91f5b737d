#!/usr/bin/env bash
# Load benchmarks on loopback; results go to docs/benchmarks.md by hand (quote medians and the machine).
#   scripts/bench.sh            provisioning of 144 gminas, a no-op migrate, and wrk against pages
#                               (Baza PES with 2,000 generated organisations in Toruń and 10,000
#                               offers of theirs), photo processing throughput, and the
#                               coordinators' dashboard and the search across gminas with every
#                               gmina holding data
#   BENCH_ONLY=gielda | region | bank  only that part (after seeding); region = dashboard and
#                               /szukaj; bank = Bank sprzętu with 2,000 items in Toruń
# Uses a throw-away embedded cluster in target/bench-data, a release build, and wrk with 32 connections.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh bench
cargo build --locked --release -p pestor -p pestor-tests --features pestor-tests/bench --bin pestor --bin bench_seed --bin bench_photos
bin=target/release/pestor
data="$PWD/target/bench-data"
port="${BENCH_PORT:-18080}"
runs="${BENCH_RUNS:-3}"
duration="${BENCH_DURATION:-10s}"
export PESTOR__DATABASE__DATA_DIR="$data/postgres"
export PESTOR__SERVER__BIND="127.0.0.1:$port"
export PESTOR__LOG__FILTER="warn"

echo "== maszyna: $(nproc) rdzenie, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
# BENCH_ONLY=gielda: only the Giełda pages and photo processing; =region: only the dashboard.
only="${BENCH_ONLY:-}"
ms() { date +%s%3N; }
rm -rf "$data" && mkdir -p "$data"
for i in $(seq "$runs"); do
  [ -n "$only" ] && break
  rm -rf "$data"
  "$bin" tenants sync >/dev/null # initdb, public migrations, registry
  t0=$(ms); "$bin" tenants provision --all >/dev/null; t1=$(ms)
  "$bin" migrate >/dev/null; t2=$(ms)
  echo "provision --all, 144 gminy: $((t1 - t0)) ms; migrate bez zmian: $((t2 - t1)) ms [przebieg $i]"
done

"$bin" serve --demo >/dev/null 2>"$data/serve.log" &
server=$!
trap 'kill -INT $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 300); do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && break
  sleep 0.2
done

bench_page() { # name host path [status other than 2xx expected]
  for i in $(seq "$runs"); do
    echo "-- $1 [przebieg $i]"
    out=$(wrk -t2 -c32 -d"$duration" --latency -s scripts/wrk-p95.lua -H "Host: $2" ${cookie:+-H "Cookie: $cookie"} "http://127.0.0.1:$port$3")
    grep -E "Requests/sec|50%|p95|99%|Non-2xx|Socket errors" <<<"$out"
    # Fast errors are no result: stop rather than record them.
    if [ -z "${4:-}" ] && grep -q "Non-2xx" <<<"$out"; then
      echo "BŁĄD: $3 odpowiada błędem — zobacz $data/serve.log" >&2
      exit 1
    fi
  done
}
if [ -z "$only" ]; then
bench_page "strona gminy (Toruń)" "torun.localhost:$port" /
bench_page "portal regionalny (144 gminy)" "localhost:$port" /
bench_page "gmina nieznana (404)" "nieznana.localhost:$port" / 404

# Baza PES under load: 2,000 organisations in one gmina (stored through the same code as the forms).
fi
if [ "$only" = bank ]; then
  target/release/bench_seed "$data/postgres/run" torun 0 0 2000
else
  target/release/bench_seed "$data/postgres/run" torun 2000 10000 2000
fi
if [ -z "$only" ]; then
bench_page "lista organizacji, 2010 kart, strona 1 wg nazwy" "torun.localhost:$port" /podmioty
bench_page "lista: szukanie bez polskich znaków + sortowanie wg adresu" "torun.localhost:$port" "/podmioty?q=zywnosci&sort=adres"
bench_page "lista: sfera + forma + sortowanie wg gminy, strona 3" "torun.localhost:$port" "/podmioty?sfera=2&forma=fundacja&sort=gmina&strona=3"
bench_page "API JSON, 100 na stronę" "torun.localhost:$port" "/api/v1/podmioty?na_strone=100"
bench_page "GeoJSON mapy (wszystkie położenia)" "torun.localhost:$port" /api/v1/podmioty.geojson
fi

if [ -z "$only" ] || [ "$only" = bank ]; then
# Bank sprzętu under load: 2,000 items (a third lent, with loans in January 2027) in one gmina.
bench_page "bank sprzętu: 2 000 przedmiotów, strona 1 wg nazwy" "torun.localhost:$port" /bank-sprzetu
bench_page "bank sprzętu: strona 50, najnowsze" "torun.localhost:$port" "/bank-sprzetu?sort=najnowsze&strona=50"
bench_page "bank sprzętu: szukanie bez polskich znaków" "torun.localhost:$port" "/bank-sprzetu?q=lawka"
bench_page "bank sprzętu: użyczenie, wolne w dniu z wypożyczeniami" "torun.localhost:$port" "/bank-sprzetu?rodzaj=uzyczenie&wolne_dnia=2027-01-12"
bench_page "bank sprzętu: API JSON, 100 na stronę" "torun.localhost:$port" "/api/v1/bank-sprzetu?na_strone=100"
fi

if [ -z "$only" ] || [ "$only" = gielda ]; then
# Giełda under load: 10,000 offers in one gmina.
bench_page "giełda: 10 000 ofert, strona 1 wg nazwy" "torun.localhost:$port" /oferty
bench_page "giełda: strona 300 (przesunięcie 5980), wg nazwy" "torun.localhost:$port" "/oferty?strona=300"
bench_page "giełda: wg kategorii" "torun.localhost:$port" "/oferty?sort=kategoria"
bench_page "giełda: szukanie bez polskich znaków + sortowanie wg ceny" "torun.localhost:$port" "/oferty?q=zurek&sort=cena"
bench_page "giełda: literówka (nic nie pasuje dokładnie — podobne słowa), wg nazwy" "torun.localhost:$port" "/oferty?q=pierohi"
bench_page "giełda: kategoria + grupa + zakres cen, wg ceny" "torun.localhost:$port" "/oferty?kategoria=catering&grupa=urzad&cena_od=10&cena_do=200&sort=cena"
bench_page "giełda: API JSON, 100 na stronę" "torun.localhost:$port" "/api/v1/oferty?na_strone=100"

# Photo processing: check, decode, two re-encoded variants, local store — per photo, one thread.
for i in $(seq "$runs"); do
  echo "-- zdjęcia [przebieg $i]"
  target/release/bench_photos 20 4000 3000
done
fi

# The coordinators' dashboard: every one of the 144 gminas holds 40 organisations and 80 offers
# (Toruń also the 2,000 and 10,000 above); the demo's admin is made a coordinator and signs in.
if [ -z "$only" ] || [ "$only" = region ]; then
  target/release/bench_seed "$data/postgres/run" wszystkie 40 80
  PESTOR__DATABASE__URL="postgres://pestor@localhost/pestor?host=$data/postgres/run" \
    "$bin" coordinators add admin@torun.example >/dev/null
  jar="$data/cookies"
  portal="http://localhost:$port"
  token=$(curl -fsS -c "$jar" -b "$jar" --resolve "localhost:$port:127.0.0.1" "$portal/logowanie" \
    | grep -o 'name="csrf" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')
  curl -fsS -o /dev/null -c "$jar" -b "$jar" --resolve "localhost:$port:127.0.0.1" \
    --data-urlencode "csrf=$token" --data-urlencode "email=admin@torun.example" \
    --data-urlencode "password=demo-pestor-2026" "$portal/logowanie"
  cookie="pestor_session=$(awk '$6 == "pestor_session" { print $7 }' "$jar")"
  bench_page "pulpit koordynatora: 144 gminy, 6 liczb każdej" "localhost:$port" /koordynator
  bench_page "pulpit: CSV wszystkich gmin" "localhost:$port" /koordynator/gminy.csv
  bench_page "pulpit: powiat toruński, wg aktywnych ofert" "localhost:$port" "/koordynator?powiat=0415&sort=offers_active&kierunek=malejaco"
  unset cookie
  # The search across gminas over the same data (every gmina's cards and offers, ~29,000 hits).
  bench_page "szukaj: wszystko, strona 1 wg nazwy" "localhost:$port" /szukaj
  bench_page "szukaj: tekst bez polskich znaków, wg trafności" "localhost:$port" "/szukaj?q=zywnosc"
  bench_page "szukaj: literówka (podobne słowa)" "localhost:$port" "/szukaj?q=pierohi"
  bench_page "szukaj: oferty z kategorią w powiecie, wg ceny" "localhost:$port" "/szukaj?typ=oferta&kategoria=catering&powiat=0415&sort=cena"
  bench_page "szukaj: API JSON, 100 na stronę, strona 50" "localhost:$port" "/api/v1/szukaj?na_strone=100&strona=50"
fi
