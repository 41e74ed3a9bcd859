package server

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/edit"
	"github.com/clustermap/clustermap/internal/geotest"
	"github.com/clustermap/clustermap/migrations"
)

// TestRestoredDatabaseServes is the operator's backup and restore, as the README's Deploying
// section gives it: pg_dump -Fc of a database with edits and history, pg_restore --no-owner into a
// new one, clustermap migrate (nothing to apply; the serving role's grants back), then serve. The
// restored service gives the same answers, keeps the history and the sessions, and takes an edit.
func TestRestoredDatabaseServes(t *testing.T) {
	f := newWS(t)
	ctx := context.Background()
	item := f.item("clusters", f.inside)
	resp, _ := do(t, "GET", item, nil)
	if r, b := do(t, "PATCH", item, []byte(`{"properties":{"contact":"before the backup"}}`), "Authorization", f.auth(edit.RoleDepartment),
		"If-Match", resp.Header.Get("ETag"), "Content-Type", "application/merge-patch+json"); r.StatusCode != 200 {
		t.Fatalf("edit before the backup: %d %s", r.StatusCode, b)
	}

	dst := geotest.DumpAndRestore(t, f.store.Pool().Config().ConnString())
	owner := geotest.Open(t, dst)
	if n, err := owner.Migrate(ctx, migrations.Files); err != nil || n != 0 {
		t.Fatalf("migrate after restore: %d applied, %v", n, err)
	}
	if err := owner.GrantServing(ctx, migrations.Files, geo.DefaultServeRole); err != nil {
		t.Fatal(err)
	}
	if problems, err := owner.RoleProblems(ctx, geo.DefaultServeRole); err != nil || len(problems) > 0 {
		t.Fatalf("check after restore: %v %q", err, problems)
	}
	restored, _ := NewTestServer(t, OnStore(geotest.Open(t, geotest.ServeURL(t, dst))))

	history := fmt.Sprintf("/api/layers/clusters/features/%d/history", f.inside)
	itemPath := fmt.Sprintf("/ogc/collections/clusters/items/%d", f.inside)
	same := []string{
		"/api/layers/clusters/features?limit=1000", "/api/analysis/linkage", "/api/summary",
		itemPath, history,
	}
	answer := func(base, path string) []byte {
		r, b := do(t, "GET", base+path, nil, "Authorization", f.auth(edit.RoleAdmin)) // the session is restored too
		if r.StatusCode != 200 {
			t.Fatalf("GET %s%s: %d %s", base, path, r.StatusCode, b)
		}
		return b
	}
	linkage := answer(f.url, "/api/analysis/linkage")
	for _, path := range same {
		// The same answer, but for the links, which name the server that gives it.
		before := bytes.ReplaceAll(answer(f.url, path), []byte(f.url), []byte(restored.URL))
		if after := answer(restored.URL, path); !bytes.Equal(before, after) {
			t.Errorf("%s differs after restore:\nbefore %.300s\nafter  %.300s", path, before, after)
		}
	}

	// An edit on the restored service: history grows by one version and keeps the earlier ones.
	before := answer(restored.URL, history)
	resp, _ = do(t, "GET", restored.URL+itemPath, nil)
	if r, b := do(t, "PATCH", restored.URL+itemPath, []byte(`{"properties":{"contact":"after the restore"}}`),
		"Authorization", f.auth(edit.RoleDepartment), "If-Match", resp.Header.Get("ETag"), "Content-Type", "application/merge-patch+json"); r.StatusCode != 200 {
		t.Fatalf("edit after restore: %d %s", r.StatusCode, b)
	}
	after := answer(restored.URL, history)
	if !bytes.Contains(after, []byte("after the restore")) || !bytes.Contains(after, []byte("before the backup")) || len(after) <= len(before) {
		t.Fatalf("history after an edit on the restored service:\nbefore %.400s\nafter  %.400s", before, after)
	}
	// The linkage answer still holds every zone after an edit (crop_industries used to be lost).
	if got := answer(restored.URL, "/api/analysis/linkage"); !bytes.Equal(got, linkage) {
		t.Errorf("linkage after an edit on the restored service differs:\nbefore %.300s\nafter  %.300s", linkage, got)
	}
}
