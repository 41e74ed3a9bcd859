package server_test

// Issue 16 in the browser: the public map answers planners' and investors' questions at a
// glance, in one language, on any screen. Desktop (1366×860) and phone (390×844), both
// languages; every expectation comes from the API or the database, never typed in.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

var usabilityDesktop = viewport{width: 1366, height: 860}

type apiClusterProps struct {
	ID         int64
	Properties struct {
		Name             string   `json:"name"`
		Status           string   `json:"status"`
		Contact          *string  `json:"contact"`
		OccupancyPct     *float64 `json:"occupancy_pct"`
		IndustrialLandHa *float64 `json:"industrial_land_ha"`
		LeasedLandHa     *float64 `json:"leased_land_ha"`
		FreeLandHa       *float64 `json:"free_land_ha"`
	}
}

// axeJS is axe-core from npm (a dev dependency); the test injects it, the app never ships it.
func axeJS(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../node_modules/axe-core/axe.min.js")
	if err != nil {
		t.Fatalf("axe-core (npm install) is needed: %v", err)
	}
	return string(b)
}

// checkAxe runs axe-core on the page as it is and fails on any violation.
func checkAxe(p *page, axe, state string) {
	p.t.Helper()
	if !evalJS[bool](p, `typeof window.axe === "object"`) {
		if _, err := chromedp.Run(p.ctx, chromedp.Evaluate[any](axe+";true")); err != nil {
			p.t.Fatalf("inject axe-core: %v", err)
		}
	}
	v := evalJS[[]string](p, `axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations.map((v) =>
	  v.id + ": " + v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")))`)
	for _, s := range v {
		p.t.Errorf("axe (%s): %s", state, s)
	}
}

