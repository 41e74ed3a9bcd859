package server

import (
	"net/url"
	"slices"
	"strings"
	"testing"
)

// Search understands road numbers and crops in either language: "highway 19" finds QL19,
// "cassava" the cassava zone and the starch plant, but not the Sê San dams, whose name folds to
// the same letters.
func TestSearchUnderstandsRoadsAndCrops(t *testing.T) {
	ts, _ := NewTestServer(t)
	names := func(q string) []string {
		var out []string
		for _, r := range getJSON[struct {
			Results []struct{ Name, Layer string } `json:"results"`
		}](t, ts.URL+"/api/search?q="+url.QueryEscape(q), 200).Results {
			out = append(out, r.Layer+":"+r.Name)
		}
		return out
	}
	for _, q := range []string{"highway 19", "National Highway 19", "QL 19", "quoc lo 19"} {
		if got := names(q); !slices.Contains(got, "roads:Quốc lộ 19") {
			t.Errorf("%q finds %q, not QL19", q, got)
		}
	}
	got := names("cassava")
	if !slices.Contains(got, "raw_material_zones:Sắn toàn tỉnh Gia Lai") || slices.ContainsFunc(got, func(n string) bool { return strings.Contains(n, "Sê San") }) {
		t.Errorf("cassava finds %q", got)
	}
	if got := names("coffee"); len(got) == 0 || !strings.Contains(got[0], "cà phê") {
		t.Errorf("coffee finds %q", got)
	}
}
