package server

// Hardening tests: each would fail on the code before the change. They run the real
// server (Serve on a loopback listener, so the http.Server limits apply) on a fresh seeded PostGIS.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/internal/geotest"
	"github.com/clustermap/clustermap/internal/timing"
	"github.com/clustermap/clustermap/server/httpx"
	"github.com/clustermap/clustermap/server/ogc"
	"github.com/clustermap/clustermap/static"
)

// hardeningServer serves store with cfg (Addr is ignored) until the test ends and returns its base
// URL and the server.
func hardeningServer(t *testing.T, cfg Config, store *geo.Store, log *slog.Logger) (string, *Server) {
	t.Helper()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	srv := New(cfg, store, log)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return "http://" + ln.Addr().String(), srv
}

var hardeningClient = &http.Client{Transport: &http.Transport{DisableCompression: true}, Timeout: 30 * time.Second}

// hardeningDo sends one request with header pairs and returns the answer and its body.
func hardeningDo(t *testing.T, method, u string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := hardeningClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// Finding 1: properties= is de-duplicated, limited to the layer's fields and bounded in count;
// query strings are bounded in bytes and parameters.
func TestRequestSizeIsBounded(t *testing.T) {
	store, _ := geotest.Seeded(t)
	base, _ := hardeningServer(t, Config{}, store, nil)
	many := strings.TrimSuffix(strings.Repeat("name,", httpx.MaxListValues+1), ",")
	cases := []struct {
		name, path string
		status     int
		want       string
	}{
		{"repeated property names", "/api/layers/districts/features?limit=10000&properties=" + many, 400, "at most"},
		{"unknown property", "/api/layers/districts/features?properties=name,nope", 400, "unknown property"},
		{"repeated names on one feature", "/api/layers/districts/features/622?properties=" + many, 400, "at most"},
		{"long /api query", "/api/layers/districts/features?properties=" + strings.Repeat("name,", 2000), 414, "query string"},
		{"long /tiles query", "/tiles/clusters/8/203/119.mvt?name=" + strings.Repeat("x", httpx.MaxQueryBytes), 414, "query string"},
		{"long /ogc query", "/ogc/collections/clusters/items?filter=" + strings.Repeat("x", ogc.MaxQueryBytes), 414, "query string"},
		{"too many parameters", "/api/layers/clusters/features?" + strings.Repeat("status=planned&", httpx.MaxParams) + "limit=1", 400, "too many"},
	}
	for _, tc := range cases {
		resp, body := hardeningDo(t, "GET", base+tc.path)
		if resp.StatusCode != tc.status || !strings.Contains(string(body), tc.want) {
			t.Errorf("%s: %d %.200s, want %d mentioning %q", tc.name, resp.StatusCode, body, tc.status, tc.want)
		}
		if len(body) > 1024 {
			t.Errorf("%s: error body of %d bytes echoes the input", tc.name, len(body))
		}
	}
	// The same name twice is one property.
	var fc struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	resp, body := hardeningDo(t, "GET", base+"/api/layers/districts/features?limit=1&properties=name,name,%20name")
	if err := json.Unmarshal(body, &fc); resp.StatusCode != 200 || err != nil || len(fc.Features) != 1 || len(fc.Features[0].Properties) != 1 {
		t.Errorf("properties=name,name,name: %d %.300s", resp.StatusCode, body)
	}
}

// Finding 3: a decimal with more digits than any column needs is a clear 400 everywhere values
// reach numeric: /api and /tiles filters, CQL2 comparisons and IN lists. 16,400 zeros after the
// point overflowed PostgreSQL's numeric (a 500); 40 digits passed silently.
func TestLongDecimalsAreRefused(t *testing.T) {
	store, _ := geotest.Seeded(t)
	base, _ := hardeningServer(t, Config{}, store, nil)
	short := "0." + strings.Repeat("0", 40) + "1"
	huge := "0." + strings.Repeat("0", 16400) + "1"
	paths := []string{
		"/api/layers/clusters/features?planned_area_ha=" + short,
		"/tiles/clusters/8/203/119.mvt?planned_area_ha=" + short,
		"/ogc/collections/clusters/items?filter=" + url.QueryEscape("planned_area_ha = "+huge),
		"/ogc/collections/clusters/items?filter=" + url.QueryEscape("planned_area_ha IN (1, "+huge+")"),
		"/ogc/collections/clusters/items?filter=" + url.QueryEscape("planned_area_ha BETWEEN "+short+" AND 2"),
	}
	for _, p := range paths {
		resp, body := hardeningDo(t, "GET", base+p)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "digits") {
			t.Errorf("GET %.120s…: %d %.200s, want 400 naming the digits", p, resp.StatusCode, body)
		}
	}
	// An ordinary decimal still filters.
	if resp, body := hardeningDo(t, "GET", base+"/api/layers/clusters/features?planned_area_ha=75.5"); resp.StatusCode != 200 {
		t.Errorf("planned_area_ha=75.5: %d %s", resp.StatusCode, body)
	}
}

