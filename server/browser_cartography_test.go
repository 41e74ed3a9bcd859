package server_test

// Issue 16, cartography and layout, in the browser at 1366×860 in both languages: cluster
// names on the map from zoom 10, beside their symbols and never over a symbol or another
// label; district names at every zoom (those that fit); the legend folds by layer, by click
// and keyboard, with the layer's checkbox always in view, and draws the clusters' stages
// exactly as the map does; with the sidebar and the panel open the map keeps half the width.

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// labelsJS lists the visible labels of a kind inside the map, with their text and lang, and
// every pair of visible labels (of any kind) whose boxes overlap by more than tol px.
const labelsJS = `((sel, tol) => {
  const box = document.getElementById("map").getBoundingClientRect();
  const seen = (el) => { const r = ([...el.children].find((c) => c.getClientRects().length) || el).getBoundingClientRect(); const cs = getComputedStyle(el);
    return r.width > 0 && cs.visibility !== "hidden" && cs.display !== "none" &&
      r.left >= box.left && r.right <= box.right && r.top >= box.top && r.bottom <= box.bottom; };
  const all = [...document.querySelectorAll(".cm-region-label, .cm-district-label, .cm-road-shield, .cm-cluster-label")].filter(seen);
  const rs = all.map((e) => ([...e.children].find((c) => c.getClientRects().length) || e).getBoundingClientRect());
  const ov = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > tol && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > tol;
  const clashes = [];
  for (let i = 0; i < all.length; i++) for (let j = i + 1; j < all.length; j++)
    if (ov(rs[i], rs[j])) clashes.push(all[i].textContent.trim() + " / " + all[j].textContent.trim());
  const mine = all.filter((e) => e.matches(sel)).map((e) => ({ text: e.textContent.trim(), lang: (e.querySelector("[lang]") || e).getAttribute("lang") || "", id: e.dataset.labelFor || "" }));
  return { labels: mine, clashes, total: document.querySelectorAll(sel).length };
})`

type shownLabel struct{ Text, Lang, ID string }
type labelState struct {
	Labels  []shownLabel
	Clashes []string
	Total   int
}

// viewAt moves the map and waits until the declutter pass has placed the labels.
func viewAt(p *page, lat, lon, z float64) {
	p.t.Helper()
	evalJS[bool](p, fmt.Sprintf(`(async () => {
	  window.clustermap.map.setView([%f, %f], %g, { animate: false });
	  await new Promise((r) => setTimeout(r, 400));
	  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
	  return true;
	})()`, lat, lon, z))
}

