package server_test

// Names are data, and data is text: a browser test that gives every name and text field the
// page shows a hostile value (markup that would add elements, and a <meta http-equiv="refresh">
// that would take the page away) and walks each view as a user would, anonymous and signed in.
// After every step nothing of the markup may have become an element, the page must still be
// where it was, and the view must show the value as literal text (so the step proves that the
// view did render the name). A proposal named with the same markup goes through the workflow
// (a district submits, the department approves), so it is shown in the review, the history and
// the past-date view, whose tooltip once took a user who hovered it away.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/clustermap/clustermap/geo/edit"
)

// pwn is the hostile markup every text field gets: quotes that would end an attribute, an image
// and a bold element (found by their ids when they become elements) and a refresh to another page.
const pwn = `"'><img src=x id=pwn-img><meta http-equiv="refresh" content="0;url=about:blank"><b id=pwn-b>bold</b>`

// hostileSeen is what a view shows of the hostile values: the elements the markup made (none
// when it is text), the values it does not show as text, and where the page is.
type hostileSeen struct {
	Injected []string `json:"injected"`
	Missing  []string `json:"missing"`
	Href     string   `json:"href"`
}

// walker checks one page through the views a test walks.
type walker struct {
	t  *testing.T
	p  *page
	at string // the page's address without its fragment: nothing may take the page away
}

func newWalker(t *testing.T, p *page) *walker {
	return &walker{t: t, p: p, at: p.origin + "/"}
}

// see waits until each of want is text of an element matching scope, then fails the test unless
// no element came of the hostile markup and the page is still at w.at. It stops waiting as soon
// as the markup made an element or the page moved: a broken escape fails at once, naming the view.
func (w *walker) see(view, scope string, want ...string) {
	w.t.Helper()
	w.look(view, scope, "", want)
}

// seeAttr is see for an attribute of the elements (a marker's title, an option's value).
func (w *walker) seeAttr(view, scope, attr string, want ...string) {
	w.t.Helper()
	w.look(view, scope, attr, want)
}

func (w *walker) look(view, scope, attr string, want []string) {
	w.t.Helper()
	wantJSON, _ := json.Marshal(want)
	// final: answer what is there now, rather than nothing while the view is not yet drawn.
	js := func(final bool) string {
		return fmt.Sprintf(`(() => {
		  const injected = [...document.querySelectorAll("#pwn-img, #pwn-b, meta[http-equiv]")].map((e) => e.outerHTML.slice(0, 100));
		  const attr = %q;
		  const texts = [...document.querySelectorAll(%q)].map((e) => (attr ? e.getAttribute(attr) || "" : e.textContent));
		  const missing = %s.filter((s) => !texts.some((x) => x.includes(s)));
		  const href = location.href.split("#")[0];
		  if (!%t && missing.length && !injected.length && href === %q) return null;
		  return { injected, missing, href };
		})()`, attr, scope, wantJSON, final, w.at)
	}
	got, err := chromedp.Run(w.p.ctx, chromedp.Poll[hostileSeen](js(false), chromedp.WithPollingTimeout(settle), chromedp.WithPollingInterval(50*time.Millisecond)))
	if err != nil {
		now, nerr := chromedp.Run(w.p.ctx, chromedp.Evaluate[hostileSeen](js(true)))
		if nerr != nil {
			w.fail(view, "the view never showed the hostile values as text in "+scope, err)
		}
		got = now
	}
	if len(got.Injected) > 0 {
		w.t.Errorf("%s: data became markup, elements %q are in the page", view, got.Injected)
	}
	if got.Href != w.at {
		w.t.Errorf("%s: the page went from %s to %s", view, w.at, got.Href)
	}
	for _, m := range got.Missing {
		w.t.Errorf("%s: %s does not show %q as text", view, scope, m)
	}
	if w.t.Failed() {
		w.t.FailNow()
	}
}

// fail ends the test after a wait in view went wrong; when the page is no longer at w.at, a
// refresh the markup made took it away, and it says so.
func (w *walker) fail(view, what string, err error) {
	w.t.Helper()
	if loc, lerr := chromedp.Run(w.p.ctx, chromedp.Location()); lerr == nil && strings.Split(loc, "#")[0] != w.at {
		w.t.Fatalf("%s: data became markup: the page went from %s to %s (%v)", view, w.at, loc, err)
	}
	w.t.Fatalf("%s: %s (%v)", view, what, err)
}

