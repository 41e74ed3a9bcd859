package server_test

// Browser tests of the zoning workspace (issue 12) in headless Chromium: sign-in, drawing with
// real mouse events, the live Decree 32/2024 verdict, proposals and their review, conflicts,
// history and the past-date view; every step is checked on the page and in the database.

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/edit"
)

const wsPassword = "a long enough password"

// expectHTTP drops the recorded problems an expected refusal causes (a 412 or 422 the app
// handles), so that only unexpected errors fail the test.
func expectHTTP(p *page, status int, pathPart string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var keep []string
	for _, s := range p.problems {
		if strings.Contains(s, pathPart) && (strings.Contains(s, fmt.Sprintf("HTTP %d", status)) || strings.Contains(s, fmt.Sprintf("status of %d", status))) {
			continue
		}
		keep = append(keep, s)
	}
	p.problems = keep
}

func signIn(t *testing.T, p *page, user string) {
	t.Helper()
	p.do("open the sign-in dialog", chromedp.Click(chromedp.CSS("#signin-open")))
	pollJS[bool](p, `!!document.querySelector("#ws-signin[open]")`, settle)
	p.do("type the credentials",
		chromedp.SendKeys(chromedp.CSS("#ws-username"), user),
		chromedp.SendKeys(chromedp.CSS("#ws-password"), wsPassword),
		chromedp.Click(chromedp.CSS("#ws-signin-submit")))
	pollJS[bool](p, `document.body.dataset.workspace === "ready"`, settle)
}

// screenPoint is where a coordinate is on the screen (CSS pixels of the viewport).
func screenPoint(p *page, lon, lat float64) (float64, float64) {
	xy := evalJS[[]float64](p, fmt.Sprintf(`(() => {
	  const m = clustermap.map, pt = m.latLngToContainerPoint([%f, %f]), r = m.getContainer().getBoundingClientRect();
	  return [pt.x + r.left, pt.y + r.top];
	})()`, lat, lon))
	return xy[0], xy[1]
}

// drawSquare draws a polygon with real mouse clicks: the toolbar's polygon tool, four corners,
// then the first corner again to close it.
func drawSquare(t *testing.T, p *page, corners [][2]float64) {
	t.Helper()
	p.do("pick the polygon tool", chromedp.Click(chromedp.CSS(".leaflet-pm-icon-polygon")))
	t.Logf("draw mode after the tool click: %v; %s", evalJS[bool](p, `clustermap.map.pm.globalDrawModeEnabled()`), evalJS[string](p, `(() => { const b = document.querySelector(".leaflet-pm-icon-polygon").getBoundingClientRect(); const e = document.elementFromPoint(b.left + b.width/2, b.top + b.height/2); return JSON.stringify([b.left, b.top, b.width, e && (e.tagName + "." + e.className + "#" + e.id)]); })()`))
	for _, c := range append(corners, corners[0]) {
		x, y := screenPoint(p, c[0], c[1])
		p.do("click a corner", chromedp.MouseClickXY(x, y))
		time.Sleep(120 * time.Millisecond)
		t.Logf("click at %.0f,%.0f hits %s", x, y, evalJS[string](p, fmt.Sprintf(`(() => { const e = document.elementFromPoint(%f, %f); return e ? e.tagName + "." + e.className + " markers " + document.querySelectorAll(".marker-icon").length : "none"; })()`, x, y)))
	}
}

func square(lon, lat, halfM float64) [][2]float64 {
	dLat := halfM / 111320
	dLon := halfM / (111320 * math.Cos(lat*math.Pi/180))
	return [][2]float64{{lon - dLon, lat - dLat}, {lon + dLon, lat - dLat}, {lon + dLon, lat + dLat}, {lon - dLon, lat + dLat}}
}

func ring(c [][2]float64) string {
	var parts []string
	for _, p := range append(c, c[0]) {
		parts = append(parts, fmt.Sprintf("[%f,%f]", p[0], p[1]))
	}
	return `{"type":"Polygon","coordinates":[[` + strings.Join(parts, ",") + `]]}`
}

