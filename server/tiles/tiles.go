// Package tiles serves Mapbox Vector Tiles and TileJSON under /tiles: one layer's tiles or several
// concatenated, built by PostGIS, cached by data version, revalidated by strong ETags.
package tiles

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/versions"
	"github.com/clustermap/clustermap/server/answer"
	"github.com/clustermap/clustermap/server/httpx"
	"github.com/clustermap/clustermap/server/respcache"
)

const (
	// MVTType is the media type of a vector tile.
	MVTType = "application/vnd.mapbox-vector-tile"
	// TileJSONMaxZoom is the deepest zoom TileJSON advertises. Deeper tiles are served, but a
	// z14 tile already resolves ~0.6 m, finer than any geometry here, so clients should overzoom.
	TileJSONMaxZoom = 14
	// ceilingPath is a small embedded file served through the same engine and middleware as the
	// tiles: `make bench` measures the HTTP ceiling of this server with it.
	ceilingPath = "ceiling.txt"
)

var ceilingBody = []byte("ClusterMap tile server. This small static file is the HTTP ceiling that `make bench`\n" +
	"compares cached tiles with: the same engine, middleware and headers, and no work at all.\n" +
	"Tiles: /tiles/{layer}/{z}/{x}/{y}.mvt  TileJSON: /tiles/{layer}.json  Layers: /api/layers\n")

// Routes registers /tiles (vector tiles and TileJSON). One catch-all route parses the path
// itself, because a composite layer list ("districts,regions") and "{layer}.json" share the
// first segment.
func (s *Service) Routes(r gin.IRouter) {
	g := r.Group("/tiles", httpx.AllowCORS())
	g.GET("/*path", s.handleTiles)
	g.HEAD("/*path", s.handleTiles)
	g.OPTIONS("/*path", func(*gin.Context) {}) // AllowCORS answers the preflight
}

func (s *Service) handleTiles(c *gin.Context) {
	p := strings.TrimPrefix(c.Param("path"), "/")
	parts := strings.Split(p, "/")
	switch {
	case p == ceilingPath:
		s.handleCeiling(c)
	case len(parts) == 1 && strings.HasSuffix(p, ".json"):
		s.handleTileJSON(c, strings.TrimSuffix(p, ".json"))
	case len(parts) == 4:
		s.handleTile(c, parts)
	default:
		_ = c.Error(httpx.NotFound("no such resource: " + c.Request.URL.Path))
	}
}

// handleTile serves /tiles/{layers}/{z}/{x}/{y}.{mvt|pbf}.
func (s *Service) handleTile(c *gin.Context, parts []string) {
	yStr, ext, _ := strings.Cut(parts[3], ".")
	if ext != "mvt" && ext != "pbf" {
		_ = c.Error(httpx.NotFound("tiles are .mvt or .pbf: " + c.Request.URL.Path))
		return
	}
	layers, err := s.tileLayers(parts[0])
	if err != nil {
		_ = c.Error(err)
		return
	}
	tc, err := parseTileCoord(parts[1], parts[2], yStr)
	if err != nil {
		_ = c.Error(err)
		return
	}
	q, err := parseTileParams(c.Request.URL.RawQuery, layers, tc)
	if err != nil {
		_ = c.Error(err)
		return
	}
	accept := httpx.AcceptedEncodings(c.GetHeader("Accept-Encoding"))
	gz := accept.Gzip
	inm := c.GetHeader("If-None-Match")
	ctx := c.Request.Context()

	var t tile
	var status string
	if len(layers) == 1 {
		t, status, err = s.layerTile(ctx, layers[0], tc, q.equals, q.properties, q.key, gz, inm)
	} else {
		t, status, err = s.compositeTile(ctx, layers, parts[0], tc, q, gz, inm)
	}
	if err != nil {
		_ = c.Error(err)
		return
	}
	s.metrics.tile(status, s.tiles.writer.Write(c, t.Answer, status, accept, inm))
}

