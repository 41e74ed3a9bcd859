package server_test

// Browser tests of the planning views in real headless
// Chromium: the eligibility verdicts in the cluster and district panels, the
// raw-material linkage view, the region dashboards and the site finder, and
// the fixes to the scale bar, the selection ring, the phone's bottom sheet and
// the label placement. Every expectation comes from the API answer the page
// itself reads (or from the database), fetched by the test from the same
// server, so the tests check that the page shows what the API says. The page
// helpers (newPage, evalJS, pollJS…) are in browser_page_test.go and fail a
// test on any console error or failed request to our server.

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// apiGet decodes the JSON answer of one of our endpoints; anything but 200 fails the test.
func apiGet[T any](t *testing.T, base, path string) T {
	t.Helper()
	resp, body := get(t, base+path)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("GET %s: decode: %v", path, err)
	}
	return v
}

// apiCatalog is what the tests read of GET /api/layers: the web app takes its
// code labels and defaults from there, so the tests expect what it serves.
type apiCatalog struct {
	Vocabularies map[string][]struct {
		Code  string            `json:"code"`
		Title map[string]string `json:"title"`
	} `json:"vocabularies"`
	Defaults struct {
		LinkageRadiusKM  float64            `json:"linkage_radius_km"`
		SiteWeights      map[string]float64 `json:"site_weights"`
		SiteWeightParams map[string]string  `json:"site_weight_params"`
	} `json:"defaults"`
}

// vocabularyTitle is the served title of a code in one language, "" if none.
func (c apiCatalog) vocabularyTitle(list, code, lang string) string {
	for _, e := range c.Vocabularies[list] {
		if e.Code == code {
			return e.Title[lang]
		}
	}
	return ""
}

// siteQuery is the site finder's query as the form sends it with its sliders
// at the catalog's default weights (weight × 100), except the parts in set.
func (c apiCatalog) siteQuery(t *testing.T, set map[string]int) string {
	t.Helper()
	if len(c.Defaults.SiteWeights) == 0 {
		t.Fatal("the catalog serves no default site weights")
	}
	var q []string
	for part, w := range c.Defaults.SiteWeights {
		param := c.Defaults.SiteWeightParams[part]
		if param == "" {
			t.Fatalf("the catalog names no query parameter for the site weight %q", part)
		}
		v := int(math.Round(w * 100))
		if s, ok := set[part]; ok {
			v = s
		}
		q = append(q, fmt.Sprintf("%s=%d", param, v))
	}
	sort.Strings(q)
	return strings.Join(q, "&")
}

// viNum formats a number as the Vietnamese interface does (Intl vi-VN, at
// most digits decimals): "." groups thousands, "," marks decimals.
func viNum(v float64, digits int) string {
	p := math.Pow(10, float64(digits))
	s := strconv.FormatFloat(math.Round(v*p)/p, 'f', -1, 64)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	out := b.String()
	if frac != "" {
		out += "," + frac
	}
	if neg {
		out = "-" + out
	}
	return out
}

func TestVINum(t *testing.T) {
	for _, c := range []struct {
		v      float64
		digits int
		want   string
	}{{0, 1, "0"}, {3500, 0, "3.500"}, {81000, 0, "81.000"}, {20.116, 1, "20,1"}, {326.61, 1, "326,6"}, {606.63, 1, "606,6"}, {1234567.891, 2, "1.234.567,89"}, {66.84, 1, "66,8"}} {
		if got := viNum(c.v, c.digits); got != c.want {
			t.Errorf("viNum(%v, %d) = %q, want %q", c.v, c.digits, got, c.want)
		}
	}
}

// --- API answers, as far as the tests read them -------------------------------------

type apiCondition struct {
	ID      string   `json:"id"`
	Verdict string   `json:"verdict"`
	Missing []string `json:"missing"`
}

type apiClusterEligibility struct {
	Cluster struct {
		ID           int64   `json:"id"`
		Name         string  `json:"name"`
		DistrictCode *string `json:"district_code"`
	} `json:"cluster"`
	Verdict    string         `json:"verdict"`
	Missing    []string       `json:"missing"`
	Conditions []apiCondition `json:"conditions"`
	NotChecked []apiCondition `json:"not_checked"`
	Size       struct {
		Verdict string `json:"verdict"`
		Flagged *bool  `json:"flagged"`
	} `json:"size"`
}

type apiDistrictEligibility struct {
	District struct {
		Code string `json:"code"`
		Name string `json:"name"`
	} `json:"district"`
	Verdict    string         `json:"verdict"`
	Conditions []apiCondition `json:"conditions"`
	NotChecked []apiCondition `json:"not_checked"`
	Clusters   []struct {
		ID      int64 `json:"id"`
		Counted bool  `json:"counted"`
	} `json:"clusters"`
}

type apiLink struct {
	ClusterID    int64   `json:"cluster_id"`
	ClusterName  string  `json:"cluster_name"`
	DistanceKM   float64 `json:"distance_km"`
	WithinRadius bool    `json:"within_radius"`
	Line         struct {
		Coordinates [][2]float64 `json:"coordinates"`
	} `json:"line"`
}

type apiLinkage struct {
	RadiusKM float64 `json:"radius_km"`
	Zones    []struct {
		ID      int64    `json:"id"`
		Name    string   `json:"name"`
		Served  bool     `json:"served"`
		Nearest *apiLink `json:"nearest_processing_cluster"`
	} `json:"zones"`
	UnservedZoneIDs []int64 `json:"unserved_zone_ids"`
	Totals          struct {
		Zones    int `json:"zones"`
		Served   int `json:"served"`
		Unserved int `json:"unserved"`
	} `json:"totals"`
}

type apiArea struct {
	Slug             *string            `json:"slug"`
	Clusters         int                `json:"clusters"`
	ClustersByStage  map[string]int     `json:"clusters_by_stage"`
	PlannedHa        float64            `json:"planned_ha"`
	EstablishedHa    float64            `json:"established_ha"`
	LeasedHa         float64            `json:"leased_ha"`
	ClustersWithData map[string]int     `json:"clusters_with_data"`
	OccupancyPct     *float64           `json:"occupancy_pct"`
	Investors        []string           `json:"investors"`
	InvestorsUnnamed int                `json:"investors_unnamed"`
	RawHaByCrop      map[string]float64 `json:"raw_material_ha_by_crop"`
}

type apiSummary struct {
	Province       apiArea   `json:"province"`
	Regions        []apiArea `json:"regions"`
	OutsideRegions apiArea   `json:"outside_regions"`
}

type apiSitePart struct {
	Contribution float64 `json:"contribution"`
	Known        bool    `json:"known"`
}

