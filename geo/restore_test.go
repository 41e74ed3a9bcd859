package geo_test

import (
	"context"
	"io/fs"
	"testing"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/internal/geotest"
	"github.com/clustermap/clustermap/migrations"
)

// TestDumpRestoresEveryRow: an operator's pg_dump -Fc and pg_restore --no-owner give back every
// row of every table. A CHECK or an index whose function depends on the search_path breaks here,
// since pg_restore runs with an empty one (crop_industries used to come back empty).
func TestDumpRestoresEveryRow(t *testing.T) {
	store, srcURL := geotest.Seeded(t)
	dstURL := geotest.DumpAndRestore(t, srcURL)

	restored := geotest.Open(t, dstURL)
	ctx := context.Background()
	rows, err := store.Pool().Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, table := range tables {
		var before, after int64
		q := `SELECT count(*) FROM public.` + table
		if err := store.Pool().QueryRow(ctx, q).Scan(&before); err != nil {
			t.Fatal(err)
		}
		if err := restored.Pool().QueryRow(ctx, q).Scan(&after); err != nil {
			t.Fatalf("%s after restore: %v", table, err)
		}
		if before != after {
			t.Errorf("%s: %d rows dumped, %d restored", table, before, after)
		}
	}
}

// TestMigratesAtOnce: four migrates started together on an empty database (two instances deployed
// at once) all succeed, one after the other, the schema is migrated once, and the serving role's
// grants, given by each, do not collide.
func TestMigratesAtOnce(t *testing.T) {
	dbURL := geotest.NewDatabase(t)
	stores := []*geo.Store{geotest.Open(t, dbURL), geotest.Open(t, dbURL), geotest.Open(t, dbURL), geotest.Open(t, dbURL)}
	errs := make(chan error, len(stores))
	applied := make(chan int, len(stores))
	for _, s := range stores {
		go func() {
			n, err := s.Migrate(context.Background(), migrations.Files)
			if err == nil {
				err = s.GrantServing(context.Background(), migrations.Files, geo.DefaultServeRole)
			}
			applied <- n
			errs <- err
		}()
	}
	total := 0
	for range stores {
		if err := <-errs; err != nil {
			t.Errorf("a concurrent migrate failed: %v", err)
		}
		total += <-applied
	}
	files, err := fs.Glob(migrations.Files, "[0-9]*.sql") // serving_role.sql is run every time
	if err != nil {
		t.Fatal(err)
	}
	if total != len(files) {
		t.Errorf("%d migrations applied in all, want each of the %d once", total, len(files))
	}
}
