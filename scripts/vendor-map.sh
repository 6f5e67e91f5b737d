#!/usr/bin/env bash
# Refreshes the map library served from our own assets (no CDN): Leaflet and its marker
# clustering plugin, taken from their npm packages at the pinned versions below. The copied
# files are committed, so building and testing never need npm or the network.
set -euo pipefail
LEAFLET=1.9.4
MARKERCLUSTER=1.5.3
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/crates/kit/static/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "leaflet@$LEAFLET" "leaflet.markercluster@$MARKERCLUSTER" >/dev/null
mkdir leaflet markercluster
tar xzf "leaflet-$LEAFLET.tgz" -C leaflet --strip-components=1
tar xzf "leaflet.markercluster-$MARKERCLUSTER.tgz" -C markercluster --strip-components=1
rm -rf "$out"
mkdir -p "$out/leaflet/images" "$out/markercluster"
cp leaflet/dist/leaflet.js leaflet/dist/leaflet.css leaflet/LICENSE "$out/leaflet/"
cp leaflet/dist/images/*.png "$out/leaflet/images/"
cp markercluster/dist/leaflet.markercluster.js markercluster/dist/MarkerCluster.css \
   markercluster/dist/MarkerCluster.Default.css markercluster/MIT-LICENCE.txt "$out/markercluster/"
# The bundles point at source maps we do not ship.
sed -i '/sourceMappingURL/d' "$out/leaflet/leaflet.js" "$out/markercluster/leaflet.markercluster.js"
echo "leaflet $LEAFLET, leaflet.markercluster $MARKERCLUSTER -> $out"