type apiSites struct {
	Candidates int `json:"candidates"`
	Matched    int `json:"matched"`
	Returned   int `json:"returned"`
	Sites      []struct {
		Rank  int                    `json:"rank"`
		ID    int64                  `json:"id"`
		Name  string                 `json:"name"`
		Score float64                `json:"score"`
		Parts map[string]apiSitePart `json:"parts"`
	} `json:"sites"`
}

// --- what the page shows ----------------------------------------------------------------

type shownCondition struct {
	ID      string `json:"id"`
	Verdict string `json:"verdict"`
	Missing int    `json:"missing"`
	Reason  string `json:"reason"`
}

type shownEligibility struct {
	Verdict    string           `json:"verdict"`
	Text       string           `json:"text"`
	Conditions []shownCondition `json:"conditions"`
	NotChecked []string         `json:"notChecked"`
	Size       *struct {
		Verdict string `json:"verdict"`
		Flagged string `json:"flagged"`
	} `json:"size"`
	Clusters []struct {
		ID      string `json:"id"`
		Counted string `json:"counted"`
	} `json:"clusters"`
}

// eligibilityJS reads an eligibility section of the open panel once its
// answer has arrived (null until then, so that pollJS waits).
func eligibilityJS(section, layer, id string) string {
	return fmt.Sprintf(`(() => {
	  const panel = document.getElementById("panel");
	  if (panel.hidden || panel.dataset.layer !== %q || panel.dataset.id !== %q) return null;
	  const s = panel.querySelector("#%s");
	  if (!s || !s.dataset.verdict) return null;
	  const size = s.querySelector("#size-check");
	  return {
	    verdict: s.dataset.verdict,
	    text: (s.querySelector(".verdict-text") || {}).textContent || "",
	    conditions: [...s.querySelectorAll("li.condition")].map((li) => ({
	      id: li.dataset.condition, verdict: li.dataset.verdict,
	      missing: li.querySelectorAll(".missing li").length,
	      reason: li.querySelector(".reason").textContent.trim(),
	    })),
	    notChecked: [...s.querySelectorAll(".not-checked li")].map((li) => li.dataset.condition),
	    size: size ? { verdict: size.dataset.verdict, flagged: size.dataset.flagged } : null,
	    clusters: [...s.querySelectorAll(".district-clusters li")].map((li) => ({ id: li.dataset.id, counted: li.dataset.counted })),
	  };
	})()`, layer, id, section)
}

func conditionIDs(cs []apiCondition) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

// checkConditions asserts that the page lists the API's conditions, in its
// order, each with its verdict, a reason and one entry per missing datum.
func checkConditions(t *testing.T, what string, got []shownCondition, want []apiCondition) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d conditions shown %+v, the API has %d %v", what, len(got), got, len(want), conditionIDs(want))
		return
	}
	for i, w := range want {
		g := got[i]
		if g.ID != w.ID || g.Verdict != w.Verdict {
			t.Errorf("%s: condition %d shown as %s=%s, the API says %s=%s", what, i, g.ID, g.Verdict, w.ID, w.Verdict)
		}
		if g.Missing != len(w.Missing) {
			t.Errorf("%s: condition %s names %d missing data, the API %d %q", what, w.ID, g.Missing, len(w.Missing), w.Missing)
		}
		if g.Reason == "" {
			t.Errorf("%s: condition %s shows no reason", what, w.ID)
		}
	}
}

// verdictEN is the English wording of each cluster verdict in the panel.
var verdictEN = map[string]string{
	"yes":            "May expand (as far as the data shows)",
	"no":             "May not expand",
	"unknown":        "Unknown: data missing",
	"not_applicable": "Not applicable",
}

