package server_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
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
				checkOneLanguage(p, "credits unfolded")
				p.do("fold the credits", chromedp.Click(chromedp.CSS(".cm-attr-toggle")))
				if isPhone {
					if h := evalJS[float64](p, `document.querySelector("header").getBoundingClientRect().height / innerHeight`); h > 0.15 {
						t.Errorf("the phone header takes %.0f %% of the screen", h*100)
					}
				}
				checkAxe(p, axe, "start")

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

				// Tabs open at their top.
				evalJS[bool](p, `(document.getElementById("sidebar").scrollTop = 400, true)`)
				p.do("open the table", chromedp.Click(chromedp.CSS("#tab-table")))
				if top := evalJS[float64](p, `document.getElementById("sidebar").scrollTop`); top != 0 {
					t.Errorf("the table tab opens scrolled to %.0f px", top)
				}
				p.do("close the sidebar", chromedp.Click(chromedp.CSS("#tab-table")))

				// Search in the page's language finds a highway and a crop.
				for _, q := range map[string][]string{"vi": {"quoc lo 19", "san"}, "en": {"highway 19", "cassava"}}[lang] {
					evalJS[bool](p, `(document.getElementById("search").value = "", true)`)
					p.do("search "+q, chromedp.SendKeys(chromedp.CSS("#search"), q))
					pollJS[bool](p, `document.querySelectorAll("#search-results [role=option]").length > 0`, settle)
					found := evalJS[string](p, `document.getElementById("search-results").innerText`)
					if !(strings.Contains(found, "QL19") || strings.Contains(found, "Quốc lộ 19") || strings.Contains(strings.ToLower(found), "sắn")) {
						t.Errorf("search %q finds %q", q, found)
					}
				}
				evalJS[bool](p, `(document.getElementById("search").value = "", document.getElementById("search").dispatchEvent(new Event("input")), true)`)

				// The comparison tray: picking from two panels fills it in place.
				tab := evalJS[string](p, `document.body.dataset.tab || ""`)
				for _, c := range clusters[:2] {
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

				// The fact sheet: one A4 page with a map.
				if sheetID == 0 {
					t.Fatal("no KCN Trà Đa in the seed")
				}
				if !evalJS[bool](p, fmt.Sprintf(`window.clustermap.factSheet(%d)`, sheetID)) {
					t.Fatal("the fact sheet was not built")
				}
				drawn := evalJS[int](p, `document.querySelectorAll("#fact-sheet .sheet-map path, #fact-sheet .sheet-map canvas").length`)
				if drawn < 5 {
					t.Errorf("the fact sheet's map draws %d shapes", drawn)
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
