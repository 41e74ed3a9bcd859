package server_test

// Helpers for the browser tests in browser_test.go: one headless Chromium per
// run, one fresh browser context (own storage, own cache) per test page, and
// a recorder that turns console errors and failed requests to our server into
// test failures.

import (
	"context"
	"fmt"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/fetch"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/clustermap/clustermap/internal/timing"
)

// chromiumPath is Debian's chromium, which .ci/run installs; npm cannot
// download a browser here. Without it the tests fail; only -short skips them.
const chromiumPath = "/usr/bin/chromium"

// osmHost is the public basemap host. Every test blocks it, as a provincial
// intranet would: the map must read well from our own layers alone.
const osmHost = "tile.openstreetmap.org"

// settle is how long a change in the page may take to show. Polls return as
// soon as it shows, so a generous value costs nothing when the app works and
// keeps a busy CI runner (a load of 10) from failing a working app.
const settle = timing.Patience

// pageLife bounds everything one test page does: a stuck page fails its test
// instead of holding the suite until go test's -timeout.
const pageLife = 15 * time.Minute

// screenshotDir is git-ignored; docs/ holds the copies the README shows.
const screenshotDir = "../screenshots"

// readyTimerJS runs in every document before the app's scripts and records
// when body[data-ready] is first set, relative to the navigation start
// (performance.now() counts from the time origin of the document).
const readyTimerJS = `(() => {
  const seen = () => {
    const r = document.body && document.body.dataset.ready;
    if (r && window.__cmReadyAt == null) {
      window.__cmReadyAt = performance.now();
      return true;
    }
    return false;
  };
  const obs = new MutationObserver(() => { if (seen()) obs.disconnect(); });
  obs.observe(document, { subtree: true, attributes: true, attributeFilter: ["data-ready"] });
})();`

// startBrowser starts one headless Chromium for the test and its subtests.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("browser tests drive headless Chromium for minutes: not under -short")
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("browser tests need Debian's chromium at %s (make setup-test installs it): %v", chromiumPath, err)
	}
	profile, err := os.MkdirTemp("", "clustermap-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox, // tests run as root in CI
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.UserDataDir(profile),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// A Vietnamese browser, as the province's officials use: the app's first visit follows
		// the browser's languages (tests of other languages override them per page).
		chromedp.Flag("lang", "vi"),
		chromedp.Flag("accept-lang", "vi,en"),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
		_ = os.RemoveAll(profile)
	})
	// Start the browser with a context that has no deadline: the first run
	// binds the browser's life to the context it is given.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// A page is one tab in its own browser context, recording what went wrong.
type page struct {
	t      *testing.T
	ctx    context.Context
	origin string // our server, scheme://host:port

	mu        sync.Mutex
	only      string   // when set (cutNetworkBut), every request to another origin fails
	problems  []string // console errors, exceptions, failed requests to our server
	warnings  []string // console warnings: logged, not failures
	urls      map[network.RequestID]string
	bytes     map[string]float64 // encoded bytes received since the last navigation, by part (see partOf)
	responses int
	osm       int // requests to the basemap host since the last navigation
	canceled  int // requests the page aborted itself (superseded searches, unloaded tiles)
	// cache is the server's cache status (X-Response-Cache or X-Tile-Cache) of each of our
	// API and tile answers since the last navigation, by path and query.
	cache map[string]string
}

type viewport struct {
	width, height int64
	mobile        bool
}

var (
	desktop = viewport{width: 1280, height: 800}
	phone   = viewport{width: 390, height: 844, mobile: true}
)

