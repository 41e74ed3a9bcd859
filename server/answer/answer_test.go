package answer

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/clustermap/clustermap/internal/timing"
	"github.com/clustermap/clustermap/server/httpx"
)

func TestFlights(t *testing.T) {
	const key = "districts/1/0/0"
	t.Run("one build for concurrent callers", func(t *testing.T) {
		var g Flights[string, *Answer]
		var runs atomic.Int32
		release := make(chan struct{})
		var wg sync.WaitGroup
		results := make([]*Answer, 10)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i], _, _ = g.Do(context.Background(), key, nil, func(context.Context) (*Answer, error) {
					runs.Add(1)
					<-release
					return &Answer{raw: []byte("x")}, nil
				})
			}()
		}
		waitUntil(t, "callers to join", func() bool {
			g.mu.Lock()
			defer g.mu.Unlock()
			return g.calls[key] != nil && g.calls[key].waiters == 10
		})
		close(release)
		wg.Wait()
		if runs.Load() != 1 {
			t.Errorf("%d runs", runs.Load())
		}
		for _, r := range results {
			if r != results[0] || r == nil {
				t.Fatal("callers got different results")
			}
		}
	})
	t.Run("cancelled when every caller has left", func(t *testing.T) {
		var g Flights[string, *Answer]
		cancelled := make(chan struct{})
		ctx1, cancel1 := context.WithCancel(context.Background())
		ctx2, cancel2 := context.WithCancel(context.Background())
		started := make(chan struct{})
		build := func(ctx context.Context) (*Answer, error) {
			close(started)
			<-ctx.Done()
			close(cancelled)
			return nil, ctx.Err()
		}
		errs := make(chan error, 2)
		go func() { _, _, err := g.Do(ctx1, key, nil, build); errs <- err }()
		<-started
		go func() { _, _, err := g.Do(ctx2, key, nil, build); errs <- err }()
		waitUntil(t, "the second caller to join", func() bool {
			g.mu.Lock()
			defer g.mu.Unlock()
			return g.calls[key].waiters == 2
		})
		// The builder's client leaves: the build goes on for the one still waiting.
		cancel1()
		select {
		case <-cancelled:
			t.Fatal("the build was cancelled while a caller still waited")
		case <-time.After(50 * time.Millisecond):
		}
		cancel2()
		for range 2 {
			if err := <-errs; !errors.Is(err, context.Canceled) {
				t.Errorf("a caller that left: %v", err)
			}
		}
		select {
		case <-cancelled:
		case <-time.After(timing.Patience):
			t.Fatal("the build outlived its last caller")
		}
		// A later caller runs a fresh build rather than joining the cancelled one.
		a, shared, err := g.Do(context.Background(), key, nil, func(context.Context) (*Answer, error) { return &Answer{}, nil })
		if err != nil || shared || a == nil {
			t.Errorf("after abandonment: %v, shared %v", err, shared)
		}
	})
	t.Run("a finished build is found, not repeated", func(t *testing.T) {
		var g Flights[string, *Answer]
		kept := &Answer{}
		a, shared, _ := g.Do(context.Background(), key, func() (*Answer, bool) { return kept, true },
			func(context.Context) (*Answer, error) { t.Fatal("built again"); return nil, nil })
		if a != kept || !shared {
			t.Errorf("lookup: %p (want %p), shared %v", a, kept, shared)
		}
	})
}

