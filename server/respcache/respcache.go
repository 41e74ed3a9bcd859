// Package respcache serves the read answers of /api, /ogc and TileJSON from memory: each answer
// is kept for the data versions of the layers it depends on plus its normalised request, built
// once however many clients ask at the same time, compressed once and served as gzip or identity,
// and revalidated with strong ETags (If-None-Match → 304 without touching the database).
//
// The versions come from the same source as the tile cache (server/tiles, fed by
// geo.VersionWatch over LISTEN/NOTIFY), so an answer changes in every process when its data
// does, and whatever makes those versions safe (a replica that has replayed them) covers this
// cache too. Answers that depend on the user are never kept or shared: see Config.Private.
package respcache

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"hash/fnv"
	"net/http"
	"strconv"
	"sync"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/clustermap/clustermap/server/httpx"
	"github.com/clustermap/clustermap/server/lru"
)

// Versions reports a layer's current data version, false while versions cannot be trusted (the
// listener is down): then nothing is cached and no ETag is given.
type Versions func(id string) (int64, bool)

// Config is how the cache keeps answers.
type Config struct {
	// MaxBytes bounds the bodies kept (both encodings); 0 keeps none but still answers
	// If-None-Match from the versions.
	MaxBytes int64
	// Versions is the data-version source shared with the tile cache.
	Versions Versions
	// Private reports a request whose answer may depend on who sends it (a session cookie,
	// Authorization): such a request is answered fresh, never from or into the cache.
	Private func(*gin.Context) bool
	// Salt enters every ETag, so that a release that writes answers differently never
	// revalidates a body of the previous one.
	Salt string
	// Metrics, when set, receives the cache's counters and gauges.
	Metrics *httpx.Metrics
}

// Built is an answer as a handler made it.
type Built struct {
	Body []byte
	Type string
	// ETag, when set, is the validator to send instead of the versions' (an editable OGC item
	// carries its feature version, which If-Match on writes compares). Quoted.
	ETag string
}

// Cache is the response cache. A nil *Cache serves everything fresh.
type Cache struct {
	cfg     Config
	salt    uint64
	kept    *lru.Cache[entryKey, *entry] // nil when Config.MaxBytes is not positive
	flights flightGroup
	// counters count answers by X-Response-Cache status (nil without Config.Metrics).
	counters map[string]prometheus.Counter
}

// New makes a cache.
func New(cfg Config) *Cache {
	c := &Cache{cfg: cfg}
	h := fnv.New64a()
	h.Write([]byte(cfg.Salt))
	c.salt = h.Sum64()
	c.kept = lru.New(cfg.MaxBytes, func(k entryKey, e *entry) int64 { return e.size(k) })
	if cfg.Metrics != nil {
		c.register(cfg.Metrics)
	}
	return c
}

type entryKey struct {
	key      string
	versions string
}

// entry is a kept answer: its body in both encodings (gz nil when gzip does not help) and the
// header values, prepared once so that a hit allocates little.
type entry struct {
	raw, gz                  []byte
	etag, etagGz             string
	hdrType, hdrETag         []string
	hdrETagGz, hdrLen, hdrGz []string
}

func (e *entry) size(k entryKey) int64 {
	return int64(len(e.raw)+len(e.gz)+len(k.key)+len(k.versions)+2*len(e.etag)) + 256
}

// Stats reports the answers and bytes held.
func (c *Cache) Stats() (entries int, bytes int64) {
	if c == nil {
		return 0, 0
	}
	return c.kept.Stats()
}

func (c *Cache) get(k entryKey) (*entry, bool) { return c.kept.Get(k) }

func (c *Cache) add(k entryKey, e *entry) { c.kept.Add(k, e) }

// Status header values: what happened to a request (X-Response-Cache).
var (
	hdrStatus = map[string][]string{}
	hdrVary   = []string{"Accept-Encoding"}
	hdrGzip   = []string{"gzip"}
	// hdrRevalidate lets browsers and proxies keep a shared answer but ask (with its ETag) every
	// time before using it: an edit shows at once, and an unchanged answer costs a 304.
	hdrRevalidate = []string{"no-cache"}
	hdrPrivate    = []string{"private, no-store"}
)

func init() {
	for _, s := range []string{"hit", "miss", "shared", "revalidated", "private", "bypass"} {
		hdrStatus[s] = []string{s}
	}
}

