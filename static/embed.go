// Package static holds the ClusterMap web app (a Leaflet map written as plain ES modules) so the
// server can embed it and serve it at "/". Browsers load the bundle in dist/, which build.sh writes
// with esbuild from the modules here, and the third-party files in vendor/, which it copies from
// node_modules; in a fresh clone both hold only their README.md, so the package builds before
// npm has run.
package static

import "embed"

// Files is the web app: index.html at its root.
//
//go:embed index.html *.js *.css vendor dist workspace
var Files embed.FS
