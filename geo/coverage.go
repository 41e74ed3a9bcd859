package geo

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Coverage is where a layer's features lie at one data version: the web-mercator bounding box of
// each, read with the version in one snapshot. The tile server (server/tiles) answers a tile that
// no box reaches as empty without asking PostGIS.
type Coverage struct {
	Version int64
	// Boxes are [minx, miny, maxx, maxy] in EPSG:3857 metres, one per feature.
	Boxes [][4]float64
}

// TileCoverage reads the boxes of every feature of l and the layer's version, in one repeatable-read
// snapshot: the version a write bumps commits with the write (migrations/00020), so the boxes are
// exactly those of that version. At national scale it reads 2,000 clusters in ~5 ms and 100,000
// lots in ~100 ms, once per version the tiles are asked at.
func (s *Store) TileCoverage(ctx context.Context, l *Layer) (Coverage, error) {
	ctx, cancel := s.queryContext(ctx)
	defer cancel()
	var c Coverage
	err := s.Read(ctx, func(db *pgxpool.Pool) error {
		return pgx.BeginTxFunc(ctx, db, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
			if err := tx.QueryRow(ctx, `SELECT coalesce((SELECT version FROM layer_versions WHERE layer = $1), 0)`, l.ID).Scan(&c.Version); err != nil {
				return err
			}
			rows, err := tx.Query(ctx, fmt.Sprintf(`SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)
			   FROM (SELECT Box2D(t.geom_3857) AS b FROM %s t WHERE t.geom_3857 IS NOT NULL) x`, l.Table))
			if err != nil {
				return err
			}
			c.Boxes = c.Boxes[:0]
			var b [4]float64
			_, err = pgx.ForEachRow(rows, []any{&b[0], &b[1], &b[2], &b[3]}, func() error {
				c.Boxes = append(c.Boxes, b)
				return nil
			})
			return err
		})
	})
	if err != nil {
		return Coverage{}, fmt.Errorf("tile coverage of %s: %w", l.ID, err)
	}
	return c, nil
}