// selectFromList opens a cluster's panel the way a user does from the results list.
func selectFromList(p *page, id string) {
	p.t.Helper()
	p.do("pick cluster "+id+" from the list", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#results-list li[data-id="%s"] button`, id))))
}

type rect struct {
	Left   float64 `json:"left"`
	Top    float64 `json:"top"`
	Right  float64 `json:"right"`
	Bottom float64 `json:"bottom"`
}

func (r rect) center() (float64, float64) { return (r.Left + r.Right) / 2, (r.Top + r.Bottom) / 2 }

const rectJS = `((sel) => { const e = document.querySelector(sel); if (!e) return null; const b = e.getBoundingClientRect(); return { left: b.left, top: b.top, right: b.right, bottom: b.bottom }; })`

// rectOf is where the element sel is on the screen (the zero rect if it is absent).
func rectOf(p *page, sel string) rect {
	p.t.Helper()
	return evalJS[rect](p, fmt.Sprintf(`%s(%q) || {}`, rectJS, sel))
}

// openCluster clicks (or on a phone taps) a cluster's symbol and waits for its panel.
func openCluster(p *page, id string, tap bool) {
	p.t.Helper()
	act := chromedp.Click(chromedp.CSS(clusterSymbol(id)))
	if tap {
		act = chromedp.Tap(chromedp.CSS(clusterSymbol(id)))
	}
	p.do("open cluster "+id+" from its symbol", act)
	waitPanel(p, "clusters", id)
}

func TestBrowserPlanning(t *testing.T) {
	started := time.Now()
	ts, store := newTestServer(t)
	seed := loadSeedFacts(t, store)
	dp := seed.dienPhu
	browser := startBrowser(t)
	t.Cleanup(func() { t.Logf("planning browser suite: %v", time.Since(started).Round(100*time.Millisecond)) })

	t.Run("ClusterPanelShowsExpansionEligibility", func(t *testing.T) {
		// One cluster per distinct (verdict, size verdict) of the seed, so each
		// kind of answer is shown at least once.
		type pick struct {
			id     string
			answer apiClusterEligibility
		}
		var picks []pick
		seen := map[string]bool{}
		verdicts := map[string]bool{}
		for _, id := range seed.clusterIDs {
			a := apiGet[apiClusterEligibility](t, ts.URL, "/api/clusters/"+id+"/eligibility")
			verdicts[a.Verdict] = true
			if key := a.Verdict + "|" + a.Size.Verdict; !seen[key] {
				seen[key] = true
				picks = append(picks, pick{id, a})
			}
		}
		if len(verdicts) < 2 || len(picks) < 3 {
			t.Fatalf("the seed gives verdicts %v in %d combinations: the test needs several kinds of answer", verdicts, len(picks))
		}
		p := newPage(t, browser, ts.URL, desktop)
		p.load("/")
		for _, pk := range picks {
			selectFromList(p, pk.id)
			got := pollJS[shownEligibility](p, eligibilityJS("eligibility", "clusters", pk.id), settle)
			what := fmt.Sprintf("cluster %s (%s)", pk.id, pk.answer.Cluster.Name)
			if got.Verdict != pk.answer.Verdict {
				t.Errorf("%s: verdict %q shown, the API says %q", what, got.Verdict, pk.answer.Verdict)
			}
			checkConditions(t, what, got.Conditions, pk.answer.Conditions)
			if notChecked := append([]string{}, got.NotChecked...); !slices.Equal(notChecked, conditionIDs(pk.answer.NotChecked)) {
				t.Errorf("%s: conditions to check elsewhere %v, the API %v", what, notChecked, conditionIDs(pk.answer.NotChecked))
			}
			flagged := "null"
			if f := pk.answer.Size.Flagged; f != nil {
				flagged = strconv.FormatBool(*f)
			}
			if got.Size == nil || got.Size.Verdict != pk.answer.Size.Verdict || got.Size.Flagged != flagged {
				t.Errorf("%s: size check %+v, the API says %s (flagged %s)", what, got.Size, pk.answer.Size.Verdict, flagged)
			}
		}

		// Diên Phú in English: the verdict and its reasons follow the language.
		selectFromList(p, dp.id)
		vi := pollJS[shownEligibility](p, eligibilityJS("eligibility", "clusters", dp.id), settle)
		p.screenshot("planning-eligibility")
		p.do("switch to English", chromedp.Click(chromedp.CSS("#lang-toggle")))
		answer := apiGet[apiClusterEligibility](t, ts.URL, "/api/clusters/"+dp.id+"/eligibility")
		en := pollJS[shownEligibility](p, fmt.Sprintf(`document.documentElement.lang === "en" && (%s)`, eligibilityJS("eligibility", "clusters", dp.id)), settle)
		if en.Text != verdictEN[answer.Verdict] {
			t.Errorf("English verdict %q, want %q", en.Text, verdictEN[answer.Verdict])
		}
		if len(en.Conditions) != len(vi.Conditions) || len(en.Conditions) == 0 || en.Conditions[0].Reason == vi.Conditions[0].Reason {
			t.Errorf("the reasons did not change language: vi %+v, en %+v", vi.Conditions, en.Conditions)
		}
	})

	t.Run("DistrictPanelShowsFoundingEligibility", func(t *testing.T) {
		cluster := apiGet[apiClusterEligibility](t, ts.URL, "/api/clusters/"+dp.id+"/eligibility")
		if cluster.Cluster.DistrictCode == nil {
			t.Fatalf("Diên Phú has no district code in the API")
		}
		code := *cluster.Cluster.DistrictCode
		p := newPage(t, browser, ts.URL, desktop)
		p.load("/")
		selectFromList(p, dp.id)
		waitPanel(p, "clusters", dp.id)
		// The district in the cluster panel opens the district's panel.
		p.do("open the district from the cluster panel", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#panel button[data-district="%s"]`, code))))
		check := func(p *page, code string) {
			t.Helper()
			want := apiGet[apiDistrictEligibility](t, ts.URL, "/api/districts/"+code+"/eligibility")
			got := pollJS[shownEligibility](p, eligibilityJS("founding", "districts", code), settle)
			what := "district " + want.District.Name
			if got.Verdict != want.Verdict {
				t.Errorf("%s: verdict %q shown, the API says %q", what, got.Verdict, want.Verdict)
			}
			checkConditions(t, what, got.Conditions, want.Conditions)
			if !slices.Equal(got.NotChecked, conditionIDs(want.NotChecked)) {
				t.Errorf("%s: conditions to check elsewhere %v, the API %v", what, got.NotChecked, conditionIDs(want.NotChecked))
			}
			var gotClusters, wantClusters []string
			for _, c := range got.Clusters {
				gotClusters = append(gotClusters, c.ID+":"+c.Counted)
			}
			for _, c := range want.Clusters {
				wantClusters = append(wantClusters, fmt.Sprintf("%d:%t", c.ID, c.Counted))
			}
			if !slices.Equal(gotClusters, wantClusters) {
				t.Errorf("%s: clusters (id:counted) %v, the API %v", what, gotClusters, wantClusters)
			}
		}
		check(p, code)
		if h := evalJS[string](p, "location.hash"); !strings.HasSuffix(h, "/districts:"+code) {
			t.Errorf("URL hash %q does not name district %s", h, code)
		}
		time.Sleep(700 * time.Millisecond) // the map flies to the district
		p.screenshot("planning-district")

		// A district with no cluster at all, opened from a shared link.
		var empty string
		err := store.Pool().QueryRow(t.Context(), `SELECT d.code FROM districts d WHERE NOT EXISTS (SELECT 1 FROM clusters c WHERE c.district_code = d.code) ORDER BY d.code LIMIT 1`).Scan(&empty)
		if err != nil {
			t.Fatalf("the seed has no district without clusters: %v", err)
		}
		q := newPage(t, browser, ts.URL, desktop)
		q.load("/#9/13.9/108.0/districts:" + empty)
		check(q, empty)
	})

	t.Run("LinkageView", func(t *testing.T) {
		p := newPage(t, browser, ts.URL, desktop)
		p.load("/")
		p.do("open the linkage tab", chromedp.Click(chromedp.CSS("#tab-linkage")))
		type shownLinkage struct {
			Radius string `json:"radius"`
			Items  []struct {
				ID      string `json:"id"`
				Served  string `json:"served"`
				Class   string `json:"class"`
				Cluster string `json:"cluster"`
				KM      string `json:"km"`
			} `json:"items"`
			Lines []struct {
				Zones   string `json:"zones"`
				Cluster string `json:"cluster"`
				Served  bool   `json:"served"`
			} `json:"lines"`
			Labels []struct {
				Zones string `json:"zones"`
				Text  string `json:"text"`
			} `json:"labels"`
			UnservedPaths int    `json:"unservedPaths"`
			Totals        string `json:"totals"`
			Legend        bool   `json:"legend"`
		}
		const linkageJS = `(() => ({
		  radius: document.body.dataset.linkage || "",
		  items: [...document.querySelectorAll("#linkage-list li[data-zone-id]")].map((li) => {
		    const link = li.querySelector(".zone-link[data-cluster]");
		    return { id: li.dataset.zoneId, served: li.dataset.served, class: li.className, cluster: link ? link.dataset.cluster : "", km: link ? link.dataset.km : "" };
		  }),
		  lines: [...document.querySelectorAll(".leaflet-cm-linkage-pane path.cm-link")].map((p) => ({ zones: p.dataset.zones, cluster: p.dataset.cluster, served: p.classList.contains("cm-link-served") })),
		  labels: [...document.querySelectorAll(".leaflet-cm-linkage-labels-pane .cm-link-label span")].map((s) => ({ zones: s.dataset.zones, text: s.textContent })),
		  unservedPaths: document.querySelectorAll(".leaflet-cm-linkage-zones-pane path.cm-unserved-zone").length,
		  totals: (document.querySelector(".linkage-totals") || {}).textContent || "",
		  legend: !!(document.getElementById("layer-linkage") || {}).checked,
		}))()`

		check := func(radius float64) shownLinkage {
			t.Helper()
			r := strconv.FormatFloat(radius, 'f', -1, 64)
			want := apiGet[apiLinkage](t, ts.URL, "/api/analysis/linkage?radius_km="+r)
			pollJS[bool](p, fmt.Sprintf(`document.body.dataset.linkage === %q`, r), settle)
			// The unserved outlines come with the overlay's tiles, after the answer.
			pollJS[bool](p, fmt.Sprintf(`(document.querySelectorAll(".leaflet-cm-linkage-zones-pane path.cm-unserved-zone").length > 0) === %t`, len(want.UnservedZoneIDs) > 0), settle)
			got := evalJS[shownLinkage](p, linkageJS)
			what := "radius " + r + " km"
			if !got.Legend {
				t.Errorf("%s: the legend's linkage layer is not checked", what)
			}
			wantTotals := fmt.Sprintf("%d/%d vùng có cụm chế biến trong %s km; %d vùng chưa có.", want.Totals.Served, want.Totals.Zones, r, want.Totals.Unserved)
			if got.Totals != wantTotals {
				t.Errorf("%s: totals %q, want %q", what, got.Totals, wantTotals)
			}
			if len(got.Items) != len(want.Zones) {
				t.Fatalf("%s: %d zones listed, the API has %d", what, len(got.Items), len(want.Zones))
			}
			items := map[string]int{}
			for i, it := range got.Items {
				items[it.ID] = i
			}
			// Zone id → line and label that carry it.
			lineOf := map[string]int{}
			for i, l := range got.Lines {
				for _, z := range strings.Fields(l.Zones) {
					lineOf[z] = i
				}
			}
			labelOf := map[string]string{}
			for _, l := range got.Labels {
				for _, z := range strings.Fields(l.Zones) {
					labelOf[z] = l.Text
				}
			}
			for _, z := range want.Zones {
				id := strconv.FormatInt(z.ID, 10)
				i, ok := items[id]
				if !ok {
					t.Errorf("%s: zone %d (%s) is not listed", what, z.ID, z.Name)
					continue
				}
				it := got.Items[i]
				if it.Served != strconv.FormatBool(z.Served) || strings.Contains(it.Class, "unserved") == z.Served {
					t.Errorf("%s: zone %d listed served=%s class %q, the API says served=%t", what, z.ID, it.Served, it.Class, z.Served)
				}
				n := z.Nearest
				if n == nil {
					if _, drawn := lineOf[id]; it.Cluster != "" || drawn {
						t.Errorf("%s: zone %d has no processing cluster but the page links it to %q", what, z.ID, it.Cluster)
					}
					continue
				}
				if it.Cluster != strconv.FormatInt(n.ClusterID, 10) || it.KM != strconv.FormatFloat(n.DistanceKM, 'f', -1, 64) {
					t.Errorf("%s: zone %d listed with cluster %s at %s km, the API says %d at %v km", what, z.ID, it.Cluster, it.KM, n.ClusterID, n.DistanceKM)
				}
				c := n.Line.Coordinates
				zeroLength := len(c) == 2 && math.Abs(c[0][0]-c[1][0]) < 1e-6 && math.Abs(c[0][1]-c[1][1]) < 1e-6
				li, drawn := lineOf[id]
				switch {
				case zeroLength && drawn:
					t.Errorf("%s: zone %d contains its cluster (0 km) but a line is drawn", what, z.ID)
				case !zeroLength && !drawn:
					t.Errorf("%s: zone %d → cluster %d (%v km): no line drawn", what, z.ID, n.ClusterID, n.DistanceKM)
				case drawn:
					l := got.Lines[li]
					if l.Cluster != strconv.FormatInt(n.ClusterID, 10) || l.Served != n.WithinRadius {
						t.Errorf("%s: zone %d's line goes to cluster %s served=%t, the API says %d within=%t", what, z.ID, l.Cluster, l.Served, n.ClusterID, n.WithinRadius)
					}
					if label := labelOf[id]; !strings.Contains(label, viNum(n.DistanceKM, 1)) || !strings.HasSuffix(label, " km") {
						t.Errorf("%s: zone %d's distance label %q does not read %s km", what, z.ID, label, viNum(n.DistanceKM, 1))
					}
				}
			}
			return got
		}

		// The slider starts at the catalog's default radius, which is the API's default.
		radius := apiGet[apiCatalog](t, ts.URL, "/api/layers").Defaults.LinkageRadiusKM
		at30 := apiGet[apiLinkage](t, ts.URL, "/api/analysis/linkage")
		if at30.RadiusKM != radius || len(at30.UnservedZoneIDs) == 0 || at30.Totals.Served == 0 {
			t.Fatalf("the default linkage (radius %v, catalog default %v) has %d unserved and %d served zones: the test needs both", at30.RadiusKM, radius, len(at30.UnservedZoneIDs), at30.Totals.Served)
		}
		got := check(radius)
		far := 0
		for _, l := range got.Lines {
			if !l.Served {
				far++
			}
		}
		if far == 0 {
			t.Errorf("no dashed line to a processing cluster beyond the radius, though %d zones are unserved", len(at30.UnservedZoneIDs))
		}
		p.screenshot("planning-linkage")

		// A radius that reaches the farthest unserved zone's processing cluster
		// serves it: the red outline and the dashed line go.
		reach := 0.0
		for _, z := range at30.Zones {
			if !z.Served && z.Nearest != nil {
				reach = math.Max(reach, z.Nearest.DistanceKM)
			}
		}
		if reach == 0 {
			t.Fatalf("no unserved zone has a processing cluster within the horizon")
		}
		wider := math.Ceil((reach+0.01)/5) * 5
		if wider > 200 {
			t.Fatalf("the farthest unserved link, %v km, is beyond the slider", reach)
		}
		evalJS[bool](p, fmt.Sprintf(`(() => {
		  const r = document.getElementById("linkage-radius");
		  r.value = "%g";
		  r.dispatchEvent(new Event("input", { bubbles: true }));
		  return true;
		})()`, wider))
		check(wider)
		if text := evalJS[string](p, `document.getElementById("linkage-radius-value").textContent`); text != fmt.Sprintf("%g km", wider) {
			t.Errorf("radius shown as %q, want %g km", text, wider)
		}
	})

	t.Run("RegionDashboards", func(t *testing.T) {
		want := apiGet[apiSummary](t, ts.URL, "/api/summary")
		if len(want.Regions) != len(seed.regions) {
			t.Fatalf("the summary has %d regions, the database %d", len(want.Regions), len(seed.regions))
		}
		p := newPage(t, browser, ts.URL, desktop)
		p.load("/")
		p.do("open the region overview", chromedp.Click(chromedp.CSS("#tab-overview")))
		pollJS[bool](p, `!!document.querySelector("#overview-details tfoot tr[data-region=province]") && !!(window.Chart && Chart.getChart(document.getElementById("overview-crops-chart")))`, settle)
		type chart struct {
			Labels []string `json:"labels"`
			Sets   []struct {
				Label string    `json:"label"`
				Data  []float64 `json:"data"`
			} `json:"sets"`
		}
		type shown struct {
			Rows    map[string]map[string]string `json:"rows"`
			Details map[string]struct {
				Investors []string           `json:"investors"`
				Unnamed   int                `json:"unnamed"`
				Raw       map[string]float64 `json:"raw"`
			} `json:"details"`
			Stages chart `json:"stages"`
			Crops  chart `json:"crops"`
		}
		got := evalJS[shown](p, `(() => {
		  const rows = {};
		  for (const tr of document.querySelectorAll("#overview-table tr[data-region]")) {
		    rows[tr.dataset.region] = Object.fromEntries([...tr.querySelectorAll("td[data-key]")].map((td) => [td.dataset.key, (td.querySelector(".fig") || td).textContent.trim()]));
		  }
		  const details = {};
		  for (const tr of document.querySelectorAll("#overview-details tr[data-region]")) {
		    const unnamed = tr.querySelector(".unnamed");
		    details[tr.dataset.region] = {
		      investors: [...tr.querySelectorAll("td.investors li")].map((li) => li.textContent.trim()),
		      unnamed: unnamed ? Number(unnamed.dataset.unnamed) : 0,
		      raw: Object.fromEntries([...tr.querySelectorAll("td.raw li[data-crop]")].map((li) => [li.dataset.crop, Number(li.dataset.ha)])),
		    };
		  }
		  const chart = (id) => {
		    const c = Chart.getChart(document.getElementById(id));
		    return { labels: c.data.labels, sets: c.data.datasets.map((d) => ({ label: d.label, data: d.data })) };
		  };
		  return { rows, details, stages: chart("overview-chart"), crops: chart("overview-crops-chart") };
		})()`)

		areas := map[string]apiArea{"outside": want.OutsideRegions, "province": want.Province}
		var order []apiArea // the chart rows: regions, then outside
		for _, r := range want.Regions {
			areas[*r.Slug] = r
			order = append(order, r)
		}
		order = append(order, want.OutsideRegions)
		haCell := func(a apiArea, key string, v float64) string {
			if a.ClustersWithData[key] == 0 {
				return ""
			}
			return viNum(v, 1)
		}
		for key, a := range areas {
			row, ok := got.Rows[key]
			if !ok {
				t.Errorf("overview table: no row for %s", key)
				continue
			}
			occ := ""
			if a.OccupancyPct != nil {
				occ = viNum(*a.OccupancyPct, 1) + " %"
			}
			wantRow := map[string]string{
				"clusters": strconv.Itoa(a.Clusters), "planned_ha": haCell(a, "planned_ha", a.PlannedHa),
				"established_ha": haCell(a, "established_ha", a.EstablishedHa), "leased_ha": haCell(a, "leased_ha", a.LeasedHa), "occupancy_pct": occ,
			}
			for k, v := range wantRow {
				if row[k] != v {
					t.Errorf("overview table, %s, %s: %q, the API gives %q", key, k, row[k], v)
				}
			}
			d := got.Details[key]
			if !slices.Equal(append([]string{}, d.Investors...), append([]string{}, a.Investors...)) {
				t.Errorf("investors of %s: %q, the API %q", key, d.Investors, a.Investors)
			}
			if d.Unnamed != a.InvestorsUnnamed {
				t.Errorf("unnamed investors of %s: %d, the API %d", key, d.Unnamed, a.InvestorsUnnamed)
			}
			if len(d.Raw) != len(a.RawHaByCrop) {
				t.Errorf("linked raw material of %s: %v, the API %v", key, d.Raw, a.RawHaByCrop)
			}
			for crop, ha := range a.RawHaByCrop {
				if v, ok := d.Raw[crop]; !ok || v != ha {
					t.Errorf("linked %s of %s: %v ha shown, the API %v ha", crop, key, v, ha)
				}
			}
		}
		if n := len(got.Details) - len(want.Regions); n != 2 {
			t.Errorf("investor/raw-material table has %d rows besides the regions, want outside and province", n)
		}

		// The stage chart: one bar per region plus the outside row, adding up to the province.
		if len(got.Stages.Labels) != len(order) {
			t.Fatalf("stage chart has %d bars, want %d (regions and outside)", len(got.Stages.Labels), len(order))
		}
		stageOrder := []string{"planned", "investor_selected", "established", "under_construction", "operating", "expanded"}
		if len(got.Stages.Sets) != len(stageOrder) {
			t.Fatalf("stage chart has %d stages, want %d", len(got.Stages.Sets), len(stageOrder))
		}
		total := 0.0
		for i, stage := range stageOrder {
			set := got.Stages.Sets[i]
			if set.Label != stageVI[stage] {
				t.Errorf("stage dataset %d is %q, want %q", i, set.Label, stageVI[stage])
			}
			for j, a := range order {
				if set.Data[j] != float64(a.ClustersByStage[stage]) {
					t.Errorf("stage chart, %s, bar %d: %v clusters, the API %d", stage, j, set.Data[j], a.ClustersByStage[stage])
				}
				total += set.Data[j]
			}
		}
		if total != float64(want.Province.Clusters) {
			t.Errorf("the stage bars add up to %v clusters, the province has %d", total, want.Province.Clusters)
		}
		// The raw-material chart: per bar, the crops add up to the area's linked hectares.
		for j, a := range order {
			sum, wantSum := 0.0, 0.0
			for _, set := range got.Crops.Sets {
				sum += set.Data[j]
			}
			for _, v := range a.RawHaByCrop {
				wantSum += v
			}
			if math.Abs(sum-wantSum) > 1e-6 {
				t.Errorf("raw-material chart, bar %d (%s): %v ha, the API %v ha", j, got.Crops.Labels[j], sum, wantSum)
			}
		}
		wantProvince := 0.0
		for _, v := range want.Province.RawHaByCrop {
			wantProvince += v
		}
		if wantProvince == 0 {
			t.Fatalf("the province links no raw material: the chart test would be vacuous")
		}
		p.screenshot("planning-overview")

		// A region's own dashboard (GET /api/regions/{slug}/summary) in its panel.
		var busiest apiArea
		for _, r := range want.Regions {
			if r.Clusters > busiest.Clusters {
				busiest = r
			}
		}
		slug := *busiest.Slug
		region := apiGet[struct {
			Region apiArea `json:"region"`
		}](t, ts.URL, "/api/regions/"+slug+"/summary").Region
		p.do("open the region from the table", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#overview-table tbody tr[data-region="%s"] button`, slug))))
		waitPanel(p, "regions", slug)
		type regionPanel struct {
			Clusters  string   `json:"clusters"`
			Investors string   `json:"investors"`
			Crops     []string `json:"crops"`
		}
		rp := pollJS[regionPanel](p, `(() => {
		  const s = document.querySelector("#panel .region-stats");
		  const inv = s && s.querySelector(".region-investors");
		  if (!inv) return null;
		  const dt = [...s.querySelectorAll("dt")].find((d) => d.textContent.trim() === "Số cụm");
		  return { clusters: dt ? dt.nextElementSibling.textContent.trim() : "", investors: inv.textContent, crops: [...s.querySelectorAll(".crop-ha li[data-crop]")].map((li) => li.dataset.crop) };
		})()`, settle)
		if rp.Clusters != strconv.Itoa(region.Clusters) {
			t.Errorf("region %s panel: %q clusters, the API %d", slug, rp.Clusters, region.Clusters)
		}
		for _, inv := range region.Investors {
			if !strings.Contains(rp.Investors, inv) {
				t.Errorf("region %s panel: investor %q missing from %q", slug, inv, rp.Investors)
			}
		}
		var crops []string
		for c := range region.RawHaByCrop {
			crops = append(crops, c)
		}
		if !slices.Equal(sorted(rp.Crops), sorted(crops)) {
			t.Errorf("region %s panel: linked crops %v, the API %v", slug, rp.Crops, crops)
		}
	})

	t.Run("SiteFinder", func(t *testing.T) {
		catalog := apiGet[apiCatalog](t, ts.URL, "/api/layers")
		// The sliders start at the catalog's default weights.
		weights := catalog.siteQuery(t, nil)
		type shownSites struct {
			Items []struct {
				ID    string             `json:"id"`
				Rank  string             `json:"rank"`
				Score string             `json:"score"`
				Total string             `json:"total"`
				Parts map[string]float64 `json:"parts"`
			} `json:"items"`
			Markers []struct {
				ID   string `json:"id"`
				Rank string `json:"rank"`
				Text string `json:"text"`
			} `json:"markers"`
			Count string `json:"count"`
		}
		const sitesJS = `(() => ({
		  items: [...document.querySelectorAll("#sites-list > li[data-id]")].map((li) => ({
		    id: li.dataset.id, rank: li.dataset.rank, score: li.dataset.score,
		    total: (li.querySelector(".total") || {}).textContent || "",
		    parts: Object.fromEntries([...li.querySelectorAll("tr[data-part]")].map((tr) => [tr.dataset.part, Number(tr.dataset.contribution)])),
		  })),
		  markers: [...document.querySelectorAll(".leaflet-cm-sites-pane .cm-site-marker")].map((m) => ({ id: m.dataset.id, rank: m.dataset.rank, text: m.textContent.trim() })),
		  count: document.getElementById("sites-count").textContent,
		}))()`
		check := func(p *page, query string) apiSites {
			t.Helper()
			want := apiGet[apiSites](t, ts.URL, "/api/sites?"+query)
			got := pollJS[shownSites](p, fmt.Sprintf(`document.body.dataset.sites === "ready" && document.querySelectorAll("#sites-list > li[data-id]").length === %d && (%s)`, len(want.Sites), sitesJS), settle)
			wantCount := fmt.Sprintf("%d cụm, khu phù hợp (trong %d); theo nhóm, mỗi nhóm xếp theo điểm", want.Matched, want.Candidates)
			if got.Count != wantCount {
				t.Errorf("%s: count %q, want %q", query, got.Count, wantCount)
			}
			for i, s := range want.Sites {
				it := got.Items[i]
				id, rank := strconv.FormatInt(s.ID, 10), strconv.Itoa(s.Rank)
				if it.ID != id || it.Rank != rank || it.Score != strconv.FormatFloat(s.Score, 'f', -1, 64) {
					t.Errorf("%s: list item %d is cluster %s rank %s score %s, the API says %s rank %s score %v", query, i, it.ID, it.Rank, it.Score, id, rank, s.Score)
				}
				if it.Total != viNum(s.Score*100, 1) {
					t.Errorf("%s: %s total %q, want %q", query, s.Name, it.Total, viNum(s.Score*100, 1))
				}
				if len(it.Parts) != len(s.Parts) {
					t.Errorf("%s: %s shows parts %v, the API has %d", query, s.Name, it.Parts, len(s.Parts))
				}
				for k, part := range s.Parts {
					if v, ok := it.Parts[k]; !ok || v != part.Contribution {
						t.Errorf("%s: %s part %s contributes %v, the API %v", query, s.Name, k, v, part.Contribution)
					}
				}
			}
			var gotMarkers, wantMarkers []string
			for _, m := range got.Markers {
				if m.Text != m.Rank {
					t.Errorf("%s: marker of cluster %s reads %q, its rank is %s", query, m.ID, m.Text, m.Rank)
				}
				gotMarkers = append(gotMarkers, m.Rank+":"+m.ID)
			}
			for _, s := range want.Sites {
				wantMarkers = append(wantMarkers, fmt.Sprintf("%d:%d", s.Rank, s.ID))
			}
			sort.Strings(gotMarkers)
			sort.Strings(wantMarkers)
			if !slices.Equal(gotMarkers, wantMarkers) {
				t.Errorf("%s: numbered markers (rank:id) %v, the API ranks %v", query, gotMarkers, wantMarkers)
			}
			return want
		}

		p := newPage(t, browser, ts.URL, desktop)
		p.load("/")
		p.do("open the site finder", chromedp.Click(chromedp.CSS("#tab-sites")))
		p.do("search with the default weights", chromedp.Click(chromedp.CSS("#sites-submit")))
		all := check(p, weights)
		if all.Returned < 2 {
			t.Fatalf("the site finder ranks %d sites with no filter: the test needs several", all.Returned)
		}
		// Each rank badge sits on its cluster's symbol.
		first := strconv.FormatInt(all.Sites[0].ID, 10)
		badge := rectOf(p, fmt.Sprintf(`.cm-site-marker[data-id="%s"]`, first))
		symbol := rectOf(p, clusterSymbol(first))
		bx, by := badge.center()
		sx, sy := symbol.center()
		if d := math.Hypot(bx-sx, by-sy); d > 24 {
			t.Errorf("the rank-1 badge is %.0f px from its cluster's symbol", d)
		}
		p.screenshot("planning-sites")

		// Filters narrow the list: raw material, the highway distance and a
		// weight of 0, chosen so that some but not all clusters remain.
		var query, maxKM string
		for _, km := range []string{"1", "2", "3", "5", "10", "20", "40"} {
			q := "crop=coffee&max_highway_km=" + km + "&" + catalog.siteQuery(t, map[string]int{"border": 0})
			if a := apiGet[apiSites](t, ts.URL, "/api/sites?"+q); a.Returned > 0 && a.Returned < a.Candidates {
				query, maxKM = q, km
				break
			}
		}
		if query == "" {
			t.Fatal("no highway distance leaves some but not all clusters: the filter test would be vacuous")
		}
		evalJS[bool](p, fmt.Sprintf(`(() => {
		  const set = (id, v, ev) => { const e = document.getElementById(id); e.value = v; e.dispatchEvent(new Event(ev, { bubbles: true })); };
		  set("s-crop", "coffee", "change");
		  set("s-maxhighway", %q, "input");
		  set("w-border", "0", "input");
		  return true;
		})()`, maxKM))
		p.do("search again", chromedp.Click(chromedp.CSS("#sites-submit")))
		narrowed := check(p, query)
		if narrowed.Returned >= all.Returned {
			t.Errorf("the filters did not narrow the list: %d of %d", narrowed.Returned, all.Returned)
		}
		// A badge opens its cluster's panel.
		top := strconv.FormatInt(narrowed.Sites[0].ID, 10)
		p.do("click the rank-1 badge", chromedp.Click(chromedp.CSS(fmt.Sprintf(`.cm-site-marker[data-id="%s"]`, top))))
		got := waitPanel(p, "clusters", top)
		if got.Title != narrowed.Sites[0].Name {
			t.Errorf("the rank-1 badge opened %q, want %q", got.Title, narrowed.Sites[0].Name)
		}

		// Clearing removes the badges and the legend entry.
		p.do("clear the results", chromedp.Click(chromedp.CSS("#sites-clear")))
		pollJS[bool](p, `!document.querySelector(".cm-site-marker") && !document.getElementById("layer-sites") && document.querySelectorAll("#sites-list > li[data-id]").length === 0`, settle)
	})

	t.Run("PhoneSiteFinderAndLinkage", func(t *testing.T) {
		p := newPage(t, browser, ts.URL, phone)
		p.load("/")
		p.do("open the site finder", chromedp.Tap(chromedp.CSS("#tab-sites")))
		p.do("search", chromedp.Tap(chromedp.CSS("#sites-submit")))
		catalog := apiGet[apiCatalog](t, ts.URL, "/api/layers")
		want := apiGet[apiSites](t, ts.URL, "/api/sites?"+catalog.siteQuery(t, nil))
		pollJS[bool](p, fmt.Sprintf(`document.body.dataset.sites === "ready" && document.querySelectorAll(".cm-site-marker").length === %d`, want.Returned), settle)
		evalJS[bool](p, `(document.getElementById("sites-count").scrollIntoView(), true)`)
		time.Sleep(800 * time.Millisecond) // the map flies to the results
		p.screenshot("planning-phone-sites")
		p.do("open the linkage tab", chromedp.Tap(chromedp.CSS("#tab-linkage")))
		pollJS[bool](p, fmt.Sprintf(`document.body.dataset.linkage === "%g" && document.querySelectorAll("#linkage-list li").length > 0`, catalog.Defaults.LinkageRadiusKM), settle)
		// Every tab is in reach: in the header's row, which scrolls sideways to it.
		for _, id := range []string{"tab-filters", "tab-overview", "tab-linkage", "tab-sites", "tab-table", "lang-toggle", "search"} {
			why := evalJS[string](p, fmt.Sprintf(`(() => {
			  const el = document.getElementById(%q);
			  el.scrollIntoView({ block: "nearest", inline: "nearest" });
			  const b = el.getBoundingClientRect();
			  if (b.width === 0 || b.left < 0 || b.right > innerWidth || b.top < 0) return "outside the viewport";
			  const hit = document.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2);
			  return hit && (hit === el || el.contains(hit)) ? "" : "covered";
			})()`, id))
			if why != "" {
				t.Errorf("#%s on the phone: %s", id, why)
			}
		}
		p.screenshot("planning-phone-linkage")
	})

	t.Run("ScaleBarVisibleWithPanelOpen", func(t *testing.T) {
		p := newPage(t, browser, ts.URL, desktop)
		p.load("/")
		openCluster(p, dp.id, false)
		type scale struct {
			Scale  rect   `json:"scale"`
			Map    rect   `json:"map"`
			Panel  rect   `json:"panel"`
			Hit    string `json:"hit"`
			Attrib rect   `json:"attrib"`
		}
		const scaleJS = `(() => {
		  const r = (sel) => { const b = document.querySelector(sel).getBoundingClientRect(); return { left: b.left, top: b.top, right: b.right, bottom: b.bottom }; };
		  const s = r(".leaflet-control-scale-line");
		  const hit = document.elementFromPoint((s.left + s.right) / 2, (s.top + s.bottom) / 2);
		  return { scale: s, map: r("#map"), panel: r("#panel"), attrib: r(".leaflet-control-attribution"),
		           hit: hit && hit.closest(".leaflet-control-scale") ? "" : hit ? hit.tagName + "." + hit.className : "nothing" };
		})()`
		for _, tab := range []string{"filters", "overview"} {
			if tab == "overview" {
				p.do("open the overview (the widest sidebar)", chromedp.Click(chromedp.CSS("#tab-overview")))
				pollJS[bool](p, `document.body.classList.contains("sidebar-wide")`, settle)
				waitStable(p, ".leaflet-control-scale") // let Leaflet lay its controls out again
				waitStable(p, ".leaflet-control-attribution")
			}
			s := evalJS[scale](p, scaleJS)
			if tab == "filters" {
				// The README's screenshot: the start view with a cluster's panel and its verdict.
				pollJS[shownEligibility](p, eligibilityJS("eligibility", "clusters", dp.id), settle)
				p.screenshot("planning-desktop")
			}
			switch {
			case s.Hit != "":
				t.Errorf("%s sidebar, panel open: the scale bar is covered by %s", tab, s.Hit)
			case s.Scale.Left < s.Map.Left || s.Scale.Bottom > s.Map.Bottom || s.Scale.Right > s.Panel.Left:
				t.Errorf("%s sidebar, panel open: the scale bar at %+v is outside the visible map %+v (panel from x=%v)", tab, s.Scale, s.Map, s.Panel.Left)
			case !(s.Attrib.Right <= s.Scale.Left || s.Attrib.Left >= s.Scale.Right || s.Attrib.Bottom <= s.Scale.Top || s.Attrib.Top >= s.Scale.Bottom):
				t.Errorf("%s sidebar, panel open: the attribution %+v overlaps the scale bar %+v", tab, s.Attrib, s.Scale)
			}
		}
		p.screenshot("planning-scale-bar")
	})

	t.Run("SelectedClusterRingBelowZoom12", func(t *testing.T) {
		p := newPage(t, browser, ts.URL, desktop)
		p.load("/")
		if z := evalJS[float64](p, `clustermap.map.getZoom()`); z >= 12 {
			t.Fatalf("the start view is at zoom %v: the test needs one below 12", z)
		}
		ring := fmt.Sprintf(`.leaflet-cm-selection-pane .cm-selection-ring[data-layer="clusters"][data-id="%s"]`, dp.id)
		openCluster(p, dp.id, false)
		checkRing := func(when string) {
			t.Helper()
			r := pollJS[rect](p, fmt.Sprintf(`%s(%q)`, rectJS, ring), settle)
			s := rectOf(p, clusterSymbol(dp.id))
			rx, ry := r.center()
			sx, sy := s.center()
			if d := math.Hypot(rx-sx, ry-sy); d > 1.5 || r.Right-r.Left <= s.Right-s.Left {
				t.Errorf("%s: the ring %+v is %.1f px off the symbol %+v, or not around it", when, r, d, s)
			}
		}
		checkRing("at start")
		if dp.polygon {
			// Zoomed in, the footprint is drawn and outlined instead.
			evalJS[bool](p, fmt.Sprintf(`(clustermap.map.setView([%f, %f], 13, {animate: false}), true)`, dp.lat, dp.lon))
			pollJS[bool](p, fmt.Sprintf(`!document.querySelector(%q) && document.querySelectorAll(".leaflet-cm-selection-pane path").length > 0`, ring), settle)
			evalJS[bool](p, fmt.Sprintf(`(clustermap.map.setView([%f, %f], 10, {animate: false}), true)`, dp.lat, dp.lon))
			checkRing("zoomed out again")
			if n := evalJS[int](p, `document.querySelectorAll(".leaflet-cm-selection-pane path").length`); n != 0 {
				t.Errorf("zoomed out, %d footprint outline(s) drawn besides the ring", n)
			}
		}
		p.do("close the panel", chromedp.Click(chromedp.CSS("#panel-close")))
		pollJS[bool](p, `!document.querySelector(".cm-selection-ring")`, settle)
	})

	t.Run("PhoneTapKeepsClusterAboveSheet", func(t *testing.T) {
		p := newPage(t, browser, ts.URL, phone)
		p.load("/")
		// The cluster lowest on the screen: the one a sheet rising from the bottom would cover.
		low := evalJS[string](p, `(() => { const m = document.getElementById("map").getBoundingClientRect();
		  return [...document.querySelectorAll(".cm-symbol-clusters")].map((e) => [e.dataset.id, e.getBoundingClientRect()])
		    .filter(([, r]) => r.width > 0 && r.bottom <= m.bottom - 20 && r.left >= m.left && r.right <= m.right)
		    .sort((a, b) => b[1].top - a[1].top)[0][0]; })()`)
		before := rectOf(p, clusterSymbol(low))
		openCluster(p, low, true)
		type strip struct {
			Symbol rect `json:"symbol"`
			Map    rect `json:"map"`
			Panel  rect `json:"panel"`
		}
		// Wait for the pan to end. The app started it with the panel's content (keepAboveSheet, in
		// the same task), and Leaflet marks the map pane until it ends; the sheet's own transition
		// shows in its animations. Then the boxes stay put between two polls. No wall-clock
		// pause: a busy machine animates slowly, and a pause would read a pan half done.
		s := pollJS[strip](p, fmt.Sprintf(`(() => {
		  const s = { symbol: %[1]s(%[2]q), map: %[1]s("#map"), panel: %[1]s("#panel") };
		  const k = JSON.stringify(s), same = window.__cmStrip === k;
		  window.__cmStrip = k;
		  const still = !document.querySelector(".leaflet-pan-anim, .leaflet-zoom-anim") && document.getElementById("panel").getAnimations().length === 0;
		  return same && still && s;
		})()`, rectJS, clusterSymbol(low)), settle)
		_, y := s.Symbol.center()
		if y < s.Map.Top || y > s.Panel.Top {
			t.Errorf("the tapped symbol's centre is at y=%.0f, outside the strip of map above the sheet (%.0f–%.0f); it was at y=%.0f before the tap",
				y, s.Map.Top, s.Panel.Top, (before.Top+before.Bottom)/2)
		}
		if (before.Top+before.Bottom)/2 < s.Panel.Top {
			t.Fatalf("the symbol was above the sheet before the tap (y=%.0f, sheet from y=%.0f): the test needs one the sheet would cover", (before.Top+before.Bottom)/2, s.Panel.Top)
		}
		p.screenshot("planning-phone-tap")
	})

	t.Run("LabelPlacementCost", func(t *testing.T) {
		p := newPage(t, browser, ts.URL, desktop)
		p.load("/")
		start := evalJS[[]float64](p, `performance.getEntriesByName("clustermap:labels").map((e) => e.duration)`)
		if len(start) != 1 {
			t.Fatalf("labels placed %d times at start, want once", len(start))
		}
		p.do("switch the language", chromedp.Click(chromedp.CSS("#lang-toggle")))
		relabel := pollJS[[]float64](p, `performance.getEntriesByName("clustermap:relabel").length > 0 && performance.getEntriesByName("clustermap:relabel").map((e) => e.duration)`, settle)
		labels := evalJS[int](p, `document.querySelectorAll(".cm-region-label").length`)
		if labels != len(seed.regions) {
			t.Errorf("%d region labels after the switch, want %d", labels, len(seed.regions))
		}
		// Figures, not assertions: timings depend on the machine.
		t.Logf("placing region and district labels at start: %.1f ms; again on a language switch: %.1f ms", start[0], relabel[0])
	})
}
