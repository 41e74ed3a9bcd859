package server_test

import (
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// A first visit follows the browser's languages (navigator.languages, what it sends as
// Accept-Language): an English browser opens the map in English, a Vietnamese one in Vietnamese;
// a language chosen with the toggle is remembered over the browser's.
func TestBrowserFirstVisitFollowsTheBrowserLanguage(t *testing.T) {
	ts, _ := newTestServer(t)
	browser := startBrowser(t)
	state := func(p *page) (string, string) {
		return evalJS[string](p, `document.documentElement.lang`), evalJS[string](p, `document.getElementById("tab-overview").textContent.trim()`)
	}
	for _, tc := range []struct {
		accept, lang, tab string
	}{
		{"en-US,en;q=0.9", "en", "Area overview"},
		{"fr-FR,en;q=0.8,vi;q=0.5", "en", "Area overview"},
		{"vi-VN,vi;q=0.9,en;q=0.8", "vi", "Tổng quan khu vực"},
		{"ja-JP", "vi", "Tổng quan khu vực"},
	} {
		t.Run(tc.accept, func(t *testing.T) {
			p := newPage(t, browser, ts.URL, desktop)
			if _, err := chromedp.Call(p.ctx, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{
				UserAgent: "Mozilla/5.0 (X11; Linux x86_64) ClusterMap-test", AcceptLanguage: tc.accept}); err != nil {
				t.Fatal(err)
			}
			p.load("/")
			if lang, tab := state(p); lang != tc.lang || tab != tc.tab {
				t.Errorf("browser %q: page in %q (overview tab %q), want %q (%q)", tc.accept, lang, tab, tc.lang, tc.tab)
			}
			if tc.lang != "en" {
				return
			}
			// The toggle's choice outlives the browser's language.
			p.do("switch to Vietnamese", chromedp.Click(chromedp.CSS("#lang-toggle")))
			pollJS[bool](p, `document.documentElement.lang === "vi"`, settle)
			p.reload()
			if lang, _ := state(p); lang != "vi" {
				t.Errorf("after choosing Vietnamese and reloading: %q", lang)
			}
		})
	}
}