// wait polls until js is truthy, in the step view.
func (w *walker) wait(view, js string) {
	w.t.Helper()
	if _, err := chromedp.Run(w.p.ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(settle), chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		w.fail(view, "waiting for "+js, err)
	}
}

// load opens the app at path and waits until it is ready.
func (w *walker) load(path string) {
	w.t.Helper()
	w.p.reset()
	w.p.do("open "+path, chromedp.Navigate(w.p.origin+path))
	w.wait("first load", `!!document.body && document.body.dataset.ready === "1"`)
}

// openTooltip opens the Leaflet tooltip of the first layer on the map that filter (a JS
// expression of l) accepts, as hovering it would, and returns whether there was one.
func openTooltip(p *page, filter string) bool {
	return evalJS[bool](p, fmt.Sprintf(`(() => {
	  let done = false;
	  clustermap.map.eachLayer((l) => {
	    if (done || !l.getTooltip || !l.getTooltip() || !(%s)) return;
	    l.openTooltip(l.getCenter ? l.getCenter() : l.getLatLng());
	    done = true;
	  });
	  return done;
	})()`, filter))
}

// closeTooltips closes every open Leaflet tooltip.
func (w *walker) closeTooltips() {
	w.t.Helper()
	evalJS[bool](w.p, `(clustermap.map.eachLayer((l) => l.closeTooltip && l.closeTooltip()), true)`)
	w.wait("close the tooltips", `!document.querySelector(".leaflet-tooltip")`)
}

// hover moves the mouse, as a user does, onto the point (lon, lat) at zoom 16, after checking
// that the element there matches selector (nothing else covers it).
func (w *walker) hover(what string, lon, lat float64, selector string) {
	w.t.Helper()
	t, p := w.t, w.p
	centreFree(p, lon, lat)
	w.wait(what, fmt.Sprintf(`!!document.querySelector(%q)`, selector))
	x, y := screenPoint(p, lon, lat)
	hit := evalJS[string](p, fmt.Sprintf(`(() => {
	  const e = document.elementFromPoint(%f, %f);
	  if (!e) return "nothing";
	  return e.closest(%q) ? "" : e.tagName + " " + (e.id || e.getAttribute("class") || "");
	})()`, x, y, selector))
	if hit != "" {
		t.Fatalf("%s: at %.0f,%.0f the mouse would be on %s, not on %s", what, x, y, hit, selector)
	}
	p.do(what, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x-2, y-2), chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x, y))
}

// unhover moves the mouse off the map, onto the page's header.
func unhover(p *page) {
	p.do("move the mouse away", chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, 2, 2))
}

// openByHash opens a feature's panel as a shared link does.
func (w *walker) openByHash(layer, id string) {
	w.t.Helper()
	evalJS[bool](w.p, fmt.Sprintf(`(location.hash = "#9/13.9/108.0/%s:%s", true)`, layer, id))
	w.wait("open "+layer+" "+id, fmt.Sprintf(`(() => {
	  const panel = document.getElementById("panel");
	  return !panel.hidden && panel.dataset.layer === %q && panel.dataset.id === %q && !!document.getElementById("panel-title");
	})()`, layer, id))
}

// apiCall sends a JSON request with a bearer token and returns the status and the body.
func apiCall(t *testing.T, method, url, token string, body any) (int, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = strings.NewReader(string(b))
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out
}

