package server_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/edit"
)

// tapAt is a finger's tap: touch start and end at one point, as a phone's screen sends them.
func tapAt(x, y float64) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		start := input.DispatchTouchEventParams{Type: input.DispatchTouchEventTypeTouchStart, TouchPoints: []*input.TouchPoint{{X: x, Y: y}}}
		if _, err := cdp.Call(ctx, t, input.DispatchTouchEvent, start); err != nil {
			return chromedp.Void{}, err
		}
		end := input.DispatchTouchEventParams{Type: input.DispatchTouchEventTypeTouchEnd, TouchPoints: []*input.TouchPoint{}}
		_, err := cdp.Call(ctx, t, input.DispatchTouchEvent, end)
		return chromedp.Void{}, err
	}
}

// tap taps the middle of the element selector names, scrolled into view as a user scrolls a
// sheet, after checking that nothing covers it.
func tap(t *testing.T, p *page, what, selector string) {
	t.Helper()
	at := evalJS[[]float64](p, fmt.Sprintf(`(() => {
	  const el = document.querySelector(%q);
	  if (!el) return [-1, -1, 0];
	  el.scrollIntoView({ block: "nearest" });
	  const b = el.getBoundingClientRect(), x = b.left + b.width / 2, y = b.top + b.height / 2;
	  const hit = document.elementFromPoint(x, y);
	  return [x, y, hit && (hit === el || el.contains(hit) || hit.contains(el)) ? 1 : 0];
	})()`, selector))
	if at[2] != 1 {
		t.Fatalf("%s: %s is missing, covered or off the screen (at %.0f,%.0f)", what, selector, at[0], at[1])
	}
	p.do(what, tapAt(at[0], at[1]))
}

// tapOnMap taps a coordinate, after checking that the map itself is there (no panel, bar or
// control over it).
func tapOnMap(t *testing.T, p *page, what string, lon, lat float64) {
	t.Helper()
	x, y := screenPoint(p, lon, lat)
	hit := evalJS[string](p, fmt.Sprintf(`(() => {
	  const e = document.elementFromPoint(%f, %f);
	  if (!e) return "nothing (off the screen)";
	  if (!e.closest("#map")) return "outside the map: " + e.tagName + " " + (e.id || e.getAttribute("class") || "");
	  if (e.closest(".leaflet-control")) return "a map control";
	  return "";
	})()`, x, y))
	if hit != "" {
		t.Fatalf("%s at %.0f,%.0f would land on %s", what, x, y, hit)
	}
	p.do(what, tapAt(x, y))
}

// freePlace is a district with a cluster and a point deep inside it (2.5 km from its edge), 3 km
// from every cluster: where a test draws a new one.
func freePlace(t *testing.T, store *geo.Store) (district string, lon, lat float64) {
	t.Helper()
	err := store.Pool().QueryRow(context.Background(), `SELECT code, ST_X(p), ST_Y(p) FROM (
		  SELECT d.code, (ST_Dump(ST_GeneratePoints(ST_Buffer(d.geom::geography, -2500)::geometry, 200, 7))).geom AS p
		    FROM districts d WHERE d.code = (SELECT district_code FROM clusters WHERE kind = 'ccn' AND district_code IS NOT NULL ORDER BY id LIMIT 1)) x
		 WHERE NOT EXISTS (SELECT 1 FROM clusters c WHERE ST_DWithin(c.geom::geography, x.p::geography, 3000))
		 ORDER BY ST_X(p) LIMIT 1`).Scan(&district, &lon, &lat)
	if err != nil {
		t.Fatal(err)
	}
	return district, lon, lat
}

// offScreenJS lists the map's controls and the workspace's buttons that lie beyond the screen.
const offScreenJS = `[...document.querySelectorAll(".leaflet-control-zoom a, .leaflet-pm-toolbar .leaflet-buttons-control-button, #ws-panel button, #ws-compact button")]
  .filter((e) => e.getClientRects().length && getComputedStyle(e).visibility !== "hidden")
  .filter((e) => { const r = e.getBoundingClientRect(); return r.left < -1 || r.right > innerWidth + 1 || r.top < -1 || r.bottom > innerHeight + 1; })
  .map((e) => (e.id || e.getAttribute("aria-label") || e.title || e.className) + " at " + Math.round(e.getBoundingClientRect().left))`