// Finding 2: request-shaped SQL (property lists, filters, CQL2) leaves no server-side prepared
// statement behind; only the fixed statements stay prepared, so the count per connection stays
// bounded however many distinct requests arrive.
func TestDynamicSQLDoesNotFillTheStatementCache(t *testing.T) {
	store, _ := geotest.Seeded(t)
	base, _ := hardeningServer(t, Config{}, store, nil)
	fields := []string{"name", "kind", "status", "district", "planned_area_ha", "investor", "sources", "placement"}
	const n = 300
	for i := range n {
		var p string
		switch i % 3 {
		case 0: // a distinct CQL2 text each time
			p = "/ogc/collections/clusters/items?filter=" + url.QueryEscape(strings.TrimSuffix(strings.Repeat("name <> 'x' OR ", i/3+1), " OR "))
		case 1: // a distinct property list
			p = fmt.Sprintf("/api/layers/clusters/features?properties=%s,%s&limit=%d", fields[i%len(fields)], fields[(i/len(fields)+1)%len(fields)], i+1)
			if i%2 == 0 {
				p += "&status=operating"
			}
		default:
			p = fmt.Sprintf("/api/layers/clusters/features?properties=%s&kind=ccn&status=planned", strings.Join(fields[:1+i%len(fields)], ","))
		}
		if resp, body := hardeningDo(t, "GET", base+p); resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %.300s", p, resp.StatusCode, body)
		}
	}
	// Hold every connection of the pool at once, so each one is asked.
	ctx := context.Background()
	pool := store.Pool()
	total := int(pool.Stat().TotalConns())
	prepared := 0
	for range total {
		conn, err := pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Release()
		var k int
		// The simple protocol, so that asking prepares nothing itself. (Backend memory, in
		// pg_backend_memory_contexts, needs pg_read_all_stats, which the test role lacks.)
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_prepared_statements", pgx.QueryExecModeSimpleProtocol).Scan(&k); err != nil {
			t.Fatal(err)
		}
		prepared += k
	}
	t.Logf("%d prepared statements on %d connections after %d distinct filtered requests", prepared, total, n)
	// The fixed statements a feature request may prepare: a page and a count query per bbox shape.
	if prepared > 8 {
		t.Errorf("%d prepared statements on %d connections after %d distinct filtered requests; request-shaped SQL is being cached", prepared, total, n)
	}
}

