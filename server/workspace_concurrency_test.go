package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/edit"
)

// Lost-update protection over HTTP: N writers that read the same ETag and write at once get
// exactly one 2xx; the others get 412 with the winner's version (a DELETE queued behind the
// winning DELETE may find the item gone: 404). geo/edit's TestOneVersionOneWinner holds the same
// for the store, with a slow writer too.
func TestWorkspaceOneETagOneWinner(t *testing.T) {
	f := newWS(t)
	const writers = 10
	dept := f.auth(edit.RoleDepartment)
	plants, _ := f.store.Catalog().Layer("plants")
	for _, method := range []string{http.MethodPatch, http.MethodPut, http.MethodDelete} {
		t.Run(method, func(t *testing.T) {
			id := f.anyFeature(t, "plants")
			if method != http.MethodPatch {
				// Each subtest its own feature: the largest id not yet deleted.
				if err := f.store.Pool().QueryRow(t.Context(), `SELECT max(id) FROM plants`).Scan(&id); err != nil {
					t.Fatal(err)
				}
			}
			u := f.item("plants", id)
			resp, body := do(t, http.MethodGet, u, nil)
			tag := resp.Header.Get("ETag")
			if resp.StatusCode != http.StatusOK || tag == "" {
				t.Fatalf("GET %s: %d, ETag %q", u, resp.StatusCode, tag)
			}
			bodies := make([][]byte, writers)
			for i := range bodies {
				switch method {
				case http.MethodPatch:
					bodies[i] = fmt.Appendf(nil, `{"properties":{"notes":"writer %d"}}`, i)
				case http.MethodPut:
					bodies[i] = withoutDerived(t, plants, body, fmt.Sprintf("replacer %d", i))
				}
			}
			statuses := make([]int, writers)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					req, err := http.NewRequest(method, u, bytes.NewReader(bodies[i]))
					if err != nil {
						return
					}
					req.Header.Set("Authorization", dept)
					req.Header.Set("If-Match", tag)
					r, err := rawClient.Do(req)
					if err != nil {
						return
					}
					_, _ = io.Copy(io.Discard, r.Body)
					r.Body.Close()
					statuses[i] = r.StatusCode
				}()
			}
			close(start)
			wg.Wait()
			won, refused := 0, 0
			for _, st := range statuses {
				switch {
				case st >= 200 && st < 300:
					won++
				// 503: gave up waiting for the row (lock_timeout, a slow machine), nothing written.
				case st == http.StatusPreconditionFailed, st == http.StatusServiceUnavailable,
					method == http.MethodDelete && st == http.StatusNotFound:
					refused++
				}
			}
			if won != 1 || refused != writers-1 {
				t.Fatalf("%d × %s with one ETag: statuses %v; want one 2xx and the rest 412 (or 503, busy)", writers, method, statuses)
			}
		})
	}
}

// withoutDerived is a GeoJSON feature of layer as a PUT body: its derived properties dropped
// (they are never written) and its notes set.
func withoutDerived(t *testing.T, l *geo.Layer, feature []byte, notes string) []byte {
	t.Helper()
	var f map[string]any
	if err := json.Unmarshal(feature, &f); err != nil {
		t.Fatal(err)
	}
	props, _ := f["properties"].(map[string]any)
	for _, fl := range l.Fields {
		if fl.Derived {
			delete(props, fl.Name)
		}
	}
	props["notes"] = notes
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Read-your-writes on the writing instance: right after a 2xx write, an anonymous GET of the same
// item on the same instance shows the new version, never an answer the response cache kept from
// before (the write moves this process's versions before it answers; other instances follow the
// notification). 100 rounds of PATCH → GET → the next PATCH with that ETag.
func TestWorkspaceReadsItsOwnWrite(t *testing.T) {
	f := newWS(t)
	dept := f.auth(edit.RoleDepartment)
	u := f.item("plants", f.anyFeature(t, "plants"))
	resp, _ := do(t, http.MethodGet, u, nil)
	tag := resp.Header.Get("ETag")
	for round := range 100 {
		notes := fmt.Sprintf("round %d", round)
		w, body := do(t, http.MethodPatch, u, fmt.Appendf(nil, `{"properties":{"notes":%q}}`, notes), "Authorization", dept, "If-Match", tag)
		if w.StatusCode != http.StatusOK {
			t.Fatalf("round %d: PATCH %d %s", round, w.StatusCode, body)
		}
		r, got := do(t, http.MethodGet, u, nil)
		if r.Header.Get("ETag") != w.Header.Get("ETag") || !bytes.Contains(got, []byte(notes)) {
			t.Fatalf("round %d: GET after PATCH: ETag %s (the write's %s), X-Response-Cache %s, body %.200s",
				round, r.Header.Get("ETag"), w.Header.Get("ETag"), r.Header.Get("X-Response-Cache"), got)
		}
		tag = r.Header.Get("ETag")
	}
}
