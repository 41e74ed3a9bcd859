package server_test

// Issue 15 in the web map: every layer's symbols show their geometry quality and the legend
// explains it; the title says which units the map shows; "About the data" opens from the
// attribution with the licences, placements, dates and coverage; numbers show their qualifier.

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

func TestBrowserDataTruth(t *testing.T) {
	ts, _ := newTestServer(t)
	browser := startBrowser(t)
	p := newPage(t, browser, ts.URL, desktop)
	p.load("/")

	// Every plant and energy symbol carries its quality, and an indicative one is drawn hollow
	// and dashed while a cited one is solid.
	type sym struct {
		Layer, Quality string
		Dashed         bool
	}
	syms := evalJS[[]sym](p, `[...document.querySelectorAll(".cm-symbol-plants, .cm-symbol-energy")].map((el) => ({
	  layer: el.dataset.layer || "",
	  quality: ([...el.classList].find((c) => c.startsWith("cm-quality-")) || "").slice(11),
	  dashed: !!el.querySelector("[stroke-dasharray]"),
	}))`)
	if len(syms) == 0 {
		t.Fatal("no plant or energy symbols drawn")
	}
	cited, indicative := 0, 0
	for _, s := range syms {
		switch s.Quality {
		case "indicative":
			indicative++
			if !s.Dashed {
				t.Errorf("an indicative %s symbol is drawn solid", s.Layer)
			}
		case "cited", "surveyed":
			cited++
			if s.Dashed {
				t.Errorf("a cited %s symbol is drawn dashed", s.Layer)
			}
		default:
			t.Errorf("a %s symbol without its quality class", s.Layer)
		}
	}
	if cited == 0 || indicative == 0 {
		t.Errorf("%d cited and %d indicative point symbols; the seed has both", cited, indicative)
	}
	// The highways are indicative lines: dashed.
	if dashed := evalJS[int](p, `[...document.querySelectorAll(".leaflet-cm-roads-pane path")].filter((el) => el.getAttribute("stroke-dasharray")).length`); dashed == 0 {
		t.Error("the indicative highway lines are drawn solid")
	}
	// The legend explains quality for every layer with features of more than one kind of placement.
	legend := evalJS[map[string]string](p, `Object.fromEntries([...document.querySelectorAll(".legend-layer[data-layer]")].map((el) => [el.dataset.layer, el.textContent]))`)
	for _, id := range []string{"regions", "districts", "raw_material_zones", "clusters", "plants", "energy", "roads"} {
		if text := strings.ToLower(legend[id]); !strings.Contains(text, "minh họa") && !strings.Contains(text, "chính thức") {
			t.Errorf("legend of %s does not explain its geometry quality: %q", id, legend[id])
		}
	}
	// The title says the map shows the pre-July-2025 units.
	if sub := evalJS[string](p, `document.querySelector(".brand small").textContent`); !strings.Contains(sub, "1/7/2025") {
		t.Errorf("subtitle %q does not say the units are those before 1 July 2025", sub)
	}
	p.screenshot("datatruth-quality")

	// "About the data", from the attribution.
	p.do("open About the data", chromedp.Click(chromedp.CSS(".leaflet-control-attribution .cm-about-link")))
	pollJS[bool](p, `document.getElementById("about").open && document.querySelectorAll("#about .about-coverage li").length > 0`, settle)
	about := evalJS[struct {
		Text     string
		Layers   int
		Licences []string
		Coverage []string
	}](p, `({
	  text: document.getElementById("about").textContent,
	  layers: document.querySelectorAll("#about .about-layer").length,
	  licences: [...document.querySelectorAll("#about .about-layer dd:first-of-type a")].map((a) => a.textContent),
	  coverage: [...document.querySelectorAll("#about .about-coverage li")].map((li) => li.textContent),
	})`)
	cat := getJSON[struct {
		Layers []struct {
			ID      string
			License struct{ Name string }
		}
	}](t, ts.URL+"/api/layers", http.StatusOK)
	if about.Layers != len(cat.Layers) || len(about.Licences) != len(cat.Layers) {
		t.Errorf("About shows %d layers with %d licences, the catalog has %d layers", about.Layers, len(about.Licences), len(cat.Layers))
	}
	for _, want := range []string{"1/7/2025", "Wikipedia", "CC BY-SA 4.0", "end-2020", "ClusterMap có"} {
		if !strings.Contains(about.Text, want) {
			t.Errorf("About does not mention %q", want)
		}
	}
	p.screenshot("datatruth-about")
	// The modal page keeps the rest of the page inert: close it, switch language, open it again.
	p.do("close About", chromedp.Click(chromedp.CSS("#about-close")))
	p.do("switch to English", chromedp.Click(chromedp.CSS("#lang-toggle")))
	pollJS[bool](p, `document.documentElement.lang === "en"`, settle)
	p.do("open About the data in English", chromedp.Click(chromedp.CSS(".leaflet-control-attribution .cm-about-link")))
	pollJS[bool](p, `document.getElementById("about").open && document.getElementById("about").textContent.includes("ClusterMap holds")`, settle)
	p.do("close About", chromedp.Click(chromedp.CSS("#about-close")))

	// A lower bound shows as one: CCN Diên Phú's industrial land is "more than 24.2 ha".
	var dienPhu int64
	for _, f := range getJSON[struct {
		Features []struct {
			ID         int64
			Properties map[string]any
		}
	}](t, ts.URL+"/api/layers/clusters/features", http.StatusOK).Features {
		if f.Properties["name"] == "CCN Diên Phú" {
			dienPhu = f.ID
		}
	}
	p.do("open Diên Phú", chromedp.Navigate(fmt.Sprintf("%s/#10/13.98/108.00/clusters:%d", ts.URL, dienPhu)))
	p.waitReady()
	fig := pollJS[string](p, `(() => { const el = document.querySelector("#panel .figure[data-qualifier=at_least]"); return el && el.textContent; })()`, settle)
	if !strings.HasPrefix(fig, "≥ ") || !strings.Contains(fig, "24.2") {
		t.Errorf("Diên Phú industrial land shown as %q, want \"≥ 24.2 ha\"", fig)
	}
}