// layerTile returns one layer's tile: from the cache when the layer's version is known and the
// tile is held, else from PostGIS (one query for all concurrent requests of it). When the client
// already holds the current version (If-None-Match), it answers without touching the database.
// filterKey is the canonical form of equals and properties, which keys the cache and the ETag.
func (s *Service) layerTile(ctx context.Context, l *geo.Layer, tc geo.TileCoord, equals map[string]string, properties []string, filterKey string, gz bool, inm string) (tile, string, error) {
	ts := s.tiles
	key := tileKey{layers: l.ID, tile: tc, filters: filterKey, version: -1}
	// A request that must read its own writes skips the published versions, which may trail the
	// primary it reads from; what it builds is still filed under the version read with the data.
	v, live := ts.versions(l.ID)
	// What the layer's derived fields read is at least as new as its published versions on any
	// database the tile is read from, so every tile built is filed under them.
	readFrom, readFromLive := ts.readFromVersions(ts.single[l.ID])
	key.readFrom = readFrom
	if live && readFromLive && !geo.ReadsOwnWrites(ctx) {
		key.version = v
		if t, ok := ts.cache.Get(key); ok {
			return t, "hit", nil
		}
		if inm != "" {
			if a := answer.Revalidated(inm, ts.etags([]*geo.Layer{l}, []int64{v}, readFrom, tc, filterKey)); a != nil {
				return tile{Answer: a, version: v}, "revalidated", nil
			}
		}
		// No feature of this version reaches the tile: the answer PostGIS would give, without
		// asking it (filters only take features away).
		if ts.cover.empty(l, v, tc) {
			t := tile{Answer: answer.New(nil, MVTType, ts.etags([]*geo.Layer{l}, []int64{v}, readFrom, tc, filterKey), answer.NoGzip), version: v}
			ts.cache.Add(key, t)
			return t, "empty", nil
		}
	}
	var lookup func() (tile, bool)
	if key.version >= 0 && ts.cache != nil {
		lookup = func() (tile, bool) { return ts.cache.Get(key) }
	}
	compress := ts.compression(gz)
	t, shared, err := ts.builds.Do(ctx, key, lookup, func(ctx context.Context) (tile, error) {
		mvt, err := s.store.Tile(ctx, geo.TileQuery{Layer: l, Tile: tc, Equals: equals, Properties: properties})
		if err != nil {
			return tile{}, err
		}
		// The versions of what its derived fields read are those published before the query,
		// so the data it read is at least as new as they say.
		t := tile{Answer: answer.New(mvt.MVT, MVTType, ts.etags([]*geo.Layer{l}, []int64{mvt.Version}, key.readFrom, tc, filterKey), compress), version: mvt.Version}
		// Filed under the version read with the data, which may be newer than the one asked for
		// (not at all while what the derived fields read has no known version).
		if readFromLive {
			stored := key
			stored.version = mvt.Version
			ts.cache.Add(stored, t)
		}
		return t, nil
	})
	if err != nil {
		return tile{}, "", err
	}
	if shared {
		return t, "shared", nil
	}
	return t, "miss", nil
}

// compositeTile concatenates the layers' tiles: an MVT tile is a sequence of layers, so the bytes
// of single-layer tiles joined are a valid tile with one layer per catalog layer. Each layer keeps
// the properties asked for that it declares.
func (s *Service) compositeTile(ctx context.Context, layers []*geo.Layer, spec string, tc geo.TileCoord, q tileParams, gz bool, inm string) (tile, string, error) {
	ts := s.tiles
	key := tileKey{layers: spec, tile: tc, filters: q.key, version: -1}
	readFrom, readFromLive := ts.readFromVersions(layers)
	key.readFrom = readFrom
	if vs, live := ts.currentVersions(layers); live && readFromLive && !geo.ReadsOwnWrites(ctx) {
		key.versions = joinVersions(vs)
		if t, ok := ts.cache.Get(key); ok {
			return t, "hit", nil
		}
		if inm != "" {
			if a := answer.Revalidated(inm, ts.etags(layers, vs, readFrom, tc, q.key)); a != nil {
				return tile{Answer: a}, "revalidated", nil
			}
		}
	}
	var raw []byte
	vs := make([]int64, len(layers))
	status := "assembled" // from cached layers
	for i, l := range layers {
		props, filterKey := q.layerQuery(l)
		t, st, err := s.layerTile(ctx, l, tc, q.equals, props, filterKey, false, "")
		if err != nil {
			return tile{}, "", err
		}
		if st != "hit" {
			status = "miss"
		}
		raw = append(raw, t.Body()...)
		vs[i] = t.version
	}
	t := tile{Answer: answer.New(raw, MVTType, ts.etags(layers, vs, key.readFrom, tc, q.key), ts.compression(gz))}
	key.versions = joinVersions(vs)
	if readFromLive {
		ts.cache.Add(key, t)
	}
	return t, status, nil
}

