package tiles

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clustermap/clustermap/geo"
)

func TestFlightGroup(t *testing.T) {
	key := tileKey{layers: "districts", tile: geo.TileCoord{Z: 1}}
	t.Run("one run for concurrent callers", func(t *testing.T) {
		var g flightGroup
		var runs atomic.Int32
		release := make(chan struct{})
		var wg sync.WaitGroup
		results := make([]*tileBody, 10)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i], _, _ = g.do(context.Background(), key, nil, func(context.Context) (*tileBody, error) {
					runs.Add(1)
					<-release
					return &tileBody{raw: []byte("x")}, nil
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
		var g flightGroup
		cancelled := make(chan struct{})
		ctx1, cancel1 := context.WithCancel(context.Background())
		ctx2, cancel2 := context.WithCancel(context.Background())
		started := make(chan struct{})
		fn := func(ctx context.Context) (*tileBody, error) {
			close(started)
			<-ctx.Done()
			close(cancelled)
			return nil, ctx.Err()
		}
		errs := make(chan error, 2)
		go func() { _, _, err := g.do(ctx1, key, nil, fn); errs <- err }()
		<-started
		go func() { _, _, err := g.do(ctx2, key, nil, fn); errs <- err }()
		waitUntil(t, "the second caller to join", func() bool {
			g.mu.Lock()
			defer g.mu.Unlock()
			return g.calls[key].waiters == 2
		})
		cancel1()
		if err := <-errs; !errors.Is(err, context.Canceled) {
			t.Errorf("first caller: %v", err)
		}
		select {
		case <-cancelled:
			t.Fatal("the query was cancelled while a caller still waited")
		case <-time.After(50 * time.Millisecond):
		}
		cancel2()
		<-errs
		select {
		case <-cancelled:
		case <-time.After(5 * time.Second):
			t.Fatal("the query outlived its last caller")
		}
		// A later caller runs a fresh query rather than joining the cancelled one.
		body, shared, err := g.do(context.Background(), key, nil, func(context.Context) (*tileBody, error) { return &tileBody{}, nil })
		if err != nil || shared || body == nil {
			t.Errorf("after abandonment: %v, shared %v", err, shared)
		}
	})
}

func TestTileCacheIsBoundedInBytes(t *testing.T) {
	if newTileCache(0) != nil {
		t.Fatal("size 0 must disable the cache")
	}
	var none *tileCache
	none.Add(tileKey{}, &tileBody{})
	if _, ok := none.Get(tileKey{}); ok {
		t.Fatal("a disabled cache returned a tile")
	}
	c := newTileCache(64 << 10)
	body := func(n int) *tileBody { return newTileBody(bytes.Repeat([]byte{1}, n), "e", []int64{1}, false) }
	for i := range 100 {
		c.Add(tileKey{layers: "l", tile: geo.TileCoord{Z: 20, X: i}}, body(2000))
		if i == 10 {
			c.Get(tileKey{layers: "l", tile: geo.TileCoord{Z: 20, X: 0}}) // recently used: kept
		}
	}
	entries, used := c.Stats()
	if used > 64<<10 || entries < 20 || entries > 32 {
		t.Errorf("%d entries, %d bytes", entries, used)
	}
	if _, ok := c.Get(tileKey{layers: "l", tile: geo.TileCoord{Z: 20, X: 1}}); ok {
		t.Error("the oldest entry survived")
	}
	if _, ok := c.Get(tileKey{layers: "l", tile: geo.TileCoord{Z: 20, X: 99}}); !ok {
		t.Error("the newest entry is gone")
	}
	// Replacing an entry does not leak its bytes; a tile too large for the cache is not kept.
	for range 10 {
		c.Add(tileKey{layers: "l", tile: geo.TileCoord{Z: 20, X: 99}}, body(2000))
	}
	if _, again := c.Stats(); again != used {
		t.Errorf("replacing an entry moved the byte count %d → %d", used, again)
	}
	c.Add(tileKey{layers: "big"}, body(20<<10))
	if _, ok := c.Get(tileKey{layers: "big"}); ok {
		t.Error("a tile of a third of the cache was kept")
	}
}

func waitUntil(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	for start := time.Now(); time.Since(start) < 10*time.Second; time.Sleep(time.Millisecond) {
		if cond() {
			return
		}
	}
	tb.Fatalf("timed out waiting for %s", what)
}
