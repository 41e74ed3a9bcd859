package server_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/clustermap/clustermap/geo/edit"
)

// The public map answers an investor's and a leader's questions (issue 23), on a desktop and a
// phone, in Vietnamese and in English: every area is named at the opening view and no symbol
// covers another; the credits fold away; an aggregate prints its base and is greyed when thin,
// in the CSV too; the crop asked for changes the raw-material part; clusters of unknown free land
// can be taken in, marked "ask", with a contact; "near QL19" can be asked; English search finds
// highways and crops; the comparison tray stays put and tabs open at their top; the fact sheet is
// one A4 page with a map; and every state speaks one language and passes axe.
func TestBrowserPublicAnswers(t *testing.T) {
	ts, store := newTestServer(t)
	ed := edit.New(store, slog.New(slog.DiscardHandler))
	if err := ed.AddUser(context.Background(), "dept", edit.RoleDepartment, "", wsPassword); err != nil {
		t.Fatal(err)
	}
	browser := startBrowser(t)
	axe := axeJS(t)

	type area struct {
		Slug     *string  `json:"slug"`
		Clusters int      `json:"clusters"`
		Occ      *float64 `json:"occupancy_pct"`
		OccN     int      `json:"occupancy_clusters_with_data"`
		Years    []int    `json:"occupancy_years"`
	}
	summary := getJSON[struct {
		Regions  []area `json:"regions"`
		Province area   `json:"province"`
	}](t, ts.URL+"/api/summary", http.StatusOK)
	// The area whose occupancy rests on the thinnest base: the leader's "100 %" of one park.
	var thin *area
	for i, r := range summary.Regions {
		if r.Occ != nil && r.OccN*2 < r.Clusters && (thin == nil || r.OccN < thin.OccN) {
			thin = &summary.Regions[i]
		}
	}
	if thin == nil {
		t.Fatal("the seed has no area whose occupancy rests on under half of its clusters")
	}
	clusters := getJSON[struct {
		Features []struct {
			ID         int64          `json:"id"`
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}](t, ts.URL+"/api/layers/clusters/features?limit=1000", http.StatusOK).Features
	var sheetID int64
	for _, c := range clusters {
		if c.Properties["name"] == "KCN Trà Đa" {
			sheetID = c.ID
		}
	}

	// The site finder's figures of every cluster (what the fact sheet prints), and its groups.
	type sitePart struct {
		Known bool     `json:"known"`
		Value *float64 `json:"value"`
		Zones []struct {
			WithinHa *float64 `json:"within_ha"`
		} `json:"zones"`
	}
	sitesAnswer := getJSON[struct {
		Filters struct {
			RadiusKm float64 `json:"radius_km"`
		} `json:"filters"`
		Sites []struct {
			ID    int64               `json:"id"`
			Name  string              `json:"name"`
			Group string              `json:"group"`
			Parts map[string]sitePart `json:"parts"`
		} `json:"sites"`
	}](t, ts.URL+"/api/sites?limit=1000", http.StatusOK)
	allSites := sitesAnswer.Sites
	var sheetSite *struct {
		ID    int64               `json:"id"`
		Name  string              `json:"name"`
		Group string              `json:"group"`
		Parts map[string]sitePart `json:"parts"`
	}
	for i, s := range allSites {
		if s.ID == sheetID {
			sheetSite = &allSites[i]
		}
	}
	if sheetSite == nil || sheetSite.Group != "no_free_land" || !sheetSite.Parts["highway"].Known {
		t.Fatalf("the site finder's KCN Trà Đa: %+v, want it in the no-free-land group with a highway distance", sheetSite)
	}
	sheetZones := 0
	for _, z := range sheetSite.Parts["crop"].Zones {
		if z.WithinHa != nil && *z.WithinHa > 0 {
			sheetZones++
		}
	}
	var sheetSources []any
	// The comparison's two clusters: those with the most figures a source gives.
	figures := []string{"planned_area_ha", "established_area_ha", "industrial_land_ha", "occupancy_pct", "free_land_ha"}
	known := map[int64]int{}
	for _, c := range clusters {
		for _, f := range figures {
			if c.Properties[f] != nil {
				known[c.ID]++
			}
		}
		if c.ID == sheetID {
			sheetSources, _ = c.Properties["sources"].([]any)
		}
	}
	compared := slices.Clone(clusters)
	slices.SortStableFunc(compared, func(a, b struct {
		ID         int64          `json:"id"`
		Properties map[string]any `json:"properties"`
	}) int {
		return known[b.ID] - known[a.ID]
	})
	compared = compared[:2]
	if known[compared[1].ID] == 0 {
		t.Fatal("the seed has no two clusters with a figure each to compare")
	}

	for _, vp := range []struct {
		name string
		vp   viewport
	}{{"desktop", usabilityDesktop}, {"phone", phone}} {
		for _, lang := range []string{"vi", "en"} {
			t.Run(vp.name+"/"+lang, func(t *testing.T) {
				p := newPage(t, browser, ts.URL, vp.vp)
				p.load("/")
				if lang == "en" {
					p.do("switch to English", chromedp.Click(chromedp.CSS("#lang-toggle")))
					pollJS[bool](p, `document.documentElement.lang === "en"`, settle)
				}
				isPhone := vp.vp.mobile
				afterFrames(p)

				// Every area is named at the opening view, and nothing covers anything.
				names := evalJS[[]string](p, `[...document.querySelectorAll(".cm-region-label")].filter((e) => {
					const v = [...e.children].find((c) => c.getClientRects().length) || e, r = v.getBoundingClientRect(), m = document.getElementById("map").getBoundingClientRect();
					return e.style.visibility !== "hidden" && r.width > 0 && r.left >= m.left && r.right <= m.right && r.top >= m.top && r.bottom <= m.bottom;
				}).map((e) => ([...e.children].find((c) => c.getClientRects().length) || e).textContent.trim())`)
				if len(names) != 5 {
					t.Errorf("%d of the 5 areas named at the opening view: %q", len(names), names)
				}
				o := evalJS[struct {
					Symbols  int
					Problems []string
				}](p, overlapsJS)
				if o.Symbols == 0 {
					t.Error("no symbols on the map")
				}
				for _, s := range o.Problems {
					t.Errorf("opening view: %s", s)
				}
				// The credits fold to one line, in the page's language, and unfold on demand.
				if h := evalJS[float64](p, `document.querySelector(".leaflet-control-attribution").getBoundingClientRect().height`); h > 30 {
					t.Errorf("the folded credits are %.0f px tall", h)
				}
				p.do("unfold the credits", chromedp.Click(chromedp.CSS(".cm-attr-toggle")))
				credits := evalJS[string](p, `document.querySelector(".leaflet-control-attribution").innerText`)
				want := map[string]string{"vi": "Ranh giới: geoBoundaries", "en": "Boundaries: geoBoundaries"}[lang]
				if !strings.Contains(credits, want) {
					t.Errorf("credits in %s: %q", lang, credits)
				}
				checkWalkCatches(p)
				checkOneLanguage(p, "credits unfolded")
				checkAxe(p, axe, "credits unfolded")
				p.do("fold the credits", chromedp.Click(chromedp.CSS(".cm-attr-toggle")))
				if isPhone {
					if h := evalJS[float64](p, `document.querySelector("header").getBoundingClientRect().height / innerHeight`); h > 0.15 {
						t.Errorf("the phone header takes %.0f %% of the screen", h*100)
					}
				}
				checkAxe(p, axe, "start")

				// The legend is open on a desktop until the user's first move: the map's own moves
				// leave it open, a drag (vi) or the zoom button (en) folds it.
				if !isPhone {
					legendOpen := `document.getElementById("legend-toggle").getAttribute("aria-expanded") === "true" && !document.getElementById("legend-body").hidden`
					if !evalJS[bool](p, legendOpen) {
						t.Error("the legend is folded at the opening view on a desktop")
					}
					view := evalJS[[]float64](p, `(() => { const m = window.clustermap.map, c = m.getCenter(); m.panBy([60, 0], { animate: false }); return [c.lat, c.lng, m.getZoom()]; })()`)
					afterFrames(p)
					if !evalJS[bool](p, legendOpen) {
						t.Error("the map's own move folded the legend")
					}
					if lang == "vi" {
						xy := bareMapPoint(p, 1.0/3, 1.0/2, 80)
						held := func(q *input.DispatchMouseEventParams) { q.Button = input.MouseButtonLeft; q.Buttons = 1 }
						actions := []chromedp.Action[chromedp.Void]{chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, xy[0], xy[1]),
							chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, xy[0], xy[1], chromedp.ButtonLeft, chromedp.ClickCount(1))}
						for i := 1; i <= 8; i++ {
							actions = append(actions, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, xy[0]+float64(i*12), xy[1]+float64(i*4), held))
						}
						actions = append(actions, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, xy[0]+96, xy[1]+32, chromedp.ButtonLeft, chromedp.ClickCount(1)))
						p.do("pan the map", actions...)
					} else {
						p.do("zoom in", chromedp.Click(chromedp.CSS(".leaflet-control-zoom-in")))
					}
					pollJS[bool](p, `document.getElementById("legend-toggle").getAttribute("aria-expanded") === "false" && document.getElementById("legend-body").hidden`, settle)
					evalJS[bool](p, fmt.Sprintf(`(window.clustermap.map.setView([%f, %f], %f, { animate: false }), true)`, view[0], view[1], view[2]))
					afterFrames(p)
				}

				// The overview: the thin base is printed and greyed, and the CSV says the same.
				p.do("open the overview", chromedp.Click(chromedp.CSS("#tab-overview")))
				cell := fmt.Sprintf(`#overview-table tr[data-region=%q] td[data-key="occupancy_pct"]`, *thin.Slug)
				pollJS[bool](p, `!!document.querySelector('`+cell+`')`, settle)
				got := evalJS[struct {
					Text  string
					Thin  bool
					Color string
				}](p, `(() => { const c = document.querySelector('`+cell+`'); return { text: c.innerText, thin: c.classList.contains("thin"), color: getComputedStyle(c).color }; })()`)
				years := fmt.Sprint(thin.Years[0])
				if thin.Years[1] != thin.Years[0] {
					years += fmt.Sprintf("–%d", thin.Years[1])
				}
				base := map[string]string{"vi": fmt.Sprintf("%d/%d cụm có số liệu, %s", thin.OccN, thin.Clusters, years),
					"en": fmt.Sprintf("%d of %d known, %s", thin.OccN, thin.Clusters, years)}[lang]
				if !strings.Contains(got.Text, base) || !got.Thin || got.Color == "rgb(27, 31, 35)" {
					t.Errorf("the thin occupancy of %s reads %q (thin %v, colour %s), want its base %q, greyed", *thin.Slug, got.Text, got.Thin, got.Color, base)
				}
				checkOneLanguage(p, "overview")
				checkAxe(p, axe, "overview")
				csv := downloadOf(p, "#overview-export")
				thinWord := map[string]string{"vi": "có", "en": "yes"}[lang]
				if !strings.Contains(csv, base[:strings.LastIndex(base, ",")]) || !regexp.MustCompile(fmt.Sprintf(`,%s,%s\r?\n`, regexp.QuoteMeta(years), thinWord)).MatchString(csv) {
					t.Errorf("the areas' CSV does not carry the thin base %q and %q:\n%s", base, thinWord, csv)
				}

				// The site finder: the crop asked for changes the raw-material part.
				p.do("open the site finder", chromedp.Click(chromedp.CSS("#tab-sites")))
				cropScores := map[string]map[string]string{}
				for _, crop := range []string{"cassava", "coffee"} {
					p.do("ask for "+crop, chromedp.SetValue(chromedp.CSS("#s-crop"), crop), chromedp.Click(chromedp.CSS("#sites-submit")))
					pollJS[bool](p, `document.body.dataset.sites === "ready" && !!document.querySelector("#sites-list li[data-id]")`, settle)
					cropScores[crop] = evalJS[map[string]string](p, `Object.fromEntries([...document.querySelectorAll("#sites-list li[data-id]")].map((li) =>
						[li.dataset.id, li.querySelector('tr[data-part="crop"]').dataset.score]))`)
					if other := evalJS[[]string](p, `[...document.querySelectorAll("#sites-list .site-zones li[data-crop]")].map((z) => z.dataset.crop).filter((c) => c !== "`+crop+`")`); len(other) > 0 {
						t.Errorf("%s: zones of %v counted", crop, other)
					}
					p.do("clear", chromedp.Click(chromedp.CSS("#sites-clear")))
				}
				differ := 0
				for id, s := range cropScores["cassava"] {
					if cropScores["coffee"][id] != s {
						differ++
					}
				}
				if differ == 0 {
					t.Errorf("cassava and coffee score every site's raw material the same: %v", cropScores["cassava"])
				}

				// Without a minimum, KCN Trà Đa (0 ha free) comes last under a heading that says why.
				p.do("ask with no minimum", chromedp.SetValue(chromedp.CSS("#s-crop"), ""), chromedp.SetValue(chromedp.CSS("#s-minfree"), ""),
					chromedp.Click(chromedp.CSS("#sites-submit")))
				pollJS[bool](p, `document.body.dataset.sites === "ready" && !!document.querySelector("#sites-list li[data-id]")`, settle)
				group := evalJS[struct {
					Heading, Why, WantHeading, WantWhy string
					Under                              bool
				}](p, fmt.Sprintf(`(async () => {
					const { UI_STRINGS } = await import(new URL("i18n.js", document.baseURI).href);
					const g = document.querySelector('#sites-list li.site-group[data-group="no_free_land"]');
					const site = document.querySelector('#sites-list li[data-id="%d"]');
					let under = false;
					for (let e = site && site.previousElementSibling; e; e = e.previousElementSibling) if (e.classList.contains("site-group")) { under = e === g; break; }
					const shown = (e) => !!e && e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden";
					return { heading: g && shown(g.querySelector("h3")) ? g.querySelector("h3").textContent : "", why: g && shown(g.querySelector("p")) ? g.querySelector("p").textContent : "",
					  wantHeading: UI_STRINGS[%[2]q]["sites.group.no_free_land"], wantWhy: UI_STRINGS[%[2]q]["sites.groupWhy.no_free_land"], under };
				})()`, sheetID, lang))
				if group.WantHeading == "" || group.Heading != group.WantHeading || group.Why != group.WantWhy || !group.Under {
					t.Errorf("the no-free-land group: heading %q, why %q (want %q, %q), KCN Trà Đa under it: %v", group.Heading, group.Why, group.WantHeading, group.WantWhy, group.Under)
				}
				checkOneLanguage(p, "sites, no free land")

				// ≥ 10 ha free with the unknowns taken in, near QL19: marked "ask", with a contact.
				p.do("ask for 10 ha near QL19, unknowns included",
					chromedp.SetValue(chromedp.CSS("#s-crop"), ""),
					chromedp.SetValue(chromedp.CSS("#s-minfree"), "10"),
					chromedp.SetValue(chromedp.CSS("#s-highway"), "QL19"),
					chromedp.Click(chromedp.CSS("#s-unknown")),
					chromedp.Click(chromedp.CSS("#sites-submit")))
				pollJS[bool](p, `document.body.dataset.sites === "ready" && !!document.querySelector("#sites-list li[data-id]")`, settle)
				res := evalJS[struct {
					Groups   []string
					Heading  string
					Ask      int
					Contacts int
					Sites    int
					Highways []string
				}](p, `(() => {
					const items = [...document.querySelectorAll("#sites-list li[data-id]")];
					return {
						groups: [...document.querySelectorAll("#sites-list li.site-group")].map((g) => g.dataset.group),
						heading: (document.querySelector('#sites-list li.site-group[data-group="free_land_unknown"] h3') || {}).textContent || "",
						ask: items.filter((li) => li.querySelector(".site-ask")).length,
						contacts: items.filter((li) => /^mailto:|^tel:|^https?:/.test((li.querySelector(".site-contact a") || {}).getAttribute?.("href") || "")).length,
						sites: items.length,
						highways: items.map((li) => li.querySelector('tr[data-part="highway"] td.value').textContent),
					};
				})()`)
				wantHeading := map[string]string{"vi": "Chưa rõ đất trống — hãy hỏi", "en": "Free land unknown — ask"}[lang]
				if res.Sites == 0 || res.Heading != wantHeading || res.Ask == 0 || res.Contacts != res.Sites {
					t.Errorf("unknown free land: %d sites, groups %v, heading %q, %d marked ask, %d with a contact", res.Sites, res.Groups, res.Heading, res.Ask, res.Contacts)
				}
				for _, hw := range res.Highways {
					if !strings.Contains(hw, "(QL19)") {
						t.Errorf("near QL19, a site's highway distance reads %q", hw)
						break
					}
				}
				checkOneLanguage(p, "sites")
				checkAxe(p, axe, "sites")

				// Tabs open at their top: the sidebar scrolled in one tab opens the next at 0, twice.
				for _, step := range [][2]string{{"sites", "table"}, {"table", "overview"}} {
					scrolled := evalJS[float64](p, `(() => { const s = document.getElementById("sidebar"); s.scrollTop = 400; return s.scrollTop; })()`)
					if scrolled <= 0 {
						t.Errorf("the %s tab did not scroll (scrollTop %.0f): the tab-top check would prove nothing", step[0], scrolled)
					}
					p.do("open the "+step[1], chromedp.Click(chromedp.CSS("#tab-"+step[1])))
					if top := evalJS[float64](p, `document.getElementById("sidebar").scrollTop`); top != 0 {
						t.Errorf("the %s tab, opened from the %s scrolled to %.0f px, opens scrolled to %.0f px", step[1], step[0], scrolled, top)
					}
					if step[1] == "table" {
						pollJS[bool](p, `document.querySelectorAll("#cluster-table tbody tr").length > 0`, settle)
					}
				}
				p.do("close the sidebar", chromedp.Click(chromedp.CSS("#tab-overview")))

				// Search in the page's language finds a highway and a crop; in English, areas, a district
				// without its diacritics and an industry too: what the API finds for the same words.
				queries := map[string][]string{"vi": {"quoc lo 19", "san"}, "en": {"highway 19", "cassava", "central area", "chu se", "food processing"}}[lang]
				for _, q := range queries {
					// Emptied first, so that the list shown is this query's, not the last one's.
					evalJS[bool](p, `(document.getElementById("search").value = "", document.getElementById("search").dispatchEvent(new Event("input")), true)`)
					pollJS[bool](p, `document.getElementById("search-results").hidden`, settle)
					p.do("search "+q, chromedp.SendKeys(chromedp.CSS("#search"), q))
					pollJS[bool](p, `!document.getElementById("search-results").hidden && document.querySelectorAll("#search-results [role=option]").length > 0`, settle)
					found := evalJS[string](p, `document.getElementById("search-results").innerText`)
					switch q {
					case "central area", "chu se", "food processing":
						api := getJSON[struct {
							Results []struct{ Layer, ID string }
						}](t, ts.URL+"/api/search?q="+url.QueryEscape(q), http.StatusOK).Results
						shown := pollJS[[]string](p, `(() => { const r = [...document.querySelectorAll("#search-results li[data-layer]")].map((li) => li.dataset.layer + ":" + li.dataset.id);
							return r.length ? r : false; })()`, settle)
						want := []string{}
						for _, r := range api {
							want = append(want, r.Layer+":"+r.ID)
						}
						if len(want) == 0 || !slices.Equal(shown, want) {
							t.Errorf("search %q shows %q, the API finds %q", q, shown, want)
						}
						checkAxe(p, axe, "search results")
						checkOneLanguage(p, "search results")
					default:
						if !(strings.Contains(found, "QL19") || strings.Contains(found, "Quốc lộ 19") || strings.Contains(strings.ToLower(found), "sắn")) {
							t.Errorf("search %q finds %q", q, found)
						}
					}
				}
				if lang == "vi" {
					checkAxe(p, axe, "search results")
					checkOneLanguage(p, "search results")
				}
				evalJS[bool](p, `(document.getElementById("search").value = "", document.getElementById("search").dispatchEvent(new Event("input")), true)`)

				// The comparison tray: picking from two panels fills it in place.
				tab := evalJS[string](p, `document.body.dataset.tab || ""`)
				for _, c := range compared {
					evalJS[bool](p, fmt.Sprintf(`(window.clustermap.select("clusters", %d, { fly: false }), true)`, c.ID))
					pollJS[bool](p, `!!document.getElementById("panel-compare")`, settle)
					p.do("add to the comparison", chromedp.Click(chromedp.CSS("#panel-compare")))
				}
				tray := evalJS[struct {
					Text    string
					Visible bool
					Tab     string
				}](p, `(() => { const t = document.getElementById("compare-tray"); const r = t.getBoundingClientRect();
					return { text: t.querySelector("#compare-open").textContent, visible: !t.hidden && r.width > 0 && r.bottom <= innerHeight, tab: document.body.dataset.tab || "" }; })()`)
				wantTray := map[string]string{"vi": "So sánh (2)", "en": "Compare (2)"}[lang]
				if !strings.HasPrefix(tray.Text, wantTray) || !tray.Visible || tray.Tab != tab {
					t.Errorf("after two picks the tray reads %q (visible %v) and the tab went from %q to %q", tray.Text, tray.Visible, tab, tray.Tab)
				}
				checkAxe(p, axe, "tray")
				p.do("compare", chromedp.Click(chromedp.CSS("#compare-open")))
				if n := pollJS[int](p, `document.querySelectorAll("#compare-table thead th").length`, settle); n != 2 {
					t.Errorf("the comparison has %d columns", n)
				}
				checkOneLanguage(p, "compare")
				checkAxe(p, axe, "compare from the tray")
				// Printed, each column holds the figures the sources give, not "unknown".
				p.do("print the comparison", chromedp.Evaluate[chromedp.Void](`window.print = () => { window.__printed = true; }`), chromedp.Click(chromedp.CSS("#compare-print")))
				if _, err := chromedp.Call(p.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
					t.Fatal(err)
				}
				cols := evalJS[map[string]int](p, `(() => {
					const rows = ["panel.planned", "panel.established", "panel.industrial", "panel.occupancy", "panel.free"];
					const ids = [...document.querySelectorAll("#compare-table thead th")].map((th) => th.dataset.id), out = {};
					ids.forEach((id, i) => { out[id] = rows.filter((r) => { const td = document.querySelectorAll('#compare-table tr[data-row="' + r + '"] td')[i];
					  return td && td.getClientRects().length > 0 && !td.querySelector(".unknown") && /\d/.test(td.textContent); }).length; });
					return out;
				})()`)
				for _, c := range compared {
					if got := cols[fmt.Sprint(c.ID)]; got == 0 || got < known[c.ID] {
						t.Errorf("the printed comparison shows %d known figures for %v, the API has %d", got, c.Properties["name"], known[c.ID])
					}
				}
				if _, err := chromedp.Call(p.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: ""}); err != nil {
					t.Fatal(err)
				}
				p.do("after print", chromedp.Evaluate[chromedp.Void](`window.dispatchEvent(new Event("afterprint"))`))

				// The fact sheet: one A4 page with a map.
				if sheetID == 0 {
					t.Fatal("no KCN Trà Đa in the seed")
				}
				if !evalJS[bool](p, fmt.Sprintf(`window.clustermap.factSheet(%d)`, sheetID)) {
					t.Fatal("the fact sheet was not built")
				}
				// Its map draws the highways and the raw-material zones (from tiles: waited for, not timed).
				pollJS[bool](p, `(() => { const m = document.querySelector("#fact-sheet .sheet-map");
					return m.querySelectorAll('path[stroke="#c0392b"]').length > 0 && m.querySelectorAll('path[class*="cm-zone-"]').length > 0; })()`, settle)
				sheet := evalJS[map[string]string](p, `(() => { const s = document.getElementById("fact-sheet"), out = {};
					for (const dt of s.querySelectorAll("dt")) out[dt.textContent] = dt.nextElementSibling.textContent;
					out.sources = String(s.querySelectorAll(".sheet-sources li").length);
					const a = s.querySelector(".sheet-contact a"); out.contact = a ? a.getAttribute("href") : "";
					out.footer = s.querySelector("footer").textContent;
					return out; })()`)
				tr := func(key string) string {
					return evalJS[string](p, fmt.Sprintf(`(async () => (await import(new URL("i18n.js", document.baseURI).href)).UI_STRINGS[%q][%q])()`, lang, key))
				}
				if c := sheet[tr("sheet.coords")]; !regexp.MustCompile(`\d+[.,]\d+° N, \d+[.,]\d+° E`).MatchString(c) {
					t.Errorf("the fact sheet's coordinates read %q", c)
				}
				km := strings.Replace(fmt.Sprintf("%.1f", *sheetSite.Parts["highway"].Value), ".", map[string]string{"vi": ",", "en": "."}[lang], 1)
				if hw := sheet[tr("sheet.highway")]; !strings.Contains(hw, km) || !strings.Contains(hw, "km") {
					t.Errorf("the fact sheet's highway distance reads %q, the site finder measures %s km", hw, km)
				}
				rawKey := strings.Replace(tr("sheet.raw"), "{r}", fmt.Sprint(sitesAnswer.Filters.RadiusKm), 1)
				raw, ok := sheet[rawKey]
				if n := len(strings.Split(raw, "; ")); !ok || sheetZones == 0 || n != sheetZones || !strings.Contains(raw, "ha") {
					t.Errorf("the fact sheet's raw material within reach (%q) reads %q, the site finder counts %d zones", rawKey, raw, sheetZones)
				}
				if sheet["sources"] != fmt.Sprint(len(sheetSources)) || len(sheetSources) == 0 {
					t.Errorf("the fact sheet lists %s sources, the cluster has %d", sheet["sources"], len(sheetSources))
				}
				if !regexp.MustCompile(`^(mailto:|tel:|https?:)`).MatchString(sheet["contact"]) {
					t.Errorf("the fact sheet's contact links to %q", sheet["contact"])
				}
				if f := sheet["footer"]; !regexp.MustCompile(`\d+;`).MatchString(f) || strings.Contains(f, "—;") || !regexp.MustCompile(`\d{4}`).MatchString(f) {
					t.Errorf("the fact sheet's data version and date read %q", f)
				}
				checkOneLanguage(p, "fact sheet")
				checkAxe(p, axe, "fact sheet")
				yes := true
				pdf, err := chromedp.Run(p.ctx, func(ctx context.Context, tg *chromedp.Target) ([]byte, error) {
					r, err := cdp.Call(ctx, tg, cdppage.PrintToPDF, cdppage.PrintToPDFParams{PreferCSSPageSize: &yes, PrintBackground: &yes})
					if err != nil {
						return nil, err
					}
					return r.Data, nil
				})
				if err != nil {
					t.Fatalf("print the fact sheet: %v", err)
				}
				if pages := len(regexp.MustCompile(`/Type\s*/Page[^s]`).FindAll(pdf, -1)); pages != 1 || !bytes.HasPrefix(pdf, []byte("%PDF")) {
					t.Errorf("the fact sheet prints on %d pages", pages)
				}
				evalJS[bool](p, `(document.body.classList.remove("printing-sheet"), document.getElementById("fact-sheet").remove(), true)`)

				// After sign-in, the phone header still leaves the map the screen.
				if isPhone {
					signIn(t, p, "dept")
					if h := evalJS[float64](p, `document.querySelector("header").getBoundingClientRect().height / innerHeight`); h > 0.15 {
						t.Errorf("signed in, the phone header takes %.0f %% of the screen", h*100)
					}
					checkOneLanguage(p, "signed in")
					checkAxe(p, axe, "signed in")
				}
			})
		}
	}
}

// downloadOf clicks the button and returns the text of the file the page makes for download.
func downloadOf(p *page, button string) string {
	p.t.Helper()
	evalJS[bool](p, `(() => { if (!window.__blobs) { window.__blobs = []; const make = URL.createObjectURL;
		URL.createObjectURL = (b) => { window.__blobs.push(b); return make.call(URL, b); }; } window.__blobs.length = 0; return true; })()`)
	p.do("download", chromedp.Click(chromedp.CSS(button)))
	pollJS[bool](p, `window.__blobs.length > 0`, settle)
	return evalJS[string](p, `window.__blobs[window.__blobs.length - 1].text()`)
}