func TestWrite(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	body := bytes.Repeat([]byte("clustermap "), 200)
	full := New(body, "application/json", ETagsOf("r1-x"), SmallGzip)
	empty := New(nil, "application/json", ETagsOf("r1-e"), SmallGzip)
	w := NewWriter("x-test-cache", "no-cache", "hit", "revalidated")
	write := func(a *Answer, status string, accept httpx.Accepted, inm string, header ...string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		c, _ := gin.CreateTestContext(rec)
		c.Request = httptest.NewRequest(http.MethodGet, "/", nil)
		for i := 0; i+1 < len(header); i += 2 {
			c.Writer.Header().Set(header[i], header[i+1])
		}
		w.Write(c, a, status, accept, inm)
		c.Writer.WriteHeaderNow()
		return rec
	}
	gzip, both := httpx.Accepted{Gzip: true}, httpx.Accepted{Gzip: true, Brotli: true}
	for name, tc := range map[string]struct {
		a                         *Answer
		accept                    httpx.Accepted
		inm                       string
		header                    []string
		code                      int
		etag, encoding, cacheCtrl string
	}{
		"identity":                 {a: full, code: 200, etag: `"r1-x"`, cacheCtrl: "no-cache"},
		"brotli first":             {a: full, accept: both, code: 200, etag: `"r1-x-br"`, encoding: "br", cacheCtrl: "no-cache"},
		"held, brotli":             {a: full, accept: both, inm: `"r1-x-br"`, code: 304, etag: `"r1-x-br"`, cacheCtrl: "no-cache"},
		"revalidated, brotli tag":  {a: Revalidated(`"r1-x-br"`, ETagsOf("r1-x")), accept: both, inm: `"r1-x-br"`, code: 304, etag: `"r1-x-br"`, cacheCtrl: "no-cache"},
		"gzip":                     {a: full, accept: gzip, code: 200, etag: `"r1-x-gz"`, encoding: "gzip", cacheCtrl: "no-cache"},
		"the handler's policy":     {a: full, header: []string{"Cache-Control", "public, max-age=60"}, code: 200, etag: `"r1-x"`, cacheCtrl: "public, max-age=60"},
		"held":                     {a: full, accept: gzip, inm: `"r1-x-gz"`, code: 304, etag: `"r1-x-gz"`, cacheCtrl: "no-cache"},
		"empty":                    {a: empty, code: 204, etag: `"r1-e"`, cacheCtrl: "no-cache"},
		"revalidated, gzip tag":    {a: Revalidated(`"r1-x-gz"`, ETagsOf("r1-x")), accept: gzip, inm: `"r1-x-gz"`, code: 304, etag: `"r1-x-gz"`, cacheCtrl: "no-cache"},
		"revalidated, identity":    {a: Revalidated(`"r1-x"`, ETagsOf("r1-x")), accept: gzip, inm: `"r1-x"`, code: 304, etag: `"r1-x"`, cacheCtrl: "no-cache"},
		"an old tag is not a hold": {a: full, inm: `"r0-x"`, code: 200, etag: `"r1-x"`, cacheCtrl: "no-cache"},
	} {
		rec := write(tc.a, "hit", tc.accept, tc.inm, tc.header...)
		h := rec.Header()
		if rec.Code != tc.code || h.Get("ETag") != tc.etag || h.Get("Content-Encoding") != tc.encoding || h.Get("Cache-Control") != tc.cacheCtrl ||
			h.Get("Vary") != "Accept-Encoding" || h.Get("X-Test-Cache") != "hit" {
			t.Errorf("%s: %d, ETag %s, Content-Encoding %q, Cache-Control %q, Vary %q, X-Test-Cache %q", name, rec.Code, h.Get("ETag"),
				h.Get("Content-Encoding"), h.Get("Cache-Control"), h.Get("Vary"), h.Get("X-Test-Cache"))
		}
		if tc.code != 200 && rec.Body.Len() != 0 {
			t.Errorf("%s: %d with %d bytes", name, tc.code, rec.Body.Len())
		}
	}
	if Revalidated(`"r0-x"`, ETagsOf("r1-x")) != nil || Revalidated("", ETagsOf("r1-x")) != nil {
		t.Error("a client that holds another version revalidated")
	}
}

func waitUntil(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	for start := time.Now(); time.Since(start) < timing.Patience; time.Sleep(time.Millisecond) {
		if cond() {
			return
		}
	}
	tb.Fatalf("timed out waiting for %s", what)
}
