package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// answer is the part every analysis answer shares: a verdict or figures, reasons, sources.
type answer struct {
	Verdict string   `json:"verdict"`
	Reasons []string `json:"reasons"`
	Missing []string `json:"missing"`
	Sources struct {
		Data  []string `json:"data"`
		Rules []struct{ Title, URL string }
	} `json:"sources"`
}

func getJSON(t *testing.T, base, path string, want int, v any) []byte {
	t.Helper()
	resp, body := get(t, base+path)
	if resp.StatusCode != want {
		t.Fatalf("GET %s: status %d, want %d: %s", path, resp.StatusCode, want, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("GET %s: Content-Type %q", path, ct)
	}
	if v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
	}
	return body
}

func hasSource(list []string, part string) bool {
	return slices.ContainsFunc(list, func(s string) bool { return strings.Contains(s, part) })
}

func TestEligibilityAnswersTheSeed(t *testing.T) {
	ts, store := newTestServer(t)
	id := func(name string) int64 {
		var id int64
		if err := store.Pool().QueryRow(context.Background(), `SELECT id FROM clusters WHERE name = $1`, name).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	dienPhu, dakDoa, traDa := id("CCN Diên Phú"), id("CCN số 2 huyện Đak Đoa"), id("KCN Trà Đa")
	for _, tc := range []struct {
		name, path, verdict string
		// reason and source must appear in the reasons and the data sources.
		reason, source string
	}{
		// Diên Phú: roads, water and WWTP in use, past investor selection, 41.44 ha; no occupancy.
		{"Diên Phú: occupancy unknown", fmt.Sprintf("/api/clusters/%d/eligibility", dienPhu), "unknown", "no occupancy is recorded", "dienhong.gialai.gov.vn"},
		{"Diên Phú + 33.56 ha = 75 ha", fmt.Sprintf("/api/clusters/%d/eligibility?add_ha=33.56", dienPhu), "unknown", "= 75 ha, within", "dienhong"},
		{"Diên Phú + 33.57 ha is above 75 ha", fmt.Sprintf("/api/clusters/%d/eligibility?add_ha=33.57", dienPhu), "no", "= 75.01 ha, above", "dienhong"},
		// Đak Đoa No. 2 is planned at 75 ha: no expansion fits.
		{"Đak Đoa No. 2 is already 75 ha", fmt.Sprintf("/api/clusters/%d/eligibility", dakDoa), "no", "already reaches 75 ha", "marimbapop.com"},
		{"Trà Đa is a KCN", fmt.Sprintf("/api/clusters/%d/eligibility", traDa), "not_applicable", "separate instruments", "duan24h.net"},
		// Pleiku's one established CCN has 24.2 ha of industrial land: at most 24.2 ha unleased.
		{"Pleiku: unleased land at most 24.2 ha", "/api/districts/622/eligibility", "yes", "at most 100 ha whatever the unknowns are", "dienhong"},
		{"Đak Đoa: no established CCN recorded", "/api/districts/626/eligibility", "yes", "records no established CCN", "geoBoundaries"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var a answer
			getJSON(t, ts.URL, tc.path, 200, &a)
			if a.Verdict != tc.verdict {
				t.Fatalf("verdict %s, want %s: %q", a.Verdict, tc.verdict, a.Reasons)
			}
			if !slices.ContainsFunc(a.Reasons, func(r string) bool { return strings.Contains(r, tc.reason) }) {
				t.Fatalf("reasons %q do not say %q", a.Reasons, tc.reason)
			}
			if !hasSource(a.Sources.Data, tc.source) || len(a.Sources.Rules) == 0 || !strings.Contains(a.Sources.Rules[0].URL, "32-2024") {
				t.Fatalf("sources %+v", a.Sources)
			}
			if a.Verdict == "unknown" && len(a.Missing) == 0 {
				t.Fatal("unknown without naming the missing data")
			}
		})
	}
}

