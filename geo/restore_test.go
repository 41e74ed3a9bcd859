package geo_test

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
	dstURL := geotest.NewDatabase(t) // PostGIS installed, nothing else
	dir := t.TempDir()
	dump := filepath.Join(dir, "clustermap.dump")
	run(t, "pg_dump", "-Fc", "-f", dump, "--dbname", srcURL)
	// PostGIS is already in the target (and needs a superuser to create): restore the rest, the
	// trusted extensions the migrations create (unaccent) included.
	list := run(t, "pg_restore", "-l", dump)
	var keep []string
	for _, line := range strings.Split(list, "\n") {
		postgis := strings.Contains(line, "EXTENSION") && strings.Contains(line, "postgis") ||
			strings.Contains(line, "spatial_ref_sys") // PostGIS's own table, filled by the extension
		if !postgis {
			keep = append(keep, line)
		}
	}
	listFile := filepath.Join(dir, "list")
	if err := os.WriteFile(listFile, []byte(strings.Join(keep, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	run(t, "pg_restore", "--no-owner", "--exit-on-error", "-L", listFile, "--dbname", dstURL, dump)

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

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, args[0], err, errb.String())
	}
	return out.String()
}

// TestMigratesAtOnce: four migrates started together on an empty database (two instances deployed
// at once) both succeed, one after the other, and the schema is migrated once.
func TestMigratesAtOnce(t *testing.T) {
	dbURL := geotest.NewDatabase(t)
	stores := []*geo.Store{geotest.Open(t, dbURL), geotest.Open(t, dbURL), geotest.Open(t, dbURL), geotest.Open(t, dbURL)}
	errs := make(chan error, len(stores))
	applied := make(chan int, len(stores))
	for _, s := range stores {
		go func() {
			n, err := s.Migrate(context.Background(), migrations.Files)
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
	files, err := fs.Glob(migrations.Files, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	if total != len(files) {
		t.Errorf("%d migrations applied in all, want each of the %d once", total, len(files))
	}
}
