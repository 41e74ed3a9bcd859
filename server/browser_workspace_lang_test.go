package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/clustermap/clustermap/geo/edit"
)

// wsLangWalkJS walks the visible text of the workspace (its panel, open dialogs, the header's
// user line, the drawing tools' tooltips and actions) and reports, in the interface's language,
// text of the other language (an interface string of either the page or the workspace), a
// database field name, a district given by its code alone, and, in Vietnamese, English
// sentences (two or more common English words). Data marked with the language its source wrote
// it in (lang) are the source's words, not the interface's.
const wsLangWalkJS = `(async () => {
  const { UI_STRINGS, loadLanguage } = await import(new URL("i18n.js", document.baseURI).href);
  const { WS_STRINGS } = await import(new URL("workspace/strings.js", document.baseURI).href);
  await loadLanguage("en");
  const districts = await (await fetch("api/layers/districts/features?limit=100&properties=code")).json();
  const codes = new Set(districts.features.map((f) => String(f.properties.code ?? f.id)));
  const ui = document.documentElement.lang, other = ui === "vi" ? "en" : "vi";
  const norm = (s) => s.replace(/\s+/g, " ").trim();
  const mine = new Set(), theirs = new Set();
  for (const src of [UI_STRINGS, WS_STRINGS]) {
    for (const v of Object.values(src[ui] || {})) mine.add(norm(v));
    for (const v of Object.values(src[other] || {})) if (!/\{\w+\}/.test(v)) theirs.add(norm(v));
  }
  const english = /\b(the|of|and|is|are|not|lie|lies|outside|inside|recorded|neither|nor|least|must|click|finish|cancel|draw|occupancy|boundary|district)\b/gi;
  const roots = document.querySelectorAll("#ws-panel, dialog[open], #ws-who, .leaflet-tooltip, .leaflet-pm-actions-container");
  const bad = [];
  for (const root of roots) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = norm(n.textContent);
      if (text.length < 2) continue;
      const el = n.parentElement;
      if (!el || el.closest("script,style,[hidden],[aria-hidden=true]")) continue;
      const cs = getComputedStyle(el);
      if (cs.display === "none" || cs.visibility === "hidden" || !el.getClientRects().length) continue;
      const l = el.closest("[lang]");
      if (l && l.getAttribute("lang") !== ui) continue; // data marked as written in another language
      if (theirs.has(text) && !mine.has(text)) bad.push(text);
      else if (/\b[a-z]+(_[a-z0-9]+)+\b/.test(text)) bad.push("field name: " + text);
      else if (codes.has(text) || /\b(huyện|district)\s+\d{3}\b/i.test(text)) bad.push("district code: " + text);
      else if (ui === "vi" && (text.match(english) || []).length >= 2) bad.push("English: " + text);
    }
  }
  return [...new Set(bad)];
})()`

func checkWorkspaceLanguage(p *page, state string) {
	p.t.Helper()
	for _, s := range evalJS[[]string](p, wsLangWalkJS) {
		p.t.Errorf("%s: in the %s workspace: %q", state, evalJS[string](p, `document.documentElement.lang`), s)
	}
}