func TestLinkageAnswersTheSeed(t *testing.T) {
	ts, _ := newTestServer(t)
	type link struct {
		ClusterName  string  `json:"cluster_name"`
		DistanceKM   float64 `json:"distance_km"`
		WithinRadius bool    `json:"within_radius"`
		Line         struct {
			Type        string       `json:"type"`
			Coordinates [][2]float64 `json:"coordinates"`
		} `json:"line"`
	}
	var l struct {
		RadiusKM       float64                 `json:"radius_km"`
		Definitions    map[string]string       `json:"definitions"`
		CropIndustries []struct{ Crop string } `json:"crop_industries"`
		Clusters       []struct {
			Name              string   `json:"name"`
			Processes         []string `json:"processes"`
			ZonesWithinRadius []struct {
				Crop   string  `json:"crop"`
				AreaHa float64 `json:"area_ha"`
			} `json:"zones_within_radius"`
		} `json:"clusters"`
		Zones []struct {
			Name    string   `json:"name"`
			Crop    string   `json:"crop"`
			Served  bool     `json:"served"`
			Nearest *link    `json:"nearest_processing_cluster"`
			Sources []string `json:"sources"`
		} `json:"zones"`
		Unserved []int64 `json:"unserved_zone_ids"`
	}
	getJSON(t, ts.URL, "/api/analysis/linkage", 200, &l)
	if l.RadiusKM != 30 || l.Definitions["distance"] == "" || len(l.CropIndustries) != 10 || len(l.Zones) != 8 || len(l.Clusters) != 12 {
		t.Fatalf("radius %g, %d crop mappings, %d zones, %d clusters", l.RadiusKM, len(l.CropIndustries), len(l.Zones), len(l.Clusters))
	}
	for _, z := range l.Zones {
		if len(z.Sources) == 0 {
			t.Errorf("zone %s without sources", z.Name)
		}
		// Only CCN số 2 Đak Đoa records processing industries (agro-forestry processing; food).
		if z.Nearest == nil || z.Nearest.ClusterName != "CCN số 2 huyện Đak Đoa" || z.Nearest.Line.Type != "LineString" || len(z.Nearest.Line.Coordinates) != 2 {
			t.Errorf("zone %s: nearest %+v", z.Name, z.Nearest)
			continue
		}
		// The tobacco zone of the Ayun valley lies about 50 km from it; all others within 30 km.
		if served := z.Crop != "tobacco"; z.Served != served || z.Nearest.WithinRadius != served {
			t.Errorf("zone %s (%s): served %v at %.3f km", z.Name, z.Crop, z.Served, z.Nearest.DistanceKM)
		}
		if z.Crop == "tobacco" && math.Abs(z.Nearest.DistanceKM-50.5) > 0.5 {
			t.Errorf("tobacco zone at %.3f km", z.Nearest.DistanceKM)
		}
	}
	if len(l.Unserved) != 1 {
		t.Fatalf("unserved %v", l.Unserved)
	}
	var wide struct {
		Unserved []int64 `json:"unserved_zone_ids"`
	}
	getJSON(t, ts.URL, "/api/analysis/linkage?radius_km=60", 200, &wide)
	if len(wide.Unserved) != 0 {
		t.Fatalf("at 60 km every zone is served; unserved %v", wide.Unserved)
	}
}

