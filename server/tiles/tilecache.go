package tiles

import (
	"bytes"
	"compress/gzip"
	"context"
	"hash/fnv"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/server/httpx"
	"github.com/clustermap/clustermap/server/lru"
	"github.com/clustermap/clustermap/server/respcache"
)

// Service serves /tiles: vector tiles of one layer or several, and TileJSON. It keeps the tiles
// in an LRU cache keyed by the layers' data versions, which it learns from PostgreSQL while
// WatchVersions runs.
type Service struct {
	store *geo.Store
	tiles *tileState
	// cacheControl is the configured Cache-Control of TileJSON and the ceiling file ("": none).
	cacheControl string
	metrics      *tileMetrics
	// resp keeps TileJSON documents (nil: built every time); set by UseResponseCache.
	resp *respcache.Cache
}

// UseResponseCache makes TileJSON go through the server's response cache, which keys on this
// service's versions (so it is made after the service).
func (s *Service) UseResponseCache(c *respcache.Cache) { s.resp = c }

// Config is how tiles are served and kept.
type Config struct {
	// CacheControl is sent with tiles and TileJSON, e.g. "public, max-age=60".
	CacheControl string
	// CacheMB bounds the in-process tile cache; 0 disables it.
	CacheMB int
}

// New builds the tile service over store's catalog; its metrics go to m.
func New(cfg Config, store *geo.Store, m *httpx.Metrics) *Service {
	ts := newTileState(cfg, store.Catalog())
	return &Service{store: store, tiles: ts, cacheControl: cfg.CacheControl, metrics: newTileMetrics(m, ts.cache)}
}

// tileState is everything the tile handlers share: the cache, the in-flight queries and the data
// versions learned from PostgreSQL.
type tileState struct {
	cache    *tileCache // nil when CLUSTERMAP_TILE_CACHE_MB is 0
	flights  flightGroup
	versions *layerVersions
	// sqlTags fingerprint each layer's tile statement, so that ETags change when a new release
	// builds tiles differently from the same data.
	sqlTags map[string]uint64
	// single holds each layer as a one-element list, the common case of a tile request.
	single map[string][]*geo.Layer
	// cacheControl is the configured Cache-Control header value (nil: none).
	cacheControl []string
}

func newTileState(cfg Config, catalog *geo.Catalog) *tileState {
	ts := &tileState{
		cache:    newTileCache(int64(cfg.CacheMB) << 20),
		versions: newLayerVersions(catalog),
		sqlTags:  map[string]uint64{},
		single:   map[string][]*geo.Layer{},
	}
	if cfg.CacheControl != "" {
		ts.cacheControl = []string{cfg.CacheControl}
	}
	for _, l := range catalog.Layers() {
		ts.single[l.ID] = []*geo.Layer{l}
		sql, _, _ := geo.TileSQL(l, nil)
		deep, _, _ := geo.TileSQLDeep(l, nil)
		h := fnv.New64a()
		h.Write([]byte(sql))
		h.Write([]byte(deep))
		ts.sqlTags[l.ID] = h.Sum64()
	}
	return ts
}

// WatchVersions keeps the versions in step with the database until ctx is done; until the first
// full read, and whenever the listener is lost, tiles bypass the cache.
func (s *Service) WatchVersions(ctx context.Context) {
	v := s.tiles.versions
	s.store.WatchLayerVersions(ctx, geo.VersionWatch{
		Synced:  v.sync,
		Changed: v.raise,
		Lost:    func(error) { v.live.Store(false) },
	})
}

// VersionsLive reports whether the layers' data versions are being followed (the cache is used).
func (s *Service) VersionsLive() bool { return s.tiles.versions.live.Load() }

// LayerVersion is the data version the service holds for a layer, false while it is not live.
func (s *Service) LayerVersion(id string) (int64, bool) { return s.tiles.versions.current(id) }

// CacheStats reports the tiles and bytes the cache holds; Caching is false without a cache.
func (s *Service) CacheStats() (entries int, bytes int64) { return s.tiles.cache.Stats() }

// Caching reports whether the service has a tile cache (Config.CacheMB > 0).
func (s *Service) Caching() bool { return s.tiles.cache != nil }

// layerVersions holds each layer's data version as last heard from PostgreSQL. While the
// listener is down (live false) nothing is known: the cache is bypassed rather than trusted.
type layerVersions struct {
	live atomic.Bool
	byID map[string]*atomic.Int64 // one entry per catalog layer, fixed at start
}

func newLayerVersions(catalog *geo.Catalog) *layerVersions {
	v := &layerVersions{byID: map[string]*atomic.Int64{}}
	for _, l := range catalog.Layers() {
		v.byID[l.ID] = new(atomic.Int64)
	}
	// The analysis tables' version travels the same way as a layer's; the response cache keys
	// the planning answers on it (server/respcache).
	v.byID[respcache.AnalysisVersion] = new(atomic.Int64)
	return v
}

// current is the layer's version, or false when it cannot be trusted.
func (v *layerVersions) current(id string) (int64, bool) {
	if !v.live.Load() {
		return 0, false
	}
	return v.byID[id].Load(), true
}

// sync takes a full read of layer_versions as the truth (a database restored from a dump may
// even go backwards) and makes the versions live.
func (v *layerVersions) sync(all map[string]int64) {
	for id, a := range v.byID {
		a.Store(all[id])
	}
	v.live.Store(true)
}

