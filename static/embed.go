// Package static holds the ClusterMap web app (a Leaflet map, plain ES
// modules, no bundler) so the server can embed it and serve it at "/".
// vendor/ is filled from node_modules by copy-vendor.sh before the Go build; in a fresh clone it
// holds only its README.md, so the package builds before npm has run.
package static

import "embed"

// Files is the web app: index.html at its root.
//
//go:embed index.html *.js *.css vendor workspace
var Files embed.FS
