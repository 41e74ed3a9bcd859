package geotest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// DumpAndRestore does what an operator's backup and restore do: pg_dump -Fc of the database at
// srcURL, then pg_restore --no-owner --exit-on-error into a new database (PostGIS installed,
// nothing else) owned by the role of DATABASE_URL. It returns the new database's URL.
func DumpAndRestore(tb testing.TB, srcURL string) string {
	tb.Helper()
	dstURL := NewDatabase(tb)
	dir := tb.TempDir()
	dump := filepath.Join(dir, "clustermap.dump")
	Run(tb, "pg_dump", "-Fc", "-f", dump, "--dbname", srcURL)
	// PostGIS is already in the target (and needs a superuser to create): restore the rest, the
	// trusted extensions the migrations create (unaccent) included.
	var keep []string
	for _, line := range strings.Split(Run(tb, "pg_restore", "-l", dump), "\n") {
		postgis := strings.Contains(line, "EXTENSION") && strings.Contains(line, "postgis") ||
			strings.Contains(line, "spatial_ref_sys") // PostGIS's own table, filled by the extension
		if !postgis {
			keep = append(keep, line)
		}
	}
	list := filepath.Join(dir, "list")
	if err := os.WriteFile(list, []byte(strings.Join(keep, "\n")), 0o600); err != nil {
		tb.Fatal(err)
	}
	Run(tb, "pg_restore", "--no-owner", "--exit-on-error", "-L", list, "--dbname", dstURL, dump)
	return dstURL
}

// Run runs a command and returns its standard output; it fails the test with its standard error.
func Run(tb testing.TB, name string, args ...string) string {
	tb.Helper()
	var out, errb bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		tb.Fatalf("%s %s: %v\n%s", name, args[0], err, errb.String())
	}
	return out.String()
}