// newPage opens a tab in a fresh browser context, so that no storage or cache
// carries over from another test. The page fails the test at its end if the
// app logged an error or a request to our server failed.
func newPage(t *testing.T, browserCtx context.Context, origin string, vp viewport) *page {
	t.Helper()
	p := &page{t: t, origin: strings.TrimSuffix(origin, "/")}
	p.reset()
	tabCtx, cancelTab := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext(), chromedp.WithListener(p.listen))
	if err := chromedp.Do(tabCtx); err != nil {
		cancelTab()
		t.Fatalf("open tab: %v", err)
	}
	ctx, cancel := context.WithTimeout(tabCtx, pageLife)
	p.ctx = ctx
	t.Cleanup(func() {
		p.mu.Lock()
		problems := append([]string(nil), p.problems...)
		warnings := append([]string(nil), p.warnings...)
		p.mu.Unlock()
		for _, msg := range warnings {
			t.Logf("browser: %s", msg)
		}
		for _, msg := range problems {
			t.Errorf("browser: %s", msg)
		}
		cancel()
		cancelTab()
	})

	// Simulate the intranet: every request to the OSM tile host fails as if
	// its name did not resolve. Subscribe before enabling, so none is missed.
	paused := chromedp.Events(ctx, fetch.RequestPaused)
	go func() {
		for ev, err := range paused {
			if err != nil {
				return
			}
			p.mu.Lock()
			only := p.only
			p.mu.Unlock()
			if only != "" && strings.HasPrefix(ev.Request.URL, only+"/") {
				_, _ = chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
				continue
			}
			_, _ = chromedp.Call(ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonNameNotResolved})
		}
	}()
	if _, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*://" + osmHost + "/*"}}}); err != nil {
		t.Fatalf("fetch.Enable: %v", err)
	}
	if _, err := chromedp.Call(ctx, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: readyTimerJS}); err != nil {
		t.Fatalf("add ready timer: %v", err)
	}
	var emulate chromedp.Action[chromedp.Void]
	if vp.mobile {
		emulate = chromedp.EmulateViewport(vp.width, vp.height, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait, chromedp.EmulateScale(3))
	} else {
		emulate = chromedp.EmulateViewport(vp.width, vp.height)
	}
	if err := chromedp.Do(ctx, emulate); err != nil {
		t.Fatalf("emulate viewport: %v", err)
	}
	return p
}

// cutNetworkBut cuts the page off the network: from now on every request fails as if its host
// did not resolve, but those to origin (scheme://host:port).
func (p *page) cutNetworkBut(origin string) {
	p.t.Helper()
	p.mu.Lock()
	p.only = strings.TrimSuffix(origin, "/")
	p.mu.Unlock()
	if _, err := chromedp.Call(p.ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*"}}}); err != nil {
		p.t.Fatalf("fetch.Enable: %v", err)
	}
}

func (p *page) reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.urls = map[network.RequestID]string{}
	p.bytes = map[string]float64{}
	p.cache = map[string]string{}
	p.responses, p.osm, p.canceled = 0, 0, 0
}

// cacheStatus is the server's cache status of each API and tile answer since the last navigation.
func (p *page) cacheStatus() map[string]string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.cache)
}

func (p *page) ours(u string) bool {
	return strings.HasPrefix(u, p.origin+"/")
}

// partOf names the part of the app a URL belongs to, for the byte count.
func (p *page) partOf(u string) string {
	if !p.ours(u) {
		return "elsewhere"
	}
	switch path := strings.TrimPrefix(u, p.origin); {
	case strings.HasPrefix(path, "/vendor/"):
		return "vendor libraries"
	case strings.HasPrefix(path, "/api/"):
		return "API JSON"
	case strings.HasPrefix(path, "/tiles/"):
		return "vector tiles"
	default:
		return "app HTML/JS/CSS"
	}
}

func isOSM(u string) bool {
	parsed, err := url.Parse(u)
	return err == nil && parsed.Host == osmHost
}

