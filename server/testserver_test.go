package server

// The one test server and the one request helper of the server tests. They live in package
// server so that the internal tests (tiles, OpenAPI) can reach the server's state; they are
// exported so that the tests of package server_test use the same ones (as server.NewTestServer
// and server.Fetch; helpers_test.go gives them their short names there).

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/versions"
	"github.com/clustermap/clustermap/internal/geotest"
	"github.com/clustermap/clustermap/internal/mvtcheck"
	"github.com/clustermap/clustermap/internal/timing"
	"github.com/clustermap/clustermap/migrations"
	"github.com/clustermap/clustermap/server/tiles"
)

// TestServer is a server running for one test.
type TestServer struct {
	URL    string  // the base URL, http://127.0.0.1:port
	Server *Server // its state, for the internal tests
	stop   context.CancelFunc
}

// Close stops serving (the listener closes); the test's cleanup still waits for the server.
func (ts *TestServer) Close() { ts.stop() }

// TestServerOption changes how NewTestServer builds its server.
type TestServerOption func(*testServerSetup)

type testServerSetup struct {
	store *geo.Store
	cfg   Config
}

// OnStore serves store instead of a fresh seeded database.
func OnStore(store *geo.Store) TestServerOption {
	return func(s *testServerSetup) { s.store = store }
}

// WithWarmUp has the server warm its caches with a first visit's answers when it starts, as the
// binary does by default (Config.WarmUp).
func WithWarmUp() TestServerOption {
	return func(s *testServerSetup) { s.cfg.WarmUp = true }
}

// WithConfig changes the server's Config before it is built.
func WithConfig(change func(*Config)) TestServerOption {
	return func(s *testServerSetup) { change(&s.cfg) }
}

// WithTileCacheMB sets the tile cache size (0 disables the cache).
func WithTileCacheMB(mb int) TestServerOption {
	return func(s *testServerSetup) { s.cfg.TileCacheMB = mb }
}

// NewTestServer runs the real server the way the binary does (Serve on a loopback listener, with
// its own LISTEN connection for the layers' data versions) until the test ends, and returns once
// those versions are live. By default it serves a fresh copy of the seeded database with the
// production headers (Cache-Control "public, max-age=60") and a 16 MB tile cache, logged in as the
// serving role; the store it returns is the owner's, for the test's own fixtures.
func NewTestServer(tb testing.TB, opts ...TestServerOption) (*TestServer, *geo.Store) {
	tb.Helper()
	setup := testServerSetup{cfg: Config{Addr: "127.0.0.1:0", CacheControl: "public, max-age=60", TileCacheMB: 16, Chromium: "/usr/bin/chromium"}}
	for _, o := range opts {
		o(&setup)
	}
	serving := setup.store
	if setup.store == nil {
		// The tests' fixtures write as the owner; the server logs in as the serving role, which
		// owns nothing, as `make run` and a deployment do.
		var dbURL string
		setup.store, dbURL = geotest.Seeded(tb)
		// A copy of the template has the default database privileges: give it the serving
		// role's, as migrate does.
		if err := setup.store.GrantServing(context.Background(), migrations.Files, geo.DefaultServeRole); err != nil {
			tb.Fatal(err)
		}
		serving = geotest.Open(tb, geotest.ServeURL(tb, dbURL))
	}
	srv := New(setup.cfg, serving, slog.New(slog.DiscardHandler))
	ln, err := net.Listen("tcp", setup.cfg.Addr)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("serve: %v", err)
		}
	})
	waitUntil(tb, "the layer versions to be live", func() bool { return srv.versions.Live() })
	return &TestServer{URL: "http://" + ln.Addr().String(), Server: srv, stop: cancel}, setup.store
}

// waitUntil polls cond until it holds and returns how long that took; it fails the test only when
// cond still does not hold after timing.Patience (a wait, never a time limit).
func waitUntil(tb testing.TB, what string, cond func() bool) time.Duration {
	tb.Helper()
	start := time.Now()
	for time.Since(start) < timing.Patience {
		if cond() {
			return time.Since(start)
		}
		time.Sleep(time.Millisecond)
	}
	tb.Fatalf("timed out waiting for %s", what)
	return 0
}

// rawClient never decompresses (it sends no Accept-Encoding of its own), so the tests see exactly
// what the server sent.
var rawClient = &http.Client{Transport: &http.Transport{DisableCompression: true}, Timeout: 30 * time.Second}

// Fetch sends one request with the given header pairs (name, value, …; an empty value is not
// sent) and returns the response and its whole body. Every 200 tile it receives is checked
// strictly against the MVT 2.1 specification, whatever the test is about.
func Fetch(tb testing.TB, method, url string, header ...string) (*http.Response, []byte) {
	tb.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		tb.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] != "" {
			req.Header.Set(header[i], header[i+1])
		}
	}
	resp, err := rawClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	if resp.StatusCode == http.StatusOK && resp.Header.Get("Content-Type") == tiles.MVTType && method != http.MethodHead {
		mvt := body
		if resp.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				tb.Fatalf("%s: Content-Encoding gzip, body is not: %v", url, err)
			}
			if mvt, err = io.ReadAll(zr); err != nil {
				tb.Fatalf("%s: %v", url, err)
			}
		}
		tileReport(tb, url, mvt)
	}
	return resp, body
}

// tileReport validates an (identity) tile strictly and returns the decoded report.
func tileReport(tb testing.TB, what string, body []byte) *mvtcheck.Report {
	tb.Helper()
	rep, err := mvtcheck.Validate(body)
	if err != nil {
		tb.Fatalf("%s: %v", what, err)
	}
	return rep
}

// AwaitVersions waits until the server has heard (by NOTIFY) every layer version the database
// holds now. The caches follow the data within moments of a commit, not within the writer's own
// statement: a test that writes through SQL and then reads an answer waits for them first.
func (ts *TestServer) AwaitVersions(tb testing.TB, store *geo.Store) {
	tb.Helper()
	want, err := versions.Read(context.Background(), store)
	if err != nil {
		tb.Fatal(err)
	}
	waitUntil(tb, "the server to hear the data versions", func() bool {
		for id, v := range want {
			if got, ok := ts.Server.versions.Of(id); ok && got < v {
				return false
			}
		}
		return true
	})
}
