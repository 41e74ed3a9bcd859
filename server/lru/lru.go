// Package lru is a least-recently-used cache bounded in bytes, safe for concurrent use: the
// response cache (server/respcache) and the tile cache (server/tiles) keep their answers in one.
package lru

import (
	"math"
	"sync"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// Cache holds values up to a number of bytes, as its size function counts them. A nil *Cache holds
// nothing: Add does nothing and Get finds nothing.
type Cache[K comparable, V any] struct {
	mu    sync.Mutex
	lru   *simplelru.LRU[K, V]
	size  func(K, V) int64
	bytes int64
	max   int64
}

// New makes a cache of at most maxBytes; nil (no cache) when maxBytes is not positive. size is
// what an entry costs: its bytes and an allowance for the key and the bookkeeping.
func New[K comparable, V any](maxBytes int64, size func(K, V) int64) *Cache[K, V] {
	if maxBytes <= 0 {
		return nil
	}
	c := &Cache[K, V]{size: size, max: maxBytes}
	// The count limit is never the one that binds; bytes are.
	c.lru, _ = simplelru.NewLRU[K, V](math.MaxInt32, func(k K, v V) { c.bytes -= c.size(k, v) })
	return c
}

// Get returns the value of k and marks it recently used.
func (c *Cache[K, V]) Get(k K) (V, bool) {
	if c == nil {
		var zero V
		return zero, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Get(k)
}

// Fits reports whether an entry of n bytes would be kept: never by a nil cache, nor beyond an
// eighth of the bound (see Add).
func (c *Cache[K, V]) Fits(n int64) bool { return c != nil && n <= c.max/8 }

// Add keeps v under k, dropping the least recently used entries beyond the bound. An entry of more
// than an eighth of the bound is not kept: one huge answer must not flush the rest.
func (c *Cache[K, V]) Add(k K, v V) {
	if c == nil || !c.Fits(c.size(k, v)) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.lru.Peek(k); ok {
		c.bytes -= c.size(k, old) // Add replaces without calling the eviction callback
	}
	c.lru.Add(k, v)
	c.bytes += c.size(k, v)
	for c.bytes > c.max {
		if _, _, ok := c.lru.RemoveOldest(); !ok {
			break
		}
	}
}

// Stats reports the entries and bytes held.
func (c *Cache[K, V]) Stats() (entries int, bytes int64) {
	if c == nil {
		return 0, 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len(), c.bytes
}