func TestBrowserHostileNames(t *testing.T) {
	ts, store := newTestServer(t)
	ed := edit.New(store, slog.New(slog.DiscardHandler))
	ctx := context.Background()
	db := store.Pool()

	// The cluster the walk follows: one with a footprint (a tooltip from zoom 12).
	var target struct {
		id, name, district string
		lon, lat           float64
	}
	err := db.QueryRow(ctx, `SELECT c.id::text, c.name, d.name, ST_X(ST_PointOnSurface(c.geom)), ST_Y(ST_PointOnSurface(c.geom))
		FROM clusters c JOIN districts d ON d.code = c.district_code
		WHERE GeometryType(c.geom) = 'MULTIPOLYGON' ORDER BY c.id LIMIT 1`).Scan(&target.id, &target.name, &target.district, &target.lon, &target.lat)
	if err != nil {
		t.Fatalf("the seed has no cluster with a footprint: %v", err)
	}
	one := func(sql string) (id, name string) {
		t.Helper()
		if err := db.QueryRow(ctx, sql).Scan(&id, &name); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return id, name
	}
	zoneID, zoneName := one(`SELECT id::text, name FROM raw_material_zones ORDER BY id LIMIT 1`)
	roadID, roadName := one(`SELECT id::text, name FROM roads ORDER BY id LIMIT 1`)
	plantID, plantName := one(`SELECT id::text, name FROM plants ORDER BY id LIMIT 1`)
	energyID, energyName := one(`SELECT id::text, name FROM energy ORDER BY id LIMIT 1`)
	// The cluster's district and its area (whose figures count the cluster's investor).
	var targetDistrict, regionSlug, regionName, regionNameEN string
	err = db.QueryRow(ctx, `SELECT c.district_code, r.slug, r.name_vi, r.name_en FROM clusters c
		JOIN region_members m ON m.district_code = c.district_code JOIN regions r ON r.slug = m.region_slug
		WHERE c.id = $1::bigint`, target.id).Scan(&targetDistrict, &regionSlug, &regionName, &regionNameEN)
	if err != nil {
		t.Fatalf("cluster %s has no area: %v", target.id, err)
	}

	// Every text field the page shows gets the markup, straight in the database (the test's
	// own copy). Each keeps its own words after it, so a view can be asked for a given one.
	hostile := func(s string) string { return pwn + " " + s }
	for _, sql := range []string{
		`UPDATE clusters SET name = $1 || ' ' || name, investor = $1 || ' investor ' || id, contact = $1 || ' contact',
		   notes = $1 || ' notes ' || coalesce(notes, ''), commune = $1 || ' commune', decision_number = $1 || ' decision',
		   placement = $1 || ' placement ' || placement, target_industries = target_industries || ($1 || ' industry'),
		   sources = sources || ($1 || ' source — https://example.org/pwn')`,
		`UPDATE raw_material_zones SET name = $1 || ' ' || name, output = $1 || ' output', notes = $1 || ' zone notes ' || coalesce(notes, '')`,
		`UPDATE roads SET name = $1 || ' ' || name, notes = $1 || ' road notes ' || coalesce(notes, '')`,
		`UPDATE plants SET name = $1 || ' ' || name, notes = $1 || ' plant notes ' || coalesce(notes, '')`,
		`UPDATE energy SET name = $1 || ' ' || name, notes = $1 || ' energy notes ' || coalesce(notes, '')`,
		`UPDATE districts SET name = $1 || ' ' || name`,
		`UPDATE regions SET name_vi = $1 || ' ' || name_vi, name_en = $1 || ' ' || name_en, role_vi = $1 || ' role'`,
	} {
		if _, err := db.Exec(ctx, sql, pwn); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	target.name, target.district = hostile(target.name), hostile(target.district)

	// Two proposals with the markup in their names, from a district user through the API: A is
	// approved by the department (a new cluster, in the history and the past-date view), B waits
	// for review.
	var district string
	err = db.QueryRow(ctx, `SELECT a.district_code FROM clusters a, districts d
		WHERE d.code = a.district_code AND ST_CoveredBy(a.geom, d.geom) AND a.kind = 'ccn' ORDER BY a.id LIMIT 1`).Scan(&district)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct{ name, role, district string }{{"dist", edit.RoleDistrict, district}, {"dept", edit.RoleDepartment, ""}} {
		if err := ed.AddUser(ctx, u.name, u.role, u.district, wsPassword); err != nil {
			t.Fatal(err)
		}
	}
	// Two places deep inside the district, far from every cluster and from each other.
	var places [2][2]float64
	err = db.QueryRow(ctx, `WITH p AS (
		  SELECT x.p FROM (SELECT (ST_Dump(ST_GeneratePoints(ST_Buffer(d.geom::geography, -1500)::geometry, 300, 11))).geom AS p
		    FROM districts d WHERE d.code = $1) x
		   WHERE NOT EXISTS (SELECT 1 FROM clusters c WHERE ST_DWithin(c.geom::geography, x.p::geography, 2000)))
		SELECT ST_X(a.p), ST_Y(a.p), ST_X(b.p), ST_Y(b.p) FROM p a, p b
		 WHERE ST_Distance(a.p::geography, b.p::geography) > 1500 ORDER BY ST_X(a.p), ST_X(b.p) DESC LIMIT 1`, district).
		Scan(&places[0][0], &places[0][1], &places[1][0], &places[1][1])
	if err != nil {
		t.Fatalf("no two free places in district %s: %v", district, err)
	}
	distTok, err := ed.NewToken(ctx, "dist")
	if err != nil {
		t.Fatal(err)
	}
	deptTok, err := ed.NewToken(ctx, "dept")
	if err != nil {
		t.Fatal(err)
	}
	nameA, nameB := hostile("CCN đề xuất A"), hostile("CCN đề xuất B")
	propose := func(name string, at [2]float64) int64 {
		t.Helper()
		status, body := apiCall(t, http.MethodPost, ts.URL+"/api/proposals", distTok, map[string]any{
			"kind": "new", "name": name, "target_industries": []string{hostile("proposal industry")},
			"investor": hostile("proposal investor"), "justification": hostile("justification"), "notes": hostile("proposal notes"),
			"land_recovery": []map[string]any{{"parcel": hostile("parcel"), "owner": hostile("owner"), "area_ha": 25}},
			"geometry":      json.RawMessage(ring(square(at[0], at[1], 250))),
		})
		if status != http.StatusCreated {
			t.Fatalf("propose %q: %d %s", name, status, body)
		}
		var created struct{ ID int64 }
		if err := json.Unmarshal(body, &created); err != nil || created.ID == 0 {
			t.Fatalf("propose %q: %s (%v)", name, body, err)
		}
		if status, body := apiCall(t, http.MethodPost, fmt.Sprintf("%s/api/proposals/%d/submit", ts.URL, created.ID), distTok, nil); status != http.StatusOK {
			t.Fatalf("submit %q: %d %s", name, status, body)
		}
		return created.ID
	}
	propA, propB := propose(nameA, places[0]), propose(nameB, places[1])
	status, body := apiCall(t, http.MethodPost, fmt.Sprintf("%s/api/proposals/%d/approve", ts.URL, propA), deptTok, map[string]string{
		"decision_number": hostile("QĐ-UBND"), "decision_date": "2025-06-01", "comment": hostile("approval comment"),
	})
	if status != http.StatusOK {
		t.Fatalf("approve A: %d %s", status, body)
	}
	var approved struct {
		Status    string `json:"status"`
		ClusterID int64  `json:"cluster_id"`
	}
	if err := json.Unmarshal(body, &approved); err != nil || approved.Status != "approved" || approved.ClusterID == 0 {
		t.Fatalf("approve A: %s (%v)", body, err)
	}
	clusterA := strconv.FormatInt(approved.ClusterID, 10)
	var lonA, latA float64
	if err := db.QueryRow(ctx, `SELECT ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) FROM clusters WHERE id = $1`, approved.ClusterID).Scan(&lonA, &latA); err != nil {
		t.Fatal(err)
	}
	// The past-date view is asked for now: every hostile name and the approved proposal in it.
	var asOf time.Time
	if err := db.QueryRow(ctx, `SELECT now()`).Scan(&asOf); err != nil {
		t.Fatal(err)
	}
	ts.AwaitVersions(t, store)

	browser := startBrowser(t)

	t.Run("Public", func(t *testing.T) {
		p := newPage(t, browser, ts.URL, desktop)
		w := newWalker(t, p)
		w.load("/")

		// The first load: symbols (their titles), the areas' and districts' labels, the legend,
		// the list and the filters beside the map.
		w.seeAttr("first load: cluster symbols", `.cm-symbol[data-layer="clusters"]`, "title", target.name, hostile("CCN"))
		w.seeAttr("first load: plant symbols", `.cm-symbol[data-layer="plants"]`, "title", hostile(plantName))
		w.seeAttr("first load: energy symbols", `.cm-symbol[data-layer="energy"]`, "title", hostile(energyName))
		w.see("first load: area labels", ".cm-region-label", hostile(regionName))
		w.see("first load: district labels", ".cm-district-label", target.district)
		w.see("first load: legend", ".cm-legend", hostile(regionName))
		w.see("list", "#results-list .list-name", target.name, nameA)
		w.see("filters: industries", "#f-industry option", pwn+" industry")
		w.see("filters: areas", "#f-region option", hostile(regionName))

		// Search for the cluster by its own words, and open the result: its panel, the fact sheet.
		p.do("search for the cluster", chromedp.Click(chromedp.CSS("#search")),
			chromedp.SendKeys(chromedp.CSS("#search"), strings.TrimPrefix(target.name, pwn+" ")))
		option := fmt.Sprintf(`#search-results li[role="option"][data-layer="clusters"][data-id="%s"]`, target.id)
		w.see("search results", "#search-results .result-name", target.name)
		p.do("choose the result", chromedp.Click(chromedp.CSS(option)))
		w.wait("choose the search result", fmt.Sprintf(`document.getElementById("panel").dataset.id === %q && !!document.getElementById("panel-title")`, target.id))
		w.see("cluster panel", "#panel", target.name, target.district, pwn+" investor", pwn+" contact", pwn+" notes",
			pwn+" commune", pwn+" decision", pwn+" placement", pwn+" industry", pwn+" source")
		w.see("cluster panel: title", "#panel-title", target.name)
		// Its printable fact sheet: one page built over the app (factsheet.js), printed, then removed.
		p.do("print the fact sheet", chromedp.Evaluate[chromedp.Void](`window.print = () => {}`), chromedp.Click(chromedp.CSS("#panel-print")))
		w.wait("print the fact sheet", `document.body.classList.contains("printing-sheet") && document.getElementById("fact-sheet").dataset.ready === "true"`)
		w.see("fact sheet", "#fact-sheet", target.name, pwn+" investor", pwn+" contact", pwn+" source")
		p.do("after printing", chromedp.Evaluate[chromedp.Void](`window.dispatchEvent(new Event("afterprint"))`))
		w.wait("the fact sheet removed", `!document.getElementById("fact-sheet") && !document.body.classList.contains("printing-sheet")`)

		// The map zooms to it: its name as a label, and its footprint with a tooltip on hover.
		w.wait("map: the cluster zoomed to, with its label", fmt.Sprintf(`clustermap.map.getZoom() >= 12 && !!document.querySelector('.cm-cluster-label[data-label-for="%s"]')`, target.id))
		w.see("map: cluster label", fmt.Sprintf(`.cm-cluster-label[data-label-for="%s"]`, target.id), target.name)
		p.do("close the panel", chromedp.Click(chromedp.CSS("#panel-close")))
		w.hover("hover the footprint", target.lon, target.lat, fmt.Sprintf(`path.cm-footprint[data-id="%s"]`, target.id))
		w.see("map: footprint tooltip", ".leaflet-tooltip", target.name)
		unhover(p)
		if !openTooltip(p, fmt.Sprintf(`l.feature && String(l.feature.id) === %q && l.feature.properties.ref`, roadID)) {
			t.Fatal("no highway with a tooltip on the map")
		}
		w.see("map: highway tooltip", ".leaflet-tooltip", hostile(roadName))
		w.closeTooltips()

		// Every other layer's panel, as a shared link opens it.
		w.openByHash("raw_material_zones", zoneID)
		w.see("raw-material zone panel", "#panel", hostile(zoneName), pwn+" output", pwn+" zone notes")
		w.openByHash("plants", plantID)
		w.see("plant panel", "#panel", hostile(plantName), pwn+" plant notes")
		w.openByHash("energy", energyID)
		w.see("energy panel", "#panel", hostile(energyName), pwn+" energy notes")
		w.openByHash("roads", roadID)
		w.see("highway panel", "#panel", hostile(roadName), pwn+" road notes")
		w.openByHash("districts", targetDistrict)
		w.see("district panel", "#panel", target.district)
		w.see("district panel: its clusters", "#panel .district-clusters", target.name)
		w.openByHash("regions", regionSlug)
		w.see("area panel", "#panel", hostile(regionName), pwn+" role")
		w.see("area panel: its figures", "#panel .region-stats", pwn+" investor")

		// The table, its stuck clusters and district verdicts, and the comparison of two rows.
		p.do("open the table", chromedp.Click(chromedp.CSS("#tab-table")))
		w.wait("open the table", `document.getElementById("table-section").dataset.verdicts === "ready"`)
		w.see("table", "#cluster-table", target.name, nameA, pwn+" investor")
		w.see("table: what is stuck", "#stuck-list, #stuck-note", pwn)
		w.see("table: district verdicts", "#district-verdicts", target.district)
		p.do("pick two to compare", chromedp.Click(chromedp.CSS(`#cluster-table tbody tr:nth-child(1) .compare-pick`)),
			chromedp.Click(chromedp.CSS(`#cluster-table tbody tr:nth-child(2) .compare-pick`)), chromedp.Click(chromedp.CSS("#table-compare")))
		w.see("comparison", "#compare-table", pwn+" investor", pwn+" contact", pwn+" decision")
		w.see("comparison: names", "#compare-table thead th", pwn)

		// The site finder: its ranked results, their badges on the map and the industries offered.
		p.do("open the site finder", chromedp.Click(chromedp.CSS("#tab-sites")))
		w.seeAttr("site finder: industries offered", "#s-industries option", "value", pwn+" industry")
		p.do("find sites", chromedp.Click(chromedp.CSS("#sites-submit")))
		w.wait("find sites", `document.body.dataset.sites === "ready" && document.querySelectorAll("#sites-list > li[data-id]").length > 0`)
		w.see("site finder: results", "#sites-list .list-name", pwn)
		w.seeAttr("site finder: badges on the map", ".cm-site-marker", "title", pwn)

		// The overview of the areas: their names and their investors.
		p.do("open the overview", chromedp.Click(chromedp.CSS("#tab-overview")))
		w.wait("open the overview", `!!document.querySelector("#overview-details tfoot tr[data-region=province]")`)
		w.see("overview: areas", "#overview-table", hostile(regionName))
		w.see("overview: investors", "#overview-details", pwn+" investor")

		// The raw-material linkage: the zones and their clusters, and a line's tooltip.
		p.do("open the linkage", chromedp.Click(chromedp.CSS("#tab-linkage")))
		w.wait("open the linkage", `/^\d/.test(document.body.dataset.linkage || "") && document.querySelectorAll("#linkage-list li").length > 0`)
		w.see("linkage: zones", "#linkage-list .zone-name", hostile(zoneName))
		w.see("linkage: nearest clusters", "#linkage-list .zone-link", pwn)
		if !openTooltip(p, `l.options && /\bcm-link\b/.test(l.options.className || "")`) {
			t.Fatal("no linkage line with a tooltip on the map")
		}
		w.see("linkage: line tooltip", ".leaflet-tooltip", pwn)
		w.closeTooltips()

		// About the data: the dated figures name their features.
		p.do("open About the data", chromedp.Click(chromedp.CSS(".leaflet-control-attribution .cm-about-link")))
		w.see("about the data", `#about .about-layer[data-layer="clusters"]`, pwn)
		w.see("about the data: zones", `#about .about-layer[data-layer="raw_material_zones"]`, pwn)
		p.do("close About", chromedp.Click(chromedp.CSS("#about-close")))

		// In English the areas are named from name_en.
		p.do("switch to English", chromedp.Click(chromedp.CSS("#lang-toggle")))
		w.wait("switch to English", `document.documentElement.lang === "en"`)
		w.see("English: area labels", ".cm-region-label", hostile(regionNameEN))
	})

	// The OGC API's HTML pages (server-side templates) show the same names.
	t.Run("OGCPages", func(t *testing.T) {
		p := newPage(t, browser, ts.URL, desktop)
		// The pages name no icon, so the browser asks for /favicon.ico (404). Cleanups run last
		// first: this one drops that before the page's own reports what went wrong.
		t.Cleanup(func() { expectHTTP(p, http.StatusNotFound, "/favicon.ico") })
		for _, path := range []string{"/ogc/collections/clusters/items/" + target.id + "?f=html", "/ogc/collections/clusters/items?f=html"} {
			p.do("open "+path, chromedp.Navigate(ts.URL+path))
			w := &walker{t: t, p: p, at: ts.URL + path}
			w.see("OGC API page "+path, "body", target.name, pwn+" investor")
		}
	})

	t.Run("District", func(t *testing.T) {
		p := newPage(t, browser, ts.URL, desktop)
		w := newWalker(t, p)
		w.load("/")
		signIn(t, p, "dist")
		w.see("workspace: my proposals", "#ws-my-proposals", nameA, nameB)
		// Expanding the cluster the panel shows: the form names it.
		w.openByHash("clusters", target.id)
		p.do("proposals tab", chromedp.Click(chromedp.CSS("#ws-tab-proposals")))
		p.do("propose an expansion", chromedp.Click(chromedp.CSS("#ws-expand-proposal")))
		w.see("workspace: expansion proposal form", "#ws-proposal-form h3", target.name)
		p.do("discard it", chromedp.Click(chromedp.CSS("#ws-discard")))
		w.wait("discard it", `!document.getElementById("ws-proposal-form")`)
	})

	t.Run("Department", func(t *testing.T) {
		p := newPage(t, browser, ts.URL, desktop)
		w := newWalker(t, p)
		w.load("/")
		signIn(t, p, "dept")

		// The review queue and a proposal under review.
		w.see("workspace: review queue", "#ws-review-queue", nameB)
		p.do("open proposal B", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#ws-review-queue [data-open="%d"]`, propB))))
		w.wait("open proposal B", `!!document.querySelector("#ws-review-detail #ws-verdict")`)
		w.see("workspace: review of a proposal", "#ws-review-detail", nameB, hostile("justification"))
		p.do("proposals tab", chromedp.Click(chromedp.CSS("#ws-tab-proposals")))
		w.see("workspace: proposals", "#ws-my-proposals", nameA, nameB, hostile("approval comment"))

		// A cluster's workspace section: its name, and its history (the rename is a change).
		w.openByHash("clusters", target.id)
		p.do("history", chromedp.Click(chromedp.CSS("#ws-hook-history")))
		w.wait("history", `document.querySelectorAll("#ws-timeline > li").length > 0`)
		w.see("workspace: feature", "#ws-feature .ws-feature-title", target.name)
		w.see("workspace: history", "#ws-timeline ins", target.name, pwn+" investor", pwn+" contact")
		// The cluster the approved proposal made.
		w.openByHash("clusters", clusterA)
		p.do("history of the approved cluster", chromedp.Click(chromedp.CSS("#ws-hook-history")))
		w.wait("history of the approved cluster", `document.querySelectorAll("#ws-timeline > li").length > 0`)
		w.see("workspace: approved cluster", "#ws-feature .ws-feature-title", nameA)
		p.do("close the panel", chromedp.Click(chromedp.CSS("#panel-close")))

		// The past-date view: the approved proposal's shape, and its tooltip on hover.
		p.do("past tab", chromedp.Click(chromedp.CSS("#ws-tab-past")))
		evalJS[bool](p, fmt.Sprintf(`(() => { const d = new Date(%q), p = (n) => String(n).padStart(2, "0");
		  document.getElementById("ws-past-date").value = d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate()) + "T" + p(d.getHours()) + ":" + p(d.getMinutes()) + ":" + p(d.getSeconds()) + "." + String(d.getMilliseconds()).padStart(3, "0");
		  return true; })()`, asOf.UTC().Format(time.RFC3339Nano)))
		p.do("show the past", chromedp.Click(chromedp.CSS("#ws-past-show")))
		w.wait("show the past", `!!document.body.dataset.asOf && !document.getElementById("ws-past-banner").hidden`)
		// What is under the mouse there is the shape of the last layer drawn: a raw-material zone
		// (the cassava zone is the whole province) covers the clusters in this view. Its tooltip
		// names it; the clusters' tooltips are opened below as a hover on them would.
		w.hover("hover the approved cluster's place in the past", lonA, latA, "path.ws-past-shape")
		w.see("past-date view: tooltip on hover", ".leaflet-tooltip", pwn)
		unhover(p)
		w.closeTooltips()
		// The approved proposal's own tooltip, and that of a renamed cluster, opened as a hover does.
		for _, c := range []struct{ id, name string }{{clusterA, nameA}, {target.id, target.name}} {
			if !openTooltip(p, fmt.Sprintf(`l.feature && String(l.feature.id) === %q && /\bws-past-clusters\b/.test(l.options.className || "")`, c.id)) {
				t.Fatalf("cluster %s is not in the past-date view", c.id)
			}
			w.see("past-date view: tooltip of cluster "+c.id, ".leaflet-tooltip", c.name)
			w.closeTooltips()
		}
		p.do("back to today", chromedp.Click(chromedp.CSS("#ws-past-clear")))
		w.wait("back to today", `!document.body.dataset.asOf`)
	})
}
