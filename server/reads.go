package server

import (
	"context"

	"github.com/clustermap/clustermap/geo"
)

// storeReads is what the /api read handlers (the layer list, a layer's features, one feature) ask
// of the store. *geo.Store is it in production; api_reads_test.go has an in-memory one, so that
// the handlers' parameter handling is tested without PostGIS (the end-to-end tests keep PostGIS).
type storeReads interface {
	Catalog() *geo.Catalog
	Stats(ctx context.Context) (map[string]geo.LayerStats, error)
	Features(ctx context.Context, q geo.FeatureQuery) (*geo.FeaturePage, error)
	Feature(ctx context.Context, l *geo.Layer, id string, properties []string) ([]byte, error)
}

var _ storeReads = (*geo.Store)(nil)
