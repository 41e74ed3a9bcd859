package edit_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/edit"
	"github.com/clustermap/clustermap/internal/geotest"
)

// twoClusters returns a cluster of district code and one of another district.
func twoClusters(t *testing.T, store *geo.Store) (inside, outside int64, district string) {
	t.Helper()
	ctx := context.Background()
	err := store.Pool().QueryRow(ctx, `SELECT a.id, b.id, a.district_code FROM clusters a, clusters b, districts d
		WHERE d.code = a.district_code AND ST_CoveredBy(a.geom, d.geom) AND NOT ST_Intersects(b.geom, d.geom)
		  AND a.kind = 'ccn' ORDER BY a.id, b.id LIMIT 1`).Scan(&inside, &outside, &district)
	if err != nil {
		t.Fatal(err)
	}
	return inside, outside, district
}

func TestRLSRefusesOutOfDistrictWrite(t *testing.T) {
	store, _ := geotest.Seeded(t)
	ed := edit.New(store, slog.New(slog.DiscardHandler))
	ctx := context.Background()
	l, _ := store.Catalog().Layer("clusters")
	in, out, district := twoClusters(t, store)
	a := edit.Actor{User: "dist", Role: edit.RoleDistrict, Scope: edit.Scope{District: district}}

	// Inside its district a district user may change the stage.
	v, err := ed.Version(ctx, l, strconv.FormatInt(in, 10))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ed.Patch(ctx, a, l, strconv.FormatInt(in, 10), v, []byte(`{"properties":{"contact":"0269 3 000 000"}}`)); err != nil {
		t.Fatalf("inside patch: %v", err)
	}
	// But not the name (the district scope trigger).
	v, _ = ed.Version(ctx, l, strconv.FormatInt(in, 10))
	if _, err := ed.Patch(ctx, a, l, strconv.FormatInt(in, 10), v, []byte(`{"properties":{"name":"Renamed"}}`)); !errors.Is(err, edit.ErrForbidden) {
		t.Fatalf("name patch by a district: %v, want forbidden", err)
	}
	// Outside its district the store (no handler in between) is refused by PostgreSQL.
	v, _ = ed.Version(ctx, l, strconv.FormatInt(out, 10))
	if _, err := ed.Patch(ctx, a, l, strconv.FormatInt(out, 10), v, []byte(`{"properties":{"contact":"x"}}`)); !errors.Is(err, edit.ErrForbidden) {
		t.Fatalf("outside patch: %v, want forbidden", err)
	}
	// A raw insert as the editor with the district's settings: the policy's WITH CHECK refuses it.
	tx, err := store.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT set_config('clustermap.role', 'district', true), set_config('clustermap.district', $1, true)`, district); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "SET LOCAL ROLE clustermap_editor"); err != nil {
		t.Fatal(err)
	}
	_, err = tx.Exec(ctx, `UPDATE clusters SET contact = 'x' WHERE id = $1`, out)
	if err != nil {
		t.Fatalf("update outside: %v", err)
	}
	var contact *string
	_ = tx.QueryRow(ctx, `SELECT contact FROM clusters WHERE id = $1`, out).Scan(&contact)
	if contact != nil && *contact == "x" {
		t.Fatal("row-level security let a district user change a cluster outside its district")
	}
	_, err = tx.Exec(ctx, `INSERT INTO proposals (kind, district_code, name, geom, created_by)
		SELECT 'new', $1, 'outside', ST_Multi(ST_Buffer(ST_PointOnSurface(geom)::geography, 300)::geometry), 'dist'
		  FROM districts WHERE code <> $1 LIMIT 1`, district)
	if err == nil {
		t.Fatal("row-level security let a district user insert a proposal outside its district")
	}
}

func TestHistoryVersionsAsOfRevertAppendOnly(t *testing.T) {
	store, _ := geotest.Seeded(t)
	ed := edit.New(store, slog.New(slog.DiscardHandler))
	ctx := context.Background()
	l, _ := store.Catalog().Layer("clusters")
	in, _, _ := twoClusters(t, store)
	fid := strconv.FormatInt(in, 10)
	a := edit.Actor{User: "dept", Role: edit.RoleDepartment, RequestID: "req-1", Comment: "test"}
	v0, err := ed.Version(ctx, l, fid)
	if err != nil {
		t.Fatal(err)
	}
	const n = 5
	var times []time.Time
	for i := range n {
		times = append(times, time.Now())
		w, err := ed.Patch(ctx, a, l, fid, v0+int64(i), fmt.Appendf(nil, `{"properties":{"contact":"contact %d"}}`, i))
		if err != nil {
			t.Fatal(err)
		}
		if w.Version != v0+int64(i)+1 {
			t.Fatalf("version %d after edit %d, want %d", w.Version, i, v0+int64(i)+1)
		}
		time.Sleep(5 * time.Millisecond)
	}
	// A stale version is refused with the current one.
	var stale *edit.StaleError
	if _, err := ed.Patch(ctx, a, l, fid, v0, []byte(`{"properties":{"contact":"late"}}`)); !errors.As(err, &stale) || stale.Current != v0+n {
		t.Fatalf("stale patch: %v", err)
	}
	h, err := ed.History(ctx, a, l, fid)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(h)) != v0+n {
		t.Fatalf("%d versions, want %d", len(h), v0+n)
	}
	last := h[len(h)-1]
	if last.Actor != "dept" || last.RequestID == nil || *last.RequestID != "req-1" || len(last.Changes) != 1 || last.Changes[0].Field != "contact" {
		t.Fatalf("last version: %+v", last)
	}
	// as_of each intermediate state.
	for i := 1; i < n; i++ {
		fs, err := ed.AsOf(ctx, l, times[i], fid, "")
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf(`"contact": "contact %d"`, i-1); !bytes.Contains(fs[0], []byte(want)) {
			t.Fatalf("as of edit %d: %s lacks %s", i, fs[0], want)
		}
	}
	// Move the geometry, then revert to v0 exactly.
	w, err := ed.Patch(ctx, a, l, fid, v0+n, []byte(`{"geometry":{"type":"Point","coordinates":[108.0,13.9]},"properties":{"notes":"moved"}}`))
	if err != nil {
		t.Fatal(err)
	}
	rv, err := ed.Revert(ctx, a, l, fid, v0)
	if err != nil {
		t.Fatal(err)
	}
	if rv.Version != w.Version+1 {
		t.Fatalf("revert wrote version %d, want %d", rv.Version, w.Version+1)
	}
	p0, g0, _ := ed.VersionState(ctx, l, fid, v0)
	p1, g1, _ := ed.VersionState(ctx, l, fid, rv.Version)
	if !bytes.Equal(g0, g1) || fmt.Sprint(p0) != fmt.Sprint(p1) {
		t.Fatalf("revert differs:\n%v\n%v", p0, p1)
	}
	// The service's role cannot change history.
	for _, q := range []string{`UPDATE feature_versions SET actor = 'x'`, `DELETE FROM feature_versions`, `TRUNCATE feature_versions`} {
		if _, err := store.Pool().Exec(ctx, q); err == nil {
			t.Fatalf("%s succeeded", q)
		}
	}
}

func TestSeedWroteHistory(t *testing.T) {
	store, _ := geotest.Seeded(t)
	var n int
	var actor string
	if err := store.Pool().QueryRow(context.Background(), `SELECT count(*), min(actor) FROM feature_versions WHERE layer = 'clusters'`).Scan(&n, &actor); err != nil {
		t.Fatal(err)
	}
	if n == 0 || actor == "" {
		t.Fatalf("the seed wrote %d cluster versions (actor %q)", n, actor)
	}
	_ = pgx.ErrNoRows
}
