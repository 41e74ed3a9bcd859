package geo

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// LayerStats are the live figures of a layer: how many features and where they are.
type LayerStats struct {
	Count int64
	// Bounds is [minlon, minlat, maxlon, maxlat], nil when the layer is empty.
	Bounds []float64
	// Version is the layer's data version; every write that changes rows bumps it.
	Version int64
	// Updated is when the version was made (the date of the data a print states); nil for a
	// layer with no version row.
	Updated *time.Time
	// Time is the first and last value of the layer's time field, nil when it has none.
	Time *Interval
}

// Stats returns the figures of every layer in the catalog, by layer id, in one round trip.
func (s *Store) Stats(ctx context.Context) (map[string]LayerStats, error) {
	ctx, cancel := s.queryContext(ctx)
	defer cancel()
	layers := s.catalog.Layers()
	batch := &pgx.Batch{}
	for _, l := range layers {
		first, last := "NULL::date", "NULL::date"
		if f, ok := l.Field(l.TimeField); ok {
			first, last = "min("+f.SQL()+")", "max("+f.SQL()+")"
		}
		batch.Queue(fmt.Sprintf(`SELECT x.n, ST_XMin(x.e), ST_YMin(x.e), ST_XMax(x.e), ST_YMax(x.e),
		        coalesce((SELECT version FROM layer_versions WHERE layer = $1), 0),
		        (SELECT updated_at FROM layer_versions WHERE layer = $1), x.first, x.last
		   FROM (SELECT count(*) AS n, ST_Extent(t.geom) AS e, %s AS first, %s AS last FROM %s t) x`,
			first, last, l.Table), l.ID)
	}
	var out map[string]LayerStats
	err := s.Read(ctx, func(db *pgxpool.Pool) error {
		results := db.SendBatch(ctx, batch)
		defer results.Close()
		out = make(map[string]LayerStats, len(layers))
		for _, l := range layers {
			var st LayerStats
			var minx, miny, maxx, maxy *float64
			var first, last *time.Time
			if err := results.QueryRow().Scan(&st.Count, &minx, &miny, &maxx, &maxy, &st.Version, &st.Updated, &first, &last); err != nil {
				return fmt.Errorf("stats of %s: %w", l.ID, err)
			}
			if first != nil && last != nil {
				st.Time = &Interval{Start: first, End: last}
			}
			if minx != nil {
				st.Bounds = []float64{*minx, *miny, *maxx, *maxy}
			}
			out[l.ID] = st
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
