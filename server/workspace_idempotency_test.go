package server

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/clustermap/clustermap/geo/edit"
)

// A create sent again is not a second record: a client that lost the answer to a POST and sends
// it again with the same Idempotency-Key gets the first one's feature (or proposal), and nothing
// more is written; the same key with another body is refused; keys are each user's own.

// newCluster is a copy of the fixture's inside cluster under a new name.
func (f *wsFixture) newCluster(t *testing.T, name string) []byte {
	t.Helper()
	_, cur := do(t, http.MethodGet, f.item("clusters", f.inside), nil)
	var feat map[string]any
	if err := json.Unmarshal(cur, &feat); err != nil {
		t.Fatal(err)
	}
	props := feat["properties"].(map[string]any)
	props["name"] = name
	body, _ := json.Marshal(map[string]any{"type": "Feature", "geometry": feat["geometry"], "properties": props})
	return body
}

// count is how many rows of table have the name.
func (f *wsFixture) count(t *testing.T, table, name string) int {
	t.Helper()
	var n int
	if err := f.store.Pool().QueryRow(context.Background(), "SELECT count(*) FROM "+table+" WHERE name = $1", name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCreateSentAgainIsOneRecord(t *testing.T) {
	f := newWS(t)
	items := f.url + "/ogc/collections/clusters/items"
	dept := f.auth(edit.RoleDepartment)
	post := func(body []byte, auth, key string) (*http.Response, []byte) {
		return do(t, http.MethodPost, items, body, "Authorization", auth, "Content-Type", "application/geo+json", "Idempotency-Key", key)
	}

	const name = "CCN gửi lại"
	body := f.newCluster(t, name)
	first, b := post(body, dept, `"retry-1"`)
	if first.StatusCode != http.StatusCreated || first.Header.Get("Location") == "" {
		t.Fatalf("create: %d %s", first.StatusCode, b)
	}
	if first.Header.Get("Idempotent-Replayed") != "" {
		t.Errorf("a first create is marked replayed")
	}

	// Sent again, as a client that lost the answer would: the same answer, one cluster, one version.
	again, b := post(body, dept, `"retry-1"`)
	if again.StatusCode != http.StatusCreated || again.Header.Get("Location") != first.Header.Get("Location") ||
		again.Header.Get("ETag") != first.Header.Get("ETag") || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("sent again: %d Location %q ETag %q replayed %q %s; want 201 with %q %q",
			again.StatusCode, again.Header.Get("Location"), again.Header.Get("ETag"), again.Header.Get("Idempotent-Replayed"), b,
			first.Header.Get("Location"), first.Header.Get("ETag"))
	}
	if !strings.Contains(string(b), name) {
		t.Errorf("the repeat's body is not the feature: %s", b)
	}
	if n := f.count(t, "clusters", name); n != 1 {
		t.Fatalf("%d clusters after a create sent twice, want 1", n)
	}
	var versions int
	if err := f.store.Pool().QueryRow(context.Background(),
		"SELECT count(*) FROM feature_versions WHERE layer = 'clusters' AND fid = (SELECT id FROM clusters WHERE name = $1)", name).Scan(&versions); err != nil {
		t.Fatal(err)
	}
	if versions != 1 {
		t.Errorf("%d history versions after a create sent twice, want 1", versions)
	}

	// The same key with another request is refused and writes nothing.
	other := f.newCluster(t, name+" khác")
	if r, b := post(other, dept, `"retry-1"`); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(b), "different create") {
		t.Fatalf("the key with another body: %d %s, want 422 saying so", r.StatusCode, b)
	}
	if n := f.count(t, "clusters", name+" khác"); n != 0 {
		t.Fatalf("a refused repeat wrote %d clusters", n)
	}
	// Keys are each user's: another user's same key is its own create.
	if r, b := post(other, f.auth(edit.RoleAdmin), `"retry-1"`); r.StatusCode != http.StatusCreated || r.Header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("another user's create with the same key: %d %s", r.StatusCode, b)
	}
	// ... and a user cannot read another's keys, whatever a handler does.
	var seen int
	err := f.store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM idempotency_keys WHERE actor = 'dept'`).Scan(&seen)
	if err != nil || seen != 1 {
		t.Fatalf("the owner sees %d of dept's keys (%v), want 1", seen, err)
	}
	if err := asEditor(t, f, edit.RoleDepartment, "", `DO $$ BEGIN IF (SELECT count(*) FROM idempotency_keys WHERE actor = 'dept') > 0
		THEN RAISE EXCEPTION 'another user''s keys are visible'; END IF; END $$`); err != nil {
		t.Error(err)
	}

	// Many at once with one key: one cluster, every answer names it.
	const racers = 8
	raced := f.newCluster(t, name+" đồng thời")
	var wg sync.WaitGroup
	locations := make([]string, racers)
	statuses := make([]int, racers)
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, _ := post(raced, dept, "race-key")
			statuses[i], locations[i] = r.StatusCode, r.Header.Get("Location")
		}()
	}
	wg.Wait()
	for i := range racers {
		if statuses[i] != http.StatusCreated || locations[i] != locations[0] {
			t.Fatalf("racer %d: %d %q; racer 0: %d %q", i, statuses[i], locations[i], statuses[0], locations[0])
		}
	}
	if n := f.count(t, "clusters", name+" đồng thời"); n != 1 {
		t.Fatalf("%d clusters from %d creates with one key, want 1", n, racers)
	}

	// A repeat after the feature was deleted says so, and creates nothing.
	if r, b := do(t, http.MethodDelete, first.Header.Get("Location"), nil, "Authorization", dept, "If-Match", first.Header.Get("ETag")); r.StatusCode != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.StatusCode, b)
	}
	if r, b := post(body, dept, `"retry-1"`); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(b), "deleted") {
		t.Fatalf("the key of a deleted feature: %d %s, want 422 saying it was deleted", r.StatusCode, b)
	}
	if n := f.count(t, "clusters", name); n != 0 {
		t.Fatalf("a repeat after the delete wrote %d clusters", n)
	}
	// A key is bounded.
	if r, b := post(f.newCluster(t, name+" dài"), dept, strings.Repeat("k", edit.MaxKeyChars+1)); r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("an over-long key: %d %s, want 422", r.StatusCode, b)
	}
}

func TestProposalSentAgainIsOneDraft(t *testing.T) {
	f := newWS(t)
	dist := f.auth(edit.RoleDistrict)
	proposal := func(name string) []byte {
		b, _ := json.Marshal(map[string]any{"kind": "new", "name": name, "geometry": f.landInside(t),
			"land_recovery": []map[string]any{{"parcel": "thửa 1", "area_ha": 30}}})
		return b
	}
	post := func(body []byte, key string) (int, string, []byte) {
		r, b := do(t, http.MethodPost, f.url+"/api/proposals", body, "Authorization", dist, "Idempotency-Key", key)
		return r.StatusCode, r.Header.Get("Location"), b
	}
	body := proposal("CCN đề xuất gửi lại")
	s1, loc1, b1 := post(body, "draft-1")
	s2, loc2, b2 := post(body, "draft-1")
	if s1 != http.StatusCreated || s2 != http.StatusCreated || loc1 == "" || loc1 != loc2 || string(b1) != string(b2) {
		t.Fatalf("a draft sent twice with one key: %d %q %s, then %d %q %s", s1, loc1, b1, s2, loc2, b2)
	}
	if n := f.count(t, "proposals", "CCN đề xuất gửi lại"); n != 1 {
		t.Fatalf("%d drafts after one sent twice, want 1", n)
	}
	if s, _, b := post(proposal("CCN đề xuất khác"), "draft-1"); s != http.StatusUnprocessableEntity {
		t.Fatalf("the key with another draft: %d %s, want 422", s, b)
	}
	// Without a key, each POST is a create of its own, as before.
	for i := range 2 {
		if s, _, b := post(body, ""); s != http.StatusCreated {
			t.Fatalf("keyless draft %d: %d %s", i, s, b)
		}
	}
	if n := f.count(t, "proposals", "CCN đề xuất gửi lại"); n != 3 {
		t.Fatalf("%d drafts, want 3 (one keyed, two without a key)", n)
	}
}
