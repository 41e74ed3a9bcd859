package respcache

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

// serve runs one request through a gin engine whose only route answers key through c.
func serve(t *testing.T, c *Cache, key string, build func(context.Context) (Built, error), header ...string) *httptest.ResponseRecorder {
	t.Helper()
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.GET("/x", func(gc *gin.Context) { c.Serve(gc, []string{"a"}, key, build) })
	req := httptest.NewRequest(http.MethodGet, "/x", nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	e.ServeHTTP(w, req)
	return w
}

func TestServeKeepsBuildsOnceAndRevalidates(t *testing.T) {
	var version atomic.Int64
	version.Store(1)
	c := New(Config{MaxBytes: 1 << 20, Versions: func(string) (int64, bool) { return version.Load(), true },
		Private: func(gc *gin.Context) bool { return gc.GetHeader("Authorization") != "" }})
	var builds atomic.Int32
	body := strings.Repeat(`{"a":1}`, 500)
	build := func(context.Context) (Built, error) {
		builds.Add(1)
		time.Sleep(20 * time.Millisecond) // long enough for the others to join
		return Built{Body: []byte(body), Type: "application/json"}, nil
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() { defer wg.Done(); serve(t, c, "k", build) }()
	}
	wg.Wait()
	if n := builds.Load(); n != 1 {
		t.Fatalf("8 concurrent requests built the answer %d times, want once", n)
	}
	plain, zipped := serve(t, c, "k", build), serve(t, c, "k", build, "Accept-Encoding", "gzip")
	if plain.Body.String() != body || zipped.Header().Get("Content-Encoding") != "gzip" || zipped.Body.Len() >= len(body) {
		t.Fatalf("identity %d bytes, gzip %q %d bytes", plain.Body.Len(), zipped.Header().Get("Content-Encoding"), zipped.Body.Len())
	}
	if plain.Header().Get("ETag") == zipped.Header().Get("ETag") {
		t.Fatal("identity and gzip share an ETag")
	}
	for _, w := range []*httptest.ResponseRecorder{plain, zipped} {
		tag := w.Header().Get("ETag")
		r := serve(t, c, "k", build, "If-None-Match", tag, "Accept-Encoding", w.Header().Get("Content-Encoding"))
		if r.Code != http.StatusNotModified || r.Header().Get("ETag") != tag {
			t.Fatalf("If-None-Match %s: %d, ETag %s", tag, r.Code, r.Header().Get("ETag"))
		}
	}
	if r := serve(t, c, "k", build, "Authorization", "Bearer x"); r.Header().Get("X-Response-Cache") != "private" || builds.Load() != 2 {
		t.Fatalf("a signed-in request: %q after %d builds", r.Header().Get("X-Response-Cache"), builds.Load())
	}
	version.Store(2)
	r := serve(t, c, "k", build, "If-None-Match", plain.Header().Get("ETag"))
	if r.Code != http.StatusOK || r.Header().Get("ETag") == plain.Header().Get("ETag") || builds.Load() != 3 {
		t.Fatalf("after a new version: %d, ETag %s, %d builds", r.Code, r.Header().Get("ETag"), builds.Load())
	}
}

func TestCacheStaysWithinItsBytes(t *testing.T) {
	c := New(Config{MaxBytes: 64 << 10, Versions: func(string) (int64, bool) { return 1, true }})
	build := func(context.Context) (Built, error) { return Built{Body: make([]byte, 4<<10), Type: "x"}, nil }
	for i := range 100 {
		serve(t, c, "k"+strings.Repeat("x", i), build)
	}
	if n, b := c.Stats(); b > 64<<10 || n == 0 {
		t.Fatalf("%d answers in %d bytes, limit %d", n, b, 64<<10)
	}
	big := func(context.Context) (Built, error) { return Built{Body: make([]byte, 32<<10), Type: "x"}, nil }
	if r := serve(t, c, "big", big); r.Code != 200 || r.Body.Len() != 32<<10 {
		t.Fatalf("an answer above an eighth of the cache: %d, %d bytes", r.Code, r.Body.Len())
	}
}

// An answer the cache will keep is compressed at the default level, once; one it cannot keep (the
// cache is off, or the answer is over an eighth of it) at BestSpeed, for the one request. The
// gzip header's XFL byte says which: 0 for the default level, 4 for the fastest.
func TestAnswersNotKeptAreCompressedFast(t *testing.T) {
	body := strings.Repeat(`{"zone":1,"served":true}`, 3000) // 72 kB
	build := func(context.Context) (Built, error) { return Built{Body: []byte(body), Type: "application/json"}, nil }
	versions := func(string) (int64, bool) { return 1, true }
	for _, tc := range []struct {
		name     string
		maxBytes int64
		xfl      byte
	}{
		{"kept", 1 << 20, 0},
		{"cache off", 0, 4},
		{"over an eighth of the cache", 256 << 10, 4},
	} {
		c := New(Config{MaxBytes: tc.maxBytes, Versions: versions})
		w := serve(t, c, "k", build, "Accept-Encoding", "gzip")
		gz := w.Body.Bytes()
		if w.Header().Get("Content-Encoding") != "gzip" || len(gz) < 10 || gz[8] != tc.xfl {
			t.Errorf("%s: encoding %q, %d bytes, XFL %v, want %d", tc.name, w.Header().Get("Content-Encoding"), len(gz), gz[8:9], tc.xfl)
		}
	}
}