// Finding 4: a connection that announces a body and never sends it is closed by the server (its
// read timeout), many at once; and the server stays responsive meanwhile. How long the closing
// took is a figure: a busy machine is slower to get to them.
func TestSilentBodyConnectionsAreClosed(t *testing.T) {
	store, _ := geotest.Seeded(t)
	const readTimeout = time.Second
	base, _ := hardeningServer(t, Config{ReadTimeout: readTimeout}, store, nil)
	addr := strings.TrimPrefix(base, "http://")
	const conns = 1000
	start := time.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var lastClosed time.Duration
	late := make(chan string, conns)
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", addr)
			if err != nil {
				late <- err.Error()
				return
			}
			defer c.Close()
			fmt.Fprint(c, "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n")
			// Only a server that never closes reaches this deadline.
			_ = c.SetReadDeadline(time.Now().Add(readTimeout + timing.Patience))
			_, err = io.Copy(io.Discard, c) // returns at EOF: the server closed the connection
			if err != nil {
				late <- "still open after " + time.Since(start).String() + ": " + err.Error()
				return
			}
			mu.Lock()
			lastClosed = max(lastClosed, time.Since(start))
			mu.Unlock()
		}()
	}
	wg.Wait()
	close(late)
	for msg := range late {
		t.Error(msg)
		break
	}
	t.Logf("%d silent connections, read timeout %v: the last one closed %v after they opened", conns, readTimeout, lastClosed.Round(time.Millisecond))
	if resp, _ := hardeningDo(t, "GET", base+"/healthz"); resp.StatusCode != 200 {
		t.Errorf("healthz after the silent clients: %d", resp.StatusCode)
	}
}

