package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/edit"
	"github.com/clustermap/clustermap/geo/ingest"
)

// The merged province (1 July 2025): a cluster of the former Bình Định is imported like any other,
// counted in the summary, drawn in tiles and served by OGC; coverage is stated against the merged
// province's own total with its source; and the same cluster answers with its district before the
// reform and with its commune after it.
func TestMergedProvinceTakesBinhDinhClusters(t *testing.T) {
	ts, store := NewTestServer(t)
	ctx := context.Background()
	before := getJSON[struct {
		Province struct{ Clusters int } `json:"province"`
	}](t, ts.URL+"/api/summary", 200)

	// A point in xã Nhơn Tân, former An Nhơn town (549): the point on the district's surface moved
	// to no cluster's footprint is enough for the import, whose check is "inside the province".
	var lon, lat float64
	if err := store.Pool().QueryRow(ctx, `SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p FROM districts WHERE code = '549') x`).
		Scan(&lon, &lat); err != nil {
		t.Fatal(err)
	}
	fc := []byte(fmt.Sprintf(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[%f,%f]},
		"properties":{"name":"CCN Kiểm thử Nhơn Tân","kind":"ccn","status":"planned","district_code":"549","district_basis":"stated",
		"commune":"Nhơn Tân","commune_code":"21940","commune_basis":"inferred","geometry_quality":"indicative",
		"placement":"test fixture: the district's point on surface","sources":["test fixture, not a real cluster"]}}]}`, lon, lat))
	rep, err := ingest.New(store, nil).Import(ctx, "clusters", fc, ingest.ImportOptions{})
	if err != nil || rep.Inserted != 1 {
		t.Fatalf("import inside the former Bình Định: %+v %v", rep, err)
	}
	ts.AwaitVersions(t, store)
	var id int64
	if err := store.Pool().QueryRow(ctx, `SELECT id FROM clusters WHERE name = 'CCN Kiểm thử Nhơn Tân'`).Scan(&id); err != nil {
		t.Fatal(err)
	}

	// The summary counts it, in the merged province, outside the former province's five areas.
	type summary struct {
		Province struct {
			Clusters int    `json:"clusters"`
			Name     string `json:"name_vi"`
		} `json:"province"`
		Outside  struct{ Clusters int } `json:"outside_regions"`
		Coverage struct {
			Scope     geo.Text `json:"scope"`
			Statement geo.Text `json:"statement"`
			Items     []struct {
				Slug     string   `json:"slug"`
				Count    *int64   `json:"province_count"`
				Held     *int64   `json:"held"`
				Province string   `json:"province"`
				ValidTo  *string  `json:"province_valid_to"`
				Sources  []string `json:"sources"`
			} `json:"items"`
		} `json:"coverage"`
	}
	after := getJSON[summary](t, ts.URL+"/api/summary?province=52", 200)
	if after.Province.Clusters != before.Province.Clusters+1 || after.Province.Name != "Gia Lai" {
		t.Fatalf("summary of province 52: %d clusters named %q, want %d", after.Province.Clusters, after.Province.Name, before.Province.Clusters+1)
	}
	// Coverage: the merged province's planned total first, with its source, then the former
	// province's totals, dated.
	first := after.Coverage.Items[0]
	if first.Slug != "merged_ccn_planned" || first.Count == nil || *first.Count != 99 || first.ValidTo != nil ||
		!slices.ContainsFunc(first.Sources, func(s string) bool { return strings.Contains(s, "laodong.vn") }) {
		t.Fatalf("coverage starts with %+v, want the merged province's 99 planned CCN and its source", first)
	}
	var held int64
	if err := store.Pool().QueryRow(ctx, `SELECT count(*) FROM clusters WHERE kind = 'ccn' AND province_code = '52'`).Scan(&held); err != nil {
		t.Fatal(err)
	}
	if first.Held == nil || *first.Held != held {
		t.Fatalf("coverage holds %v of the planned CCN, the database %d", first.Held, held)
	}
	if !strings.Contains(after.Coverage.Statement.EN, fmt.Sprintf("holds %d of the 99 industrial clusters (CCN) planned in Gia Lai (", held)) ||
		!strings.Contains(after.Coverage.Scope.EN, "Gia Lai (until 30 June 2025)") {
		t.Fatalf("coverage: %+v", after.Coverage)
	}

	// OGC serves it, filtered by province, and the tile of its point draws it.
	items := getJSON[struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}](t, ts.URL+"/ogc/collections/clusters/items?filter="+url.QueryEscape("name = 'CCN Kiểm thử Nhơn Tân' AND province_code = '52'"), 200)
	if len(items.Features) != 1 || items.Features[0].Properties["province_code"] != "52" ||
		items.Features[0].Properties["commune_2025"] != "An Nhơn Tây" {
		t.Fatalf("OGC: %+v", items.Features)
	}
	tc := geo.TileAt(12, lon, lat)
	_, tile := get(t, fmt.Sprintf("%s/tiles/clusters/%s.mvt?properties=name", ts.URL, tc))
	if l := tileReport(t, "tile", tile).Layer("clusters"); l == nil || !slices.Contains(l.Values, any("CCN Kiểm thử Nhơn Tân")) {
		t.Fatalf("tile %s does not draw the imported cluster", tc)
	}

	// Where it lay: the district and the former province before the reform, the commune (from
	// the record) and the merged province after it.
	type placed struct {
		Level    string `json:"level"`
		Province struct {
			Code    string  `json:"code"`
			Name    string  `json:"name"`
			ValidTo *string `json:"valid_to"`
		} `json:"province"`
		Units []struct {
			Level, Code, Name, Basis string
		} `json:"units"`
	}
	then := getJSON[placed](t, fmt.Sprintf("%s/api/layers/clusters/features/%d/units?as_of=2025-06-01", ts.URL, id), 200)
	if then.Level != "district" || len(then.Units) != 1 || then.Units[0].Level != "district" || then.Units[0].Code != "549" ||
		then.Province.Name != "Bình Định" || then.Province.ValidTo == nil || *then.Province.ValidTo != "2025-06-30" {
		t.Fatalf("as of 2025-06-01: %+v", then)
	}
	now := getJSON[placed](t, fmt.Sprintf("%s/api/layers/clusters/features/%d/units", ts.URL, id), 200)
	if now.Level != "commune" || len(now.Units) != 1 || now.Units[0].Level != "commune" || now.Units[0].Code != "21940" ||
		now.Units[0].Basis != "inferred" || now.Province.Code != "52" || now.Province.Name != "Gia Lai" || now.Province.ValidTo != nil {
		t.Fatalf("today: %+v", now)
	}
	// The feature's own history answers a day too: ClusterMap recorded it today, not in 2025.
	if r, _ := get(t, fmt.Sprintf("%s/api/layers/clusters/features/%d?as_of=%s", ts.URL, id, time.Now().UTC().Add(7*time.Hour).Format("2006-01-02"))); r.StatusCode != 200 {
		t.Errorf("history as of today: %d", r.StatusCode)
	}
	if r, _ := get(t, fmt.Sprintf("%s/api/layers/clusters/features/%d?as_of=2025-06-01", ts.URL, id)); r.StatusCode != 404 {
		t.Errorf("history as of 2025-06-01, before ClusterMap recorded it: %d, want 404", r.StatusCode)
	}
	// The register itself follows the date: 28 districts and no commune before, 135 communes after.
	count := func(q string) int {
		return len(getJSON[struct{ Units []json.RawMessage }](t, ts.URL+"/api/units?"+q, 200).Units)
	}
	if d, c := count("as_of=2025-06-01&level=district"), count("as_of=2025-06-01&level=commune"); d != 28 || c != 0 {
		t.Fatalf("units on 2025-06-01: %d districts, %d communes", d, c)
	}
	if d, c := count("level=district"), count("level=commune&province=52"); d != 0 || c != 135 {
		t.Fatalf("units today: %d districts, %d communes", d, c)
	}
	for _, bad := range []string{"as_of=yesterday", "level=hamlet", "nope=1"} {
		if r, b := get(t, ts.URL+"/api/units?"+bad); r.StatusCode != 400 || !strings.Contains(string(b), `"error"`) {
			t.Errorf("/api/units?%s: %d %s", bad, r.StatusCode, b)
		}
	}
}

// A commune account (UBND cấp xã, which took over the district's tasks for clusters: Decree
// 139/2025 Art. 6, 11) changes the stage, occupancy, infrastructure and contact of its own
// commune's clusters and proposes land on its territory; it neither records a founding (the
// province's decision) nor touches another commune's cluster. PostgreSQL enforces it: the same
// writes made directly as the editor role with the commune's settings are refused too.
func TestCommuneAccountRemit(t *testing.T) {
	f := newWS(t)
	ctx := context.Background()
	const commune = "21940" // An Nhơn Tây: CCN Nhơn Tân 1, An Trường, An Mơ
	if err := f.ed.AddScopedUser(ctx, "nhontan", edit.RoleCommune, edit.Scope{Commune: commune}, "a long enough password"); err != nil {
		t.Fatal(err)
	}
	if err := f.ed.AddScopedUser(ctx, "nowhere", edit.RoleCommune, edit.Scope{Commune: "99999"}, "a long enough password"); err == nil {
		t.Fatal("a commune account for a code no commune has was created")
	}
	tok, err := f.ed.NewToken(ctx, "nhontan")
	if err != nil {
		t.Fatal(err)
	}
	auth := "Bearer " + tok
	var own, other int64
	if err := f.store.Pool().QueryRow(ctx, `SELECT (SELECT min(id) FROM clusters WHERE commune_code = $1),
		(SELECT min(id) FROM clusters WHERE commune_code <> $1 AND province_code = '52')`, commune).Scan(&own, &other); err != nil {
		t.Fatal(err)
	}
	me := getJSON[map[string]any](t, f.url+"/api/session", 200, "Authorization", auth)
	if me["role"] != "commune" || me["commune"] != commune {
		t.Fatalf("/api/session: %v", me)
	}
	patch := func(id int64, body string) int {
		r, _ := do(t, "GET", f.item("clusters", id), nil)
		r, _ = do(t, "PATCH", f.item("clusters", id), []byte(body), "Authorization", auth, "If-Match", r.Header.Get("ETag"))
		return r.StatusCode
	}
	for _, tc := range []struct {
		what string
		id   int64
		body string
		want int
	}{
		// Its cluster has dated steps (the seed's): the stage follows them, it is not typed.
		{"its cluster's stage, typed", own, `{"properties":{"status":"under_construction"}}`, 422},
		{"its cluster's contact", own, `{"properties":{"contact":"UBND xã"}}`, 200},
		{"a founding (the province's decision)", own, `{"properties":{"status":"established"}}`, 403},
		{"its cluster's name", own, `{"properties":{"name":"CCN khác"}}`, 403},
		{"another commune's cluster", other, `{"properties":{"contact":"x"}}`, 403},
	} {
		if got := patch(tc.id, tc.body); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.what, got, tc.want)
		}
	}
	// The stage moves with the step it records.
	ev, _ := json.Marshal(map[string]any{"kind": "construction_start", "occurred_on": "2025-03-01", "sources": []string{"test fixture"}})
	if r, b := do(t, "POST", fmt.Sprintf("%s/api/clusters/%d/events", f.url, own), ev, "Authorization", auth); r.StatusCode != 201 {
		t.Errorf("its cluster's construction start: %d %s", r.StatusCode, b)
	}
	var stage string
	if err := f.store.Pool().QueryRow(ctx, `SELECT status::text FROM clusters WHERE id = $1`, own).Scan(&stage); err != nil || stage != "under_construction" {
		t.Errorf("after its construction start: %s (%v)", stage, err)
	}
	// It proposes land in its province, recorded as its commune's; it approves nothing.
	var geom []byte
	if err := f.store.Pool().QueryRow(ctx, `SELECT ST_AsGeoJSON(ST_Buffer(ST_PointOnSurface(geom)::geography, 200, 'quad_segs=1')::geometry, 7)
		FROM districts WHERE code = '549'`).Scan(&geom); err != nil {
		t.Fatal(err)
	}
	draft, _ := json.Marshal(map[string]any{"kind": "new", "name": "CCN đề xuất của xã", "geometry": json.RawMessage(geom)})
	r, b := do(t, "POST", f.url+"/api/proposals", draft, "Authorization", auth)
	if r.StatusCode != 201 {
		t.Fatalf("commune drafts: %d %s", r.StatusCode, b)
	}
	var created struct{ ID int64 }
	_ = json.Unmarshal(b, &created)
	var pc *string
	if err := f.store.Pool().QueryRow(ctx, `SELECT commune_code FROM proposals WHERE id = $1`, created.ID).Scan(&pc); err != nil || pc == nil || *pc != commune {
		t.Fatalf("proposal's commune: %v %v", pc, err)
	}
	exp, _ := json.Marshal(map[string]any{"kind": "expansion", "cluster_id": other, "name": "Mở rộng", "geometry": json.RawMessage(geom)})
	if r, b := do(t, "POST", f.url+"/api/proposals", exp, "Authorization", auth); r.StatusCode != 403 {
		t.Errorf("expansion of another commune's cluster: %d %s", r.StatusCode, b)
	}
	pu := fmt.Sprintf("%s/api/proposals/%d", f.url, created.ID)
	if r, _ := do(t, "POST", pu+"/submit", nil, "Authorization", auth); r.StatusCode != 200 {
		t.Errorf("submit: %d", r.StatusCode)
	}
	if r, _ := do(t, "POST", pu+"/approve", []byte(`{"decision_number":"1/QĐ-UBND","decision_date":"2026-01-01"}`), "Authorization", auth); r.StatusCode != 403 {
		t.Errorf("a commune approves: %d", r.StatusCode)
	}

	// The database holds the same rule without the service: as the editor, with the commune's
	// settings, SQL can change its own cluster's contact and nothing else.
	asCommune := func(sql string, args ...any) error {
		tx, err := f.store.Pool().Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx) //nolint:errcheck
		if _, err := tx.Exec(ctx, `SELECT set_config('clustermap.role', 'commune', true), set_config('clustermap.commune', $1, true),
			set_config('clustermap.user', 'sql', true)`, commune); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, "SET LOCAL ROLE clustermap_editor"); err != nil {
			t.Fatal(err)
		}
		_, err = tx.Exec(ctx, sql, args...)
		return err
	}
	if err := asCommune(`UPDATE clusters SET contact = 'sql' WHERE id = $1`, own); err != nil {
		t.Errorf("own cluster's contact by SQL: %v", err)
	}
	for what, sql := range map[string]string{
		"another commune's cluster": `UPDATE clusters SET contact = 'sql' WHERE id = $1`,
		"a founding":                `UPDATE clusters SET status = 'established' WHERE id = $1`,
		"a delete":                  `DELETE FROM clusters WHERE id = $1`,
	} {
		id := own
		if what == "another commune's cluster" {
			id = other
		}
		if err := asCommune(sql, id); err == nil || !strings.Contains(err.Error(), "42501") {
			t.Errorf("%s by SQL as a commune user: %v, want a refusal (42501)", what, err)
		}
	}
}

// A second province, loaded from a synthetic test fixture, lives beside the merged Gia Lai: its
// own view and summary, filters by province on /api, /ogc and tiles, and a department user bound
// to one province cannot write in the other.
func TestSecondProvinceCoexists(t *testing.T) {
	f := newWS(t)
	ctx := context.Background()
	imp := ingest.New(f.store, nil)
	// A synthetic province far from Gia Lai (a square in the sea off the Mekong delta, so it
	// cannot be mistaken for a real one), with one district and one cluster.
	fixture := fstest.MapFS{"provinces.csv": {Data: []byte(strings.Join(ingest.UnitColumns, ",") + "\n" +
		`province,99,Tỉnh Kiểm Thử,province,,,,,,,synthetic test fixture,106.5,8.5,9,synthetic test fixture — not a real province` + "\n")}}
	if _, err := imp.SeedUnits(ctx, fixture, "provinces.csv"); err != nil {
		t.Fatal(err)
	}
	district := `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[106.3,8.3],[106.7,8.3],[106.7,8.7],[106.3,8.7],[106.3,8.3]]]},
		"properties":{"code":"999","name":"Huyện Kiểm Thử","name_ascii":"Huyen Kiem Thu","kind":"district","parent_code":"99","sources":["synthetic test fixture"]}}]}`
	if _, err := imp.Import(ctx, "districts", []byte(district), ingest.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	cluster := `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[106.5,8.5]},
		"properties":{"name":"CCN Kiểm Thử","kind":"ccn","status":"operating","district_code":"999","geometry_quality":"indicative",
		"placement":"synthetic","sources":["synthetic test fixture"]}}]}`
	if _, err := imp.Import(ctx, "clusters", []byte(cluster), ingest.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	var fixtureID int64
	if err := f.store.Pool().QueryRow(ctx, `SELECT id FROM clusters WHERE name = 'CCN Kiểm Thử' AND province_code = '99'`).Scan(&fixtureID); err != nil {
		t.Fatalf("the fixture's cluster is not in province 99: %v", err)
	}

	provinces := getJSON[struct {
		Provinces []struct {
			Code string      `json:"code"`
			Name string      `json:"name"`
			BBox *[4]float64 `json:"bbox"`
			View *[3]float64 `json:"view"`
		} `json:"provinces"`
	}](t, f.url+"/api/provinces", 200).Provinces
	if len(provinces) != 2 || provinces[0].Code != "52" || provinces[1].Code != "99" || provinces[1].View == nil ||
		provinces[1].View[2] != 9 || provinces[0].BBox == nil || provinces[0].BBox[0] < 107 {
		t.Fatalf("provinces: %+v", provinces)
	}
	type summary struct {
		Province struct {
			Clusters int    `json:"clusters"`
			Name     string `json:"name_vi"`
		} `json:"province"`
		Regions  []json.RawMessage                 `json:"regions"`
		Coverage struct{ Items []json.RawMessage } `json:"coverage"`
	}
	var in52 int
	if err := f.store.Pool().QueryRow(ctx, `SELECT count(*) FROM clusters WHERE province_code = '52'`).Scan(&in52); err != nil {
		t.Fatal(err)
	}
	s99 := getJSON[summary](t, f.url+"/api/summary?province=99", 200)
	s52 := getJSON[summary](t, f.url+"/api/summary?province=52", 200)
	if s99.Province.Clusters != 1 || s99.Province.Name != "Tỉnh Kiểm Thử" || len(s99.Regions) != 0 || len(s99.Coverage.Items) != 0 {
		t.Errorf("province 99's summary: %+v", s99)
	}
	if s52.Province.Clusters != in52 || len(s52.Regions) != 5 {
		t.Errorf("province 52's summary: %d clusters, %d areas; want %d and 5", s52.Province.Clusters, len(s52.Regions), in52)
	}
	names := func(url string) []string {
		var fc struct {
			Features []struct{ Properties map[string]any } `json:"features"`
		}
		_, b := get(t, url)
		if err := json.Unmarshal(b, &fc); err != nil {
			t.Fatalf("%s: %s", url, b)
		}
		var out []string
		for _, x := range fc.Features {
			out = append(out, fmt.Sprint(x.Properties["name"]))
		}
		return out
	}
	if got := names(f.url + "/api/layers/clusters/features?province_code=99"); !slices.Equal(got, []string{"CCN Kiểm Thử"}) {
		t.Errorf("/api clusters of 99: %v", got)
	}
	// Time travel keeps to one province too (the web map's past-date view in an installation of
	// several), by the province each version records; anything else beside as_of is refused.
	asOf := f.url + "/api/layers/clusters/features?as_of=" + url.QueryEscape(time.Now().UTC().Add(time.Minute).Format(time.RFC3339))
	if got := names(asOf + "&province_code=99"); !slices.Equal(got, []string{"CCN Kiểm Thử"}) {
		t.Errorf("clusters of 99 as of now: %v", got)
	}
	if got := names(asOf + "&province_code=52"); len(got) != in52 || slices.Contains(got, "CCN Kiểm Thử") {
		t.Errorf("clusters of 52 as of now: %d, want %d without the fixture's", len(got), in52)
	}
	if got := names(asOf); len(got) != in52+1 {
		t.Errorf("clusters as of now: %d, want %d", len(got), in52+1)
	}
	for _, bad := range []string{"&province_code=9a", "&province_code=52&province_code=99", "&province_code=", "&bbox=106,8,107,9"} {
		if r, body := get(t, asOf+bad); r.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "error") {
			t.Errorf("as_of with %s: %d %s, want 400 with a JSON error", bad, r.StatusCode, body)
		}
	}
	if got := names(f.url + "/ogc/collections/clusters/items?filter=" + url.QueryEscape("province_code = '99'")); !slices.Equal(got, []string{"CCN Kiểm Thử"}) {
		t.Errorf("/ogc clusters of 99: %v", got)
	}
	if got := names(f.url + "/ogc/collections/clusters/items?limit=1000&filter=" + url.QueryEscape("province_code = '52'")); len(got) != in52 || slices.Contains(got, "CCN Kiểm Thử") {
		t.Errorf("/ogc clusters of 52: %d, want %d without the fixture's", len(got), in52)
	}
	tc := geo.TileAt(10, 106.5, 8.5)
	for code, want := range map[string]int{"99": 1, "52": 0} {
		r, tile := get(t, fmt.Sprintf("%s/tiles/clusters/%s.mvt?province_code=%s", f.url, tc, code))
		n := 0
		if r.StatusCode == 200 {
			if l := tileReport(t, "tile", tile).Layer("clusters"); l != nil {
				n = l.Features
			}
		}
		if n != want {
			t.Errorf("tile %s filtered to %s: %d features (status %d), want %d", tc, code, n, r.StatusCode, want)
		}
	}
	// The linkage of one province: its zones and clusters (and those its zones are linked to);
	// the fixture's cluster, which has no zones near it, in its own province's answer only.
	type linkage struct {
		Province string `json:"province"`
		Clusters []struct {
			ID int64 `json:"id"`
		} `json:"clusters"`
		Zones []struct {
			ID int64 `json:"id"`
		} `json:"zones"`
	}
	ids := func(l linkage) (clusters, zones []int64) {
		for _, c := range l.Clusters {
			clusters = append(clusters, c.ID)
		}
		for _, z := range l.Zones {
			zones = append(zones, z.ID)
		}
		return clusters, zones
	}
	var zones52 int
	if err := f.store.Pool().QueryRow(ctx, `SELECT count(*) FROM raw_material_zones WHERE province_code = '52'`).Scan(&zones52); err != nil {
		t.Fatal(err)
	}
	wholeC, wholeZ := ids(getJSON[linkage](t, f.url+"/api/analysis/linkage", 200))
	l99C, l99Z := ids(getJSON[linkage](t, f.url+"/api/analysis/linkage?province=99", 200))
	l52 := getJSON[linkage](t, f.url+"/api/analysis/linkage?province=52", 200)
	l52C, l52Z := ids(l52)
	if !slices.Equal(l99C, []int64{fixtureID}) || len(l99Z) != 0 {
		t.Errorf("linkage of 99: clusters %v, zones %v; want the fixture's cluster alone", l99C, l99Z)
	}
	if l52.Province != "52" || slices.Contains(l52C, fixtureID) || len(l52C) != in52 || len(l52Z) != zones52 || zones52 == 0 ||
		len(wholeC) != in52+1 || len(wholeZ) != len(l52Z) {
		t.Errorf("linkage of 52: %d clusters, %d zones (want %d, %d); the whole: %d clusters, %d zones", len(l52C), len(l52Z), in52, zones52, len(wholeC), len(wholeZ))
	}
	if r, body := get(t, f.url+"/api/analysis/linkage?province=5x"); r.StatusCode != http.StatusBadRequest {
		t.Errorf("linkage of province 5x: %d %s", r.StatusCode, body)
	}

	// The web map's base tiles (regions and districts in one composite tile) of one province: a
	// z4 tile holds both provinces; filtered, each keeps its own units only.
	base := geo.TileAt(4, 106.5, 8.5)
	codesOf := func(query string) (regions int, codes []string) {
		r, tile := get(t, fmt.Sprintf("%s/tiles/regions,districts/%s.mvt?properties=slug,code%s", f.url, base, query))
		if r.StatusCode != http.StatusOK {
			t.Fatalf("base tile %s%s: %d %s", base, query, r.StatusCode, tile)
		}
		rep := tileReport(t, "base tile", tile)
		if l := rep.Layer("regions"); l != nil {
			regions = l.Features
		}
		if l := rep.Layer("districts"); l != nil {
			for _, f := range l.FeatureReports {
				codes = append(codes, fmt.Sprint(f.Properties["code"]))
			}
		}
		return regions, codes
	}
	allRegions, all := codesOf("")
	regions99, in99 := codesOf("&province_code=99")
	regions52, in52Tile := codesOf("&province_code=52")
	if !slices.Contains(all, "999") || allRegions != 5 || regions99 != 0 || !slices.Equal(in99, []string{"999"}) ||
		regions52 != 5 || slices.Contains(in52Tile, "999") || len(in52Tile) != len(all)-1 {
		t.Errorf("base tile %s: %d areas and %d districts unfiltered; of 99 %d areas, districts %v; of 52 %d areas and %d districts",
			base, allRegions, len(all), regions99, in99, regions52, len(in52Tile))
	}
	if r, body := get(t, fmt.Sprintf("%s/tiles/regions,districts/%s.mvt?status=operating", f.url, base)); r.StatusCode != http.StatusBadRequest {
		t.Errorf("a composite filter one layer lacks: %d %s", r.StatusCode, body)
	}

	// A department user of province 52 does not write in province 99.
	if err := f.ed.AddScopedUser(ctx, "dept52", edit.RoleDepartment, edit.Scope{Province: "52"}, "a long enough password"); err != nil {
		t.Fatal(err)
	}
	tok, err := f.ed.NewToken(ctx, "dept52")
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[int64]int{fixtureID: 403, f.inside: 200} {
		r, _ := do(t, "GET", f.item("clusters", id), nil)
		r, b := do(t, "PATCH", f.item("clusters", id), []byte(`{"properties":{"contact":"dept52"}}`), "Authorization", "Bearer "+tok, "If-Match", r.Header.Get("ETag"))
		if r.StatusCode != want {
			t.Errorf("department of 52 patches cluster %d: %d %s, want %d", id, r.StatusCode, b, want)
		}
	}
}

// get is GET url (Fetch) within this package's tests.
func get(t testing.TB, url string, header ...string) (*http.Response, []byte) {
	t.Helper()
	return Fetch(t, "GET", url, header...)
}

// getJSON decodes the answer of GET url, which must have the status want.
func getJSON[T any](t testing.TB, url string, want int, header ...string) T {
	t.Helper()
	r, b := get(t, url, header...)
	var out T
	if r.StatusCode != want {
		t.Fatalf("GET %s: %d, want %d: %s", url, r.StatusCode, want, b)
	}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("GET %s: %v: %s", url, err, b)
	}
	return out
}

// An official commune layer, when a source gives one, comes in by code (clustermap import
// communes FILE): the register takes the boundary, a feature with no recorded commune is then
// placed by it, and a commune user's drawing must lie inside its own commune, in PostgreSQL. A
// code the register does not hold, or a boundary without sources, loads nothing.
func TestCommuneBoundaryImport(t *testing.T) {
	f := newWS(t)
	ctx := context.Background()
	imp := ingest.New(f.store, nil)
	const commune = "21940"
	// A synthetic square (a test fixture, not the commune's real boundary) around CCN Nhơn Tân 1.
	var lon, lat float64
	if err := f.store.Pool().QueryRow(ctx, `SELECT ST_X(ST_Centroid(geom)), ST_Y(ST_Centroid(geom)) FROM clusters WHERE name = 'CCN Nhơn Tân 1'`).
		Scan(&lon, &lat); err != nil {
		t.Fatal(err)
	}
	square := func(code string, d float64, sources string) []byte {
		return []byte(fmt.Sprintf(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":%q,"sources":%s},
			"geometry":{"type":"Polygon","coordinates":[[[%[3]f,%[4]f],[%[5]f,%[4]f],[%[5]f,%[6]f],[%[3]f,%[6]f],[%[3]f,%[4]f]]]}}]}`,
			code, sources, lon-d, lat-d, lon+d, lat+d))
	}
	for what, data := range map[string][]byte{
		"an unknown code": square("99999", 0.02, `["synthetic test fixture"]`),
		"no sources":      square(commune, 0.02, `[]`),
	} {
		if rep, err := imp.ImportUnitBoundaries(ctx, "commune", data, ""); !errors.Is(err, ingest.ErrRejected) || len(rep.Problems) != 1 {
			t.Errorf("%s: %+v %v, want a rejection naming the problem", what, rep, err)
		}
	}
	if rep, err := imp.ImportUnitBoundaries(ctx, "commune", square(commune, 0.02, `["synthetic test fixture"]`), ""); err != nil || rep.Updated != 1 {
		t.Fatalf("import: %+v %v", rep, err)
	}
	if rep, err := imp.ImportUnitBoundaries(ctx, "commune", square(commune, 0.02, `["synthetic test fixture"]`), ""); err != nil || rep.Unchanged != 1 {
		t.Fatalf("the same file again: %+v %v", rep, err)
	}
	var bounded int
	if err := f.store.Pool().QueryRow(ctx, `SELECT count(*) FROM admin_units WHERE level = 'commune' AND geom IS NOT NULL`).Scan(&bounded); err != nil || bounded != 1 {
		t.Fatalf("%d communes with a boundary (%v), want 1", bounded, err)
	}
	// A cluster whose record names no commune is placed by the boundary.
	var id int64
	if err := f.store.Pool().QueryRow(ctx, `UPDATE clusters SET commune_code = NULL, commune_basis = NULL WHERE name = 'CCN Nhơn Tân 1' RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	placed := getJSON[struct {
		Units []struct{ Code, Basis string }
	}](t, fmt.Sprintf("%s/api/layers/clusters/features/%d/units", f.url, id), 200)
	if len(placed.Units) != 1 || placed.Units[0].Code != commune || placed.Units[0].Basis != "boundary" {
		t.Fatalf("placed by the boundary: %+v", placed)
	}
	// A commune user draws inside its commune, not elsewhere in the province.
	if err := f.ed.AddScopedUser(ctx, "nhontan", edit.RoleCommune, edit.Scope{Commune: commune}, "a long enough password"); err != nil {
		t.Fatal(err)
	}
	tok, err := f.ed.NewToken(ctx, "nhontan")
	if err != nil {
		t.Fatal(err)
	}
	draw := func(dlon float64) int {
		g := fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%[1]f,%[2]f],[%[3]f,%[2]f],[%[3]f,%[4]f],[%[1]f,%[4]f],[%[1]f,%[2]f]]]}`,
			lon+dlon-0.002, lat-0.002, lon+dlon+0.002, lat+0.002)
		body, _ := json.Marshal(map[string]any{"kind": "new", "name": fmt.Sprintf("CCN đề xuất %g", dlon), "geometry": json.RawMessage(g)})
		r, _ := do(t, "POST", f.url+"/api/proposals", body, "Authorization", "Bearer "+tok)
		return r.StatusCode
	}
	if got := draw(0.01); got != 201 {
		t.Errorf("a drawing inside the commune: %d", got)
	}
	if got := draw(0.1); got != 403 {
		t.Errorf("a drawing outside the commune, inside the province: %d, want 403", got)
	}
}