// TestSummaryShapeForTheWebMap pins the keys the region overview reads.
func TestSummaryShapeForTheWebMap(t *testing.T) {
	ts, _ := newTestServer(t)
	var raw struct {
		Province map[string]json.RawMessage   `json:"province"`
		Regions  []map[string]json.RawMessage `json:"regions"`
		Outside  map[string]json.RawMessage   `json:"outside_regions"`
	}
	getJSON(t, ts.URL, "/api/summary", 200, &raw)
	keys := []string{"slug", "name_vi", "name_en", "clusters", "clusters_by_stage", "planned_ha", "established_ha", "industrial_ha",
		"leased_ha", "occupancy_pct", "occupancy_clusters_with_data", "investors", "raw_material_ha_by_crop", "sources"}
	if len(raw.Regions) != 5 {
		t.Fatalf("%d regions", len(raw.Regions))
	}
	for _, m := range append(raw.Regions, raw.Province, raw.Outside) {
		for _, k := range keys {
			if _, ok := m[k]; !ok {
				t.Fatalf("key %q missing from %s", k, m["slug"])
			}
		}
	}

	type area struct {
		Slug         *string                 `json:"slug"`
		Clusters     int                     `json:"clusters"`
		ByStage      map[string]int          `json:"clusters_by_stage"`
		PlannedHa    float64                 `json:"planned_ha"`
		Occupancy    *float64                `json:"occupancy_pct"`
		WithData     int                     `json:"occupancy_clusters_with_data"`
		Investors    []string                `json:"investors"`
		RawMaterial  map[string]float64      `json:"raw_material_ha_by_crop"`
		Sources      []string                `json:"sources"`
		MembersNames []struct{ Name string } `json:"members"`
	}
	var s struct {
		Province area   `json:"province"`
		Regions  []area `json:"regions"`
		Outside  area   `json:"outside_regions"`
	}
	getJSON(t, ts.URL, "/api/summary", 200, &s)
	total := s.Outside.Clusters
	for _, r := range s.Regions {
		total += r.Clusters
		if len(r.Sources) == 0 || len(r.MembersNames) == 0 {
			t.Errorf("region %s: sources %v, members %v", *r.Slug, r.Sources, r.MembersNames)
		}
	}
	// 12 seed clusters; Trà Đa (152.12 ha, 100 %) is the only one with occupancy and land.
	if s.Province.Clusters != 12 || total != 12 || s.Province.WithData != 1 || *s.Province.Occupancy != 100 ||
		math.Abs(s.Province.PlannedHa-606.63) > 0.001 || s.Province.ByStage["planned"] != 6 {
		t.Fatalf("province %+v (regions + outside = %d)", s.Province, total)
	}
	central := s.Regions[slices.IndexFunc(s.Regions, func(a area) bool { return *a.Slug == "central" })]
	if central.Clusters != 4 || central.RawMaterial["sugarcane"] != 32000 || !slices.Contains(central.Investors, "CTCP Shinec Gia Lai") {
		t.Fatalf("central %+v", central)
	}

	var one struct {
		Region area `json:"region"`
	}
	getJSON(t, ts.URL, "/api/regions/central/summary", 200, &one)
	if *one.Region.Slug != "central" || one.Region.Clusters != central.Clusters || one.Region.RawMaterial["coffee"] != central.RawMaterial["coffee"] {
		t.Fatalf("region central %+v, summary %+v", one.Region, central)
	}
}

