package units_test

import (
	"context"
	"testing"

	"github.com/clustermap/clustermap/geo/units"
	"github.com/clustermap/clustermap/internal/geotest"
)

// BenchmarkRegister measures the register's answers on the seed (3 provinces, 28 districts, 135
// communes): the provinces of today (the web map's first request), a day's communes, and where a
// cluster lay before and after the reform.
//
//	go test -run '^$' -bench BenchmarkRegister -benchtime 2000x ./geo/units/
func BenchmarkRegister(b *testing.B) {
	store, _ := geotest.Seeded(b)
	reg := units.New(store)
	ctx := context.Background()
	var fid string
	if err := store.Pool().QueryRow(ctx, `SELECT min(id)::text FROM clusters WHERE commune_code IS NOT NULL`).Scan(&fid); err != nil {
		b.Fatal(err)
	}
	clusters, _ := store.Catalog().Layer("clusters")
	today, _ := units.Day("")
	before, _ := units.Day("2025-06-01")
	for _, bc := range []struct {
		name string
		run  func() error
	}{
		{"provinces", func() error { _, err := reg.Provinces(ctx, today); return err }},
		{"communes", func() error { _, err := reg.Units(ctx, today, "commune", "52"); return err }},
		{"feature-units/2025-06-01", func() error { _, err := reg.FeatureUnits(ctx, clusters, fid, before); return err }},
		{"feature-units/today", func() error { _, err := reg.FeatureUnits(ctx, clusters, fid, today); return err }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if err := bc.run(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