// Serve answers a request whose answer depends only on the data of deps (layer ids, as the
// version source knows them) and on key (the normalised request: route, validated parameters,
// format, and the base URL when links are absolute). build makes the answer when it is not held;
// it runs once for all concurrent requests of the same answer, in the first one's goroutine and
// under its context (so it may read that request); if that client leaves, a waiting one builds
// again. Errors are handed to gin (c.Error) and never kept.
func (c *Cache) Serve(gc *gin.Context, deps []string, key string, build func(context.Context) (Built, error)) {
	if c == nil || (c.cfg.Private != nil && c.cfg.Private(gc)) {
		c.fresh(gc, build, "private")
		return
	}
	vs, ok := c.versions(deps)
	if !ok {
		c.fresh(gc, build, "bypass")
		return
	}
	k := entryKey{key: key, versions: vs}
	inm := gc.GetHeader("If-None-Match")
	gz := httpx.AcceptsGzip(gc.GetHeader("Accept-Encoding"))
	if e, ok := c.get(k); ok {
		c.write(gc, e, "hit", gz, inm)
		return
	}
	tag := c.etag(vs, key)
	if inm != "" && httpx.ETagMatches(inm, tag, tag[:len(tag)-1]+`-gz"`) {
		// The client holds this very answer: no build, no database (an answer with its own
		// validator never matches here, since its tag is not this one).
		h := gc.Writer.Header()
		h["Vary"] = append(h["Vary"], hdrVary...)
		revalidate(h)
		h["X-Response-Cache"] = hdrStatus["revalidated"]
		c.count("revalidated")
		h.Set("ETag", tag)
		if gzTag := tag[:len(tag)-1] + `-gz"`; httpx.ETagMatches(inm, gzTag) {
			h.Set("ETag", gzTag) // the same tag the 200 it revalidates carried
		}
		gc.Status(http.StatusNotModified)
		return
	}
	lookup := func() (*entry, bool) { return c.get(k) }
	e, shared, err := c.flights.do(gc.Request.Context(), k, lookup, func(ctx context.Context) (*entry, error) {
		b, err := build(ctx)
		if err != nil {
			return nil, err
		}
		e := newEntry(b, tag)
		c.add(k, e)
		return e, nil
	})
	if err != nil {
		_ = gc.Error(err)
		return
	}
	status := "miss"
	if shared {
		status = "shared"
	}
	c.write(gc, e, status, gz, inm)
}

// versions joins the deps' versions ("18.16.3"), false when any is unknown.
func (c *Cache) versions(deps []string) (string, bool) {
	if c.cfg.Versions == nil {
		return "", false
	}
	b := make([]byte, 0, 8*len(deps))
	for i, d := range deps {
		v, ok := c.cfg.Versions(d)
		if !ok {
			return "", false
		}
		if i > 0 {
			b = append(b, '.')
		}
		b = strconv.AppendInt(b, v, 10)
	}
	return string(b), true
}

// etag is the strong validator (quoted) of an answer: the versions in clear and a hash of the
// request and the release's salt. Equal tags mean equal bytes in every process serving the same
// release from the same database (OGC items pages apart, whose timeStamp is the time the kept
// body was made).
func (c *Cache) etag(versions, key string) string {
	h := fnv.New64a()
	h.Write([]byte(key))
	sum := h.Sum64() ^ c.salt
	b := make([]byte, 0, len(versions)+20)
	b = append(b, `"r`...)
	b = append(b, versions...)
	b = append(b, '-')
	b = strconv.AppendUint(b, sum, 36)
	b = append(b, '"')
	return string(b)
}

// gzipMinSize is the smallest body worth compressing: a smaller one fits one TCP segment anyway.
const gzipMinSize = 1024

// Answers are compressed once and served many times, so the default level pays for itself.
var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, gzip.DefaultCompression)
	return w
}}

func compress(raw []byte) []byte {
	if len(raw) < gzipMinSize {
		return nil
	}
	var buf bytes.Buffer
	w := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(w)
	w.Reset(&buf)
	_, _ = w.Write(raw)
	if w.Close() != nil || buf.Len() >= len(raw) {
		return nil
	}
	return buf.Bytes()
}