// compression is how a tile is compressed: once for a client that takes gzip, or for any client
// the cache may serve it to.
func (ts *tileState) compression(gz bool) answer.Compression {
	if gz || ts.cache != nil {
		return answer.FastGzip
	}
	return answer.NoGzip
}

func (ts *tileState) currentVersions(layers []*geo.Layer) ([]int64, bool) {
	vs := make([]int64, len(layers))
	for i, l := range layers {
		v, live := ts.versions(l.ID)
		if !live {
			return nil, false
		}
		vs[i] = v
	}
	return vs, true
}

// readFromVersions are the current versions of what the layers' derived fields read
// (tileState.readFrom), in one string; false while any cannot be trusted.
func (ts *tileState) readFromVersions(layers []*geo.Layer) (string, bool) {
	var b []byte
	for i, l := range layers {
		if i > 0 {
			b = append(b, '|')
		}
		var live bool
		if b, live = versions.AppendJoined(b, ts.versions, ts.readFrom[l.ID]); !live {
			return "", false
		}
	}
	return string(b), true
}

// etags are the strong validators of a tile: the data versions and the tile in clear, and a hash
// of the layers, their tile statements, the versions of what their derived fields read (readFrom)
// and the filters. Equal tags mean equal bytes, in every process that serves the same release
// from the same database.
func (ts *tileState) etags(layers []*geo.Layer, versions []int64, readFrom string, tc geo.TileCoord, filterKey string) answer.ETags {
	h := fnv.New64a()
	for _, l := range layers {
		h.Write([]byte(l.ID))
		h.Write(strconv.AppendUint([]byte{':'}, ts.sqlTags[l.ID], 16))
		h.Write([]byte{','})
	}
	h.Write([]byte(readFrom))
	h.Write([]byte{'|'})
	h.Write([]byte(filterKey))
	b := make([]byte, 0, 64)
	b = append(b, joinVersions(versions)...)
	for _, n := range []int{tc.Z, tc.X, tc.Y} {
		b = append(b, '-')
		b = strconv.AppendInt(b, int64(n), 10)
	}
	b = append(b, '-')
	b = strconv.AppendUint(b, h.Sum64(), 36)
	return answer.ETagsOf(string(b))
}

func joinVersions(vs []int64) string {
	b := make([]byte, 0, 8*len(vs))
	for i, v := range vs {
		if i > 0 {
			b = append(b, '.')
		}
		b = strconv.AppendInt(b, v, 10)
	}
	return string(b)
}

// tileLayers resolves "districts" or "districts,regions" against the catalog.
func (s *Service) tileLayers(spec string) ([]*geo.Layer, error) {
	if one, ok := s.tiles.single[spec]; ok {
		return one, nil
	}
	names := strings.Split(spec, ",")
	out := make([]*geo.Layer, 0, len(names))
	for i, name := range names {
		if name == "" {
			return nil, httpx.BadRequest("empty layer name in " + strconv.Quote(spec))
		}
		l, ok := s.store.Catalog().Layer(name)
		if !ok {
			return nil, httpx.NotFound("unknown layer " + strconv.Quote(name))
		}
		for _, prev := range names[:i] {
			if prev == name {
				return nil, httpx.BadRequest("layer " + strconv.Quote(name) + " is listed twice")
			}
		}
		out = append(out, l)
	}
	return out, nil
}

// parseTileCoord reads z, x and y: plain decimal integers within the tile grid.
func parseTileCoord(z, x, y string) (geo.TileCoord, error) {
	var v [3]int
	for i, s := range []string{z, x, y} {
		if s == "" || len(s) > 9 || strings.Trim(s, "0123456789") != "" {
			return geo.TileCoord{}, httpx.BadRequest(fmt.Sprintf("tile z/x/y must be non-negative integers, got %q/%q/%q", z, x, y))
		}
		v[i], _ = strconv.Atoi(s)
	}
	tc := geo.TileCoord{Z: v[0], X: v[1], Y: v[2]}
	return tc, tc.Valid()
}

// tileParams is what a tile's query string asks for: equality filters (?status=operating, one
// layer's tiles only) and a property list (?properties=slug,name, as pg_tileserv reads it).
type tileParams struct {
	equals     map[string]string
	properties []string // sorted; nil: every declared field
	// key is the canonical query, which keys the cache and the ETag.
	key string
}