func saveShot(t *testing.T, p *page, name string) {
	t.Helper()
	buf, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	file := filepath.Join("..", "docs", "screenshot-workspace-"+name+".png")
	if err := os.WriteFile(file, buf, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", file)
}

func TestBrowserWorkspace(t *testing.T) {
	ts, store := newTestServer(t)
	ed := edit.New(store, slog.New(slog.DiscardHandler))
	ctx := context.Background()
	db := store.Pool()
	var district string
	err := db.QueryRow(ctx, `SELECT a.district_code FROM clusters a, districts d
		WHERE d.code = a.district_code AND ST_CoveredBy(a.geom, d.geom) AND a.kind = 'ccn' ORDER BY a.id LIMIT 1`).Scan(&district)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct{ name, role, district string }{{"dist", edit.RoleDistrict, district}, {"dept", edit.RoleDepartment, ""}, {"dept2", edit.RoleDepartment, ""}} {
		if err := ed.AddUser(ctx, u.name, u.role, u.district, wsPassword); err != nil {
			t.Fatal(err)
		}
	}
	// A place deep inside the district, far from every cluster, and a point on its border with a neighbour.
	var lon, lat, blon, blat float64
	err = db.QueryRow(ctx, `SELECT ST_X(p), ST_Y(p) FROM (
		  SELECT (ST_Dump(ST_GeneratePoints(ST_Buffer(d.geom::geography, -2500)::geometry, 200, 7))).geom AS p FROM districts d WHERE d.code = $1) x
		 WHERE NOT EXISTS (SELECT 1 FROM clusters c WHERE ST_DWithin(c.geom::geography, x.p::geography, 3000))
		 ORDER BY ST_X(p) LIMIT 1`, district).Scan(&lon, &lat)
	if err != nil {
		t.Fatalf("no free place in district %s: %v", district, err)
	}
	err = db.QueryRow(ctx, `SELECT ST_X(q), ST_Y(q) FROM (SELECT ST_ClosestPoint(ST_Boundary(d.geom), ST_PointOnSurface(o.geom)) AS q
		  FROM districts d, districts o WHERE d.code = $1 AND o.code <> $1 AND ST_Intersects(d.geom, o.geom) ORDER BY o.code LIMIT 1) x
		 WHERE NOT EXISTS (SELECT 1 FROM clusters c WHERE ST_DWithin(c.geom::geography, x.q::geography, 2000))`, district).Scan(&blon, &blat)
	if err != nil {
		t.Fatalf("no border point of district %s: %v", district, err)
	}
	browser := startBrowser(t)

	t.Run("AnonymousSeesNoEditing", func(t *testing.T) {
		p := newPage(t, browser, ts.URL, desktop)
		stats := p.load("/")
		t.Logf("public first load (anonymous, empty cache): %s", stats)
		got := evalJS[map[string]any](p, `(() => ({
		  panel: !!document.getElementById("ws-panel"), geoman: !!(window.L && L.PM),
		  controls: document.querySelectorAll(".leaflet-pm-toolbar, #ws-hook-edit, #ws-signout").length,
		  wsRequests: performance.getEntriesByType("resource").filter((e) => /\/workspace\/|leaflet-geoman/.test(e.name)).map((e) => e.name),
		  signin: document.getElementById("signin-open").textContent.trim(),
		}))()`)
		if got["panel"] == true || got["geoman"] == true || got["controls"].(float64) != 0 || len(got["wsRequests"].([]any)) != 0 {
			t.Errorf("anonymous page has workspace parts: %v", got)
		}
		if got["signin"] != "Đăng nhập" {
			t.Errorf("sign-in button reads %q", got["signin"])
		}
	})

	var proposalID int64
	t.Run("DistrictDrawsAndSubmits", func(t *testing.T) {
		p := newPage(t, browser, ts.URL, desktop)
		p.load(fmt.Sprintf("/#16/%.5f/%.5f", lat, lon))
		// A wrong password: one message that does not say which part was wrong.
		p.do("open the sign-in dialog", chromedp.Click(chromedp.CSS("#signin-open")))
		p.do("type wrong credentials", chromedp.SendKeys(chromedp.CSS("#ws-username"), "dist"), chromedp.SendKeys(chromedp.CSS("#ws-password"), "wrong password!"),
			chromedp.Click(chromedp.CSS("#ws-signin-submit")))
		msg := pollJS[string](p, `!document.getElementById("ws-signin-error").hidden && document.getElementById("ws-signin-error").textContent`, settle)
		if !strings.Contains(msg, "Tên đăng nhập hoặc mật khẩu") {
			t.Errorf("wrong password message %q", msg)
		}
		expectHTTP(p, 401, "/api/session")
		evalJS[bool](p, `(document.getElementById("ws-username").value = "", document.getElementById("ws-signin").close(), true)`)
		signIn(t, p, "dist")
		who := evalJS[string](p, `document.getElementById("ws-who").textContent`)
		if !strings.Contains(who, "dist") || !strings.Contains(who, district) {
			t.Errorf("header shows %q, want the user and district %s", who, district)
		}
		// The session survives a reload.
		p.reload()
		pollJS[bool](p, `document.body.dataset.workspace === "ready"`, settle)

		p.do("start a new proposal", chromedp.Click(chromedp.CSS("#ws-new-proposal")))
		pollJS[bool](p, `!!document.querySelector(".leaflet-pm-icon-polygon")`, settle)
		evalJS[bool](p, fmt.Sprintf(`(clustermap.map.setView([%f, %f], 16, {animate: false}), true)`, lat, lon+0.004))
		corners := square(lon, lat, 250)
		drawSquare(t, p, corners)
		time.Sleep(time.Second)
		t.Logf("after drawing: %s", evalJS[string](p, `JSON.stringify({live: (document.getElementById("ws-live") || {}).outerHTML, draft: sessionStorage.getItem("clustermap.ws.proposal"), draw: clustermap.map.pm.globalDrawModeEnabled(), shapes: document.querySelectorAll("path.leaflet-interactive").length})`))
		area := pollJS[float64](p, `document.querySelector("#ws-live[data-state=done] #ws-area") && Number(document.getElementById("ws-area").dataset.ha)`, settle)
		inside := evalJS[string](p, `document.getElementById("ws-inside").dataset.inside`)
		verdict := evalJS[string](p, `document.getElementById("ws-verdict").dataset.verdict`)
		if inside != "yes" || verdict == "" {
			t.Errorf("inside %q verdict %q after drawing inside the district", inside, verdict)
		}
		var want float64
		if err := db.QueryRow(ctx, `SELECT ST_Area(ST_GeomFromGeoJSON($1)::geography) / 1e4`, ring(corners)).Scan(&want); err != nil {
			t.Fatal(err)
		}
		if math.Abs(area-want)/want > 0.01 {
			t.Errorf("live area %.2f ha, PostGIS's of the intended square %.2f ha", area, want)
		}
		p.do("fill the form", chromedp.SendKeys(chromedp.CSS("#ws-p-name"), "CCN Thử nghiệm"),
			chromedp.SendKeys(chromedp.CSS("#ws-p-target_industries"), "chế biến nông sản"))
		time.Sleep(500 * time.Millisecond)
		pollJS[bool](p, `document.querySelector("#ws-live[data-state=done]") !== null`, settle)
		saveShot(t, p, "drawing")
		p.do("submit", chromedp.Click(chromedp.CSS("#ws-submit")))
		pollJS[bool](p, `!!document.querySelector('#ws-my-proposals li[data-status="submitted"]')`, settle)
		var status string
		var stored, pg float64
		err := db.QueryRow(ctx, `SELECT id, status::text, area_ha::float8, ST_Area(geom::geography) / 1e4 FROM proposals WHERE name = 'CCN Thử nghiệm'`).Scan(&proposalID, &status, &stored, &pg)
		if err != nil || status != "submitted" {
			t.Fatalf("stored proposal: status %q, %v", status, err)
		}
		if math.Abs(stored-want)/want > 0.01 || math.Abs(stored-pg)/pg > 0.01 {
			t.Errorf("stored area %.2f ha; PostGIS %.2f ha of the stored geometry, %.2f ha of the drawn square", stored, pg, want)
		}

		// Across the district boundary: the error shows before saving, and the server refuses it.
		p.do("start another proposal", chromedp.Click(chromedp.CSS("#ws-new-proposal")))
		evalJS[bool](p, fmt.Sprintf(`(clustermap.map.setView([%f, %f], 16, {animate: false}), true)`, blat, blon+0.004))
		cross := square(blon, blat, 250)
		drawSquare(t, p, cross)
		pollJS[bool](p, `document.querySelector("#ws-live[data-state=done] #ws-inside") && document.getElementById("ws-inside").dataset.inside !== "yes" && !!document.getElementById("ws-elig-errors")`, settle)
		p.do("name it", chromedp.SendKeys(chromedp.CSS("#ws-p-name"), "Ngoài huyện"))
		p.do("try to save", chromedp.Click(chromedp.CSS("#ws-save-draft")))
		refusal := pollJS[string](p, `(() => { const e = [...document.querySelectorAll("#ws-proposal-form .ws-field-error, #ws-p-error")].find((x) => !x.hidden); return e ? e.textContent : ""; })()`, settle)
		t.Logf("server refusal shown: %q", refusal)
		var n int
		_ = db.QueryRow(ctx, `SELECT count(*) FROM proposals WHERE name = 'Ngoài huyện'`).Scan(&n)
		if n != 0 {
			t.Errorf("the server stored a proposal across the district boundary")
		}
		for _, s := range []int{403, 422, 400} {
			expectHTTP(p, s, "/api/proposals")
		}
		p.do("discard it", chromedp.Click(chromedp.CSS("#ws-discard")))
	})
	if proposalID == 0 {
		t.Fatal("no proposal to review")
	}

	var clusterID string
	t.Run("DepartmentApproves", func(t *testing.T) {
		p := newPage(t, browser, ts.URL, desktop)
		p.load("/")
		signIn(t, p, "dept")
		open := fmt.Sprintf(`#ws-review-queue [data-open="%d"]`, proposalID)
		pollJS[bool](p, fmt.Sprintf(`!!document.querySelector(%q)`, open), settle)
		p.do("open the proposal", chromedp.Click(chromedp.CSS(open)))
		pollJS[bool](p, `!!document.querySelector("#ws-review-detail #ws-verdict") && !!document.querySelector("path.ws-proposal-shape")`, settle)
		saveShot(t, p, "review")
		p.do("approve without a decision", chromedp.Click(chromedp.CSS("#ws-approve")))
		pollJS[bool](p, `!document.getElementById("ws-review-error").hidden`, settle)
		p.do("fill the decision", chromedp.SendKeys(chromedp.CSS("#ws-decision-number"), "123/QĐ-UBND"))
		evalJS[bool](p, `(() => { const d = document.getElementById("ws-decision-date"); d.value = "2025-06-01"; d.dispatchEvent(new Event("input", {bubbles: true})); return true; })()`)
		p.do("approve", chromedp.Click(chromedp.CSS("#ws-approve")))
		pollJS[bool](p, fmt.Sprintf(`document.getElementById("ws-review-detail").hidden && !document.querySelector(%q) && !!document.querySelector('#ws-my-proposals li[data-status="approved"]')`, open), settle)
		var status, number string
		err := db.QueryRow(ctx, `SELECT status::text, coalesce(decision_number, ''), coalesce(cluster_id::text, '') FROM proposals WHERE id = $1`, proposalID).Scan(&status, &number, &clusterID)
		if err != nil || status != "approved" || number != "123/QĐ-UBND" || clusterID == "" {
			t.Fatalf("after approval: status %q number %q cluster %q (%v)", status, number, clusterID, err)
		}
		p.do("sign out", chromedp.Click(chromedp.CSS("#ws-signout")))
		pollJS[bool](p, `!document.getElementById("signin-open").hidden && !document.getElementById("ws-panel")`, settle)
	})

	t.Run("PublicSeesTheNewCluster", func(t *testing.T) {
		if clusterID == "" {
			t.Skip("no approved cluster")
		}
		p := newPage(t, browser, ts.URL, desktop)
		p.load("/")
		pollJS[bool](p, fmt.Sprintf(`!!document.querySelector(%q) && !!document.querySelector('#results-list li[data-id="%s"]')`, clusterSymbol(clusterID), clusterID), settle)
		tile := geo.TileAt(12, lon, lat)
		resp, body := get(t, fmt.Sprintf("%s/tiles/clusters/%d/%d/%d.mvt", ts.URL, tile.Z, tile.X, tile.Y))
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "CCN Thử nghiệm") {
			t.Errorf("tile %v: status %d, the new cluster's name not in it", tile, resp.StatusCode)
		}
	})
}
