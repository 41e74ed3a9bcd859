package tiles

import (
	"hash/fnv"
	"log/slog"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/versions"
	"github.com/clustermap/clustermap/server/answer"
	"github.com/clustermap/clustermap/server/httpx"
	"github.com/clustermap/clustermap/server/lru"
	"github.com/clustermap/clustermap/server/respcache"
)

// Service serves /tiles: vector tiles of one layer or several, and TileJSON. It keeps the tiles
// in an LRU cache keyed by the layers' data versions (geo/versions).
type Service struct {
	store *geo.Store
	tiles *tileState
	// cacheControl is the configured Cache-Control of TileJSON and the ceiling file ("": none).
	cacheControl string
	metrics      *tileMetrics
	// resp keeps TileJSON documents (nil: built every time); set by UseResponseCache.
	resp *respcache.Cache
}

// UseResponseCache makes TileJSON go through the server's response cache.
func (s *Service) UseResponseCache(c *respcache.Cache) { s.resp = c }

// Config is how tiles are served and kept.
type Config struct {
	// CacheControl is sent with tiles and TileJSON, e.g. "public, max-age=60".
	CacheControl string
	// CacheMB bounds the in-process tile cache; 0 disables it.
	CacheMB int
	// Versions are the layers' current data versions, which key the cache and the ETags; nil
	// (never known) serves every tile from PostGIS.
	Versions versions.Lookup
}

// New builds the tile service over store's catalog; its metrics go to m.
func New(cfg Config, store *geo.Store, m *httpx.Metrics) *Service {
	ts := newTileState(cfg, store)
	return &Service{store: store, tiles: ts, cacheControl: cfg.CacheControl, metrics: newTileMetrics(m, ts.cache)}
}

// tileState is everything the tile handlers share: the cache, the queries in flight, the data
// versions they key on and the writer of their answers.
type tileState struct {
	cache    *tileCache // nil when CLUSTERMAP_TILE_CACHE_MB is 0
	builds   answer.Flights[tileKey, tile]
	versions versions.Lookup
	writer   *answer.Writer
	// sqlTags fingerprint each layer's tile statement, so that ETags change when a new release
	// builds tiles differently from the same data.
	sqlTags map[string]uint64
	// single holds each layer as a one-element list, the common case of a tile request.
	single map[string][]*geo.Layer
	// readFrom are, per layer, the other versions its tiles are made of: a tile carries the
	// layer's derived fields (a cluster's district and commune names), read from other layers'
	// tables and the register of units, so renaming a district must change the clusters' tiles.
	readFrom map[string][]string
	// cover answers the tiles no feature reaches without PostGIS (coverage.go).
	cover *coverage
}

// tileStatuses are what X-Tile-Cache says and the metrics count: hit, miss, shared (joined a
// running query), assembled (a composite from cached layers), revalidated (304 without the
// database), empty (no feature reaches the tile, known without the database: coverage.go).
var tileStatuses = []string{"hit", "miss", "shared", "assembled", "revalidated", "empty"}

func newTileState(cfg Config, store *geo.Store) *tileState {
	catalog := store.Catalog()
	ts := &tileState{
		cache:    newTileCache(int64(cfg.CacheMB) << 20),
		versions: cfg.Versions,
		writer:   answer.NewWriter("X-Tile-Cache", cfg.CacheControl, tileStatuses...),
		sqlTags:  map[string]uint64{},
		single:   map[string][]*geo.Layer{},
		readFrom: map[string][]string{},
		cover:    newCoverage(store.TileCoverage, slog.Default()),
	}
	if ts.versions == nil {
		ts.versions = func(string) (int64, bool) { return 0, false }
	}
	for id, deps := range respcache.LayerDeps(catalog) {
		ts.readFrom[id] = deps[1:] // the first is the layer itself
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

// CacheStats reports the tiles and bytes the cache holds; Caching is false without a cache.
func (s *Service) CacheStats() (entries int, bytes int64) { return s.tiles.cache.Stats() }

// Caching reports whether the service has a tile cache (Config.CacheMB > 0).
func (s *Service) Caching() bool { return s.tiles.cache != nil }

// tileKey names one tile representation: the layers ("districts" or "districts,regions"), the
// data versions it was built from, the tile and the canonical filter string.
type tileKey struct {
	layers   string
	version  int64  // single layer
	versions string // composites: "18.16"
	readFrom string // the versions of what the layers' derived fields read (tileState.readFromVersions)
	tile     geo.TileCoord
	filters  string
}

// tile is a built tile: the answer and, for one layer's tile, the data version it was read at
// (which a composite's key and ETag are made of).
type tile struct {
	*answer.Answer
	version int64
}

// tileCache is the tiles kept in memory, bounded in bytes. Entries are keyed by data version, so
// a write never has to find and delete them: the next request asks for the new version, and the
// old entries age out. nil when the cache is off.
type tileCache = lru.Cache[tileKey, tile]

func newTileCache(maxBytes int64) *tileCache {
	return lru.New(maxBytes, func(k tileKey, t tile) int64 {
		return t.Size() + int64(len(k.layers)+len(k.versions)+len(k.readFrom)+len(k.filters))
	})
}
