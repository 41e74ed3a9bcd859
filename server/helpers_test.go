package server_test

import (
	"encoding/csv"
	"encoding/json"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/clustermap/clustermap/migrations"
	"github.com/clustermap/clustermap/server"
)

// newTestServer is server.NewTestServer (testserver_test.go): the real server on a fresh seeded
// database, or on the store of server.OnStore.
var newTestServer = server.NewTestServer

// get is a GET through server.Fetch, the one request helper.
func get(t testing.TB, url string, header ...string) (*http.Response, []byte) {
	t.Helper()
	return server.Fetch(t, http.MethodGet, url, header...)
}

// getJSON GETs url, requires the status want and a JSON media type (application/json or a
// +json type), and decodes the body into a T.
func getJSON[T any](t testing.TB, url string, want int, header ...string) T {
	t.Helper()
	resp, body := get(t, url, header...)
	if resp.StatusCode != want {
		t.Fatalf("GET %s: status %d, want %d: %.300s", url, resp.StatusCode, want, body)
	}
	if mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err != nil || (mt != "application/json" && !(strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))) {
		t.Fatalf("GET %s: Content-Type %q is not JSON", url, resp.Header.Get("Content-Type"))
	}
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("GET %s: not JSON: %v: %.200s", url, err, body)
	}
	return v
}

// seedAreaHa is the area_ha of the raw-material zones of crop in the seed file
// (migrations/seed/zones.csv), read as the seed loader gets it, for expected values.
func seedAreaHa(t testing.TB, crop string) float64 {
	t.Helper()
	f, err := migrations.Files.Open("seed/zones.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil || len(records) < 2 {
		t.Fatalf("seed/zones.csv: %d records, %v", len(records), err)
	}
	col := func(name string) int {
		i := slices.Index(records[0], name)
		if i < 0 {
			t.Fatalf("seed/zones.csv has no column %q", name)
		}
		return i
	}
	cropCol, areaCol := col("crop"), col("area_ha")
	total, found := 0.0, false
	for _, r := range records[1:] {
		if r[cropCol] != crop {
			continue
		}
		ha, err := strconv.ParseFloat(r[areaCol], 64)
		if err != nil {
			t.Fatalf("seed/zones.csv: %s area %q: %v", crop, r[areaCol], err)
		}
		total, found = total+ha, true
	}
	if !found {
		t.Fatalf("seed/zones.csv has no %s zone", crop)
	}
	return total
}