// langWalkJS walks every visible text node, and every title, aria-label, placeholder and alt,
// outside an element whose lang differs from the interface's, and reports those that are an
// interface string or label of the other language (and not also one of this language), hold one
// word only the other language writes ("… under Decree 32/2024", "(URL not recorded)", "thôn 3;
// now phường …" in Vietnamese; "huyện", "của" in English), or are a raw code. Data marked with
// its language is skipped, but the mark must be right: vi or en, and not on text of the other.
const langWalkJS = `(async () => {
  const { UI_STRINGS, loadLanguage } = await import(new URL("i18n.js", document.baseURI).href);
  await loadLanguage("en");
  const cat = await (await fetch("api/layers")).json();
  const ui = document.documentElement.lang, other = ui === "vi" ? "en" : "vi";
  const norm = (s) => s.replace(/\s+/g, " ").trim();
  const mine = new Set(), theirs = new Set(), codes = new Set();
  for (const v of Object.values(UI_STRINGS[ui])) mine.add(norm(v));
  for (const v of Object.values(UI_STRINGS[other])) if (!/\{\w+\}/.test(v)) theirs.add(norm(v));
  for (const entries of Object.values(cat.vocabularies || {})) for (const e of entries || []) {
    if (e.title && e.title[ui]) mine.add(norm(e.title[ui]));
    if (e.title && e.title[other]) theirs.add(norm(e.title[other]));
    codes.add(e.code);
  }
  // The features' names, which are no language's words: "CCN số 2 huyện Đak Đoa" in an English
  // sentence is a name, as "Chư Sê" is.
  if (!window.__walkNames) {
    const names = [];
    for (const id of ["regions", "districts", "clusters", "raw_material_zones", "plants", "energy", "roads"]) {
      const fc = await (await fetch("api/layers/" + id + "/features?limit=1000")).json();
      for (const f of fc.features || []) for (const k of ["name", "name_vi", "name_en"]) if (f.properties[k]) names.push(norm(f.properties[k]));
    }
    window.__walkNames = [...new Set(names)].sort((a, b) => b.length - a.length);
  }
  // Words of one language that no text of the other holds, so that one is enough. Names,
  // licences (CC BY), URLs, e-mail addresses and file names are left out.
  const marker = {
    en: new Set(["the", "of", "and", "is", "are", "was", "were", "not", "now", "with", "from", "by", "which", "that", "its", "has", "have",
      "this", "these", "under", "recorded", "unknown", "decree", "area", "areas", "district", "districts", "province", "highway", "highways",
      "cited", "reporting", "news", "pages", "facts", "boundaries", "source", "sources", "free", "land", "cluster", "clusters", "park",
      "parks", "zone", "zones", "letter", "government"]),
    vi: new Set(["của", "và", "các", "được", "trong", "này", "đã", "với", "là", "có", "không", "tại", "chưa", "những", "huyện", "tỉnh",
      "thôn", "phường", "xã", "phía", "vực", "cụm", "nghiệp", "đất", "trống", "nguồn", "số", "năm", "tháng", "ngày", "theo", "nay", "từ",
      "đến", "hãy", "chọn"]),
  };
  // A place's unit before its name ("xã Biển Hồ", "Biển Hồ (xã)") is part of the name too.
  const unnamed = (text) => window.__walkNames.reduce((t, n) => t.split(n).join(" "), text)
    .replace(/(?<![\p{L}])(xã|thôn|phường|huyện|tỉnh|thị xã|thành phố) (?=\p{Lu})|\((xã|thôn|phường|huyện|tỉnh)\)/gu, " ");
  const markersOf = (text, l) => [...new Set(unnamed(text).replace(/\bCC BY(-[A-Z]{2})*\b/g, " ")
    .replace(/https?:\/\/\S+|[\w.+-]+@[\w.-]+\.\w+|\S*[\w-]+\.(vn|com|org|net|int|gov|edu|io)(\/\S*)?|\S+\.(csv|pdf|png|geojson|gpkg|zip|kml|xlsx)\b/gi, " ")
    .toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((w) => marker[l].has(w)))];
  const VI_LETTERS = /[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]/i;
  const bad = [];
  const check = (text, where) => {
    if (text.length < 2 || mine.has(text)) return;
    if (theirs.has(text)) bad.push(where + text);
    else if (/^[a-z]+(_[a-z0-9]+)+$/.test(text) || (codes.has(text) && /^[a-z_]+$/.test(text))) bad.push(where + "code " + text);
    else {
      const m = markersOf(text, other);
      if (m.length) bad.push(where + other + " " + JSON.stringify(m) + ": " + text);
    }
  };
  const shown = (el) => {
    if (!el || el.closest("script,style,[hidden],[aria-hidden=true]")) return false;
    const cs = getComputedStyle(el);
    return cs.display !== "none" && cs.visibility !== "hidden" && !!el.getClientRects().length;
  };
  // Every text node shown, by the element whose lang it is in (none: the interface's).
  const texts = new Map();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = norm(n.textContent);
    if (!text || !shown(n.parentElement)) continue;
    const l = n.parentElement.closest("[lang]");
    if (!l || l.getAttribute("lang") === ui) check(text, "");
    if (l) texts.set(l, (texts.get(l) || "") + " " + text);
  }
  // A lang mark is a promise to a screen reader and a reader: vi or en, and true of the text.
  for (const el of document.body.querySelectorAll("[lang]")) {
    const l = el.getAttribute("lang");
    if (l !== "vi" && l !== "en") bad.push("lang " + JSON.stringify(l) + " on " + el.outerHTML.slice(0, 80));
  }
  for (const [el, raw] of texts) {
    const l = el.getAttribute("lang"), text = norm(raw), notL = l === "vi" ? "en" : "vi";
    if (mine.has(text) && l !== ui) continue; // an interface word that is also the other's ("CSV")
    const theirsM = markersOf(text, notL);
    if (!theirsM.length || markersOf(text, l).length) continue;
    if (l === "en" || !VI_LETTERS.test(text)) bad.push("marked " + l + " but " + notL + " " + JSON.stringify(theirsM) + ": " + text);
  }
  // What a hover or a screen reader says: titles, accessible names, placeholders, alternatives.
  for (const el of document.body.querySelectorAll("[title], [aria-label], [placeholder], img[alt]")) {
    if (el.closest("[hidden],[aria-hidden=true]") || !el.checkVisibility()) continue;
    const l = el.closest("[lang]");
    if (l && l.getAttribute("lang") !== ui) continue;
    for (const a of ["title", "aria-label", "placeholder", "alt"]) if (el.hasAttribute(a)) check(norm(el.getAttribute(a)), a + ": ");
  }
  return [...new Set(bad)];
})()`