func TestSitesAnswerTheSeed(t *testing.T) {
	ts, _ := newTestServer(t)
	type part struct {
		Score        float64  `json:"score"`
		Contribution float64  `json:"contribution"`
		Known        bool     `json:"known"`
		Value        *float64 `json:"value"`
		Reason       string   `json:"reason"`
	}
	var s struct {
		Weights    map[string]float64 `json:"weights"`
		Scoring    map[string]string  `json:"scoring"`
		BorderGate struct {
			Basis         string  `json:"basis"`
			UncertaintyKM float64 `json:"uncertainty_km"`
		} `json:"border_gate"`
		Matched int `json:"matched"`
		Sites   []struct {
			Rank  int             `json:"rank"`
			Name  string          `json:"name"`
			Score float64         `json:"score"`
			Point [2]float64      `json:"point"`
			Parts map[string]part `json:"parts"`
		} `json:"sites"`
	}
	getJSON(t, ts.URL, "/api/sites?crop=cassava", 200, &s)
	if len(s.Sites) != 12 || s.Matched != 12 || s.Weights["free"] != 0.3 || s.Scoring["free"] == "" {
		t.Fatalf("%d sites, weights %v", len(s.Sites), s.Weights)
	}
	// No source gives the Lệ Thanh gate's coordinates: the Đức Cơ proxy is marked as such.
	if s.BorderGate.Basis != "district_point_on_surface" || s.BorderGate.UncertaintyKM <= 0 {
		t.Fatalf("border gate %+v", s.BorderGate)
	}
	for i, st := range s.Sites {
		sum := 0.0
		for name, p := range st.Parts {
			sum += p.Contribution
			if p.Reason == "" {
				t.Errorf("%s: part %s has no reason", st.Name, name)
			}
		}
		if st.Rank != i+1 || math.Abs(sum-st.Score) > 1e-3 || (i > 0 && st.Score > s.Sites[i-1].Score) {
			t.Errorf("%s: rank %d, score %g, parts sum %g", st.Name, st.Rank, st.Score, sum)
		}
		// The province-wide cassava zone (81,000 ha) contains every cluster.
		if c := st.Parts["crop"]; *c.Value != 81000 || c.Score != 1 {
			t.Errorf("%s: cassava supply %+v", st.Name, c)
		}
		if st.Point[0] < 107 || st.Point[0] > 109 || st.Point[1] < 12.5 || st.Point[1] > 15 {
			t.Errorf("%s: point %v outside Gia Lai", st.Name, st.Point)
		}
	}

	var only struct {
		Sites []struct{ Name string } `json:"sites"`
	}
	getJSON(t, ts.URL, "/api/sites?"+url.Values{"industry": {"cassava starch"}}.Encode(), 200, &only)
	if len(only.Sites) != 1 || only.Sites[0].Name != "CCN số 2 huyện Đak Đoa" {
		t.Fatalf("cassava starch: %+v (only Đak Đoa No. 2 records agro/food processing)", only.Sites)
	}
	var noBorder struct {
		WeightsApplied map[string]float64 `json:"weights_normalised"`
	}
	getJSON(t, ts.URL, "/api/sites?w_border=0&w_free=1&w_crop=1&w_highway=1&w_stage=1", 200, &noBorder)
	if noBorder.WeightsApplied["border"] != 0 || noBorder.WeightsApplied["free"] != 0.25 {
		t.Fatalf("weights %v", noBorder.WeightsApplied)
	}
}

