package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/edit"
)

// TestWorkspaceEditLoad: 20 concurrent editors patch the same three clusters, each reading the
// feature and writing with its ETag. It runs CLUSTERMAP_EDIT_LOAD long (`make edit-load`: 2m;
// default 3s in `make test`) and then checks that no update was lost: every successful write is
// a version in history, the final state is the last successful write, and nothing answered 5xx.
func TestWorkspaceEditLoad(t *testing.T) {
	dur := 3 * time.Second
	if v := os.Getenv("CLUSTERMAP_EDIT_LOAD"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("CLUSTERMAP_EDIT_LOAD: %v", err)
		}
		dur = d
	}
	f := newWS(t)
	var ids []int64
	rows, err := f.store.Pool().Query(context.Background(), `SELECT id FROM clusters ORDER BY id LIMIT 3`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		_ = rows.Scan(&id)
		ids = append(ids, id)
	}
	const editors = 20
	var mu sync.Mutex
	ok := map[int64][]string{} // feature → contact values written successfully
	statuses := map[int]int{}
	deadline := time.Now().Add(dur)
	var wg sync.WaitGroup
	for e := range editors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; time.Now().Before(deadline); n++ {
				id := ids[(e+n)%len(ids)]
				u := f.item("clusters", id)
				resp, _ := do(t, "GET", u, nil)
				value := fmt.Sprintf("editor %d write %d", e, n)
				resp, _ = do(t, "PATCH", u, fmt.Appendf(nil, `{"properties":{"contact":%q}}`, value),
					"Authorization", f.auth(edit.RoleDepartment), "If-Match", resp.Header.Get("ETag"))
				mu.Lock()
				statuses[resp.StatusCode]++
				if resp.StatusCode == http.StatusOK {
					ok[id] = append(ok[id], value)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	t.Logf("%d editors for %s: statuses %v", editors, dur, statuses)
	for s := range statuses {
		if s != http.StatusOK && s != http.StatusPreconditionFailed {
			t.Fatalf("status %d under load: %v", s, statuses)
		}
	}
	for _, id := range ids {
		h, err := f.ed.History(context.Background(), edit.Actor{Role: edit.RoleDepartment}, mustLayer(t, f, "clusters"), fmt.Sprint(id))
		if err != nil {
			t.Fatal(err)
		}
		var inHistory []string
		for _, v := range h {
			for _, c := range v.Changes {
				if c.Field == "contact" && v.Actor == "dept" {
					inHistory = append(inHistory, fmt.Sprint(c.To))
				}
			}
		}
		want := ok[id]
		if !slices.Equal(sorted(inHistory), sorted(want)) {
			t.Fatalf("cluster %d: %d successful writes, %d in history", id, len(want), len(inHistory))
		}
		_, body := do(t, "GET", f.item("clusters", id), nil)
		var feat struct {
			Properties map[string]any `json:"properties"`
		}
		_ = json.Unmarshal(body, &feat)
		if len(inHistory) > 0 && feat.Properties["contact"] != inHistory[len(inHistory)-1] {
			t.Fatalf("cluster %d: final contact %v, last successful write %v", id, feat.Properties["contact"], inHistory[len(inHistory)-1])
		}
	}
}

func sorted(s []string) []string { c := slices.Clone(s); slices.Sort(c); return c }

func mustLayer(t testing.TB, f *wsFixture, id string) *geo.Layer {
	t.Helper()
	l, ok := f.store.Catalog().Layer(id)
	if !ok {
		t.Fatalf("no layer %s", id)
	}
	return l
}
