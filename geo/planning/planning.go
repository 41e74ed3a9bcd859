// Package planning answers the questions of the provincial directive from the store: eligibility
// under Decree 32/2024/NĐ-CP, raw-material linkage, region and province summaries, and the investor
// site finder. Every check and figure is computed in SQL; Go words the reasons. Tables and layers
// come from the catalog; nothing here knows HTTP.
package planning

import (
	"context"
	"time"

	"github.com/clustermap/clustermap/geo"
)

// Planner runs the planning analyses on the store's database.
type Planner struct {
	// store runs the planner's reads: on a replica that holds the published versions when there is
	// one, else on the primary (geo.Store.Read).
	store   *geo.Store
	catalog *geo.Catalog
	timeout time.Duration
	// layersRead are the catalog layers the analyses read; their data versions version the
	// answers.
	layersRead []string
}

// layersRead are the layers whose rows the analyses read (clusters and zones, highways, districts
// and regions for the summaries); the catalog must hold each.
var layersRead = []string{"clusters", "raw_material_zones", "roads", "districts", "regions"}

// New returns a planner reading through store's pool and catalog. It panics when the catalog lacks
// a layer the analyses read, which is a programming error caught by every test.
func New(store *geo.Store) *Planner {
	for _, id := range layersRead {
		if _, ok := store.Catalog().Layer(id); !ok {
			panic("planning: the catalog has no layer " + id)
		}
	}
	return &Planner{store: store, catalog: store.Catalog(), timeout: store.Timeout(), layersRead: layersRead}
}

// queryContext bounds a statement by the store's statement timeout as well as by ctx.
func (s *Planner) queryContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.timeout)
}