func TestAnalysisRejectsBadInput(t *testing.T) {
	ts, _ := newTestServer(t)
	for _, tc := range []struct {
		path    string
		status  int
		errLike string
	}{
		{"/api/clusters/abc/eligibility", 400, "not an integer"},
		{"/api/clusters/1.5/eligibility", 400, "not an integer"},
		{"/api/clusters/99999999999999999999/eligibility", 400, "not an integer"},
		{"/api/clusters/999999/eligibility", 404, "no cluster"},
		{"/api/clusters/-1/eligibility", 404, "no cluster"},
		{"/api/clusters/1/eligibility?add_ha=abc", 400, "add_ha"},
		{"/api/clusters/1/eligibility?add_ha=0", 400, "add_ha"},
		{"/api/clusters/1/eligibility?add_ha=-5", 400, "add_ha"},
		{"/api/clusters/1/eligibility?add_ha=NaN", 400, "add_ha"},
		{"/api/clusters/1/eligibility?add_ha=1&add_ha=2", 400, "2 times"},
		{"/api/clusters/1/eligibility?radius_km=3", 400, "unknown parameter"},
		{"/api/clusters/1/eligibility?add_ha=1;drop", 400, "malformed"},
		{"/api/districts/abc/eligibility", 400, "not a 3–5 digit code"},
		{"/api/districts/622'%20OR%20'1'='1/eligibility", 400, "not a 3–5 digit code"},
		{"/api/districts/999/eligibility", 404, "no district"},
		{"/api/analysis/linkage?radius_km=0", 400, "radius_km"},
		{"/api/analysis/linkage?radius_km=0.99", 400, "radius_km"},
		{"/api/analysis/linkage?radius_km=200.01", 400, "radius_km"},
		{"/api/analysis/linkage?radius_km=Inf", 400, "radius_km"},
		{"/api/analysis/linkage?radius_km=ten", 400, "radius_km"},
		{"/api/analysis/linkage?radius=30", 400, "unknown parameter"},
		{"/api/summary?kind=factory", 400, "kind"},
		{"/api/summary?radius_km=-1", 400, "radius_km"},
		{"/api/regions/atlantis/summary", 404, "no region"},
		{"/api/regions/Central/summary", 400, "not a slug"},
		{"/api/sites?crop=banana", 400, "crop"},
		{"/api/sites?min_free_ha=-1", 400, "min_free_ha"},
		{"/api/sites?max_highway_km=x", 400, "max_highway_km"},
		{"/api/sites?w_free=101", 400, "w_free"},
		{"/api/sites?w_stage=-0.1", 400, "w_stage"},
		{"/api/sites?w_free=0&w_crop=0&w_highway=0&w_border=0&w_stage=0", 400, "at least one weight"},
		{"/api/sites?limit=0", 400, "limit"},
		{"/api/sites?industry=" + strings.Repeat("x", 201), 400, "industry"},
		{"/api/sites?kind=zone", 400, "kind"},
		{"/api/sites?sort=score", 400, "unknown parameter"},
		{"/api/clusters/1/eligibility", 200, ""},
		{"/api/analysis/linkage?radius_km=1", 200, ""},
		{"/api/analysis/linkage?radius_km=200", 200, ""},
		{"/api/sites?limit=100000&industry=" + url.QueryEscape("'; DROP TABLE clusters; --"), 200, ""},
	} {
		t.Run(tc.path, func(t *testing.T) {
			var body struct {
				Error string `json:"error"`
			}
			getJSON(t, ts.URL, tc.path, tc.status, &body)
			if !strings.Contains(body.Error, tc.errLike) {
				t.Fatalf("error %q does not mention %q", body.Error, tc.errLike)
			}
		})
	}
}

func TestAnalysisCacheFollowsTheData(t *testing.T) {
	ts, store := newTestServer(t)
	ctx := context.Background()
	fetch := func(path string) (string, string) {
		t.Helper()
		resp, body := get(t, ts.URL+path)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
		}
		return resp.Header.Get("X-Analysis-Cache"), string(body)
	}
	const linkage = "/api/analysis/linkage"
	if state, _ := fetch(linkage); state != "miss" {
		t.Fatalf("first request: %q", state)
	}
	state, before := fetch(linkage)
	if state != "hit" {
		t.Fatalf("second request: %q", state)
	}
	if state, _ := fetch(linkage + "?radius_km=60"); state != "miss" {
		t.Fatalf("another radius is another answer: %q", state)
	}
	for _, edit := range []struct{ name, sql string }{
		// CCN Phú Thiện lies in the tobacco zone; recording a tobacco industry serves it.
		{"a cluster's industries", `UPDATE clusters SET target_industries = '{tobacco leaf processing}' WHERE name = 'CCN Phú Thiện'`},
		{"the crop mapping", `UPDATE crop_industries SET note = note || ' (edited)' WHERE crop = 'other'`},
		{"the border gate", `UPDATE reference_points SET location = location || ' (edited)' WHERE slug = 'le_thanh_border_gate'`},
	} {
		t.Run(edit.name, func(t *testing.T) {
			if _, err := store.Pool().Exec(ctx, edit.sql); err != nil {
				t.Fatal(err)
			}
			state, after := fetch(linkage)
			if state != "miss" {
				t.Fatalf("after editing %s: %q", edit.name, state)
			}
			if edit.name == "a cluster's industries" && (after == before || !strings.Contains(after, "Served: CCN Phú Thiện processes tobacco")) {
				t.Fatal("the answer did not change with the data")
			}
		})
	}
}
