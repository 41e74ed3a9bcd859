package geo_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/internal/geotest"
)

// BenchmarkDynamicFeatureQuery measures what running request-shaped SQL without a cached
// server-side plan costs, on a feature query with a property list and a filter (the shape a
// filtered client sends). "same" repeats one text, the best case for the cache; "distinct" gives
// every iteration its own text (a new limit is a parameter, so the property order varies), which
// with the cache prepares a statement per text and keeps it.
//
//	go test -run '^$' -bench BenchmarkDynamicFeatureQuery -benchtime 400x ./geo/
func BenchmarkDynamicFeatureQuery(b *testing.B) {
	store, _ := geotest.Seeded(b)
	clusters, _ := store.Catalog().Layer("clusters")
	fields := []string{"name", "kind", "status", "district", "planned_area_ha", "investor", "sources", "placement", "occupancy_pct"}
	modes := []struct {
		name string
		mode pgx.QueryExecMode
	}{
		{"cache", pgx.QueryExecModeCacheStatement},
		{"exec", pgx.QueryExecModeExec},
		{"describe-exec", pgx.QueryExecModeDescribeExec},
	}
	for _, m := range modes {
		s := store.WithDynamicExecMode(m.mode)
		for _, shape := range []string{"same", "distinct"} {
			b.Run(m.name+"/"+shape, func(b *testing.B) {
				ctx := context.Background()
				for i := 0; b.Loop(); i++ {
					props := fields[:4]
					if shape == "distinct" {
						// Rotations and prefixes of the field list: many distinct texts.
						k := i % len(fields)
						props = append(append([]string{}, fields[k:]...), fields[:k]...)[:1+(i/len(fields))%len(fields)]
					}
					q := geo.FeatureQuery{Layer: clusters, Properties: props, Equals: map[string]string{"kind": "ccn"}, Limit: 100}
					if _, err := s.Features(ctx, q); err != nil {
						b.Fatal(fmt.Errorf("%v: %w", props, err))
					}
				}
			})
		}
	}
}