func TestBrowserCartography(t *testing.T) {
	ts, _ := newTestServer(t)
	browser := startBrowser(t)
	axe := axeJS(t)

	clusters := getJSON[struct {
		Features []struct {
			ID         int64
			Properties struct {
				Name string `json:"name"`
			}
		}
	}](t, ts.URL+"/api/layers/clusters/features?limit=1000", http.StatusOK).Features
	if len(clusters) < 3 {
		t.Fatalf("seed: %d clusters", len(clusters))
	}
	nameOf := map[string]string{}
	for _, c := range clusters {
		nameOf[fmt.Sprint(c.ID)] = c.Properties.Name
	}
	type overlaps struct {
		Symbols  int
		Problems []string
	}

	for _, lang := range []string{"vi", "en"} {
		t.Run(lang, func(t *testing.T) {
			p := newPage(t, browser, ts.URL, usabilityDesktop)
			p.load("/")
			if lang == "en" {
				p.do("switch to English", chromedp.Click(chromedp.CSS("#lang-toggle")))
				pollJS[bool](p, `document.documentElement.lang === "en"`, settle)
			}
			evalJS[bool](p, `new Promise((r) => setTimeout(() => requestAnimationFrame(() => r(true)), 400))`)

			p.screenshot("cartography-default-" + lang)
			// District names at the default zoom: those that fit, none on a symbol or another label.
			d := evalJS[labelState](p, labelsJS+`(".cm-district-label", 1)`)
			if len(d.Labels) < 3 {
				t.Errorf("default view: %d of %d district names visible, want at least 3", len(d.Labels), d.Total)
			}
			for _, c := range d.Clashes {
				t.Errorf("default view: labels overlap: %s", c)
			}
			if o := evalJS[overlaps](p, overlapsJS); len(o.Problems) > 0 {
				t.Errorf("default view: %v", o.Problems)
			}
			if n := evalJS[int](p, labelsJS+`(".cm-cluster-label", 1).labels.length`); n != 0 {
				t.Errorf("default view (below zoom 10): %d cluster names shown", n)
			}

			// Cluster names from zoom 10: at a few views over the clusters, the names that fit are
			// shown, in the data's language, beside their symbols and over nothing.
			centres := evalJS[[][]float64](p, `(() => {
			  const pts = [...document.querySelectorAll(".cm-symbol-clusters")].map((el) => {
			    const r = el.getBoundingClientRect();
			    const ll = window.clustermap.map.containerPointToLatLng(L.point(r.left + r.width / 2 - document.getElementById("map").getBoundingClientRect().left, r.top + r.height / 2 - document.getElementById("map").getBoundingClientRect().top));
			    return [ll.lat, ll.lng];
			  });
			  return pts.slice(0, 3);
			})()`)
			if len(centres) == 0 {
				t.Fatal("no cluster symbols at the default view")
			}
			seenNames := map[string]bool{}
			for i, c := range centres {
				for _, z := range []float64{10, 11} {
					viewAt(p, c[0], c[1], z)
					l := evalJS[labelState](p, labelsJS+`(".cm-cluster-label", 1)`)
					if i == 0 {
						p.screenshot(fmt.Sprintf("cartography-z%g-%s", z, lang))
					}
					symbolsInView := evalJS[int](p, `(() => { const b = document.getElementById("map").getBoundingClientRect();
					  return [...document.querySelectorAll(".cm-symbol-clusters")].filter((e) => { const r = e.getBoundingClientRect();
					    return r.left >= b.left && r.right <= b.right && r.top >= b.top && r.bottom <= b.bottom; }).length; })()`)
					if symbolsInView > 0 && len(l.Labels) == 0 {
						t.Errorf("view %d at z%g: %d cluster symbols, no cluster name shown", i, z, symbolsInView)
					}
					for _, s := range l.Labels {
						if nameOf[s.ID] != s.Text {
							t.Errorf("z%g: cluster label %q for cluster %s, whose name is %q", z, s.Text, s.ID, nameOf[s.ID])
						}
						if s.Lang != "vi" {
							t.Errorf("z%g: cluster name %q carries lang %q, want vi (names are data)", z, s.Text, s.Lang)
						}
						seenNames[s.Text] = true
					}
					if cut := evalJS[[]string](p, `(() => { const b = document.getElementById("map").getBoundingClientRect();
					  return [...document.querySelectorAll(".cm-cluster-label")].filter((e) => { const cs = getComputedStyle(e), r = e.firstElementChild.getBoundingClientRect();
					    return cs.display !== "none" && cs.visibility !== "hidden" && r.width > 0 && r.right > b.left && r.left < b.right && r.bottom > b.top && r.top < b.bottom &&
					      (r.left < b.left || r.right > b.right || r.top < b.top || r.bottom > b.bottom); }).map((e) => e.textContent); })()`); len(cut) > 0 {
						t.Errorf("z%g: cluster names cut by the map's edge: %v", z, cut)
					}
					for _, c := range l.Clashes {
						t.Errorf("z%g: labels overlap: %s", z, c)
					}
					if o := evalJS[overlaps](p, overlapsJS); len(o.Problems) > 0 {
						t.Errorf("z%g: %v", z, o.Problems)
					}
					// A name sits beside its own symbol (within a label's reach), not somewhere else.
					if far := evalJS[[]string](p, `[...document.querySelectorAll(".cm-cluster-label")].filter((e) => getComputedStyle(e).visibility !== "hidden" && getComputedStyle(e).display !== "none").flatMap((e) => {
					  const s = document.querySelector('.cm-symbol-clusters[data-id="' + e.dataset.labelFor + '"]');
					  if (!s) return [];
					  const a = s.getBoundingClientRect(), b = e.firstElementChild.getBoundingClientRect();
					  const gap = Math.max(a.left - b.right, b.left - a.right, a.top - b.bottom, b.top - a.bottom);
					  return gap > 12 ? [e.textContent + " " + Math.round(gap) + " px from its symbol"] : [];
					})`); len(far) > 0 {
						t.Errorf("z%g: %v", z, far)
					}
				}
			}
			if len(seenNames) == 0 {
				t.Error("no cluster name on the map at zoom 10 or 11")
			}
			checkOneLanguage(p, "cluster names")
			checkAxe(p, axe, "cluster names")
			// District names still show zoomed in.
			if n := len(evalJS[labelState](p, labelsJS+`(".cm-district-label", 1)`).Labels); n == 0 {
				t.Error("zoom 11: no district name")
			}

			// The legend folds by layer: by click and by keyboard; the layer's checkbox stays in view.
			type group struct {
				ID       string
				Expanded string
				Hidden   bool
				Checkbox bool
			}
			groupsJS := `[...document.querySelectorAll(".legend-group-toggle")].map((b) => ({ id: b.id, expanded: b.getAttribute("aria-expanded"),
			  hidden: document.getElementById(b.getAttribute("aria-controls")).hidden,
			  checkbox: (() => { const c = b.closest(".legend-layer").querySelector("input[type=checkbox]"); return !!c && c.getClientRects().length > 0; })() }))`
			groups := evalJS[[]group](p, groupsJS)
			if len(groups) < 5 {
				t.Fatalf("legend: %d layer groups can fold, want one per layer", len(groups))
			}
			for _, g := range groups {
				if (g.Expanded == "true") == g.Hidden || !g.Checkbox {
					t.Errorf("legend group %s: %+v", g.ID, g)
				}
			}
			tall := evalJS[float64](p, `document.getElementById("legend-body").scrollHeight`)
			if tall > 640 {
				t.Errorf("legend as it starts: %.0f px high, want it to fit the map (≤ 640)", tall)
			}
			first := groups[0].ID
			state := func() group {
				for _, g := range evalJS[[]group](p, groupsJS) {
					if g.ID == first {
						return g
					}
				}
				t.Fatalf("legend group %s gone", first)
				return group{}
			}
			before := state()
			p.do("click a legend group", chromedp.Click(chromedp.CSS("#"+first)))
			after := state()
			if after.Expanded == before.Expanded || after.Hidden == before.Hidden || !after.Checkbox {
				t.Errorf("click on %s: %+v → %+v", first, before, after)
			}
			p.do("Enter on the legend group", chromedp.Focus(chromedp.CSS("#"+first)), chromedp.KeyEvent(kb.Enter))
			if again := state(); again.Expanded != before.Expanded || again.Hidden != before.Hidden {
				t.Errorf("Enter on %s: %+v, want back to %+v", first, again, before)
			}
			p.do("Space on the legend group", chromedp.Focus(chromedp.CSS("#"+first)), chromedp.KeyEvent(" "))
			if again := state(); again.Expanded == before.Expanded || !again.Checkbox {
				t.Errorf("Space on %s: %+v, want it toggled from %+v", first, again, before)
			}
			// Every group unfolded, for axe and the language walk.
			evalJS[bool](p, `[...document.querySelectorAll(".legend-group-toggle[aria-expanded=false]")].forEach((b) => b.click()) || true`)
			checkOneLanguage(p, "legend unfolded")
			checkAxe(p, axe, "legend unfolded")

			// The legend's stage symbols are drawn as the map draws the clusters: same outline dash.
			type dash struct{ Quality, Legend, Map string }
			dashes := evalJS[[]dash](p, `[...document.querySelectorAll('.legend-layer[data-layer="clusters"] li[data-quality]')].map((li) => {
			  const q = li.dataset.quality;
			  const shape = (root) => root && root.querySelector("svg > rect, svg > circle, svg > polygon");
			  const m = shape(document.querySelector(".cm-symbol-clusters.cm-quality-" + q));
			  return { quality: q, legend: shape(li).getAttribute("stroke-dasharray") || "none", map: m ? m.getAttribute("stroke-dasharray") || "none" : "no map symbol" };
			})`)
			if len(dashes) == 0 {
				t.Error("legend: no stage symbols with a geometry quality")
			}
			for _, d := range dashes {
				if d.Legend != d.Map {
					t.Errorf("legend stage symbol (%s) dash %q, the map's %q", d.Quality, d.Legend, d.Map)
				}
			}

			// With the sidebar and a cluster's panel open the map keeps at least half the width,
			// on the filters tab and on the wide table tab.
			id := fmt.Sprint(clusters[0].ID)
			p.do("open a cluster", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`location.hash = "#10/13.9/108.0/clusters:%s"`, id)))
			waitPanel(p, "clusters", id)
			for _, tab := range []string{"filters", "table"} {
				if evalJS[string](p, `document.body.dataset.tab || ""`) != tab || !evalJS[bool](p, `document.body.classList.contains("sidebar-open")`) {
					p.do("open the "+tab+" tab", chromedp.Click(chromedp.CSS("#tab-"+tab)))
				}
				pollJS[bool](p, `document.body.classList.contains("sidebar-open") && document.body.classList.contains("panel-open") && !document.getElementById("panel").hidden`, settle)
				waitStable(p, "#map")
				type widths struct{ Window, Map, Visible float64 }
				w := evalJS[widths](p, `(() => { const m = document.getElementById("map").getBoundingClientRect(), pn = document.getElementById("panel").getBoundingClientRect();
				  const covered = Math.max(0, Math.min(m.right, pn.right) - Math.max(m.left, pn.left));
				  return { window: window.innerWidth, map: m.width, visible: m.width - covered }; })()`)
				if w.Visible < w.Window/2 {
					t.Errorf("%s tab and panel open: %.0f px of map visible of %.0f, want at least half", tab, w.Visible, w.Window)
				}
			}
			checkAxe(p, axe, "sidebar and panel")
		})
	}
}