func checkOneLanguage(p *page, state string) {
	p.t.Helper()
	for _, s := range evalJS[[]string](p, langWalkJS) {
		p.t.Errorf("%s: text of the other language or a raw code in the %s UI: %q", state, evalJS[string](p, `document.documentElement.lang`), s)
	}
}

// checkWalkCatches shows the walk the issue's own leaks, in the page as it is, and fails unless it
// reports each: English in the Vietnamese interface ("… under Decree 32/2024", "(URL not
// recorded)", "Diên Phú (thôn 3; now phường Diên Hồng)", an English title), Vietnamese in the
// English one, and a lang mark that is wrong.
func checkWalkCatches(p *page) {
	p.t.Helper()
	leaks := map[string][]string{
		"vi": {"Conditions to establish and expand a cluster under Decree 32/2024", "(URL not recorded)", "Diên Phú (thôn 3; now phường Diên Hồng)"},
		"en": {"Các cụm công nghiệp phía Đông", "Diên Phú (thôn 3; nay là phường Diên Hồng)", "Chưa rõ diện tích đất"},
	}[evalJS[string](p, `document.documentElement.lang`)]
	marked := map[string]string{"vi": `<span lang="en">Khu vực phía Đông của tỉnh</span>`, "en": `<span lang="vi">The free land is not recorded</span>`}
	js := `((leaks, marked) => { const box = document.createElement("div"); box.id = "walk-bait";
	  box.innerHTML = leaks.map((l) => "<p>" + l + "</p>").join("") + marked + '<button type="button" title="Show the sources">?</button>';
	  document.querySelector("header").append(box); return true; })(%s, %q)`
	ui := evalJS[string](p, `document.documentElement.lang`)
	list, _ := json.Marshal(leaks)
	evalJS[bool](p, fmt.Sprintf(js, list, marked[ui]))
	got := strings.Join(evalJS[[]string](p, langWalkJS), "\n")
	evalJS[bool](p, `(document.getElementById("walk-bait").remove(), true)`)
	want := append(leaks, "marked ")
	if ui == "vi" {
		want = append(want, "title: ")
	}
	for _, w := range want {
		if !strings.Contains(got, w) {
			p.t.Errorf("the language walk of the %s UI misses %q; it reports:\n%s", ui, w, got)
		}
	}
}

// bareMapPoint waits for a point of the map near (fx, fy) of its box, within reach px, where
// nothing (a symbol, a shape, a control) takes a click or a drag but the map, and returns it.
func bareMapPoint(p *page, fx, fy float64, reach int) []float64 {
	p.t.Helper()
	return pollJS[[]float64](p, fmt.Sprintf(`((fx, fy, reach) => {
	  const map = window.clustermap.map, box = map.getContainer().getBoundingClientRect();
	  for (let dy = -reach; dy <= reach; dy += 20) for (let dx = -reach; dx <= reach; dx += 20) {
	    const x = box.left + box.width * fx + dx, y = box.top + box.height * fy + dy;
	    const el = document.elementFromPoint(x, y);
	    if (el && map.getContainer().contains(el) && !el.closest(".leaflet-marker-icon, .leaflet-interactive, .leaflet-control")) return [x, y];
	  }
	  return null;
	})(%g, %g, %d)`, fx, fy, reach), settle)
}