// parseTileParams reads and checks a tile's query string against its layers.
func parseTileParams(raw string, layers []*geo.Layer, tc geo.TileCoord) (tileParams, error) {
	var q tileParams
	if raw == "" {
		return q, nil
	}
	params, err := httpx.ParseQuery(raw)
	if err != nil || len(params) == 0 {
		return q, err
	}
	for k, vals := range params {
		if len(vals) != 1 {
			return q, httpx.BadRequest(fmt.Sprintf("parameter %s is given %d times", k, len(vals)))
		}
	}
	if list, ok := params["properties"]; ok {
		if q.properties, err = httpx.ParseList("properties", list[0]); err != nil {
			return q, err
		}
		if len(q.properties) == 0 {
			return q, httpx.BadRequest("properties: name at least one field (leave the parameter out for all of them)")
		}
		slices.Sort(q.properties)
		for _, name := range q.properties {
			if !slices.ContainsFunc(layers, func(l *geo.Layer) bool { _, ok := l.Field(name); return ok }) {
				return q, httpx.BadRequest(fmt.Sprintf("properties: %q is not a field of %s", name, layerNames(layers)))
			}
		}
		params.Set("properties", strings.Join(q.properties, ","))
	}
	// Filters: every other parameter. A composite tile takes a filter every one of its layers
	// declares (province_code: the web map of one province in an installation of several).
	for k, vals := range params {
		if k == "properties" {
			continue
		}
		for _, l := range layers {
			if _, ok := l.Field(k); ok {
				continue
			}
			if len(layers) > 1 {
				return q, httpx.BadRequest(fmt.Sprintf("unknown parameter %q: a composite tile's filter must be a field of each of its layers, and it is not one of %s", k, l.ID))
			}
			return q, httpx.BadRequest(fmt.Sprintf("unknown parameter %q: not a field of layer %s", k, l.ID))
		}
		if q.equals == nil {
			q.equals = make(map[string]string, len(params))
		}
		q.equals[k] = vals[0]
	}
	for _, l := range layers {
		props := q.properties // a composite's were checked above: each layer takes those it declares
		if len(layers) > 1 {
			props = nil
		}
		if err := (geo.TileQuery{Layer: l, Tile: tc, Equals: q.equals, Properties: props}).Validate(); err != nil {
			return q, err
		}
	}
	q.key = params.Encode()
	return q, nil
}

// layerQuery is the part of a composite tile's query that one of its layers takes: the
// properties it declares and the filters (which every layer declares), and their canonical key.
func (q tileParams) layerQuery(l *geo.Layer) ([]string, string) {
	key := url.Values{}
	for k, v := range q.equals {
		key.Set(k, v)
	}
	var own []string
	if q.properties != nil {
		own = []string{}
		for _, name := range q.properties {
			if _, ok := l.Field(name); ok {
				own = append(own, name)
			}
		}
		key.Set("properties", strings.Join(own, ","))
	}
	// The same canonical form as a single layer's tile with this query (parseTileParams), so both
	// requests share one cache entry.
	return own, key.Encode()
}

func layerNames(layers []*geo.Layer) string {
	names := make([]string, len(layers))
	for i, l := range layers {
		names[i] = l.ID
	}
	return strings.Join(names, ", ")
}

func (s *Service) handleCeiling(c *gin.Context) {
	h := c.Writer.Header()
	if s.cacheControl != "" {
		h.Set("Cache-Control", s.cacheControl)
	}
	h.Set("ETag", `"ceiling-1"`)
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(ceilingBody)))
	c.Status(http.StatusOK)
	_, _ = c.Writer.Write(ceilingBody)
}

// TileJSON is a TileJSON 3.0.0 document.
type TileJSON struct {
	TileJSON     string        `json:"tilejson"`
	Name         string        `json:"name"`
	Description  string        `json:"description"`
	Attribution  string        `json:"attribution"`
	Scheme       string        `json:"scheme"`
	Tiles        []string      `json:"tiles"`
	MinZoom      int           `json:"minzoom"`
	MaxZoom      int           `json:"maxzoom"`
	Bounds       [4]float64    `json:"bounds"`
	Center       [3]float64    `json:"center"`
	VectorLayers []VectorLayer `json:"vector_layers"`
}

