package server_test

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/clustermap/clustermap/geo/ingest"
)

// The web map says which province it shows, with which units and for which day, in the title,
// the subtitle, the legend and About, from the data (/api/provinces), in both languages, with no
// accessibility violation; a second province of the installation opens on its own view with its
// own name.
func TestBrowserProvinceWords(t *testing.T) {
	ts, store := newTestServer(t)
	browser := startBrowser(t)
	axe := axeJS(t)
	p := newPage(t, browser, ts.URL, desktop)
	p.load("/")

	type words struct {
		Title, Brand, Subtitle, MapLabel, Legend, About string
	}
	const wordsJS = `(() => ({
	  title: document.title,
	  brand: document.querySelector(".brand [data-i18n='app.title']").textContent,
	  subtitle: document.querySelector(".brand small").textContent,
	  mapLabel: document.getElementById("map").getAttribute("aria-label"),
	  legend: (document.querySelector(".legend-layer[data-layer=districts]") || {}).textContent || "",
	  about: document.getElementById("about").textContent,
	}))()`
	openAbout := func(lang string) words {
		p.do("open About the data", chromedp.Click(chromedp.CSS(".leaflet-control-attribution .cm-about-link")))
		pollJS[bool](p, `document.getElementById("about").open && document.querySelector("#about .about-units") !== null`, settle)
		w := evalJS[words](p, wordsJS)
		checkAxe(p, axe, "About, "+lang)
		p.do("close About", chromedp.Click(chromedp.CSS("#about-close")))
		return w
	}
	today := time.Now().UTC()
	vi := openAbout("vi")
	for what, c := range map[string][2]string{
		"title":      {vi.Title, "ClusterMap Gia Lai"},
		"brand":      {vi.Brand, "ClusterMap Gia Lai"},
		"subtitle":   {vi.Subtitle, "135 xã, phường từ 1/7/2025"},
		"subtitle ":  {vi.Subtitle, today.Format("02/01/2006")},
		"map label":  {vi.MapLabel, "tỉnh Gia Lai"},
		"legend":     {vi.Legend, "28 huyện đến hết ngày 30/6/2025"},
		"About":      {vi.About, "hợp nhất các tỉnh Bình Định và Gia Lai (đến hết ngày 30/6/2025)"},
		"About date": {vi.About, "như ngày " + today.Format("02/01/2006")},
	} {
		if !strings.Contains(c[0], c[1]) {
			t.Errorf("%s: %q does not say %q", what, c[0], c[1])
		}
	}
	checkAxe(p, axe, "map, vi")
	p.do("switch to English", chromedp.Click(chromedp.CSS("#lang-toggle")))
	pollJS[bool](p, `document.documentElement.lang === "en"`, settle)
	en := openAbout("en")
	for what, c := range map[string][2]string{
		"subtitle": {en.Subtitle, "Industrial clusters of Gia Lai province · 135 communes and wards since 1 July 2025"},
		"date":     {en.Subtitle, today.Format("2 January 2006")},
		"legend":   {en.Legend, "the 28 districts as they were until 30 June 2025"},
		"About":    {en.About, "the merger of the former Bình Định and Gia Lai provinces"},
	} {
		if !strings.Contains(c[0], c[1]) {
			t.Errorf("en %s: %q does not say %q", what, c[0], c[1])
		}
	}
	checkAxe(p, axe, "map, en")

	// A second province (a synthetic fixture) opens on its own view, under its own name.
	ctx := context.Background()
	imp := ingest.New(store, nil)
	fixture := fstest.MapFS{"p.csv": {Data: []byte(strings.Join(ingest.UnitColumns, ",") + "\n" +
		`province,99,Tỉnh Kiểm Thử,province,,,,,,,synthetic test fixture,106.5,8.5,9,synthetic test fixture — not a real province` + "\n")}}
	if _, err := imp.SeedUnits(ctx, fixture, "p.csv"); err != nil {
		t.Fatal(err)
	}
	if _, err := imp.Import(ctx, "districts", []byte(`{"type":"FeatureCollection","features":[{"type":"Feature",
		"geometry":{"type":"Polygon","coordinates":[[[106.3,8.3],[106.7,8.3],[106.7,8.7],[106.3,8.7],[106.3,8.3]]]},
		"properties":{"code":"999","name":"Huyện Kiểm Thử","name_ascii":"Huyen Kiem Thu","kind":"district","parent_code":"99","sources":["synthetic test fixture"]}}]}`),
		ingest.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	q := newPage(t, browser, ts.URL, desktop)
	q.load("/?province=99")
	got := evalJS[struct {
		Title    string
		Lat, Lon float64
		Zoom     int
	}](q, `({ title: document.title, lat: clustermap.map.getCenter().lat, lon: clustermap.map.getCenter().lng, zoom: clustermap.map.getZoom() })`)
	if got.Title != "ClusterMap Tỉnh Kiểm Thử" || got.Zoom != 9 || got.Lat < 8.4 || got.Lat > 8.6 || got.Lon < 106.4 || got.Lon > 106.6 {
		t.Errorf("?province=99 opened %+v, want its title and its own view (106.5, 8.5, z9)", got)
	}
}