// overlapsJS lists the symbols whose boxes overlap by more than tol px, and the labels
// (area, district, cluster names, shields) drawn over a symbol.
const overlapsJS = `((tol) => {
  const box = document.getElementById("map").getBoundingClientRect();
  const seen = (el) => { const r = el.getBoundingClientRect(); const cs = getComputedStyle(el);
    return r.width > 0 && cs.visibility !== "hidden" && cs.display !== "none" && +cs.opacity > 0.05 &&
      r.right > box.left && r.left < box.right && r.bottom > box.top && r.top < box.bottom; };
  const syms = [...document.querySelectorAll(".cm-symbol")].filter(seen);
  const labels = [...document.querySelectorAll(".cm-region-label, .cm-district-label, .cm-road-shield, .cm-cluster-label")].filter(seen);
  const ov = (a, b) => { const x = Math.min(a.right, b.right) - Math.max(a.left, b.left), y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top); return x > tol && y > tol; };
  const name = (e) => (e.dataset.layer || e.className) + ":" + (e.dataset.id || e.textContent.trim());
  const out = [];
  const rs = syms.map((e) => (e.querySelector("svg") || e).getBoundingClientRect()); // the drawn symbol, which CSS may draw smaller than its box
  for (let i = 0; i < syms.length; i++) for (let j = i + 1; j < syms.length; j++) if (ov(rs[i], rs[j])) out.push("symbols " + name(syms[i]) + " / " + name(syms[j]));
  for (const l of labels) { const lr = ([...l.children].find((c) => c.getClientRects().length) || l).getBoundingClientRect(); syms.forEach((s, i) => { if (ov(lr, rs[i])) out.push("label " + l.textContent.trim() + " over " + name(s)); }); }
  return { symbols: syms.length, problems: out };
})(3)`

