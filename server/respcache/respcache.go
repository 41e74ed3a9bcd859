// Package respcache serves the read answers of /api, /ogc and TileJSON from memory: each answer
// is kept for the data versions of the layers it depends on plus its normalised request, built
// once however many clients ask at the same time, compressed once and served as gzip or identity,
// and revalidated with strong ETags (If-None-Match → 304 without touching the database).
//
// The versions come from the same source as the tile cache's (geo/versions, over LISTEN/NOTIFY),
// so an answer changes in every process when its data does, and whatever makes those versions
// safe (a replica that has replayed them) covers this cache too. Answers that depend on the user
// are never kept or shared: see Config.Private. Kept answers are built, shared and written by
// server/answer, as tiles are.
package respcache

import (
	"context"
	"hash/fnv"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/clustermap/clustermap/geo/versions"
	"github.com/clustermap/clustermap/server/answer"
	"github.com/clustermap/clustermap/server/httpx"
	"github.com/clustermap/clustermap/server/lru"
)

// Config is how the cache keeps answers.
type Config struct {
	// MaxBytes bounds the bodies kept (both encodings); 0 keeps none but still answers
	// If-None-Match from the versions.
	MaxBytes int64
	// Versions is the data-version source shared with the tile cache: while it cannot be trusted
	// nothing is cached and no ETag is given.
	Versions versions.Lookup
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
	cfg    Config
	salt   uint64
	kept   *lru.Cache[entryKey, *answer.Answer] // nil when Config.MaxBytes is not positive
	builds answer.Flights[entryKey, *answer.Answer]
	writer *answer.Writer
	// counters count answers by X-Response-Cache status (nil without Config.Metrics).
	counters map[string]prometheus.Counter
}

// New makes a cache.
func New(cfg Config) *Cache {
	c := &Cache{cfg: cfg}
	h := fnv.New64a()
	h.Write([]byte(cfg.Salt))
	c.salt = h.Sum64()
	c.kept = lru.New(cfg.MaxBytes, func(k entryKey, a *answer.Answer) int64 { return a.Size() + int64(len(k.key)+len(k.versions)) })
	// Browsers and proxies may keep a shared answer but must ask (with its ETag) every time before
	// using it: an edit shows at once, and an unchanged answer costs a 304.
	c.writer = answer.NewWriter("X-Response-Cache", "no-cache", statuses...)
	if cfg.Metrics != nil {
		c.register(cfg.Metrics)
	}
	return c
}

type entryKey struct {
	key      string
	versions string
}

// Stats reports the answers and bytes held.
func (c *Cache) Stats() (entries int, bytes int64) {
	if c == nil {
		return 0, 0
	}
	return c.kept.Stats()
}

// statuses are what X-Response-Cache says and the metrics count.
var statuses = []string{"hit", "miss", "shared", "revalidated", "private", "bypass"}

// hdrPrivate keeps an answer for one user out of every shared cache.
var hdrPrivate = []string{"private, no-store"}

// Serve answers a request whose answer depends only on the data of deps (layer ids, as the
// version source knows them) and on key (the normalised request: route, validated parameters,
// format, and the base URL when links are absolute). build makes the answer when it is not held;
// it runs once for all concurrent requests of the same answer, in the first one's goroutine (so
// it may read that request) and under a context with that request's values, cancelled once every
// request waiting for it has gone (answer.Flights). Errors are handed to gin (c.Error) and never
// kept.
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
	accept := httpx.AcceptedEncodings(gc.GetHeader("Accept-Encoding"))
	if a, ok := c.kept.Get(k); ok {
		c.write(gc, a, "hit", accept, inm)
		return
	}
	tags := answer.ETagsOf(c.etag(vs, key))
	if inm != "" {
		// The client holds this very answer: no build, no database (an answer with its own
		// validator never matches here, since its tag is not this one).
		if a := answer.Revalidated(inm, tags); a != nil {
			c.write(gc, a, "revalidated", accept, inm)
			return
		}
	}
	lookup := func() (*answer.Answer, bool) { return c.kept.Get(k) }
	a, shared, err := c.builds.Do(gc.Request.Context(), k, lookup, func(ctx context.Context) (*answer.Answer, error) {
		b, err := build(ctx)
		if err != nil {
			return nil, err
		}
		validators := tags
		if b.ETag != "" {
			// A validator of the handler's own names the data, not the bytes; both encodings share it.
			validators = answer.SameETag(b.ETag)
		}
		// An answer that will be kept is compressed once, at the default level, and served
		// many times; one that cannot be (the cache is off, or the answer is over an eighth of
		// it) is compressed for this request alone, at BestSpeed: the default level cost 21 ms
		// of the country's 2 MB linkage, BestSpeed a third of that.
		compression := answer.SmallGzip
		if !c.kept.Fits(int64(len(b.Body))) {
			compression = answer.FastGzip
		}
		a := answer.New(b.Body, b.Type, validators, compression)
		c.kept.Add(k, a)
		return a, nil
	})
	if err != nil {
		_ = gc.Error(err)
		return
	}
	status := "miss"
	if shared {
		status = "shared"
	}
	c.write(gc, a, status, accept, inm)
}

// versions joins the deps' versions ("18.16.3"), false when any is unknown.
func (c *Cache) versions(deps []string) (string, bool) {
	if c.cfg.Versions == nil {
		return "", false
	}
	b, ok := versions.AppendJoined(make([]byte, 0, 8*len(deps)), c.cfg.Versions, deps)
	return string(b), ok
}

// etag is the strong validator (unquoted) of an answer: the versions in clear and a hash of the
// request and the release's salt. Equal tags mean equal bytes in every process serving the same
// release from the same database (OGC items pages apart, whose timeStamp is the time the kept
// body was made).
func (c *Cache) etag(versions, key string) string {
	h := fnv.New64a()
	h.Write([]byte(key))
	sum := h.Sum64() ^ c.salt
	b := make([]byte, 0, len(versions)+20)
	b = append(b, 'r')
	b = append(b, versions...)
	b = append(b, '-')
	b = strconv.AppendUint(b, sum, 36)
	return string(b)
}

// write sends a kept answer. Every 304 is labelled revalidated, whatever found the answer, so
// X-Response-Cache and the metrics count what the client was sent.
func (c *Cache) write(gc *gin.Context, a *answer.Answer, status string, accept httpx.Accepted, inm string) {
	if a.NotModified(inm) {
		status = "revalidated"
	}
	c.count(status)
	c.writer.Write(gc, a, status, accept, inm)
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
	h["X-Response-Cache"] = []string{status}
	if status == "private" {
		h["Cache-Control"] = hdrPrivate
	}
	if b.ETag != "" {
		h.Set("ETag", b.ETag)
	}
	gc.Data(http.StatusOK, b.Type, b.Body)
}
