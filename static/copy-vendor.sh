#!/bin/sh
# Copies the third-party browser files the web app needs from node_modules/
# (installed by `npm ci` from the committed package-lock.json) into
# static/vendor/, which is git-ignored but for its README.md, and embedded by static/embed.go.
# Run from anywhere; paths are resolved against the repository root.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
nm="$root/node_modules"
out="$root/static/vendor"

if [ ! -f "$nm/leaflet/dist/leaflet.js" ]; then
	echo "copy-vendor: $nm is missing; run 'npm ci' in $root first" >&2
	exit 1
fi

# Everything but the tracked README.md is generated.
find "$out" -mindepth 1 -maxdepth 1 ! -name README.md -exec rm -rf {} + 2>/dev/null || true
mkdir -p "$out/leaflet/images" "$out/leaflet.vectorgrid" "$out/chart.js" "$out/leaflet-geoman"

# copy SRC DST: copies one file and drops its sourceMappingURL comment, because
# the .map files are not shipped and a browser with dev tools open would
# otherwise request them and log 404s.
copy() {
	sed '/^\/\/# sourceMappingURL=/d' "$1" >"$2"
}

copy "$nm/leaflet/dist/leaflet.js" "$out/leaflet/leaflet.js"
cp "$nm/leaflet/dist/leaflet.css" "$out/leaflet/leaflet.css"
cp "$nm/leaflet/dist/images/"*.png "$out/leaflet/images/"
copy "$nm/leaflet.vectorgrid/dist/Leaflet.VectorGrid.bundled.min.js" "$out/leaflet.vectorgrid/Leaflet.VectorGrid.bundled.min.js"
copy "$nm/chart.js/dist/chart.umd.min.js" "$out/chart.js/chart.umd.min.js"
# The drawing library of the zoning workspace, loaded only after sign-in.
copy "$nm/@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.min.js" "$out/leaflet-geoman/leaflet-geoman.min.js"
sed '/sourceMappingURL=/d' "$nm/@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.css" >"$out/leaflet-geoman/leaflet-geoman.css"

# Licences travel with the code they cover (leaflet.vectorgrid ships none; its
# package.json declares "Beerware").
cp "$nm/leaflet/LICENSE" "$out/leaflet/LICENSE"
cp "$nm/chart.js/LICENSE.md" "$out/chart.js/LICENSE.md"
cp "$nm/@geoman-io/leaflet-geoman-free/LICENSE" "$out/leaflet-geoman/LICENSE"

echo "copy-vendor: wrote $out"