func newEntry(b Built, tag string) *entry {
	e := &entry{raw: b.Body, gz: compress(b.Body), etag: tag, etagGz: tag[:len(tag)-1] + `-gz"`}
	if b.ETag != "" {
		// A validator of the handler's own names the data, not the bytes; both encodings share it.
		e.etag, e.etagGz = b.ETag, b.ETag
	}
	e.hdrType = []string{b.Type}
	e.hdrETag, e.hdrETagGz = []string{e.etag}, []string{e.etagGz}
	e.hdrLen, e.hdrGz = []string{strconv.Itoa(len(e.raw))}, []string{strconv.Itoa(len(e.gz))}
	return e
}

// write sends a kept answer: 304 when the client holds it, gzip when it accepts it.
func (c *Cache) write(gc *gin.Context, e *entry, status string, gz bool, inm string) {
	h := gc.Writer.Header()
	h["Vary"] = append(h["Vary"], hdrVary...)
	revalidate(h)
	h["X-Response-Cache"] = hdrStatus[status]
	useGz := gz && e.gz != nil
	h["Etag"] = e.hdrETag
	if useGz {
		h["Etag"] = e.hdrETagGz
	}
	if inm != "" && httpx.ETagMatches(inm, e.etag, e.etagGz) {
		c.count("revalidated")
		h["X-Response-Cache"] = hdrStatus["revalidated"]
		gc.Status(http.StatusNotModified)
		return
	}
	c.count(status)
	h["Content-Type"] = e.hdrType
	payload := e.raw
	h["Content-Length"] = e.hdrLen
	if useGz {
		payload = e.gz
		h["Content-Encoding"] = hdrGzip
		h["Content-Length"] = e.hdrGz
	}
	gc.Status(http.StatusOK)
	_, _ = gc.Writer.Write(payload)
}

// revalidate asks clients to revalidate, unless the handler chose a policy (TileJSON's is configured).
func revalidate(h http.Header) {
	if _, ok := h["Cache-Control"]; !ok {
		h["Cache-Control"] = hdrRevalidate
	}
}

// fresh builds and sends an answer that is not kept: for one user, or while versions are unknown.
// Compression is left to the server's on-the-fly middleware.
func (c *Cache) fresh(gc *gin.Context, build func(context.Context) (Built, error), status string) {
	b, err := build(gc.Request.Context())
	if err != nil {
		_ = gc.Error(err)
		return
	}
	c.count(status)
	h := gc.Writer.Header()
	h["X-Response-Cache"] = hdrStatus[status]
	if status == "private" {
		h["Cache-Control"] = hdrPrivate
	}
	if b.ETag != "" {
		h.Set("ETag", b.ETag)
	}
	gc.Data(http.StatusOK, b.Type, b.Body)
}

// flightGroup runs one build for concurrent requests of the same answer. The first request
// builds in its own goroutine, under its own context, so a build may read that request (its
// base URL, its parameters) and never outlives it; the others wait. When the builder gives up
// (its client went away), a waiter that is still wanted builds again rather than fail.
type flightGroup struct {
	mu    sync.Mutex
	calls map[entryKey]*flight
}

type flight struct {
	done chan struct{}
	e    *entry
	err  error
}

func (g *flightGroup) do(ctx context.Context, key entryKey, lookup func() (*entry, bool), fn func(context.Context) (*entry, error)) (*entry, bool, error) {
	for {
		g.mu.Lock()
		if g.calls == nil {
			g.calls = map[entryKey]*flight{}
		}
		f, shared := g.calls[key]
		if !shared {
			// A request that just missed a finishing build finds its result instead of starting another.
			if e, ok := lookup(); ok {
				g.mu.Unlock()
				return e, true, nil
			}
			f = &flight{done: make(chan struct{})}
			g.calls[key] = f
			g.mu.Unlock()
			g.run(ctx, key, f, fn)
			return f.e, false, f.err
		}
		g.mu.Unlock()
		select {
		case <-f.done:
		case <-ctx.Done():
			return nil, true, ctx.Err()
		}
		if f.err != nil && ctx.Err() == nil && (errors.Is(f.err, context.Canceled) || errors.Is(f.err, context.DeadlineExceeded)) {
			continue // the builder's client left; this one has not
		}
		return f.e, true, f.err
	}
}

func (g *flightGroup) run(ctx context.Context, key entryKey, f *flight, fn func(context.Context) (*entry, error)) {
	defer func() {
		g.mu.Lock()
		if g.calls[key] == f {
			delete(g.calls, key)
		}
		g.mu.Unlock()
		close(f.done)
	}()
	f.e, f.err = fn(ctx)
}
