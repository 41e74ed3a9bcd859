// Package migrations holds ClusterMap's versioned schema (numbered goose SQL files) and the sourced
// seed data under seed/, embedded so the binary can migrate and seed a database on its own.
package migrations

import "embed"

// Files holds the numbered SQL migrations at its root and the seed data under seed/.
//
//go:embed *.sql seed
var Files embed.FS
