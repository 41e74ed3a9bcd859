package ingest_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/clustermap/clustermap/geo/ingest"
	"github.com/clustermap/clustermap/internal/geotest"
)

// TestTooComplexToCheckIsSaid: a geometry whose check outruns the statement timeout is a problem
// of the shape, said in words (a 422 for the client), not "retry later"; a database that fails
// for another reason stays an error.
func TestTooComplexToCheckIsSaid(t *testing.T) {
	store, _ := geotest.Seeded(t)
	ctx := context.Background()
	layer, _ := store.Catalog().Layer("clusters")
	// A circle of 50,000 vertices inside the province: valid, and far more than 1 ms of checking.
	var b strings.Builder
	b.WriteString(`{"type":"Polygon","coordinates":[[`)
	const n = 50000
	for i := 0; i <= n; i++ {
		a := 2 * math.Pi * float64(i%n) / n
		fmt.Fprintf(&b, "[%.7f,%.7f],", 108.0+0.01*math.Cos(a), 13.98+0.01*math.Sin(a))
	}
	geom := strings.TrimSuffix(b.String(), ",") + "]]}"

	err := inRolledBackTx(ctx, store.Pool(), func(tx pgx.Tx) error {
		st, err := ingest.EditStatements(ctx, tx, layer)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "SET LOCAL statement_timeout = '1ms'"); err != nil {
			return err
		}
		problem, err := ingest.GeometryProblem(ctx, tx, st, []byte(geom))
		if err != nil {
			return fmt.Errorf("a check that timed out is an error, not a problem: %w", err)
		}
		if !strings.Contains(problem, "too complex to check in time") {
			return fmt.Errorf("problem %q does not say the shape is too complex", problem)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	gone, cancel := context.WithCancel(ctx)
	err = inRolledBackTx(ctx, store.Pool(), func(tx pgx.Tx) error {
		st, err := ingest.EditStatements(ctx, tx, layer)
		if err != nil {
			return err
		}
		cancel()
		problem, err := ingest.GeometryProblem(gone, tx, st, []byte(geom))
		if err == nil {
			return fmt.Errorf("a cancelled check is reported as a problem of the shape: %q", problem)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// inRolledBackTx runs fn in a transaction that is always rolled back (a timed-out one must be).
func inRolledBackTx(ctx context.Context, pool *pgxpool.Pool, fn func(pgx.Tx) error) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.Background()) //nolint:errcheck // the result is fn's
	return fn(tx)
}
