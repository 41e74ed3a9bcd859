// Package synthetic loads the synthetic national dataset: a made-up country of the size ClusterMap
// must serve (34 provinces, ~3,300 communes, ~2,000 clusters, ~30,000 tenants, ~200,000 versions),
// for benchmarks and scale tests. It is never mixed with the real seed: it loads only into an
// empty database, every row carries Source, and the real seed refuses a database that holds it.
// The geometry and figures are generated (national.sql says how); none is a fact.
package synthetic

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed national.sql
var nationalSQL string

// Source is every synthetic row's source, and the mark by which the real seed and the benchmarks
// tell the dataset apart.
const Source = "synthetic: clustermap seed --synthetic national (generated, not real data)"

// Report is what a load made.
type Report struct {
	Scale                                                float64
	Provinces, Communes, Clusters, Zones, Energy, Plants int
	Tenants, Lots, Versions                              int
	Vertices                                             int // of the communes' polygons
	DatabaseBytes                                        int64
	Duration                                             time.Duration
}

// ErrNotEmpty is returned when the database already holds data: the synthetic dataset goes into a
// database of its own.
var ErrNotEmpty = errors.New("the database already holds data: load the synthetic dataset into an empty database of its own (clustermap migrate, then seed --synthetic national)")

// LoadNational generates the national dataset at scale (1 = national; tests use ~0.02) in one
// transaction, then vacuums and analyses the tables, as autovacuum would in time: the planner sees their real
// sizes, and index-only scans find the pages marked all-visible.
func LoadNational(ctx context.Context, pool *pgxpool.Pool, scale float64) (Report, error) {
	start := time.Now()
	rep := Report{Scale: scale}
	if scale <= 0 || scale > 4 {
		return rep, fmt.Errorf("synthetic scale %v: want more than 0 and at most 4", scale)
	}
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		var used bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM clusters) OR EXISTS (SELECT 1 FROM districts)
			OR EXISTS (SELECT 1 FROM admin_units)`).Scan(&used); err != nil {
			return fmt.Errorf("synthetic: is the database empty: %w", err)
		}
		if used {
			return ErrNotEmpty
		}
		// One script of minutes, not a request: the pool's per-statement limit is lifted for it.
		if _, err := tx.Exec(ctx, `SET LOCAL statement_timeout = '20min'`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT set_config('synthetic.scale', $1, true)`, strconv.FormatFloat(scale, 'f', -1, 64)); err != nil {
			return err
		}
		// Many statements in one script: the simple protocol runs them in order.
		if _, err := tx.Conn().PgConn().Exec(ctx, nationalSQL).ReadAll(); err != nil {
			return fmt.Errorf("synthetic: national.sql: %w", err)
		}
		return nil
	})
	if err != nil {
		return rep, err
	}
	if _, err := pool.Exec(ctx, `VACUUM (ANALYZE)`); err != nil {
		return rep, fmt.Errorf("synthetic: analyse: %w", err)
	}
	err = pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM admin_units WHERE level = 'province'),
		(SELECT count(*) FROM admin_units WHERE level = 'commune'),
		(SELECT count(*) FROM clusters), (SELECT count(*) FROM raw_material_zones),
		(SELECT count(*) FROM energy), (SELECT count(*) FROM plants), (SELECT count(*) FROM tenants), (SELECT count(*) FROM lots),
		(SELECT count(*) FROM feature_versions),
		(SELECT coalesce(sum(ST_NPoints(geom)), 0) FROM districts),
		pg_database_size(current_database())`).Scan(&rep.Provinces, &rep.Communes, &rep.Clusters, &rep.Zones,
		&rep.Energy, &rep.Plants, &rep.Tenants, &rep.Lots, &rep.Versions, &rep.Vertices, &rep.DatabaseBytes)
	rep.Duration = time.Since(start)
	return rep, err
}

// Present reports whether the database holds the synthetic dataset (false for one not migrated).
func Present(ctx context.Context, pool *pgxpool.Pool) (bool, error) {
	var found bool
	if err := pool.QueryRow(ctx, `SELECT to_regclass('public.districts') IS NOT NULL AND to_regclass('public.clusters') IS NOT NULL`).Scan(&found); err != nil || !found {
		return false, err
	}
	err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM districts WHERE $1 = ANY (sources))
		OR EXISTS (SELECT 1 FROM clusters WHERE $1 = ANY (sources))`, Source).Scan(&found)
	if err != nil {
		return false, fmt.Errorf("synthetic: is the dataset here: %w", err)
	}
	return found, nil
}