// listen runs in the tab's read loop: it records and returns, never calls.
func (p *page) listen(ev any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch e := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		switch e.Type {
		case runtime.ConsoleAPICalledTypeError, runtime.ConsoleAPICalledTypeAssert:
			p.problems = append(p.problems, fmt.Sprintf("console.%s: %s", e.Type, consoleArgs(e.Args)))
		case runtime.ConsoleAPICalledTypeWarning:
			p.warnings = append(p.warnings, "console.warn: "+consoleArgs(e.Args))
		}
	case *runtime.EventExceptionThrown:
		d := e.ExceptionDetails
		msg := d.Text
		if d.Exception != nil {
			msg += " " + d.Exception.Description
		}
		p.problems = append(p.problems, fmt.Sprintf("uncaught: %s (%s:%d)", msg, d.URL, d.LineNumber+1))
	case *cdplog.EventEntryAdded:
		// The browser's own log: failed resources, CSP and mixed-content
		// errors, violations. The blocked basemap host is expected to fail.
		if e.Entry.Level == cdplog.EntryLevelError && !isOSM(e.Entry.URL) {
			p.problems = append(p.problems, fmt.Sprintf("log (%s): %s %s", e.Entry.Source, e.Entry.Text, e.Entry.URL))
		}
	case *network.EventRequestWillBeSent:
		p.urls[e.RequestID] = e.Request.URL
		if isOSM(e.Request.URL) {
			p.osm++
		}
	case *network.EventResponseReceived:
		p.responses++
		for _, name := range []string{"X-Response-Cache", "X-Tile-Cache"} {
			if v, ok := e.Response.Headers[name]; ok && p.ours(e.Response.URL) {
				p.cache[strings.TrimPrefix(e.Response.URL, p.origin)] = fmt.Sprint(v)
			}
		}
		if p.ours(e.Response.URL) && e.Response.Status >= 400 {
			p.problems = append(p.problems, fmt.Sprintf("HTTP %d from our server: %s", e.Response.Status, e.Response.URL))
		}
	case *network.EventLoadingFinished:
		p.bytes[p.partOf(p.urls[e.RequestID])] += e.EncodedDataLength
	case *network.EventLoadingFailed:
		u := p.urls[e.RequestID]
		switch {
		case e.Canceled:
			p.canceled++
		case p.ours(u):
			p.problems = append(p.problems, fmt.Sprintf("request to our server failed: %s %s", e.ErrorText, u))
		}
	}
}

func consoleArgs(args []*runtime.RemoteObject) string {
	parts := make([]string, 0, len(args))
	for _, a := range args {
		switch {
		case len(a.Value) > 0:
			parts = append(parts, string(a.Value))
		case a.Description != "":
			parts = append(parts, a.Description)
		default:
			parts = append(parts, string(a.Type))
		}
	}
	return strings.Join(parts, " ")
}

// loadStats describes one navigation until the app reported ready.
type loadStats struct {
	readyMS   float64            // navigation start → body[data-ready] set: every view wired
	drawnMS   float64            // navigation start → the app's features-drawn mark
	bytes     float64            // encoded bytes received (headers + compressed bodies)
	byPart    map[string]float64 // bytes by part of the app (see partOf)
	responses int
	osm       int    // requests to the basemap host
	canceled  int    // requests the page aborted itself
	waitedFor string // the last responses before ready, start → end
}

func (s loadStats) String() string {
	names := make([]string, 0, len(s.byPart))
	for k := range s.byPart {
		names = append(names, k)
	}
	sort.Strings(names)
	var parts []string
	for _, k := range names {
		parts = append(parts, fmt.Sprintf("%s %.1f kB", k, s.byPart[k]/1000))
	}
	return fmt.Sprintf("%.0f ms to features drawn, %.0f ms to ready; %.1f kB (%.0f bytes) in %d responses [%s]; %d request(s) to %s; %d canceled by the page; last responses before ready: %s",
		s.drawnMS, s.readyMS, s.bytes/1000, s.bytes, s.responses, strings.Join(parts, ", "), s.osm, osmHost, s.canceled, s.waitedFor)
}

// load navigates to path (relative to our server) and waits until the app
// has drawn its features; it fails the test unless the app reports ready.
func (p *page) load(path string) loadStats {
	p.t.Helper()
	p.reset()
	if err := chromedp.Do(p.ctx, chromedp.Navigate(p.origin+path)); err != nil {
		p.t.Fatalf("navigate %s: %v", path, err)
	}
	return p.waitReady()
}

// reload reloads the page (keeping the URL hash and the storage) and waits for ready.
func (p *page) reload() loadStats {
	p.t.Helper()
	p.reset()
	if err := chromedp.Do(p.ctx, chromedp.Reload()); err != nil {
		p.t.Fatalf("reload: %v", err)
	}
	return p.waitReady()
}