// raise applies a notification; notifications of one layer may arrive out of order only with
// older ones, so the version never goes down.
func (v *layerVersions) raise(id string, ver int64) {
	a, ok := v.byID[id]
	if !ok {
		return
	}
	for {
		old := a.Load()
		if ver <= old || a.CompareAndSwap(old, ver) {
			return
		}
	}
}

// tileKey names one tile representation: the layers ("districts" or "districts,regions"), the
// data versions it was built from, the tile and the canonical filter string.
type tileKey struct {
	layers   string
	version  int64  // single layer
	versions string // composites: "18.16"
	tile     geo.TileCoord
	filters  string
}

// tileBody is a built tile: its MVT bytes, their gzip (nil when gzip does not help) and the
// strong ETags of both representations.
type tileBody struct {
	raw, gz      []byte
	etag, etagGz string
	versions     []int64
	// Header values built once, so that serving a cached tile allocates little.
	hdrETag, hdrETagGz, hdrLen, hdrLenGz []string
}

// gzipMinSize is the smallest tile worth compressing: a smaller one travels in a single TCP
// segment anyway, so gzip would cost CPU (tens of µs per tile) and save no round trip.
const gzipMinSize = 1024

// gzipWriters compress at BestSpeed: on tiles of a few KiB it comes within a few per cent of the
// default level's size, and resetting a writer of any other level clears ~640 KB of hash tables,
// which on the uncached path cost more than the compression itself.
var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return w
}}

// newTileBody wraps raw with its ETag and, when asked and worthwhile, its gzip.
func newTileBody(raw []byte, etag string, versions []int64, compress bool) *tileBody {
	b := &tileBody{raw: raw, etag: `"` + etag + `"`, etagGz: `"` + etag + `-gz"`, versions: versions}
	if compress && len(raw) >= gzipMinSize {
		var buf bytes.Buffer
		w := gzipWriters.Get().(*gzip.Writer)
		w.Reset(&buf)
		_, _ = w.Write(raw)
		if w.Close() == nil && buf.Len() < len(raw) {
			b.gz = buf.Bytes()
		}
		gzipWriters.Put(w)
	}
	b.headers()
	return b
}

func (b *tileBody) headers() {
	b.hdrETag, b.hdrETagGz = []string{b.etag}, []string{b.etagGz}
	b.hdrLen, b.hdrLenGz = []string{strconv.Itoa(len(b.raw))}, []string{strconv.Itoa(len(b.gz))}
}

// size is what an entry costs the cache: the bytes plus a fixed allowance for the key, the
// entry and the list element.
func (b *tileBody) size(k tileKey) int64 {
	return int64(len(b.raw)+len(b.gz)+len(b.etag)+len(b.etagGz)+len(k.layers)+len(k.versions)+len(k.filters)) + 256
}

// tileCache is the tiles kept in memory, bounded in bytes. Entries are keyed by data version, so
// a write never has to find and delete them: the next request asks for the new version, and the
// old entries age out. nil when the cache is off.
type tileCache = lru.Cache[tileKey, *tileBody]

func newTileCache(maxBytes int64) *tileCache {
	return lru.New(maxBytes, func(k tileKey, b *tileBody) int64 { return b.size(k) })
}

// flightGroup runs one query for concurrent requests of the same tile. The query runs under a
// context of its own that is cancelled when every request waiting for it has gone, so a query
// outlives neither its clients nor (through the store's timeout) its deadline.
type flightGroup struct {
	mu    sync.Mutex
	calls map[tileKey]*flight
}

type flight struct {
	done    chan struct{}
	body    *tileBody
	err     error
	waiters int
	cancel  context.CancelFunc
}

// do returns fn's result for key, running fn at most once at a time per key; shared reports that
// another request had started it. lookup (may be nil) is asked under the group's lock before a
// new query starts, so a request that just missed a finishing query finds its result instead.
func (g *flightGroup) do(ctx context.Context, key tileKey, lookup func() (*tileBody, bool), fn func(context.Context) (*tileBody, error)) (body *tileBody, shared bool, err error) {
	g.mu.Lock()
	if g.calls == nil {
		g.calls = map[tileKey]*flight{}
	}
	f, shared := g.calls[key]
	if !shared && lookup != nil {
		if b, ok := lookup(); ok {
			g.mu.Unlock()
			return b, true, nil
		}
	}
	if !shared {
		// Keep the request's values (request id, tracing) but not its cancellation, which is
		// handled by counting waiters below.
		qctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		f = &flight{done: make(chan struct{}), cancel: cancel}
		g.calls[key] = f
		go func() {
			f.body, f.err = fn(qctx)
			g.forget(key, f)
			cancel()
			close(f.done)
		}()
	}
	f.waiters++
	g.mu.Unlock()

	select {
	case <-f.done:
		return f.body, shared, f.err
	case <-ctx.Done():
		g.mu.Lock()
		f.waiters--
		abandoned := f.waiters == 0
		if abandoned && g.calls[key] == f {
			delete(g.calls, key) // a request arriving from now on must not join a cancelled query
		}
		g.mu.Unlock()
		if abandoned {
			f.cancel()
		}
		return nil, shared, ctx.Err()
	}
}

func (g *flightGroup) forget(key tileKey, f *flight) {
	g.mu.Lock()
	if g.calls[key] == f {
		delete(g.calls, key)
	}
	g.mu.Unlock()
}
