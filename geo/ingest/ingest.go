// Package ingest loads data into ClusterMap's PostGIS store: the import of GeoJSON, Shapefile and
// GeoPackage files (validation in Go and PostGIS, CRS transformation, a report per feature) and the
// seed of the sourced dataset through that same import.
package ingest

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/clustermap/clustermap/geo"
)

// Importer writes features into the store's layers. Every import runs in one transaction.
type Importer struct {
	pool    *pgxpool.Pool
	catalog *geo.Catalog
	timeout time.Duration
	log     *slog.Logger
}

// New returns an importer writing through store's pool and catalog.
func New(store *geo.Store, log *slog.Logger) *Importer {
	if log == nil {
		log = slog.Default()
	}
	return &Importer{pool: store.Pool(), catalog: store.Catalog(), timeout: store.Timeout(), log: log}
}

// queryContext bounds a statement by the store's statement timeout as well as by ctx.
func (s *Importer) queryContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.timeout)
}
