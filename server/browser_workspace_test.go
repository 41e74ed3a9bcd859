package server_test

// Browser tests of the zoning workspace in headless Chromium: sign-in, drawing with
// real mouse events, the live Decree 32/2024 verdict, proposals and their review, conflicts,
// history and the past-date view; every step is checked on the page and in the database.

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
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

// openFeatureEditor signs user in on a fresh load and opens cluster id's attribute form, as a
// user would: from the list, then "edit".
func openFeatureEditor(t *testing.T, p *page, user, id string) {
	t.Helper()
	p.load("/")
	signIn(t, p, user)
	openClusterEditor(t, p, id)
}

// openClusterEditor opens cluster id's attribute form and history for the user signed in, as a
// user would: from the list, then "edit".
func openClusterEditor(t *testing.T, p *page, id string) {
	t.Helper()
	// The workspace panel opens over the list; fold it to pick the cluster, as a user would.
	p.do("fold the workspace", chromedp.Click(chromedp.CSS("#ws-toggle")))
	pollJS[bool](p, `document.getElementById("ws-panel").hidden`, settle)
	li := fmt.Sprintf(`#results-list li[data-id="%s"] button`, id)
	pollJS[bool](p, fmt.Sprintf(`!!document.querySelector(%q)`, li), settle)
	p.do("pick the cluster in the list", chromedp.Click(chromedp.CSS(li)))
	pollJS[bool](p, `!!document.getElementById("ws-hook-edit")`, settle)
	p.do("edit it", chromedp.Click(chromedp.CSS("#ws-hook-edit")))
	pollJS[bool](p, `!!document.querySelector('#ws-attr-form [name="contact"]') && !!document.querySelector("#ws-timeline")`, settle)
}

// screenPoint is where a coordinate is on the screen (CSS pixels of the viewport).
func screenPoint(p *page, lon, lat float64) (float64, float64) {
	xy := evalJS[[]float64](p, fmt.Sprintf(`(() => {
	  const m = clustermap.map, pt = m.latLngToContainerPoint([%f, %f]), r = m.getContainer().getBoundingClientRect();
	  return [pt.x + r.left, pt.y + r.top];
	})()`, lat, lon))
	return xy[0], xy[1]
}

// centreFree sets a fixed view: zoom 16 with the coordinate in the middle of the part of the map
// that neither the workspace panel nor the right-hand controls (legend) cover.
func centreFree(p *page, lon, lat float64) {
	evalJS[bool](p, fmt.Sprintf(`(() => {
	  const m = clustermap.map, c = m.getContainer().getBoundingClientRect();
	  let left = c.left, right = c.right;
	  const panel = document.getElementById("ws-panel");
	  if (panel && !panel.hidden) { const r = panel.getBoundingClientRect(); if (r.right > left && r.left <= left + 80) left = r.right; }
	  for (const el of document.querySelectorAll(".leaflet-top.leaflet-right .leaflet-control")) {
	    const r = el.getBoundingClientRect();
	    if (r.width && r.left > left) right = Math.min(right, r.left);
	  }
	  m.setView([%f, %f], 16, {animate: false});
	  const at = m.latLngToContainerPoint([%f, %f]);
	  m.panBy([at.x - ((left + right) / 2 - c.left), 0], {animate: false});
	  return true;
	})()`, lat, lon, lat, lon))
}

// clickOnMap clicks at a screen point with real mouse events, after checking that the point is on
// the map itself (no panel, control or dialog over it).
func clickOnMap(t *testing.T, p *page, what string, x, y float64) {
	t.Helper()
	hit := evalJS[string](p, fmt.Sprintf(`(() => {
	  const e = document.elementFromPoint(%f, %f);
	  if (!e) return "nothing";
	  if (!e.closest("#map")) return "outside the map: " + e.tagName + " " + (e.id || e.getAttribute("class") || "");
	  if (e.closest(".leaflet-control")) return "a map control: " + (e.getAttribute("class") || "");
	  return "";
	})()`, x, y))
	if hit != "" {
		t.Fatalf("%s at %.0f,%.0f would land on %s", what, x, y, hit)
	}
	p.do(what, chromedp.MouseClickXY(x, y))
}