func (p *page) waitReady() loadStats {
	p.t.Helper()
	// The app caps its own wait for tiles at 8 s; a page that is not ready after timing.Patience
	// is stuck, even on a busy CI runner.
	state := pollJS[string](p, `document.body && document.body.dataset.ready`, timing.Patience)
	if state != "1" {
		p.t.Fatalf("body[data-ready] = %q, want \"1\" (status line: %q)", state, evalJS[string](p, `document.getElementById("status").textContent`))
	}
	readyAt := evalJS[float64](p, `window.__cmReadyAt ?? -1`)
	// The app marks when its features are on the map (symbols added, the polygons' first tiles
	// in, at the next paint); that may come a moment after "ready" is set.
	drawnAt := pollJS[float64](p, `(performance.getEntriesByName("clustermap:features-drawn")[0] || {}).startTime`, settle)
	// What the page waited for last, so that the time to features can be explained.
	waited := evalJS[string](p, `performance.getEntriesByType("resource")
	  .filter((e) => e.responseEnd <= window.__cmReadyAt)
	  .sort((a, b) => b.responseEnd - a.responseEnd).slice(0, 3)
	  .map((e) => new URL(e.name).pathname + " " + Math.round(e.startTime) + "→" + Math.round(e.responseEnd) + " ms").join(", ")`)
	p.mu.Lock()
	defer p.mu.Unlock()
	s := loadStats{readyMS: readyAt, drawnMS: drawnAt, byPart: map[string]float64{}, responses: p.responses, osm: p.osm, canceled: p.canceled, waitedFor: waited}
	for k, v := range p.bytes {
		s.byPart[k] = v
		s.bytes += v
	}
	return s
}

// osmRequests is how many requests went to the basemap host since the last navigation.
func (p *page) osmRequests() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.osm
}

// evalJS evaluates an expression in the page (awaiting a promise) and decodes its value.
func evalJS[T any](p *page, js string) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// pollJS waits until the expression is truthy and returns its value.
func pollJS[T any](p *page, js string, timeout time.Duration) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Poll[T](js, chromedp.WithPollingTimeout(timeout), chromedp.WithPollingInterval(50*time.Millisecond)))
	if err != nil {
		p.t.Fatalf("waiting for %s: %v", js, err)
	}
	return v
}

func (p *page) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, actions...); err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
}

// screenshot saves the viewport as ../screenshots/<name>.png.
func (p *page) screenshot(name string) {
	p.t.Helper()
	buf, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.t.Fatalf("screenshot: %v", err)
	}
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		p.t.Fatal(err)
	}
	file := filepath.Join(screenshotDir, name+".png")
	if err := os.WriteFile(file, buf, 0o644); err != nil {
		p.t.Fatal(err)
	}
	p.t.Logf("screenshot: %s", file)
}

// afterFrames returns once the page has rendered three more frames, so that every
// requestAnimationFrame callback the app asked for before (the declutter pass, the label placer),
// and one a resize observer asked for in the meantime, has run, however slow the machine.
func afterFrames(p *page) {
	p.t.Helper()
	evalJS[bool](p, `new Promise((done) => {
	  let n = 3;
	  const frame = () => (--n > 0 ? requestAnimationFrame(frame) : done(true));
	  requestAnimationFrame(frame);
	})`)
}

// waitStable polls until the element's box has stayed the same between two polls, so layout
// checks never depend on how fast a machine finishes a transition.
func waitStable(p *page, selector string) {
	js := `(() => {
	  const el = document.querySelector(` + "`" + selector + "`" + `);
	  if (!el) return false;
	  const r = el.getBoundingClientRect();
	  const k = [r.left, r.top, r.width, r.height].map(Math.round).join(",");
	  window.__cmStable = window.__cmStable || {};
	  const same = window.__cmStable[` + "`" + selector + "`" + `] === k;
	  window.__cmStable[` + "`" + selector + "`" + `] = k;
	  return same;
	})()`
	pollJS[bool](p, js, settle)
}