func TestBrowserUsability(t *testing.T) {
	ts, _ := newTestServer(t)
	browser := startBrowser(t)
	axe := axeJS(t)

	clusters := getJSON[struct{ Features []apiClusterProps }](t, ts.URL+"/api/layers/clusters/features?limit=1000", http.StatusOK).Features
	districts := getJSON[struct {
		Features []struct {
			ID         any
			Properties map[string]any
		}
	}](t, ts.URL+"/api/layers/districts/features?limit=1000", http.StatusOK).Features
	if len(clusters) < 3 || len(districts) == 0 {
		t.Fatalf("seed: %d clusters, %d districts", len(clusters), len(districts))
	}
	verdict := map[string]string{}
	for _, c := range clusters {
		e := getJSON[struct{ Verdict string }](t, fmt.Sprintf("%s/api/clusters/%d/eligibility", ts.URL, c.ID), http.StatusOK)
		verdict[fmt.Sprint(c.ID)] = e.Verdict
	}
	districtVerdict := map[string]string{}
	for _, d := range districts {
		code := fmt.Sprint(d.Properties["code"])
		e := getJSON[struct{ Verdict string }](t, fmt.Sprintf("%s/api/districts/%s/eligibility", ts.URL, code), http.StatusOK)
		districtVerdict[code] = e.Verdict
	}
	type siteAnswer struct {
		Candidates, Matched, Returned int
		Excluded                      map[string]int
	}
	sites := getJSON[siteAnswer](t, ts.URL+"/api/sites?min_free_ha=5", http.StatusOK)
	sum := sites.Matched
	for _, n := range sites.Excluded {
		sum += n
	}
	if sum != sites.Candidates {
		t.Errorf("site finder: %d matched + %v excluded ≠ %d candidates", sites.Matched, sites.Excluded, sites.Candidates)
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
				unknownWord := map[string]string{"vi": "chưa rõ", "en": "unknown"}[lang]

				// The map at its default view: no two symbols on each other, no label on a symbol.
				if !isPhone {
					afterFrames(p) // the declutter pass the last layout change asked for has run
					type overlaps struct {
						Symbols  int
						Problems []string
					}
					o := evalJS[overlaps](p, overlapsJS)
					if o.Symbols == 0 {
						t.Error("no symbols on the map")
					}
					for _, s := range o.Problems {
						t.Errorf("default view: %s", s)
					}
				}
				checkOneLanguage(p, "start")
				checkAxe(p, axe, "start")

				// The list shows occupancy and free land, or "unknown".
				if isPhone {
					p.do("open the list", chromedp.Click(chromedp.CSS("#tab-filters")))
				}
				pollJS[bool](p, `!document.getElementById("filters-section").hidden`, settle)
				type listItem struct{ ID, Occ, Free string }
				items := evalJS[[]listItem](p, `[...document.querySelectorAll("#results-list li[data-id]")].map((li) => ({
				  id: li.dataset.id, occ: li.querySelector(".list-occupancy").textContent, free: li.querySelector(".list-free").textContent }))`)
				if len(items) != len(clusters) {
					t.Errorf("list shows %d clusters, the API %d", len(items), len(clusters))
				}
				byID := map[string]apiClusterProps{}
				for _, c := range clusters {
					byID[fmt.Sprint(c.ID)] = c
				}
				for _, it := range items {
					c := byID[it.ID].Properties
					occKnown := c.OccupancyPct != nil || (c.LeasedLandHa != nil && c.IndustrialLandHa != nil)
					freeKnown := c.FreeLandHa != nil || (c.IndustrialLandHa != nil && (c.LeasedLandHa != nil || c.OccupancyPct != nil))
					if occKnown == strings.Contains(it.Occ, unknownWord) || occKnown != strings.Contains(it.Occ, "%") {
						t.Errorf("%s: occupancy shown as %q (known: %v)", c.Name, it.Occ, occKnown)
					}
					if freeKnown == strings.Contains(it.Free, unknownWord) {
						t.Errorf("%s: free land shown as %q (known: %v)", c.Name, it.Free, freeKnown)
					}
				}
				// A minimum free land says how many clusters it left out for unknown data, and takes them back.
				p.do("minimum free land", chromedp.SetValue(chromedp.CSS("#f-minfree"), "5"), chromedp.Evaluate[chromedp.Void](`document.getElementById("f-minfree").dispatchEvent(new Event("input", {bubbles: true}))`))
				unknownFree := 0
				for _, c := range clusters {
					p := c.Properties
					if !(p.FreeLandHa != nil || (p.IndustrialLandHa != nil && (p.LeasedLandHa != nil || p.OccupancyPct != nil))) {
						unknownFree++
					}
				}
				if got := pollJS[string](p, `(() => { const e = document.getElementById("filter-unknown"); return !e.hidden && e.dataset.n; })()`, settle); got != fmt.Sprint(unknownFree) {
					t.Errorf("the filter says %s clusters were left out for unknown free land, the data has %d", got, unknownFree)
				}
				before := evalJS[int](p, `document.querySelectorAll("#results-list li[data-id]").length`)
				p.do("include unknown", chromedp.Click(chromedp.CSS("#filter-unknown-toggle")))
				if after := evalJS[int](p, `document.querySelectorAll("#results-list li[data-id]").length`); after != before+unknownFree {
					t.Errorf("including unknown free land: %d → %d clusters, want +%d", before, after, unknownFree)
				}
				checkAxe(p, axe, "list")
				p.do("reset filters", chromedp.Click(chromedp.CSS(`#filters button[type=reset]`)))

				// A contact on every cluster's panel (its own, or the provincial Department).
				contactTerm := map[string]string{"vi": "Liên hệ", "en": "Contact"}[lang]
				for i, c := range clusters {
					id := fmt.Sprint(c.ID)
					p.do("open "+c.Properties.Name, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`location.hash = "#9/13.9/108.0/clusters:%s"`, id)))
					pollJS[bool](p, fmt.Sprintf(`(() => { const p = document.getElementById("panel"); return !p.hidden && p.dataset.id === "%s" && !!document.querySelector("#panel-title"); })()`, id), settle)
					got := waitPanel(p, "clusters", id)
					contact := got.Facts[contactTerm]
					if contact == "" || strings.Contains(contact, unknownWord) && c.Properties.Contact == nil && !strings.Contains(contact, "Sở Công Thương") {
						t.Errorf("%s: contact %q", c.Properties.Name, contact)
					}
					if c.Properties.Contact == nil && !strings.Contains(contact, "Sở Công Thương Gia Lai") {
						t.Errorf("%s has no contact of its own; the panel shows %q, not the provincial Department", c.Properties.Name, contact)
					}
					if i == 0 {
						checkOneLanguage(p, "panel")
						checkAxe(p, axe, "panel")
						if isPhone {
							// The selected symbol stays in the map strip above the bottom sheet.
							waitStable(p, "#panel")
							if lang == "vi" {
								saveDoc(p, "screenshot-phone-panel")
							}
						}
					}
				}
				p.do("close the panel", chromedp.Click(chromedp.CSS("#panel-close")))

				// The table: every cluster with its verdict; every district with its verdict.
				p.do("open the table", chromedp.Click(chromedp.CSS("#tab-table")))
				pollJS[bool](p, `document.getElementById("table-section").dataset.verdicts === "ready"`, settle)
				shown := evalJS[map[string]string](p, `Object.fromEntries([...document.querySelectorAll("#cluster-table tbody tr")].map((tr) => [tr.dataset.id, tr.querySelector(".cell-verdict [data-verdict]").dataset.verdict]))`)
				if len(shown) != len(clusters) {
					t.Errorf("the table lists %d clusters, the API %d", len(shown), len(clusters))
				}
				for id, v := range verdict {
					if shown[id] != v {
						t.Errorf("cluster %s: table verdict %q, API %q", id, shown[id], v)
					}
				}
				shownD := evalJS[map[string]string](p, `Object.fromEntries([...document.querySelectorAll("#district-verdicts tbody tr")].map((tr) => [tr.dataset.code, tr.querySelector("[data-verdict]").dataset.verdict]))`)
				if len(shownD) != len(districtVerdict) {
					t.Errorf("the verdicts view lists %d districts, the API %d", len(shownD), len(districtVerdict))
				}
				for code, v := range districtVerdict {
					if shownD[code] != v {
						t.Errorf("district %s: verdict %q, API %q", code, shownD[code], v)
					}
				}
				// Sorting by occupancy puts the known figures first.
				p.do("sort by occupancy", chromedp.Click(chromedp.CSS(`#cluster-table button.sort[data-sort="occupancy"]`)))
				if first := evalJS[string](p, `document.querySelector("#cluster-table tbody tr .cell-occupancy").textContent`); !strings.Contains(first, "%") {
					t.Errorf("sorted by occupancy, the first row shows %q", first)
				}
				checkOneLanguage(p, "table")
				checkAxe(p, axe, "table")

				// Compare two clusters, and print the comparison.
				p.do("pick two", chromedp.Click(chromedp.CSS(`#cluster-table tbody tr:nth-child(1) .compare-pick`)), chromedp.Click(chromedp.CSS(`#cluster-table tbody tr:nth-child(2) .compare-pick`)),
					chromedp.Click(chromedp.CSS("#table-compare")))
				if n := pollJS[int](p, `document.querySelectorAll("#compare-table thead th").length`, settle); n != 2 {
					t.Errorf("the comparison shows %d clusters, want 2", n)
				}
				checkOneLanguage(p, "compare")
				checkAxe(p, axe, "compare")
				p.do("print", chromedp.Evaluate[chromedp.Void](`window.print = () => { window.__printed = true; }`), chromedp.Click(chromedp.CSS("#compare-print")))
				if !evalJS[bool](p, `window.__printed === true && document.body.classList.contains("printing")`) {
					t.Error("print did not start")
				}
				if _, err := chromedp.Call(p.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
					t.Fatal(err)
				}
				type printed struct {
					Map, Panel string
					Sources    int
				}
				pr := evalJS[printed](p, `({ map: getComputedStyle(document.getElementById("map")).display, panel: getComputedStyle(document.getElementById("panel")).display,
				  sources: document.querySelectorAll("#panel .sources li").length })`)
				if pr.Map != "none" || pr.Panel == "none" || pr.Sources == 0 {
					t.Errorf("printed page: map %s, panel %s, %d sources", pr.Map, pr.Panel, pr.Sources)
				}
				if _, err := chromedp.Call(p.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: ""}); err != nil {
					t.Fatal(err)
				}
				p.do("after print", chromedp.Evaluate[chromedp.Void](`window.dispatchEvent(new Event("afterprint"))`))
				p.do("close the panel", chromedp.Click(chromedp.CSS("#panel-close")))

				// A district click opens its panel: Kông Chro lies in none of the five areas.
				if isPhone {
					p.do("close the sidebar", chromedp.Click(chromedp.CSS("#sidebar-close")))
				} else {
					p.do("close the sidebar", chromedp.Click(chromedp.CSS("#tab-table")))
				}
				code := evalJS[string](p, `(async () => {
				  const map = window.clustermap.map;
				  map.setView([13.75, 108.55], 10, { animate: false });
				  await new Promise((r) => setTimeout(r, 600));
				  return "";
				})()`)
				_ = code
				xy := bareMapPoint(p, 1.0/2, 1.0/3, 60)
				p.do("click a district", chromedp.MouseClickXY(xy[0], xy[1]))
				pollJS[bool](p, `(() => { const p = document.getElementById("panel"); return !p.hidden && p.dataset.layer === "districts" && !!p.querySelector("#panel-title"); })()`, settle)
				checkAxe(p, axe, "district panel")
				p.do("close the panel", chromedp.Click(chromedp.CSS("#panel-close")))

				// The site finder's counts add up, on the page as in the API.
				p.do("open the site finder", chromedp.Click(chromedp.CSS("#tab-sites")))
				p.do("minimum free land", chromedp.SetValue(chromedp.CSS("#s-minfree"), "5"), chromedp.Click(chromedp.CSS("#sites-submit")))
				pollJS[bool](p, `document.body.dataset.sites === "ready"`, settle)
				type pageSites struct {
					Matched, Candidates string
					Items               int
					Excluded            string
				}
				ps := evalJS[pageSites](p, `({ matched: document.getElementById("sites-count").dataset.matched, candidates: document.getElementById("sites-count").dataset.candidates,
				  items: document.querySelectorAll("#sites-list > li[data-id]").length, excluded: document.getElementById("sites-excluded").textContent })`)
				if ps.Matched != fmt.Sprint(sites.Matched) || ps.Candidates != fmt.Sprint(sites.Candidates) || ps.Items != sites.Returned {
					t.Errorf("site finder page %+v, API %+v", ps, sites)
				}
				for k, n := range sites.Excluded {
					if n > 0 && !strings.Contains(ps.Excluded, fmt.Sprint(n)) {
						t.Errorf("site finder: %d excluded for %s not shown in %q", n, k, ps.Excluded)
					}
				}
				checkOneLanguage(p, "sites")
				checkAxe(p, axe, "sites")
				if isPhone && lang == "vi" {
					saveDoc(p, "screenshot-phone-sites")
				}

				// The linkage: operating plants counted per zone, a whole-province zone said as such,
				// a served zone names its processor's stage.
				p.do("open the linkage", chromedp.Click(chromedp.CSS("#tab-linkage")))
				pollJS[bool](p, `/^\d/.test(document.body.dataset.linkage || "") && document.querySelectorAll("#linkage-list li").length > 0`, settle)
				type linkState struct{ Zones, Plants, Stages, Served int }
				ls := evalJS[linkState](p, `({ zones: document.querySelectorAll("#linkage-list > li").length,
				  plants: document.querySelectorAll("#linkage-list .zone-plants[data-operating-plants]").length,
				  stages: document.querySelectorAll("#linkage-list .zone-link .processor-stage").length,
				  served: document.querySelectorAll("#linkage-list .zone-link").length - document.querySelectorAll("#linkage-list .zone-link.none").length })`)
				if ls.Zones == 0 || ls.Plants != ls.Zones || ls.Stages != ls.Served {
					t.Errorf("linkage list: %+v", ls)
				}
				checkOneLanguage(p, "linkage")
				checkAxe(p, axe, "linkage")

				// The overview.
				p.do("open the overview", chromedp.Click(chromedp.CSS("#tab-overview")))
				pollJS[bool](p, `document.querySelectorAll("#overview-table tbody tr").length > 0`, settle)
				checkOneLanguage(p, "overview")
				checkAxe(p, axe, "overview")
				if isPhone {
					over := evalJS[bool](p, `[...document.querySelectorAll("#overview .table-box")].every((b) => b.scrollWidth <= b.clientWidth + 1 || getComputedStyle(b).overflowX !== "visible")`)
					if !over {
						t.Error("an overview table overflows its box")
					}
					if lang == "vi" {
						saveDoc(p, "screenshot-phone-overview")
					}
				}
			})
		}
	}
}

// saveDoc saves the viewport as ../docs/<name>.png, for the README.
func saveDoc(p *page, name string) {
	p.t.Helper()
	buf, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(filepath.Join("..", "docs", name+".png"), buf, 0o644); err != nil {
		p.t.Fatal(err)
	}
}