// drawSquare draws a polygon with real mouse clicks: the toolbar's polygon tool, four corners,
// then the first corner again to close it. Each step waits for geoman's own event of it.
func drawSquare(t *testing.T, p *page, corners [][2]float64) {
	t.Helper()
	evalJS[bool](p, `(() => {
	  window.__cmVertices = 0;
	  window.__cmCreated = 0;
	  clustermap.map.once("pm:drawstart", (e) => e.workingLayer.on("pm:vertexadded", () => window.__cmVertices++));
	  clustermap.map.once("pm:create", () => window.__cmCreated++);
	  return true;
	})()`)
	tool := evalJS[[]float64](p, `(() => {
	  const b = document.querySelector(".leaflet-pm-icon-polygon").getBoundingClientRect();
	  const x = b.left + b.width / 2, y = b.top + b.height / 2, e = document.elementFromPoint(x, y);
	  return [x, y, e && e.closest(".leaflet-buttons-control-button") && e.closest(".leaflet-buttons-control-button").querySelector(".leaflet-pm-icon-polygon") ? 1 : 0];
	})()`)
	if tool[2] != 1 {
		t.Fatalf("the polygon tool at %.0f,%.0f is covered", tool[0], tool[1])
	}
	p.do("pick the polygon tool", chromedp.MouseClickXY(tool[0], tool[1]))
	pollJS[bool](p, `clustermap.map.pm.globalDrawModeEnabled()`, settle)
	// The tool's actions (finish, remove the last vertex, cancel) open beside it; on a slow
	// machine the layout may still have moved the map under them since it was centred. Clear
	// the square of every control, as a user would by dragging the map aside.
	cs, _ := json.Marshal(corners)
	evalJS[float64](p, `((corners) => {
	  const m = clustermap.map, c = m.getContainer().getBoundingClientRect();
	  const pts = corners.map(([lon, lat]) => m.latLngToContainerPoint([lat, lon]));
	  const minX = c.left + Math.min(...pts.map((q) => q.x)), maxX = c.left + Math.max(...pts.map((q) => q.x));
	  const minY = c.top + Math.min(...pts.map((q) => q.y)), maxY = c.top + Math.max(...pts.map((q) => q.y));
	  let shift = 0;
	  for (const el of document.querySelectorAll(".leaflet-left .leaflet-control, .leaflet-left .leaflet-pm-actions-container")) {
	    const r = el.getBoundingClientRect();
	    if (!r.width || r.bottom < minY - 20 || r.top > maxY + 20) continue;
	    shift = Math.max(shift, r.right + 24 - minX);
	  }
	  if (shift > 0) m.panBy([-shift, 0], { animate: false });
	  return shift;
	})(`+string(cs)+`)`)
	for i, c := range corners {
		x, y := screenPoint(p, c[0], c[1])
		clickOnMap(t, p, fmt.Sprintf("corner %d", i+1), x, y)
		pollJS[bool](p, fmt.Sprintf(`window.__cmVertices === %d`, i+1), settle)
	}
	x, y := screenPoint(p, corners[0][0], corners[0][1])
	clickOnMap(t, p, "close the ring on the first corner", x, y)
	pollJS[bool](p, `window.__cmCreated === 1 && !clustermap.map.pm.globalDrawModeEnabled()`, settle)
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
		var districtName string
		if err := db.QueryRow(ctx, `SELECT name FROM districts WHERE code = $1`, district).Scan(&districtName); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(who, "dist") || !strings.Contains(who, districtName) || strings.Contains(who, district) {
			t.Errorf("header shows %q, want the user and the district's name %s, not its code %s", who, districtName, district)
		}
		// The session survives a reload.
		p.reload()
		pollJS[bool](p, `document.body.dataset.workspace === "ready"`, settle)

		p.do("start a new proposal", chromedp.Click(chromedp.CSS("#ws-new-proposal")))
		pollJS[bool](p, `!!document.querySelector(".leaflet-pm-icon-polygon") && document.body.dataset.drawing === "1"`, settle)
		centreFree(p, lon, lat)
		corners := square(lon, lat, 250)
		drawSquare(t, p, corners)
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
		pollJS[bool](p, `!!document.querySelector(".leaflet-pm-icon-polygon") && document.body.dataset.drawing === "1"`, settle)
		centreFree(p, blon, blat)
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
		// The check either answers or says why not; a refusal is reported as such, not as a timeout.
		shownCheck := pollJS[string](p, `(() => { const d = document.querySelector("#ws-review-detail:not([hidden])");
			if (!d || !document.querySelector("path.ws-proposal-shape")) return "";
			if (d.querySelector("#ws-verdict")) return "verdict";
			const e = d.querySelector(".ws-live .ws-error"); return e ? "error: " + e.textContent : ""; })()`, settle)
		if shownCheck != "verdict" {
			t.Fatalf("the opened proposal shows no eligibility verdict: %s", shownCheck)
		}
		saveShot(t, p, "review")
		p.do("approve without a decision", chromedp.Click(chromedp.CSS("#ws-approve")))
		pollJS[bool](p, `!document.getElementById("ws-review-error").hidden`, settle)
		p.do("fill the decision", chromedp.SendKeys(chromedp.CSS("#ws-decision-number"), "123/QĐ-UBND"))
		// Typed day-first, as a Vietnamese officer writes it, and read back in words.
		p.do("type the decision date", chromedp.SendKeys(chromedp.CSS("#ws-decision-date"), "01/06/2025"))
		if words := pollJS[string](p, `document.getElementById("ws-decision-date-words").textContent`, settle); words != "ngày 1 tháng 6 năm 2025" {
			t.Errorf("the date read back: %q, want %q", words, "ngày 1 tháng 6 năm 2025")
		}
		p.do("approve", chromedp.Click(chromedp.CSS("#ws-approve")))
		// The confirmation lists what the approval writes, from the server's rehearsal; nothing
		// is written until it is confirmed.
		pollJS[bool](p, `!!document.querySelector("dialog#ws-approve-confirm[open] #ws-confirm-changes li")`, settle)
		changes := evalJS[string](p, `document.getElementById("ws-confirm-changes").textContent`)
		if !strings.Contains(changes, "CCN Thử nghiệm") {
			t.Errorf("the confirmation's change list does not name the new cluster: %q", changes)
		}
		saveShot(t, p, "approval-confirmation")
		var before int
		_ = db.QueryRow(ctx, `SELECT count(*) FROM clusters WHERE name = 'CCN Thử nghiệm'`).Scan(&before)
		if before != 0 {
			t.Errorf("the rehearsal wrote a cluster (%d)", before)
		}
		p.do("confirm", chromedp.Click(chromedp.CSS("#ws-approve-confirm-ok")))
		pollJS[bool](p, fmt.Sprintf(`document.getElementById("ws-review-detail").hidden && !document.querySelector(%q) && !!document.querySelector('#ws-my-proposals li[data-status="approved"]')`, open), settle)
		var status, number string
		var decided string
		err := db.QueryRow(ctx, `SELECT status::text, coalesce(decision_number, ''), coalesce(cluster_id::text, ''), coalesce(decision_date::text, '')
			FROM proposals WHERE id = $1`, proposalID).Scan(&status, &number, &clusterID, &decided)
		if err != nil || status != "approved" || number != "123/QĐ-UBND" || clusterID == "" {
			t.Fatalf("after approval: status %q number %q cluster %q (%v)", status, number, clusterID, err)
		}
		if decided != "2025-06-01" {
			t.Errorf("01/06/2025 typed in Vietnamese was stored as %s, want 2025-06-01", decided)
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

	// Two departments edit the same cluster; then its history, the past-date view and a revert.
	t.Run("ConflictHistoryPastRevert", func(t *testing.T) {
		if clusterID == "" {
			t.Skip("no approved cluster")
		}
		item := ts.URL + "/ogc/collections/clusters/items/" + clusterID
		var origBox []float64
		if err := db.QueryRow(ctx, `SELECT ARRAY[ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom)] FROM clusters WHERE id = $1::bigint`, clusterID).Scan(&origBox); err != nil {
			t.Fatal(err)
		}
		// The moment between the approved boundary and the enlarged one, for the past-date view.
		var between time.Time
		if err := db.QueryRow(ctx, `SELECT now()`).Scan(&between); err != nil {
			t.Fatal(err)
		}
		// The department enlarges the boundary from a script (a token), as README shows.
		tok, err := ed.NewToken(ctx, "dept")
		if err != nil {
			t.Fatal(err)
		}
		resp, _ := get(t, item)
		req, _ := http.NewRequest("PATCH", item, strings.NewReader(`{"geometry":`+ring(square(lon, lat, 320))+`,"comment":"mở rộng ranh giới"}`))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("If-Match", resp.Header.Get("ETag"))
		req.Header.Set("Content-Type", "application/merge-patch+json")
		r, err := http.DefaultClient.Do(req)
		if err != nil || r.StatusCode != 200 {
			t.Fatalf("boundary change: %v %v", r, err)
		}
		r.Body.Close()

		a := newPage(t, browser, ts.URL, desktop)
		b := newPage(t, browser, ts.URL, desktop)
		openFeatureEditor(t, a, "dept", clusterID)
		openFeatureEditor(t, b, "dept2", clusterID)
		a.do("A changes the contact", chromedp.SendKeys(chromedp.CSS(`#ws-attr-form [name="contact"]`), "Phòng Kinh tế 0269"),
			chromedp.SendKeys(chromedp.CSS("#ws-change-comment"), "liên hệ mới"), chromedp.Click(chromedp.CSS("#ws-save-feature")))
		pollJS[bool](a, `/\d/.test(document.getElementById("ws-feature-status").textContent) && !document.querySelector("#ws-attr-form .ws-error:not([hidden])")`, settle)
		b.do("B changes the investor", chromedp.SendKeys(chromedp.CSS(`#ws-attr-form [name="investor"]`), "Công ty Hạ tầng B"),
			chromedp.Click(chromedp.CSS("#ws-save-feature")))
		pollJS[bool](b, `!!document.querySelector('#ws-conflict tr[data-field="investor"]') && !!document.querySelector('#ws-conflict tr[data-field="contact"]')`, settle)
		expectHTTP(b, 412, "/ogc/collections/clusters/items/")
		// Only what either side changed: a field both left empty (an empty object and no value,
		// say) is not a difference.
		if rows := evalJS[[]string](b, `[...document.querySelectorAll("#ws-conflict tr[data-field]")].map((r) => r.dataset.field).sort()`); !slices.Equal(rows, []string{"contact", "investor"}) {
			t.Errorf("conflict view lists %v, want [contact investor]", rows)
		}
		saveShot(t, b, "conflict")
		b.do("reapply", chromedp.Click(chromedp.CSS("#ws-conflict-reapply")))
		pollJS[bool](b, `!document.getElementById("ws-conflict") && /\d/.test(document.getElementById("ws-feature-status").textContent)`, settle)
		var contact, investor string
		if err := db.QueryRow(ctx, `SELECT coalesce(contact, ''), coalesce(investor, '') FROM clusters WHERE id = $1::bigint`, clusterID).Scan(&contact, &investor); err != nil {
			t.Fatal(err)
		}
		if contact != "Phòng Kinh tế 0269" || investor != "Công ty Hạ tầng B" {
			t.Errorf("after reapply: contact %q investor %q, want both changes", contact, investor)
		}
		hist := getJSON[struct {
			Versions []struct {
				Version int64  `json:"version"`
				Comment string `json:"comment"`
				Changes []struct {
					Field string `json:"field"`
				} `json:"changes"`
			} `json:"versions"`
		}](t, fmt.Sprintf("%s/api/layers/clusters/features/%s/history", ts.URL, clusterID), 200)
		changed := map[string]bool{}
		for _, v := range hist.Versions {
			for _, c := range v.Changes {
				changed[c.Field] = true
			}
		}
		if len(hist.Versions) < 4 || !changed["contact"] || !changed["investor"] || hist.Versions[1].Comment != "mở rộng ranh giới" {
			t.Errorf("history after the conflict: %+v", hist.Versions)
		}

		// The timeline lists every version.
		a.do("history", chromedp.Click(chromedp.CSS("#ws-hook-history")))
		n := pollJS[float64](a, fmt.Sprintf(`document.querySelectorAll("#ws-timeline > li").length === %d && %d`, len(hist.Versions), len(hist.Versions)), settle)
		if int(n) != len(hist.Versions) {
			t.Errorf("timeline lists %v versions, history has %d", n, len(hist.Versions))
		}
		boxJS := func(filter string) string {
			return fmt.Sprintf(`(() => { let box = null; clustermap.map.eachLayer((l) => {
			  if (!l.feature || String(l.feature.id) !== %q || !l.getBounds || !(%s)) return;
			  const b = l.getBounds(); box = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; });
			  return box; })()`, clusterID, filter)
		}
		sameBox := func(got []float64) bool {
			if len(got) != 4 {
				return false
			}
			for i := range got {
				if math.Abs(got[i]-origBox[i]) > 1e-6 {
					return false
				}
			}
			return true
		}
		// The past-date view: the approved boundary, marked as a past state.
		a.do("past tab", chromedp.Click(chromedp.CSS("#ws-tab-past")))
		evalJS[bool](a, fmt.Sprintf(`(() => { const d = new Date(%q), p = (n) => String(n).padStart(2, "0");
		  document.getElementById("ws-past-date").value = d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate()) + "T" + p(d.getHours()) + ":" + p(d.getMinutes()) + ":" + p(d.getSeconds()) + "." + String(d.getMilliseconds()).padStart(3, "0");
		  return true; })()`, between.UTC().Format(time.RFC3339Nano)))
		a.do("show the past", chromedp.Click(chromedp.CSS("#ws-past-show")))
		pollJS[bool](a, `!!document.body.dataset.asOf && !document.getElementById("ws-past-banner").hidden`, settle)
		if got := pollJS[[]float64](a, boxJS(`l.options.className && l.options.className.includes("ws-past-clusters")`), settle); !sameBox(got) {
			t.Errorf("past-date view shows %v, the approved boundary is %v", got, origBox)
		}
		a.do("back to today", chromedp.Click(chromedp.CSS("#ws-past-clear")))
		pollJS[bool](a, `!document.body.dataset.asOf`, settle)

		// Revert to the approved version: the map shows the old boundary again.
		a.do("feature tab", chromedp.Click(chromedp.CSS("#ws-tab-feature")))
		a.do("show version 1", chromedp.Click(chromedp.CSS(`#ws-timeline [data-show="1"]`)))
		pollJS[bool](a, `!!document.querySelector("path.ws-version-shape")`, settle)
		saveShot(t, a, "history")
		evalJS[bool](a, `(delete document.body.dataset.refreshed, true)`)
		a.do("revert to version 1", chromedp.Click(chromedp.CSS(`#ws-timeline [data-revert="1"]`)))
		pollJS[bool](a, `!!document.querySelector("dialog#ws-revert-confirm[open]")`, settle)
		a.do("confirm the revert", chromedp.Click(chromedp.CSS("#ws-revert-confirm-ok")))
		pollJS[bool](a, `(document.body.dataset.refreshed || "").startsWith("clusters:")`, settle)
		var reverted bool
		if err := db.QueryRow(ctx, `SELECT ST_XMin(geom) = $2 AND ST_YMax(geom) = $3 FROM clusters WHERE id = $1::bigint`, clusterID, origBox[0], origBox[3]).Scan(&reverted); err != nil || !reverted {
			t.Errorf("the stored boundary after revert is not the approved one (%v)", err)
		}
		if got := pollJS[[]float64](a, boxJS(`l.options.className && l.options.className.includes("cm-footprint")`), settle); !sameBox(got) {
			t.Errorf("after revert the map draws %v, the approved boundary is %v", got, origBox)
		}
	})

	// A session that expires while someone types loses nothing: the save is refused (401), the
	// sign-in dialog opens over the form, and after signing in again the same save goes through
	// with what was typed.
	t.Run("EditSurvivesExpiredSession", func(t *testing.T) {
		var id string
		if err := db.QueryRow(ctx, `SELECT id::text FROM clusters ORDER BY id LIMIT 1`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		p := newPage(t, browser, ts.URL, desktop)
		openFeatureEditor(t, p, "dept", id)
		const typed = "Phòng Quản lý đô thị, 0269 3824 000"
		// Empty the field first (as select-all and delete would), then type.
		evalJS[bool](p, `(() => { const el = document.querySelector('#ws-attr-form [name="contact"]');
		  el.value = ""; el.dispatchEvent(new Event("input", { bubbles: true })); return true; })()`)
		p.do("type a new contact", chromedp.SendKeys(chromedp.CSS(`#ws-attr-form [name="contact"]`), typed),
			chromedp.SendKeys(chromedp.CSS("#ws-change-comment"), "liên hệ sau khi hết phiên"))
		// The session ends on the server (as after its time-to-live) while the form is open.
		if _, err := db.Exec(ctx, `UPDATE sessions SET expires_at = now() - interval '1 second'
			WHERE user_id = (SELECT id FROM users WHERE name = 'dept')`); err != nil {
			t.Fatal(err)
		}
		p.do("save", chromedp.Click(chromedp.CSS("#ws-save-feature")))
		pollJS[bool](p, `!!document.querySelector("#ws-signin[open]")`, settle)
		expectHTTP(p, 401, "/ogc/collections/clusters/items/")
		var stored string
		if err := db.QueryRow(ctx, `SELECT coalesce(contact, '') FROM clusters WHERE id = $1::bigint`, id).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if stored == typed {
			t.Fatal("the refused save was stored")
		}
		if got := evalJS[string](p, `document.querySelector('#ws-attr-form [name="contact"]').value`); got != typed {
			t.Errorf("after the 401 the form holds %q, want what was typed, %q", got, typed)
		}
		// The dialog keeps the name and asks for the password.
		if got := evalJS[string](p, `document.getElementById("ws-username").value + "|" + document.activeElement.id`); got != "dept|ws-password" {
			t.Errorf("sign-in dialog after expiry: name and focus %q, want the name kept and the password field focused", got)
		}
		p.do("sign in again",
			chromedp.SendKeys(chromedp.CSS("#ws-password"), wsPassword),
			chromedp.Click(chromedp.CSS("#ws-signin-submit")))
		pollJS[bool](p, `!document.querySelector("#ws-signin[open]") && document.body.dataset.user === "dept"`, settle)
		p.do("save again", chromedp.Click(chromedp.CSS("#ws-save-feature")))
		pollJS[bool](p, `/\d/.test(document.getElementById("ws-feature-status").textContent) && !document.querySelector("#ws-attr-form .ws-error:not([hidden])")`, settle)
		if err := db.QueryRow(ctx, `SELECT coalesce(contact, '') FROM clusters WHERE id = $1::bigint`, id).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if stored != typed {
			t.Errorf("after signing in again and saving, the contact is %q, want %q", stored, typed)
		}
	})

	// A reload after the session ended on the server: the stale cookie is refused (401) and
	// dropped, the map loads anonymously with every cluster, and the page says "sign in".
	t.Run("ReloadAfterSessionEnded", func(t *testing.T) {
		p := newPage(t, browser, ts.URL, desktop)
		p.load("/")
		signIn(t, p, "dept2")
		if _, err := db.Exec(ctx, `UPDATE sessions SET expires_at = now() - interval '1 second'
			WHERE user_id = (SELECT id FROM users WHERE name = 'dept2')`); err != nil {
			t.Fatal(err)
		}
		p.reload()
		// The page tries to resume the session, learns it has ended and forgets it.
		pollJS[bool](p, `!window.localStorage.getItem("clustermap.signedIn")`, settle)
		expectHTTP(p, 401, "/api/")
		var clusters int
		if err := db.QueryRow(ctx, `SELECT count(*) FROM clusters`).Scan(&clusters); err != nil {
			t.Fatal(err)
		}
		got := evalJS[map[string]any](p, `(() => ({
		  user: document.body.dataset.user || "",
		  signin: document.getElementById("signin-open").textContent.trim(),
		  listed: document.querySelectorAll("#results-list li[data-id]").length,
		}))()`)
		if got["user"] != "" || got["signin"] != "Đăng nhập" {
			t.Errorf("after the session ended, the reloaded page shows user %q and button %q; want anonymous, \"Đăng nhập\"", got["user"], got["signin"])
		}
		if n := int(got["listed"].(float64)); n != clusters {
			t.Errorf("the reloaded page lists %d clusters, the database holds %d", n, clusters)
		}
	})

	// On a 390-pixel phone the workspace is a bottom sheet: signed in, its tabs, forms and buttons
	// fit the screen's width (nothing to scroll sideways), and the map keeps the top of the screen.
	// An approval withdrawn from the screen: confirmed with a reason; afterwards the proposal, the
	// cluster and history agree, and the open views show it.
	t.Run("DepartmentWithdrawsAnApproval", func(t *testing.T) {
		var wlon, wlat float64
		err := db.QueryRow(ctx, `SELECT ST_X(p), ST_Y(p) FROM (
			  SELECT (ST_Dump(ST_GeneratePoints(ST_Buffer(d.geom::geography, -2500)::geometry, 200, 7))).geom AS p FROM districts d WHERE d.code = $1) x
			 WHERE NOT EXISTS (SELECT 1 FROM clusters c WHERE ST_DWithin(c.geom::geography, x.p::geography, 3000))
			 ORDER BY ST_X(p) DESC LIMIT 1`, district).Scan(&wlon, &wlat)
		if err != nil {
			t.Fatal(err)
		}
		ring := square(wlon, wlat, 300)
		ring = append(ring, ring[0])
		gj, _ := json.Marshal(map[string]any{"type": "Polygon", "coordinates": [][][2]float64{ring}})
		dist := edit.Actor{User: "dist", Role: edit.RoleDistrict, Scope: edit.Scope{District: district}}
		dept := edit.Actor{User: "dept", Role: edit.RoleDepartment}
		w, err := ed.CreateProposal(ctx, dist, edit.ProposalInput{Kind: "new", Name: "CCN Rút lại", Geometry: gj,
			LandRecovery: json.RawMessage(`[{"parcel":"thửa 9","area_ha":30}]`)})
		if err != nil {
			t.Fatal(err)
		}
		if err := ed.Transition(ctx, dist, w.ID, edit.Decision{Action: "submit"}); err != nil {
			t.Fatal(err)
		}
		if err := ed.Transition(ctx, dept, w.ID, edit.Decision{Action: "approve", Number: "9/QĐ-UBND", Date: "2025-07-01", Comment: "thử"}); err != nil {
			t.Fatal(err)
		}
		var made int64
		if err := db.QueryRow(ctx, `SELECT cluster_id FROM proposals WHERE id = $1`, w.ID).Scan(&made); err != nil {
			t.Fatal(err)
		}
		p := newPage(t, browser, ts.URL, desktop)
		p.load("/")
		signIn(t, p, "dept")
		listed := fmt.Sprintf(`!!document.querySelector('#results-list li[data-id="%d"]')`, made)
		pollJS[bool](p, listed, settle) // the public list shows the cluster the approval made
		p.do("my proposals tab", chromedp.Click(chromedp.CSS("#ws-tab-proposals")))
		button := fmt.Sprintf(`#ws-my-proposals [data-withdraw="%d"]`, w.ID)
		pollJS[bool](p, fmt.Sprintf(`!!document.querySelector(%q)`, button), settle)
		p.do("withdraw", chromedp.Click(chromedp.CSS(button)))
		pollJS[bool](p, `!!document.querySelector("dialog#ws-withdraw-confirm[open]")`, settle)
		p.do("confirm without a reason", chromedp.Click(chromedp.CSS("#ws-withdraw-confirm-ok")))
		pollJS[bool](p, `!!document.querySelector("dialog#ws-withdraw-confirm[open] .ws-error:not([hidden])")`, settle)
		p.do("give the reason", chromedp.SendKeys(chromedp.CSS("#ws-withdraw-confirm textarea"), "Quyết định bị thu hồi"),
			chromedp.Click(chromedp.CSS("#ws-withdraw-confirm-ok")))
		pollJS[bool](p, fmt.Sprintf(`!document.querySelector(%q) && !!document.querySelector('#ws-my-proposals li[data-id="%d"][data-status="submitted"]')
		  && !!document.querySelector('#ws-review-queue [data-open="%d"]')`, button, w.ID, w.ID), settle)
		// The map and the list, read again: the withdrawn cluster is gone from them too.
		pollJS[bool](p, `!`+listed, settle)
		var status string
		var number *string
		var clusters int
		if err := db.QueryRow(ctx, `SELECT status::text, decision_number, (SELECT count(*) FROM clusters WHERE name = 'CCN Rút lại') FROM proposals WHERE id = $1`, w.ID).
			Scan(&status, &number, &clusters); err != nil {
			t.Fatal(err)
		}
		if status != "submitted" || number != nil || clusters != 0 {
			t.Errorf("after the withdrawal: proposal %s, decision %v, %d clusters; want submitted, none, 0", status, number, clusters)
		}
		var comment string
		if err := db.QueryRow(ctx, `SELECT coalesce(comment, '') FROM feature_versions WHERE proposal_id = $1 AND op = 'delete'`, w.ID).Scan(&comment); err != nil ||
			!strings.Contains(comment, "Quyết định bị thu hồi") {
			t.Errorf("history of the withdrawal: %q (%v), want the reason", comment, err)
		}
	})

	// A commune office (since 1 July 2025) signs in under its commune's name, proposes, reviews
	// nothing, and its form offers only the fields it may change on its own cluster.
	t.Run("CommuneOffice", func(t *testing.T) {
		const commune = "21940" // An Nhơn Tây
		if err := ed.AddScopedUser(ctx, "nhontan", edit.RoleCommune, edit.Scope{Commune: commune}, wsPassword); err != nil {
			t.Fatal(err)
		}
		var own string
		if err := db.QueryRow(ctx, `SELECT min(id)::text FROM clusters WHERE commune_code = $1`, commune).Scan(&own); err != nil {
			t.Fatal(err)
		}
		p := newPage(t, browser, ts.URL, desktop)
		openFeatureEditor(t, p, "nhontan", own)
		got := evalJS[struct {
			Who    string
			Tabs   []string
			Fields []string
		}](p, `({ who: document.getElementById("ws-who").textContent,
		  tabs: [...document.querySelectorAll(".ws-tabs [role=tab]")].map((b) => b.id),
		  fields: [...document.querySelectorAll("#ws-attr-form [name]")].map((e) => e.name).filter((n, i, a) => a.indexOf(n) === i).sort() })`)
		if !strings.Contains(got.Who, "Cấp xã – An Nhơn Tây") || strings.Contains(got.Who, commune) {
			t.Errorf("header shows %q, want the commune office and the commune's name, not its code", got.Who)
		}
		if slices.Contains(got.Tabs, "ws-tab-review") || !slices.Contains(got.Tabs, "ws-tab-proposals") {
			t.Errorf("a commune office's tabs: %v", got.Tabs)
		}
		l, _ := store.Catalog().Layer("clusters")
		editable := l.DistrictFields()
		if len(got.Fields) == 0 {
			t.Error("the commune's form offers no field")
		}
		for _, f := range got.Fields {
			if f != "comment" && !slices.Contains(editable, f) { // the change's comment goes with any change
				t.Errorf("the commune's form offers %q, which it may not change (may: %v)", f, editable)
			}
		}
		// Recording a founding is the province's: the database refuses it, and the office reads
		// why in its language.
		evalJS[bool](p, `(document.querySelector('#ws-attr-form [name="status"]').value = "established", true)`)
		p.do("save a founding", chromedp.Click(chromedp.CSS("#ws-save-feature")))
		msg := pollJS[string](p, `(() => { const e = document.querySelector("#ws-attr-form .ws-error:not([hidden])"); return e && e.textContent; })()`, settle)
		expectHTTP(p, 403, "/ogc/collections/clusters/items/"+own)
		if !strings.Contains(msg, "UBND tỉnh") || strings.Contains(msg, "People's Committee") {
			t.Errorf("refused founding reads %q, want the reason in Vietnamese", msg)
		}
		var status string
		if err := db.QueryRow(ctx, `SELECT status::text FROM clusters WHERE id = $1::bigint`, own).Scan(&status); err != nil || status == "established" {
			t.Errorf("the cluster's stage is %q (%v) after the refused founding", status, err)
		}
	})

	t.Run("PhoneWorkspace", func(t *testing.T) {
		p := newPage(t, browser, ts.URL, phone)
		p.load("/")
		signIn(t, p, "dist")
		pollJS[bool](p, `(() => { const el = document.getElementById("ws-panel"); return el && !el.hidden; })()`, settle)
		type box struct {
			Left, Right, Top, Bottom float64
		}
		type layout struct {
			ViewW, ViewH, PageW float64
			Panel, Map          box
			Outside             []string
		}
		check := func(when string) {
			t.Helper()
			l := evalJS[layout](p, `(() => {
			  const b = (el) => { const r = el.getBoundingClientRect(); return { left: r.left, right: r.right, top: r.top, bottom: r.bottom }; };
			  const panel = document.getElementById("ws-panel");
			  const outside = [...panel.querySelectorAll("button, input, select, textarea, [role=tab]")]
			    .filter((e) => e.getClientRects().length && getComputedStyle(e).visibility !== "hidden")
			    .filter((e) => { const r = e.getBoundingClientRect(); return r.left < -1 || r.right > innerWidth + 1; })
			    .map((e) => e.id || e.name || e.textContent.trim().slice(0, 30));
			  return { viewW: innerWidth, viewH: innerHeight, pageW: document.documentElement.scrollWidth,
			    panel: b(panel), map: b(document.getElementById("map")), outside };
			})()`)
			if l.PageW > l.ViewW+1 {
				t.Errorf("%s: the page is %.0f px wide on a %.0f px screen", when, l.PageW, l.ViewW)
			}
			if l.Panel.Left < -1 || l.Panel.Right > l.ViewW+1 {
				t.Errorf("%s: the workspace spans %.0f–%.0f px of a %.0f px screen", when, l.Panel.Left, l.Panel.Right, l.ViewW)
			}
			if len(l.Outside) > 0 {
				t.Errorf("%s: controls beyond the screen's edges: %q", when, l.Outside)
			}
			// A bottom sheet: the top of the map stays in view above it.
			if l.Panel.Top < l.Map.Top+80 {
				t.Errorf("%s: the workspace starts at %.0f px, leaving under 80 px of map (map top %.0f px)", when, l.Panel.Top, l.Map.Top)
			}
		}
		check("the workspace open")
		for _, tab := range evalJS[[]string](p, `[...document.querySelectorAll("#ws-panel [role=tab]")].filter((e) => e.getClientRects().length).map((e) => e.id)`) {
			p.do("open "+tab, chromedp.Click(chromedp.CSS("#"+tab)))
			check("tab " + tab)
		}
		p.screenshot("workspace-phone")
	})
}
