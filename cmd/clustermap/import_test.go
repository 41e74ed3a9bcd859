package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/clustermap/clustermap/internal/geotest"
)

// The importer hands ogr2ogr an absolute path, so a file named like an option is read as a file;
// it refuses GDAL's virtual file systems (no network fetch) unless --allow-vsi is given; and a
// failure carries ogr2ogr's own message.
func TestImportFileNamesAreNeverOptionsOrURLs(t *testing.T) {
	if _, err := exec.LookPath("ogr2ogr"); err != nil && testing.Short() {
		t.Skip("ogr2ogr not found (gdal-bin): skipped under -short")
	}
	store, _ := geotest.Migrated(t)
	ctx := context.Background()
	t.Chdir(t.TempDir())

	// A file called "-f" (no extension, so it goes to ogr2ogr): before, ogr2ogr read it as its
	// -f option and the error said only "exit status 1".
	if err := os.WriteFile("-f", []byte("not a dataset"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := importFile(ctx, store, "plants", "-f", Config{})
	if err == nil || !strings.Contains(err.Error(), "ogr2ogr") || !strings.Contains(err.Error(), "/-f") ||
		!strings.Contains(strings.ToLower(err.Error()), "unable to open") {
		t.Errorf("import of a file named -f: %v; want ogr2ogr's own message about the absolute path", err)
	}

	// /vsicurl/ must not fetch anything.
	var hits atomic.Int64
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.NotFound(w, r)
	}))
	defer web.Close()
	vsi := "/vsicurl/" + web.URL + "/plants.gpkg"
	err = importFile(ctx, store, "plants", vsi, Config{})
	if err == nil || !strings.Contains(err.Error(), "--allow-vsi") || hits.Load() != 0 {
		t.Errorf("import of %s: %v after %d fetches; want refused without fetching", vsi, err, hits.Load())
	}
	// With the flag, the name is GDAL's to read (and this server has no such file).
	if err := importFile(ctx, store, "plants", vsi, Config{AllowVSI: true}); err == nil || hits.Load() == 0 {
		t.Errorf("import with --allow-vsi: %v after %d fetches", err, hits.Load())
	}

	// The command line accepts "--" before the file and the flag after the command.
	cfg, rest, err := configure([]string{"import", "--allow-vsi", "plants", "--", "-f"})
	if err != nil || !cfg.AllowVSI || strings.Join(rest, " ") != "import plants -- -f" {
		t.Errorf("configure: %+v %q %v", cfg.AllowVSI, rest, err)
	}
}