// Finding 7 and the in-flight cap: a request beyond the cap is a 503 with Retry-After, answered
// without waiting for the requests in flight; /healthz is exempt; a statement timeout and a pool
// that cannot hand out a connection are 503 with Retry-After, not 500. Nothing here depends on
// how fast the machine is: the requests that fill the cap are held by a lock until released.
func TestOverloadAndTimeoutsAre503(t *testing.T) {
	_, dbURL := geotest.Seeded(t)
	ctx := context.Background()
	open := func(timeout time.Duration) *geo.Store {
		store, err := geo.Open(ctx, geo.DBConfig{URL: dbURL, StatementTimeout: timeout, MaxConns: 4}, geo.DefaultCatalog(), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(store.Close)
		return store
	}
	// lockClusters locks the clusters table so that queries on it wait, until the rollback.
	lockClusters := func() pgx.Tx {
		lock, err := pgx.Connect(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { lock.Close(ctx) })
		tx, err := lock.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, "LOCK TABLE clusters IN ACCESS EXCLUSIVE MODE"); err != nil {
			t.Fatal(err)
		}
		return tx
	}
	type answer struct {
		status     int
		retryAfter string
		body       string
	}

	// The cap: two requests wait on the lock (their statement timeout is longer than any wait
	// here), so both are in flight when the third arrives; the third asks for another table, so
	// only the cap can refuse it.
	patient := open(timing.Patience)
	base, _ := hardeningServer(t, Config{MaxInFlight: 2}, patient, nil)
	tx := lockClusters()
	slow := make(chan answer, 2)
	for i := range 2 {
		go func() {
			req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/layers/clusters/features?limit=%d", base, i+1), nil)
			resp, err := hardeningClient.Do(req)
			if err != nil {
				slow <- answer{body: err.Error()}
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			slow <- answer{resp.StatusCode, resp.Header.Get("Retry-After"), string(b)}
		}()
	}
	watch, err := pgx.Connect(ctx, dbURL) // not from the server's pool, which the two may fill
	if err != nil {
		t.Fatal(err)
	}
	defer watch.Close(ctx)
	waitUntil(t, "two requests waiting on the lock", func() bool {
		var n int
		err := watch.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
		   WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&n)
		return err == nil && n >= 2
	})
	began := time.Now()
	resp, body := hardeningDo(t, "GET", base+"/api/layers/regions/features?limit=1")
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("third request over a cap of 2: %d Retry-After %q: %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	t.Logf("third request over a cap of 2 answered %d in %v", resp.StatusCode, time.Since(began).Round(time.Microsecond))
	if resp, body := hardeningDo(t, "GET", base+"/healthz"); resp.StatusCode != 200 {
		t.Errorf("healthz under overload: %d %s", resp.StatusCode, body)
	}
	_ = tx.Rollback(ctx)
	for range 2 {
		if a := <-slow; a.status != http.StatusOK {
			t.Errorf("a request held by the lock, once it was released: %d: %s", a.status, a.body)
		}
	}

	// A statement timeout (500 ms, the lock held past it) is a 503 with Retry-After.
	store := open(500 * time.Millisecond)
	base, _ = hardeningServer(t, Config{}, store, nil)
	tx = lockClusters()
	resp, body = hardeningDo(t, "GET", base+"/api/layers/clusters/features?limit=3")
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("statement timeout: %d Retry-After %q: %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	_ = tx.Rollback(ctx)

	// A pool with no free connection: hold all four, then ask.
	var held []interface{ Release() }
	for range 4 {
		c, err := store.Pool().Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	resp, body = hardeningDo(t, "GET", base+"/api/layers/regions/features?limit=1")
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("pool exhausted: %d Retry-After %q: %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	for _, c := range held {
		c.Release()
	}
	if resp, body := hardeningDo(t, "GET", base+"/api/layers/regions/features?limit=1"); resp.StatusCode != 200 {
		t.Errorf("after the overload: %d %s", resp.StatusCode, body)
	}
}

// Finding 5: every GET route of /api and /ogc answers HEAD like GET (without a body) and the CORS
// preflight with the headers a cross-origin client needs (If-None-Match included).
func TestEveryGETRouteAnswersHEADAndPreflight(t *testing.T) {
	store, _ := geotest.Seeded(t)
	base, srv := hardeningServer(t, Config{}, store, nil)
	ctx := context.Background()
	ids := map[string]string{":layer": "clusters", ":collectionId": "clusters", ":sha": strings.Repeat("0", 64)}
	for param, sql := range map[string]string{
		":fid": "SELECT min(id)::text FROM clusters", ":featureId": "SELECT min(id)::text FROM clusters",
		":id": "SELECT min(id)::text FROM clusters", ":code": "SELECT min(code) FROM districts", ":slug": "SELECT min(slug) FROM regions",
	} {
		var v string
		if err := store.Pool().QueryRow(ctx, sql).Scan(&v); err != nil {
			t.Fatal(err)
		}
		ids[param] = v
	}
	param := regexp.MustCompile(`:[A-Za-z]+`)
	checked := 0
	for _, ri := range srv.engine.Routes() {
		if ri.Method != http.MethodGet || !(strings.HasPrefix(ri.Path, "/api/") || strings.HasPrefix(ri.Path, "/ogc")) {
			continue
		}
		p := param.ReplaceAllStringFunc(ri.Path, func(name string) string {
			v, ok := ids[name]
			if !ok {
				t.Fatalf("route %s: no value for %s", ri.Path, name)
			}
			return v
		})
		get, getBody := hardeningDo(t, "GET", base+p)
		head, headBody := hardeningDo(t, "HEAD", base+p)
		if head.StatusCode != get.StatusCode || len(headBody) != 0 || head.Header.Get("Content-Type") != get.Header.Get("Content-Type") {
			t.Errorf("HEAD %s: %d %q (%d body bytes); GET: %d %q %.100s", p, head.StatusCode, head.Header.Get("Content-Type"), len(headBody), get.StatusCode, get.Header.Get("Content-Type"), getBody)
		}
		pre, _ := hardeningDo(t, "OPTIONS", base+p, "Origin", "https://gis.example.org",
			"Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "if-none-match")
		h := pre.Header
		if pre.StatusCode != http.StatusNoContent || h.Get("Access-Control-Allow-Origin") != "*" ||
			!strings.Contains(h.Get("Access-Control-Allow-Methods"), "GET") ||
			!strings.Contains(strings.ToLower(h.Get("Access-Control-Allow-Headers")), "if-none-match") ||
			h.Get("Access-Control-Max-Age") == "" {
			t.Errorf("OPTIONS %s: %d %v", p, pre.StatusCode, h)
		}
		checked++
	}
	if checked < 15 {
		t.Errorf("checked %d GET routes; the route table looks incomplete", checked)
	}
}

// Finding 6: every HTML answer (the web app and the OGC pages) carries a CSP without inline
// scripts, refuses framing, and limits the Referer; the app's index.html holds no inline script,
// so the policy does not break it.
func TestHTMLAnswersCarrySecurityHeaders(t *testing.T) {
	store, _ := geotest.Seeded(t)
	base, _ := hardeningServer(t, Config{}, store, nil)
	for _, p := range []string{"/", "/index.html", "/ogc?f=html", "/ogc/collections?f=html", "/ogc/collections/clusters/items?f=html&limit=2"} {
		resp, body := hardeningDo(t, "GET", base+p)
		h := resp.Header
		csp := h.Get("Content-Security-Policy")
		if resp.StatusCode != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
			t.Errorf("GET %s: %d %q %.100s", p, resp.StatusCode, h.Get("Content-Type"), body)
			continue
		}
		scripts := regexp.MustCompile(`script-src ([^;]*)`).FindStringSubmatch(csp)
		if !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") ||
			scripts == nil || strings.Contains(scripts[1], "unsafe") || !strings.Contains(csp, "tile.openstreetmap.org") ||
			h.Get("X-Frame-Options") != "DENY" || h.Get("Referrer-Policy") != "strict-origin-when-cross-origin" ||
			h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: security headers CSP %q, XFO %q, Referrer-Policy %q, nosniff %q", p, csp,
				h.Get("X-Frame-Options"), h.Get("Referrer-Policy"), h.Get("X-Content-Type-Options"))
		}
		if strings.Contains(p, "ogc") && regexp.MustCompile(`<script(?:\s[^>]*)?>\s*[^<\s]`).Match(body) {
			t.Errorf("GET %s: an inline script, which the CSP blocks", p)
		}
	}
	index, err := static.Files.ReadFile("index.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, tag := range regexp.MustCompile(`(?is)<script\b[^>]*>(.*?)</script>`).FindAllSubmatch(index, -1) {
		if !bytes.Contains(tag[0], []byte("src=")) || len(bytes.TrimSpace(tag[1])) > 0 {
			t.Errorf("index.html has an inline script, which the CSP blocks: %.120s", tag[0])
		}
	}
	if regexp.MustCompile(`(?i)\son[a-z]+=`).Match(index) {
		t.Error("index.html has an inline event handler, which the CSP blocks")
	}
}

// Finding 10: X-Forwarded-Host/-Proto are believed only from configured proxies (by default the
// loopback, a proxy on the same host); request logs carry the route and a bounded query.
func TestForwardedHeadersAndRequestLogs(t *testing.T) {
	store, _ := geotest.Seeded(t)
	var logs bytes.Buffer
	var mu sync.Mutex
	log := slog.New(slog.NewJSONHandler(&lockedWriter{w: &logs, mu: &mu}, nil))
	untrusting, _ := hardeningServer(t, Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}}, store, log)
	trusting, _ := hardeningServer(t, Config{}, store, nil)
	serversURL := func(base string) string {
		_, body := hardeningDo(t, "GET", base+"/ogc/api", "X-Forwarded-Proto", "https", "X-Forwarded-Host", "evil.example.org")
		var doc struct {
			Servers []struct {
				URL string `json:"url"`
			} `json:"servers"`
		}
		if err := json.Unmarshal(body, &doc); err != nil || len(doc.Servers) == 0 {
			t.Fatalf("/ogc/api: %v %.200s", err, body)
		}
		return doc.Servers[0].URL
	}
	if got := serversURL(untrusting); got != untrusting+"/ogc" {
		t.Errorf("untrusted peer: servers url %q, want %q", got, untrusting+"/ogc")
	}
	if got := serversURL(trusting); got != "https://evil.example.org/ogc" {
		t.Errorf("loopback proxy (default): servers url %q", got)
	}

	long := strings.Repeat("x", 7000)
	hardeningDo(t, "GET", untrusting+"/api/layers/clusters/features?name="+long)
	mu.Lock()
	defer mu.Unlock()
	sc := bufio.NewScanner(&logs)
	sc.Buffer(nil, 1<<20)
	found := false
	for sc.Scan() {
		var line map[string]any
		if json.Unmarshal(sc.Bytes(), &line) != nil || line["msg"] != "request" || !strings.Contains(fmt.Sprint(line["query"]), "xxx") {
			continue
		}
		found = true
		if len(sc.Bytes()) > 1024 || line["route"] != "/api/layers/:layer/features" {
			t.Errorf("request log line of %d bytes, route %v", len(sc.Bytes()), line["route"])
		}
	}
	if !found {
		t.Error("no request log line for the long query")
	}
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// Observability: /metrics is served on its own listener (never on the public port) and holds
// request counts and latencies by route pattern, tile cache figures, pool stats and timeouts.
func TestMetricsAreScrapedOnTheirOwnAddress(t *testing.T) {
	store, _ := geotest.Seeded(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	metricsAddr := ln.Addr().String()
	ln.Close()
	base, _ := hardeningServer(t, Config{MetricsAddr: metricsAddr, TileCacheMB: 8}, store, nil)
	for _, p := range []string{"/api/layers/clusters/features?limit=1", "/tiles/districts/7/102/58.mvt", "/tiles/districts/7/102/58.mvt", "/api/layers/nope/features"} {
		hardeningDo(t, "GET", base+p)
	}
	if resp, _ := hardeningDo(t, "GET", base+"/metrics"); resp.StatusCode == 200 {
		t.Error("/metrics is served on the public address")
	}
	var body []byte
	deadline := time.Now().Add(timing.Patience)
	for {
		resp, err := hardeningClient.Get("http://" + metricsAddr + "/metrics")
		if err == nil {
			body, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics listener: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, want := range []string{
		`clustermap_http_requests_total{method="GET",route="/api/layers/:layer/features",status="200"} 1`,
		`clustermap_http_requests_total{method="GET",route="/api/layers/:layer/features",status="404"} 1`,
		`clustermap_http_request_duration_seconds_bucket{method="GET",route="/tiles/*path",status="200",le="+Inf"} 2`,
		`clustermap_tile_requests_total{cache="miss"} 1`,
		`clustermap_tile_requests_total{cache="hit"} 1`,
		"clustermap_tile_bytes_sent_total ",
		"clustermap_tile_cache_bytes ",
		"clustermap_db_pool_total_conns ",
		"clustermap_db_pool_acquires_total ",
		`clustermap_db_timeouts_total{kind="statement"} 0`,
		"clustermap_http_overload_rejections_total 0",
	} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

// Finding 1, as the issue measured it: twenty clients at once sending properties= floods (each
// name repeated to the size a header allows) leave /healthz and ordinary requests answering 200.
// How fast the ordinary requests are is a figure (the targets: a median under 100 ms and
// none near the 10 s statement timeout that a database exhausted by the flood took); make bench
// runs this test with BENCH_STRICT=1, which holds the figures to those targets.
func TestPropertiesFloodLeavesTheServiceResponsive(t *testing.T) {
	store, _ := geotest.Seeded(t)
	base, _ := hardeningServer(t, Config{}, store, nil)
	flood := base + "/api/layers/districts/features?limit=10000&properties=" + strings.TrimSuffix(strings.Repeat("region,", 40000), ",")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if resp, err := hardeningClient.Get(flood); err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode < 400 || resp.StatusCode >= 500 {
						t.Errorf("flood answered %d", resp.StatusCode)
					}
				}
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	var took []time.Duration
	for range 11 {
		if resp, body := hardeningDo(t, "GET", base+"/healthz"); resp.StatusCode != 200 {
			t.Errorf("healthz during the flood: %d %s", resp.StatusCode, body)
		}
		began := time.Now()
		if resp, body := hardeningDo(t, "GET", base+"/api/layers/clusters/features?limit=1"); resp.StatusCode != 200 {
			t.Errorf("ordinary request during the flood: %d %s", resp.StatusCode, body)
		}
		took = append(took, time.Since(began))
	}
	close(stop)
	wg.Wait()
	// The flood shares this machine's cores with the server, so single requests wait for CPU as
	// long as the machine is busy: figures, not assertions (timing.Check).
	slices.Sort(took)
	timing.Check(t, "ordinary requests during the flood, median", took[len(took)/2], 100*time.Millisecond)
	timing.Check(t, "ordinary requests during the flood, slowest", took[len(took)-1], 2*time.Second)
}