type VectorLayer struct {
	ID          string            `json:"id"`
	Description string            `json:"description"`
	MinZoom     int               `json:"minzoom"`
	MaxZoom     int               `json:"maxzoom"`
	Fields      map[string]string `json:"fields"`
}

// handleTileJSON serves /tiles/{layers}.json. Filters and properties given to it are carried into
// the tile URL, and its vector_layers list the properties the tiles hold.
func (s *Service) handleTileJSON(c *gin.Context, spec string) {
	layers, err := s.tileLayers(spec)
	if err != nil {
		_ = c.Error(err)
		return
	}
	q, err := parseTileParams(c.Request.URL.RawQuery, layers, geo.TileCoord{})
	if err != nil {
		_ = c.Error(err)
		return
	}
	base := httpx.BaseURL(c)
	if s.cacheControl != "" {
		c.Header("Cache-Control", s.cacheControl)
	}
	deps := make([]string, len(layers))
	for i, l := range layers {
		deps[i] = l.ID
	}
	// The document depends on the layers' bounds (their data), the filters and the base URL.
	s.resp.Serve(c, deps, "tilejson|"+spec+"?"+q.key+"|"+base, func(ctx context.Context) (respcache.Built, error) {
		out, err := s.tileJSON(ctx, layers, spec, q, base)
		return respcache.Built{Body: out, Type: "application/json"}, err
	})
}

// tileJSON builds the TileJSON document of layers.
func (s *Service) tileJSON(ctx context.Context, layers []*geo.Layer, spec string, q tileParams, base string) ([]byte, error) {
	stats, err := s.store.Stats(ctx)
	if err != nil {
		return nil, err
	}
	tileURL := base + "/tiles/" + spec + "/{z}/{x}/{y}.mvt"
	if q.key != "" {
		tileURL += "?" + q.key
	}
	doc := TileJSON{TileJSON: "3.0.0", Scheme: "xyz", Tiles: []string{tileURL}, MaxZoom: TileJSONMaxZoom}
	var names, descriptions, attributions []string
	box := []float64{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}
	for _, l := range layers {
		names = append(names, l.Title.EN)
		descriptions = append(descriptions, l.Description.EN)
		if !slices.Contains(attributions, l.Attribution()) {
			attributions = append(attributions, l.Attribution())
		}
		if b := stats[l.ID].Bounds; b != nil {
			box = []float64{min(box[0], b[0]), min(box[1], b[1]), max(box[2], b[2]), max(box[3], b[3])}
		}
		vl := VectorLayer{ID: l.ID, Description: l.Description.EN, MaxZoom: TileJSONMaxZoom, Fields: map[string]string{}}
		props, _ := q.layerQuery(l)
		for _, f := range l.Fields {
			if props == nil || slices.Contains(props, f.Name) {
				vl.Fields[f.Name] = f.Title.EN + " (" + mvtFieldType(f.Type) + ")"
			}
		}
		doc.VectorLayers = append(doc.VectorLayers, vl)
	}
	doc.Name = strings.Join(names, " + ")
	doc.Description = strings.Join(descriptions, " ")
	doc.Attribution = strings.Join(attributions, " | ")
	if math.IsInf(box[0], 1) { // no data yet: the whole web-mercator world
		box = []float64{-180, -85.051129, 180, 85.051129}
	}
	round := func(v float64) float64 { return math.Round(v*1e6) / 1e6 }
	doc.Bounds = [4]float64{round(box[0]), round(box[1]), round(box[2]), round(box[3])}
	// Center on the data, at the zoom where its width fills about one 512-pixel tile.
	zoom := math.Floor(math.Log2(360 / max(box[2]-box[0], 1e-6)))
	doc.Center = [3]float64{round((box[0] + box[2]) / 2), round((box[1] + box[3]) / 2), max(0, min(TileJSONMaxZoom, zoom))}

	out, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("tilejson %s: %w", spec, err)
	}
	return out, nil
}

// mvtFieldType names how a field's values are encoded in the tiles.
func mvtFieldType(t geo.FieldType) string {
	switch t {
	case geo.Integer, geo.Number:
		return "Number"
	case geo.Date:
		return "String, YYYY-MM-DD"
	case geo.StringArray:
		return "String, a list joined with '; '"
	case geo.Object:
		return "String, a JSON object"
	}
	return "String"
}