// A district officer draws a new cluster on a 390×844 phone with the finger alone: the drawing
// takes the screen with one line for the area and the verdict, the tools are on the screen, taps
// on the map place corners and never open a panel, "Next" leads to the form, and the proposal is
// submitted with the boundary drawn. Nothing is off the screen after opening and closing the
// workspace.
func TestBrowserPhoneDrawing(t *testing.T) {
	ts, store := newTestServer(t)
	ed := edit.New(store, slog.New(slog.DiscardHandler))
	ctx := context.Background()
	db := store.Pool()
	district, lon, lat := freePlace(t, store)
	if err := ed.AddUser(ctx, "dist", edit.RoleDistrict, district, wsPassword); err != nil {
		t.Fatal(err)
	}
	browser := startBrowser(t)
	axe := axeJS(t)
	for _, lang := range []string{"vi", "en"} {
		t.Run(lang, func(t *testing.T) {
			drawOnPhone(t, browser, ts.URL, axe, lang, lon, lat, "CCN Vẽ trên điện thoại "+lang)
		})
	}
	var n int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM proposals WHERE name LIKE 'CCN Vẽ trên điện thoại %' AND status = 'submitted'
		AND abs(ST_Area(geom::geography) / 1e4 - 25) < 2`).Scan(&n); err != nil || n != 2 {
		t.Errorf("%d proposals drawn on the phone stored as submitted, ~25 ha (%v); want 2", n, err)
	}
}

func drawOnPhone(t *testing.T, browser context.Context, url, axe, lang string, lon, lat float64, name string) {
	p := newPage(t, browser, url, phone)
	p.load(fmt.Sprintf("/#15/%.5f/%.5f", lat, lon))
	if lang == "en" {
		tap(t, p, "switch to English", "#lang-toggle")
		pollJS[bool](p, `document.documentElement.lang === "en"`, settle)
	}
	signIn(t, p, "dist")
	pollJS[bool](p, `(() => { const el = document.getElementById("ws-panel"); return el && !el.hidden; })()`, settle)
	// Opening and closing the workspace leaves every control on the screen.
	for i := 0; i < 2; i++ {
		tap(t, p, "fold the workspace", "#ws-toggle")
		pollJS[bool](p, `document.getElementById("ws-panel").hidden`, settle)
		tap(t, p, "open the workspace", "#ws-toggle")
		pollJS[bool](p, `!document.getElementById("ws-panel").hidden`, settle)
	}
	if off := evalJS[[]string](p, offScreenJS); len(off) > 0 {
		t.Errorf("after opening and closing the workspace, off the screen: %q", off)
	}

	tap(t, p, "new proposal", "#ws-new-proposal")
	pollJS[bool](p, `document.body.classList.contains("ws-compact") && !document.getElementById("ws-compact").hidden && !!document.querySelector(".leaflet-pm-icon-polygon")`, settle)
	layout := evalJS[map[string]float64](p, `(() => {
	  const bar = document.getElementById("ws-compact").getBoundingClientRect(), panel = document.getElementById("ws-panel");
	  return { barTop: bar.top, barHeight: bar.height, screen: innerHeight, panelShown: panel.getClientRects().length };
	})()`)
	if layout["panelShown"] != 0 || layout["barHeight"] > 0.12*layout["screen"] {
		t.Errorf("drawing on the phone: the form is shown (%v) or the bar takes %.0f of %.0f px", layout["panelShown"], layout["barHeight"], layout["screen"])
	}
	if off := evalJS[[]string](p, offScreenJS); len(off) > 0 {
		t.Errorf("while drawing, off the screen: %q", off)
	}
	evalJS[bool](p, `(() => {
	  window.__cmVertices = 0; window.__cmCreated = 0;
	  clustermap.map.once("pm:drawstart", (e) => e.workingLayer.on("pm:vertexadded", () => window.__cmVertices++));
	  clustermap.map.once("pm:create", () => window.__cmCreated++);
	  return true;
	})()`)
	tap(t, p, "the polygon tool", ".leaflet-pm-toolbar .leaflet-buttons-control-button:has(.leaflet-pm-icon-polygon)")
	pollJS[bool](p, `clustermap.map.pm.globalDrawModeEnabled()`, settle)
	// A square of ~25 ha in the middle of the map's free part.
	evalJS[bool](p, fmt.Sprintf(`(clustermap.map.setView([%f, %f], 15, {animate: false}), true)`, lat, lon))
	corners := square(lon, lat, 250)
	view := `(() => { const m = clustermap.map, c = m.getCenter(); return m.getZoom() + " " + c.lat.toFixed(6) + " " + c.lng.toFixed(6); })()`
	before := evalJS[string](p, view)
	for i, c := range corners {
		tapOnMap(t, p, fmt.Sprintf("corner %d", i+1), c[0], c[1])
		pollJS[bool](p, fmt.Sprintf(`window.__cmVertices === %d`, i+1), settle)
		// Taps place corners and nothing else: the map neither zooms (a double tap) nor moves.
		if now := evalJS[string](p, view); now != before {
			t.Fatalf("after corner %d the map's view is %s, was %s", i+1, now, before)
		}
	}
	tapOnMap(t, p, "close the ring on the first corner", corners[0][0], corners[0][1])
	pollJS[bool](p, `window.__cmCreated === 1 && !clustermap.map.pm.globalDrawModeEnabled()`, settle)
	if opened := evalJS[bool](p, `!!(document.getElementById("panel") && !document.getElementById("panel").hidden && document.getElementById("panel").getClientRects().length)`); opened {
		t.Errorf("a tap while drawing opened the feature panel")
	}
	area := pollJS[string](p, `(() => { const a = document.getElementById("ws-compact-area").textContent; return /ha/.test(a) && document.getElementById("ws-compact-verdict").textContent ? a : ""; })()`, settle)
	if lang == "vi" {
		saveShot(t, p, "phone-drawing")
	}
	checkWorkspaceLanguage(p, "drawing on the phone")
	checkAxe(p, axe, "drawing on the phone")
	t.Logf("the drawing bar: %s %s", area, evalJS[string](p, `document.getElementById("ws-compact-verdict").textContent`))

	tap(t, p, "next: the form", "#ws-compact-next")
	pollJS[bool](p, `!document.body.classList.contains("ws-compact") && document.getElementById("ws-panel").getClientRects().length > 0`, settle)
	p.do("name it", chromedp.SendKeys(chromedp.CSS("#ws-p-name"), name))
	checkWorkspaceLanguage(p, "the form on the phone")
	tap(t, p, "submit", "#ws-submit")
	pollJS[bool](p, `!document.getElementById("ws-proposal-form") && !!document.querySelector('#ws-my-proposals li[data-status="submitted"]')`, settle)
	if off := evalJS[[]string](p, offScreenJS); len(off) > 0 {
		t.Errorf("after submitting, off the screen: %q", off)
	}
}
