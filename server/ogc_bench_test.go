package server_test

import (
	"io"
	"net/http"
	"net/url"
	"testing"
)

// BenchmarkOGCItems measures one items page over HTTP on the seed: plain, with a bbox, and with
// a CQL2 filter. Run: go test -run x -bench OGCItems ./server/
func BenchmarkOGCItems(b *testing.B) {
	srv, _ := newTestServer(b)
	for _, q := range []struct{ name, query string }{
		{"plain", "limit=100"},
		{"bbox", "limit=100&bbox=107.9,13.8,108.3,14.2"},
		{"filter", "limit=100&filter=" + url.QueryEscape("kind = 'ccn' AND S_INTERSECTS(geometry, BBOX(107.9,13.8,108.3,14.2))")},
	} {
		b.Run(q.name, func(b *testing.B) {
			u := srv.URL + "/ogc/collections/clusters/items?" + q.query
			for b.Loop() {
				res, err := http.Get(u)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					b.Fatalf("%s: %d", u, res.StatusCode)
				}
			}
		})
	}
}
