package answer

import (
	"context"
	"sync"
)

// Flights builds one answer for concurrent requests of the same key. The first request builds on
// its own goroutine, so a build may read that request (its base URL, its parameters) while its
// handler waits; the others wait for the result. The build runs under a context of its own that
// keeps the request's values (request id, the replica its reads are pinned to) and is cancelled
// when every request waiting for it has gone, so a build outlives neither its clients nor
// (through the store's timeout) its deadline, and a client that leaves does not cancel a build
// that others still wait for. The zero value is ready to use.
type Flights[K comparable, V any] struct {
	mu    sync.Mutex
	calls map[K]*flight[V]
}

type flight[V any] struct {
	done    chan struct{}
	val     V
	err     error
	waiters int
	cancel  context.CancelFunc
}

// Do returns build's result for key, running build at most once at a time per key; shared reports
// that the result came from another request's build. lookup (may be nil) is asked under the
// group's lock before a new build starts, so a request that just missed a finishing build finds
// its result (shared) instead of starting another.
func (g *Flights[K, V]) Do(ctx context.Context, key K, lookup func() (V, bool), build func(context.Context) (V, error)) (v V, shared bool, err error) {
	g.mu.Lock()
	if f, ok := g.calls[key]; ok {
		f.waiters++
		g.mu.Unlock()
		select {
		case <-f.done:
			return f.val, true, f.err
		case <-ctx.Done():
			g.leave(key, f)
			return v, true, ctx.Err()
		}
	}
	if lookup != nil {
		if found, ok := lookup(); ok {
			g.mu.Unlock()
			return found, true, nil
		}
	}
	bctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	f := &flight[V]{done: make(chan struct{}), waiters: 1, cancel: cancel}
	if g.calls == nil {
		g.calls = map[K]*flight[V]{}
	}
	g.calls[key] = f
	g.mu.Unlock()

	// The builder counts as a waiter until its own client leaves.
	stop := context.AfterFunc(ctx, func() { g.leave(key, f) })
	f.val, f.err = build(bctx)
	stop()
	g.mu.Lock()
	if g.calls[key] == f {
		delete(g.calls, key)
	}
	g.mu.Unlock()
	cancel()
	close(f.done)
	return f.val, false, f.err
}

// leave counts a waiter out; the last one to leave cancels the build, which from then on no
// request may join.
func (g *Flights[K, V]) leave(key K, f *flight[V]) {
	g.mu.Lock()
	f.waiters--
	abandoned := f.waiters == 0
	if abandoned && g.calls[key] == f {
		delete(g.calls, key)
	}
	g.mu.Unlock()
	if abandoned {
		f.cancel()
	}
}
