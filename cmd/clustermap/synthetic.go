package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/synthetic"
)

// seedSynthetic is `seed --synthetic national [--scale F]`: the generated national dataset of
// geo/synthetic, for benchmarks, into an empty database.
func seedSynthetic(ctx context.Context, store *geo.Store, cfg Config, args []string, out io.Writer) error {
	if cfg.Synthetic != "national" || len(args) > 0 {
		return errors.New("usage: clustermap seed [--synthetic national [--scale F]]")
	}
	rep, err := synthetic.LoadNational(ctx, store.Pool(), cfg.SyntheticScale)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "synthetic national dataset (generated, not real data), scale %g, in %.1f s:\n", rep.Scale, rep.Duration.Seconds())
	fmt.Fprintf(out, "  %d provinces, %d communes (%d vertices), %d clusters and parks, %d raw-material zones,\n", rep.Provinces, rep.Communes, rep.Vertices, rep.Clusters, rep.Zones)
	fmt.Fprintf(out, "  %d energy projects, %d plants, %d tenants, %d lots, %d versions; database %.0f MiB\n", rep.Energy, rep.Plants, rep.Tenants, rep.Lots, rep.Versions, float64(rep.DatabaseBytes)/(1<<20))
	return nil
}