// Every workspace screen, in Vietnamese and in English, says everything in that language, names
// districts, shows no field names, and has no accessibility violation: the district's drawing
// with its check and a missing name, the past-date view, a cluster's attributes and history, the
// department's queue, a proposal under review, the approval's confirmation and the withdrawal's.
func TestBrowserWorkspaceLanguage(t *testing.T) {
	ts, store := newTestServer(t)
	ed := edit.New(store, slog.New(slog.DiscardHandler))
	ctx := context.Background()
	db := store.Pool()
	district, lon, lat := freePlace(t, store)
	for _, u := range []struct{ name, role, district string }{{"dist", edit.RoleDistrict, district}, {"dept", edit.RoleDepartment, ""}} {
		if err := ed.AddUser(ctx, u.name, u.role, u.district, wsPassword); err != nil {
			t.Fatal(err)
		}
	}
	// One proposal awaiting review and one approved, drawn beside the free place.
	dist := edit.Actor{User: "dist", Role: edit.RoleDistrict, Scope: edit.Scope{District: district}}
	dept := edit.Actor{User: "dept", Role: edit.RoleDepartment}
	propose := func(name string, dLon, halfM float64) int64 {
		r := square(lon+dLon, lat, halfM)
		r = append(r, r[0])
		g, _ := json.Marshal(map[string]any{"type": "Polygon", "coordinates": [][][2]float64{r}})
		w, err := ed.CreateProposal(ctx, dist, edit.ProposalInput{Kind: "new", Name: name, Geometry: g,
			LandRecovery: json.RawMessage(`[{"parcel":"thửa 12, tờ 3","owner":"Hộ ông A","area_ha":6.2}]`)})
		if err != nil {
			t.Fatal(err)
		}
		if err := ed.Transition(ctx, dist, w.ID, edit.Decision{Action: "submit"}); err != nil {
			t.Fatal(err)
		}
		return w.ID
	}
	// The one awaiting review is ~4 ha, under the 10 ha a CCN needs: the check says no.
	waiting := propose("CCN Chờ duyệt", 0.012, 100)
	approved := propose("CCN Đã duyệt", -0.012, 250)
	if err := ed.Transition(ctx, dept, approved, edit.Decision{Action: "approve", Number: "5/QĐ-UBND", Date: "2025-05-05", Comment: "đồng ý"}); err != nil {
		t.Fatal(err)
	}
	var own int64 // a cluster of the district, which its officer edits
	if err := db.QueryRow(ctx, `SELECT c.id FROM clusters c JOIN districts d ON d.code = c.district_code
		WHERE c.district_code = $1 AND ST_CoveredBy(c.geom, d.geom) ORDER BY c.id LIMIT 1`, district).Scan(&own); err != nil {
		t.Fatal(err)
	}
	browser := startBrowser(t)
	axe := axeJS(t)

	// English first: the Vietnamese department then approves the waiting proposal.
	for _, lang := range []string{"en", "vi"} {
		switchLang := func(p *page) {
			if lang == "en" {
				p.do("switch to English", chromedp.Click(chromedp.CSS("#lang-toggle")))
				pollJS[bool](p, `document.documentElement.lang === "en"`, settle)
			}
		}
		screen := func(p *page, state string) {
			t.Helper()
			checkWorkspaceLanguage(p, state)
			checkAxe(p, axe, state)
		}
		t.Run("district/"+lang, func(t *testing.T) {
			p := newPage(t, browser, ts.URL, desktop)
			p.load("/")
			switchLang(p)
			p.do("open the sign-in dialog", chromedp.Click(chromedp.CSS("#signin-open")))
			pollJS[bool](p, `!!document.querySelector("#ws-signin[open]")`, settle)
			screen(p, "the sign-in dialog")
			evalJS[bool](p, `(document.getElementById("ws-signin").close(), true)`)
			signIn(t, p, "dist")
			screen(p, "the district's proposals")
			p.do("new proposal", chromedp.Click(chromedp.CSS("#ws-new-proposal")))
			pollJS[bool](p, `!!document.querySelector(".leaflet-pm-icon-polygon") && document.body.dataset.drawing === "1"`, settle)
			if lang == "vi" {
				if title := evalJS[string](p, `document.querySelector(".leaflet-pm-icon-polygon").closest("[title]").title`); title != "Vẽ đa giác" {
					t.Errorf("the polygon tool's title: %q, want Vietnamese", title)
				}
			}
			centreFree(p, lon, lat)
			drawSquare(t, p, square(lon, lat, 250))
			pollJS[bool](p, `!!document.querySelector("#ws-live[data-state=done] #ws-verdict")`, settle)
			screen(p, "drawing, with its check")
			p.do("save without a name", chromedp.Click(chromedp.CSS("#ws-save-draft")))
			pollJS[bool](p, `!document.getElementById("ws-p-name-error").hidden`, settle)
			if got := evalJS[string](p, `document.getElementById("ws-p-name-error").textContent`); got != map[string]string{"vi": "Bắt buộc", "en": "Required"}[lang] {
				t.Errorf("a missing name says %q", got)
			}
			screen(p, "a missing name")
			p.do("discard it", chromedp.Click(chromedp.CSS("#ws-discard")))
			p.do("the past-date tab", chromedp.Click(chromedp.CSS("#ws-tab-past")))
			pollJS[bool](p, `!document.getElementById("ws-sec-past").hidden`, settle)
			screen(p, "the past-date view")
			// A cluster of the district: its attributes and its history.
			openClusterEditor(t, p, strconv.FormatInt(own, 10))
			pollJS[bool](p, `!!document.querySelector("#ws-timeline li")`, settle)
			screen(p, "a cluster's attributes and history")
		})
		t.Run("department/"+lang, func(t *testing.T) {
			p := newPage(t, browser, ts.URL, desktop)
			p.load("/")
			switchLang(p)
			signIn(t, p, "dept")
			open := fmt.Sprintf(`#ws-review-queue [data-open="%d"]`, waiting)
			pollJS[bool](p, fmt.Sprintf(`!!document.querySelector(%q) && !!document.querySelector('#ws-review-queue li[data-id="%d"] .ws-verdict-tag')`, open, waiting), settle)
			screen(p, "the review queue")
			p.do("open the proposal", chromedp.Click(chromedp.CSS(open)))
			pollJS[bool](p, `!!document.querySelector("#ws-review-detail #ws-verdict") && !!document.getElementById("ws-parcels")`, settle)
			screen(p, "a proposal under review")
			date := map[string]string{"vi": "05/12/2025", "en": "2025-12-05"}[lang]
			p.do("fill the decision", chromedp.SendKeys(chromedp.CSS("#ws-decision-number"), "8/QĐ-UBND"), chromedp.SendKeys(chromedp.CSS("#ws-decision-date"), date))
			p.do("approve", chromedp.Click(chromedp.CSS("#ws-approve")))
			pollJS[bool](p, `!!document.querySelector("dialog#ws-approve-confirm[open] #ws-confirm-changes li")`, settle)
			screen(p, "the approval's confirmation")
			if lang == "en" {
				p.do("go back", chromedp.Click(chromedp.CSS("#ws-approve-confirm-cancel")))
				pollJS[bool](p, `!document.querySelector("dialog[open]")`, settle)
			} else {
				// Against the verdict: only with a reason, which history keeps.
				if v := evalJS[string](p, `document.getElementById("ws-confirm-verdict").dataset.verdict`); v != "no" {
					t.Fatalf("the small proposal's verdict in the confirmation: %q, want no", v)
				}
				p.do("confirm without a reason", chromedp.Click(chromedp.CSS("#ws-approve-confirm-ok")))
				pollJS[bool](p, `!!document.querySelector("dialog#ws-approve-confirm[open] .ws-error:not([hidden])")`, settle)
				const reason = "Dự án trọng điểm, UBND tỉnh cho phép"
				p.do("give the reason", chromedp.SendKeys(chromedp.CSS("#ws-approve-confirm textarea"), reason),
					chromedp.Click(chromedp.CSS("#ws-approve-confirm-ok")))
				pollJS[bool](p, fmt.Sprintf(`!document.querySelector("dialog[open]") && !document.querySelector(%q)`, open), settle)
				var comment, number, decided string
				if err := db.QueryRow(ctx, `SELECT coalesce(v.comment, ''), p.decision_number, p.decision_date::text FROM proposals p
					JOIN feature_versions v ON v.proposal_id = p.id AND v.layer = 'clusters' WHERE p.id = $1`, waiting).Scan(&comment, &number, &decided); err != nil {
					t.Fatal(err)
				}
				if comment != reason || number != "8/QĐ-UBND" || decided != "2025-12-05" {
					t.Errorf("approved against the verdict: history comment %q, decision %s of %s; want the reason, 8/QĐ-UBND of 2025-12-05 (typed 05/12/2025)", comment, number, decided)
				}
			}
			p.do("my proposals", chromedp.Click(chromedp.CSS("#ws-tab-proposals")))
			withdraw := fmt.Sprintf(`#ws-my-proposals [data-withdraw="%d"]`, approved)
			pollJS[bool](p, fmt.Sprintf(`!!document.querySelector(%q)`, withdraw), settle)
			screen(p, "the proposals, one approved")
			p.do("withdraw", chromedp.Click(chromedp.CSS(withdraw)))
			pollJS[bool](p, `!!document.querySelector("dialog#ws-withdraw-confirm[open]")`, settle)
			screen(p, "the withdrawal's confirmation")
			p.do("go back", chromedp.Click(chromedp.CSS("#ws-withdraw-confirm-cancel")))
		})
	}
	var status string
	if err := db.QueryRow(ctx, `SELECT status::text FROM proposals WHERE id = $1`, approved).Scan(&status); err != nil || status != "approved" {
		t.Errorf("cancelled dialogs changed the record: %s (%v)", status, err)
	}
}
