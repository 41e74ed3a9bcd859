package tiles

import (
	"context"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/clustermap/clustermap/geo"
)

// Empty tiles without PostGIS. Half the tiles a map asks for over a province hold nothing of a
// sparse layer (2,000 clusters in a country: 48 % of the national benchmark's list of clusters
// and communes z6–z13 were 204s), and each cost a query that found nothing. coverage keeps, per
// layer and data version, which tiles of zooms coverMinZoom–coverMaxZoom a feature's box reaches
// (margin included, as the tile statement's own area), as one bitmap per zoom over the layer's
// extent; a tile no box reaches is answered empty at once. A deeper tile is empty when its
// coverMaxZoom ancestor is: its area lies inside the ancestor's. Shallower tiles, few and seldom
// empty, always go to PostGIS.
//
// A coverage is only ever used at the version it was read at (geo.TileCoverage reads boxes and
// version in one snapshot): after a write, the layer's tiles go to PostGIS until a new coverage
// is read in the background, so a new feature is never answered away.
const (
	coverMinZoom = 10
	coverMaxZoom = 14
	// coverSlack widens each box beyond the tile statement's margin by 1 % of a tile: the
	// generalised and snapped geometries of polygonal layers, and float4 index boxes, may reach
	// a hair past the table's exact boxes.
	coverSlack = 0.01
	// coverEvery is the least time between two reads of one layer's coverage, so that a burst
	// of writes (20 editors) does not read the boxes 20 times a second.
	coverEvery = time.Second
)

// webMercatorHalf is half the width of the EPSG:3857 world, in metres.
const webMercatorHalf = 20037508.342789244

type coverage struct {
	read func(context.Context, *geo.Layer) (geo.Coverage, error)
	log  *slog.Logger
	mu   sync.Mutex
	// layers hold the last coverage read of each layer, and when a read last started.
	layers map[string]*layerCoverage
}

type layerCoverage struct {
	version  int64
	ready    bool
	zooms    [coverMaxZoom + 1]tileBitmap
	reading  bool
	lastRead time.Time
}

// tileBitmap is one bit per tile of one zoom over a range of columns and rows; full when that
// range is too large to keep (a layer spanning a continent at z14): every tile counts as reached.
type tileBitmap struct {
	x0, y0, w, h int
	bits         []uint64
	full         bool
}

// maxBitmapBits bounds one zoom's bitmap (512 KiB).
const maxBitmapBits = 1 << 22

func (b *tileBitmap) set(x, y int) {
	i := (y-b.y0)*b.w + (x - b.x0)
	b.bits[i>>6] |= 1 << (i & 63)
}

func (b *tileBitmap) has(x, y int) bool {
	if b.full {
		return true
	}
	if x < b.x0 || y < b.y0 || x >= b.x0+b.w || y >= b.y0+b.h {
		return false
	}
	i := (y-b.y0)*b.w + (x - b.x0)
	return b.bits[i>>6]&(1<<(i&63)) != 0
}

func newCoverage(read func(context.Context, *geo.Layer) (geo.Coverage, error), log *slog.Logger) *coverage {
	return &coverage{read: read, log: log, layers: map[string]*layerCoverage{}}
}

// empty reports whether tile tc of l is known to hold no feature at data version v. It never
// waits: when the coverage of that version is not there yet, it starts reading it and says no.
func (c *coverage) empty(l *geo.Layer, v int64, tc geo.TileCoord) bool {
	if c == nil || tc.Z < coverMinZoom || v < 0 {
		return false
	}
	c.mu.Lock()
	lc := c.layers[l.ID]
	if lc == nil {
		lc = &layerCoverage{}
		c.layers[l.ID] = lc
	}
	if !lc.ready || lc.version != v {
		if !lc.reading && time.Since(lc.lastRead) >= coverEvery {
			lc.reading, lc.lastRead = true, time.Now()
			go c.refresh(l)
		}
		c.mu.Unlock()
		return false
	}
	c.mu.Unlock()
	z := min(tc.Z, coverMaxZoom)
	shift := tc.Z - z
	return !lc.zooms[z].has(tc.X>>shift, tc.Y>>shift)
}

// refresh reads the layer's boxes and builds its bitmaps.
func (c *coverage) refresh(l *geo.Layer) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cov, err := c.read(ctx, l)
	c.mu.Lock()
	defer c.mu.Unlock()
	lc := c.layers[l.ID]
	lc.reading = false
	if err != nil {
		c.log.Warn("tile coverage", "layer", l.ID, "err", err)
		return
	}
	lc.version, lc.ready = cov.Version, true
	for z := coverMinZoom; z <= coverMaxZoom; z++ {
		lc.zooms[z] = bitmapOf(cov.Boxes, z)
	}
}

// bitmapOf marks, at zoom z, every tile whose statement area (the tile widened by its buffer,
// and coverSlack) meets a box.
func bitmapOf(boxes [][4]float64, z int) tileBitmap {
	n := 1 << z
	size := 2 * webMercatorHalf / float64(n)
	pad := (float64(geo.TileBuffer)/float64(geo.TileExtent) + coverSlack) * size
	clamp := func(v float64) int { return max(0, min(n-1, int(math.Floor(v)))) }
	type span struct{ x0, y0, x1, y1 int }
	spans := make([]span, 0, len(boxes))
	b := tileBitmap{x0: n, y0: n, w: 0, h: 0}
	x1, y1 := -1, -1
	for _, box := range boxes {
		s := span{
			x0: clamp((box[0] - pad + webMercatorHalf) / size), x1: clamp((box[2] + pad + webMercatorHalf) / size),
			y0: clamp((webMercatorHalf - box[3] - pad) / size), y1: clamp((webMercatorHalf - box[1] + pad) / size),
		}
		spans = append(spans, s)
		b.x0, b.y0, x1, y1 = min(b.x0, s.x0), min(b.y0, s.y0), max(x1, s.x1), max(y1, s.y1)
	}
	if len(spans) == 0 {
		return tileBitmap{}
	}
	b.w, b.h = x1-b.x0+1, y1-b.y0+1
	if b.w*b.h > maxBitmapBits {
		return tileBitmap{full: true}
	}
	b.bits = make([]uint64, (b.w*b.h+63)/64)
	for _, s := range spans {
		for y := s.y0; y <= s.y1; y++ {
			for x := s.x0; x <= s.x1; x++ {
				b.set(x, y)
			}
		}
	}
	return b
}
