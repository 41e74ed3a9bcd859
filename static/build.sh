#!/bin/sh
# Builds what the browser loads, from node_modules/ (installed by `npm ci` from the committed
# package-lock.json):
#  - static/vendor/: the third-party browser files the web app needs, copied;
#  - static/dist/: the app's own modules bundled and minified by esbuild, with the views a first
#    visit does not show split into chunks loaded on demand, and dist/brotli/: the Brotli of every
#    text file (static/precompress.mjs).
# Both are git-ignored but for their README.md, and embedded by static/embed.go.
# Run from anywhere; paths are resolved against the repository root.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
nm="$root/node_modules"
out="$root/static/vendor"

if [ ! -f "$nm/leaflet/dist/leaflet.js" ]; then
	echo "build: $nm is missing; run 'npm ci' in $root first" >&2
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
# VectorGrid's own bundle also carries its GeoJSON/TopoJSON slicer and a fetch polyfill, which the
# app does not use: build the protobuf tile layer alone from the package's sources (and pbf and
# vector-tile, its dependencies), which halves it.
(cd "$root" && printf '%s\n' 'import "leaflet.vectorgrid/src/Leaflet.VectorGrid.js";' \
	'import "leaflet.vectorgrid/src/Leaflet.VectorGrid.Protobuf.js";' |
	"$nm/.bin/esbuild" --bundle --minify --format=iife --target=es2021 --log-level=warning \
		--outfile="$out/leaflet.vectorgrid/leaflet.vectorgrid.protobuf.min.js")
copy "$nm/chart.js/dist/chart.umd.min.js" "$out/chart.js/chart.umd.min.js"
# The drawing library of the zoning workspace, loaded only after sign-in.
copy "$nm/@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.min.js" "$out/leaflet-geoman/leaflet-geoman.min.js"
sed '/sourceMappingURL=/d' "$nm/@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.css" >"$out/leaflet-geoman/leaflet-geoman.css"

# Licences travel with the code they cover (leaflet.vectorgrid ships none; its
# package.json declares "Beerware").
cp "$nm/leaflet/LICENSE" "$out/leaflet/LICENSE"
cp "$nm/pbf/LICENSE" "$out/leaflet.vectorgrid/LICENSE.pbf"
cp "$nm/ieee754/LICENSE" "$out/leaflet.vectorgrid/LICENSE.ieee754"
cp "$nm/vector-tile/LICENSE.txt" "$out/leaflet.vectorgrid/LICENSE.vector-tile"
cp "$nm/chart.js/LICENSE.md" "$out/chart.js/LICENSE.md"
cp "$nm/@geoman-io/leaflet-geoman-free/LICENSE" "$out/leaflet-geoman/LICENSE"
# pmtiles (the offline pack's reader) is bundled into a chunk of dist/ by esbuild. The package ships
# no licence file; its package.json declares it, which is recorded here.
mkdir -p "$out/pmtiles"
grep -E '"(license|author|homepage)"' "$nm/pmtiles/package.json" >"$out/pmtiles/LICENSE.package-json.txt"

echo "build: wrote $out"

# The app: one entry module and its imports in one minified file (a first visit makes one request
# where the plain modules made thirty, each waiting for the one that imports it), and a chunk per
# dynamic import(). The sources stay in static/ as they are, readable. Leaflet and VectorGrid stay
# globals from static/vendor/, cached on their own across releases of the app.
# The zoning workspace is a bundle of its own (dist/workspace/, loaded by import() at sign-in):
# built with the app, the few helpers both use would go into a chunk the app then has to fetch,
# one more request in line before the app can start.
dist="$root/static/dist"
find "$dist" -mindepth 1 -maxdepth 1 ! -name README.md -exec rm -rf {} + 2>/dev/null || true
esbuild() {
	"$nm/.bin/esbuild" --bundle --splitting --format=esm --minify --charset=utf8 --target=es2021 \
		--chunk-names='chunks/[name]-[hash]' --log-level=warning "$@"
}
esbuild "$root/static/app.js" "$root/static/app.css" --external:./workspace/* --outdir="$dist"
esbuild "$root/static/workspace/signin.js" --outdir="$dist/workspace"
echo "build: wrote $dist"

# The Brotli of every text file, made once here at the best quality (server/static.go serves it
# to browsers that accept br): last, since it compresses what the steps above wrote.
node "$root/static/precompress.mjs"
