package server

import (
	"net/url"
	"slices"
	"strings"
	"testing"
)

// searchNames returns "layer:name" of each result of /api/search?q=.
func searchNames(t *testing.T, base, q string) []string {
	t.Helper()
	var out []string
	for _, r := range getJSON[struct {
		Results []struct{ Name, Layer string } `json:"results"`
	}](t, base+"/api/search?q="+url.QueryEscape(q), 200).Results {
		out = append(out, r.Layer+":"+r.Name)
	}
	return out
}

// Search understands road numbers and crops in either language: "highway 19" finds QL19,
// "cassava" the cassava zone and the starch plant, but not the Sê San dams, whose name folds to
// the same letters.
func TestSearchUnderstandsRoadsAndCrops(t *testing.T) {
	ts, _ := NewTestServer(t)
	names := func(q string) []string { return searchNames(t, ts.URL, q) }
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

// The site finder measures to the highway asked for: "near QL25" scores and filters by the
// distance to QL25, whatever highway is nearer.
func TestSitesNearAChosenHighway(t *testing.T) {
	ts, _ := NewTestServer(t)
	type answer struct {
		Sites []struct {
			Name  string `json:"name"`
			Parts map[string]struct {
				Reason string   `json:"reason"`
				Value  *float64 `json:"value"`
			} `json:"parts"`
		} `json:"sites"`
	}
	any := getJSON[answer](t, ts.URL+"/api/sites", 200)
	ql25 := getJSON[answer](t, ts.URL+"/api/sites?highway="+url.QueryEscape("highway 25"), 200)
	if len(ql25.Sites) == 0 || len(ql25.Sites) != len(any.Sites) {
		t.Fatalf("%d sites near QL25, %d in all", len(ql25.Sites), len(any.Sites))
	}
	differs := false
	nearest := map[string]*float64{}
	for _, s := range any.Sites {
		nearest[s.Name] = s.Parts["highway"].Value
	}
	for _, s := range ql25.Sites {
		h := s.Parts["highway"]
		if h.Value != nil && !strings.Contains(h.Reason, "QL25") {
			t.Errorf("%s: highway part %q does not measure to QL25", s.Name, h.Reason)
		}
		if n := nearest[s.Name]; h.Value != nil && n != nil && *h.Value < *n-1e-6 {
			t.Errorf("%s: QL25 at %v km, nearer than the nearest highway at %v km", s.Name, *h.Value, *n)
		}
		if h.Value != nil && nearest[s.Name] != nil && *h.Value != *nearest[s.Name] {
			differs = true
		}
	}
	if !differs {
		t.Error("measuring to QL25 changed no cluster's highway distance")
	}
	within := getJSON[answer](t, ts.URL+"/api/sites?highway=QL25&max_highway_km=20", 200)
	for _, s := range within.Sites {
		if v := s.Parts["highway"].Value; v == nil || *v > 20 {
			t.Errorf("%s kept within 20 km of QL25 at %v", s.Name, v)
		}
	}
	if r, _ := get(t, ts.URL+"/api/sites?highway=river"); r.StatusCode != 400 {
		t.Errorf("highway=river: %d", r.StatusCode)
	}
}

// Search understands areas, districts and communes without their diacritics, and industries in
// either language: "central area" is Khu vực trung tâm, "chu se" Chư Sê, "food processing" and
// "chế biến" the clusters that target them (their target industries, from the data).
func TestSearchUnderstandsAreasPlacesAndIndustries(t *testing.T) {
	ts, _ := NewTestServer(t)
	names := func(q string) []string { return searchNames(t, ts.URL, q) }
	for q, want := range map[string][]string{
		"Chư Sê":            {"districts:Chư Sê", "regions:Khu vực huyện Chư Sê"},
		"chu se":            {"districts:Chư Sê", "regions:Khu vực huyện Chư Sê"},
		"central area":      {"regions:Khu vực trung tâm"},
		"khu vực trung tâm": {"regions:Khu vực trung tâm"},
		"khu vuc trung tam": {"regions:Khu vực trung tâm"},
		"phu cat":           {"districts:Phù Cát"},
		"dien phu":          {"clusters:CCN Diên Phú"}, // its commune, Diên Phú
	} {
		got := names(q)
		for _, w := range want {
			if !slices.Contains(got, w) {
				t.Errorf("%q finds %q, not %s", q, got, w)
			}
		}
	}
	clusters := getJSON[struct {
		Features []struct {
			Properties struct {
				Name       string   `json:"name"`
				Industries []string `json:"target_industries"`
			} `json:"properties"`
		} `json:"features"`
	}](t, ts.URL+"/api/layers/clusters/features?limit=1000", 200).Features
	targeting := func(words ...string) (out []string) {
		for _, c := range clusters {
			all := strings.ToLower(strings.Join(c.Properties.Industries, "; "))
			if slices.ContainsFunc(words, func(w string) bool { return strings.Contains(all, w) }) {
				out = append(out, "clusters:"+c.Properties.Name)
			}
		}
		return out
	}
	for q, words := range map[string][]string{
		"food processing":    {"food", "processing"},
		"chế biến thực phẩm": {"food", "processing"},
		"chế biến":           {"processing"},
		"che bien":           {"processing"},
		"garments":           {"garment"},
	} {
		want := targeting(words...)
		if len(want) < 2 {
			t.Fatalf("the seed has %d clusters targeting %v", len(want), words)
		}
		var got []string
		for _, n := range names(q) {
			if strings.HasPrefix(n, "clusters:") {
				got = append(got, n)
			}
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%q finds the clusters %q, those targeting %v are %q", q, got, words, want)
		}
	}
}
