package server

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"time"

	"github.com/clustermap/clustermap/geo"
)

// What the web map loads on a first visit (static/app.js, static/tiles.js): the catalog, the
// provinces, the label points, each GeoJSON layer whole, and the composite tiles of the region
// fills and district outlines; in an installation of several provinces, those of each province
// (firstVisitPaths).
// A server started with Config.WarmUp asks itself for them once its data versions are live, so
// that the first visitor after a start or a deploy is served from the caches instead of waiting
// for PostGIS (~30 ms for the catalog, ~15 ms for the labels, ~10 ms a tile, on a cold
// 2-core machine). Keep these in step with the web app: the browser test of a first load
// (TestBrowser/FirstLoadWithBasemapUnreachable; TestBrowserNationalFirstLoad for a province of
// many) fails when one of its API or tile answers is not in the caches.
var (
	warmCatalog, warmProvinces, warmLabels = "/api/layers", "/api/provinces", "/api/labels"
	// warmGeoJSON are the layers the web app draws from GeoJSON (static/state.js).
	warmGeoJSON = []string{"clusters", "plants", "energy", "roads"}
	// warmTileLayers are the layers whose extent bounds the tiles the web app asks for.
	warmTileLayers = []string{"regions", "districts"}
	// warmTileZooms are the tile zooms it asks for when it opens, at map zooms 8 to 11 on phones
	// to wide screens (512-pixel tiles, one zoom up: static/tiles.js).
	warmTileZooms = [2]int{7, 10}
)

const (
	// warmTiles is the web app's tile URL of the region fills and district outlines.
	warmTiles = "/tiles/regions,districts/%d/%d/%d.mvt?properties=slug,code"
	// warmUpTimeout bounds a warm-up whose database stalls. The synthetic national dataset's 34
	// provinces (172 answers, 2,941 tiles) take ~5 s on a quiet 2-core machine, several times
	// that on a busy one.
	warmUpTimeout   = 5 * time.Minute
	warmUpLiveAfter = 10 * time.Second
)

// warmUp fills the caches with a first visit's answers. Requests go through the server's own
// handler, as a browser's do (gzip accepted), so they are filed under the same keys; a failure is
// logged and the server serves on. host is the address they name: answers with absolute links
// (the catalog, GeoJSON pages) are kept per base URL, so behind a proxy that forwards another host
// only the host-free answers (labels, tiles) are the ones its visitors get.
func (s *Server) warmUp(ctx context.Context, h http.Handler, host string) {
	ctx, cancel := context.WithTimeout(ctx, warmUpTimeout)
	defer cancel()
	start := time.Now()
	for !s.versions.Live() {
		if time.Since(start) > warmUpLiveAfter || ctx.Err() != nil {
			s.log.Warn("warm-up skipped: the layers' data versions are not live")
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	paths, tileCount := s.firstVisitPaths(ctx)
	failed := 0
	for _, p := range paths {
		if ctx.Err() != nil {
			break
		}
		req := httptest.NewRequestWithContext(ctx, http.MethodGet, p, nil)
		req.Host = host
		req.RemoteAddr = "127.0.0.1:0"
		req.Header.Set("Accept-Encoding", "gzip")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK && rec.Code != http.StatusNoContent {
			failed++
			s.log.Warn("warm-up request failed", "path", p, "status", rec.Code)
		}
	}
	s.log.Info("warmed up", "answers", len(paths)-tileCount, "tiles", tileCount, "failed", failed,
		"ms", time.Since(start).Milliseconds())
}

// firstVisitPaths are the answers a first visit loads, and how many of them are tiles. An
// installation of several provinces shows one province a visit (static/api.js: readOnlyProvince),
// so its visitors ask for each province's answers, with the province in the query exactly as the
// page writes it, and for the base tiles over that province only: those are warmed, not the
// country's whole layers, which no page of it asks for.
func (s *Server) firstVisitPaths(ctx context.Context) ([]string, int) {
	paths, tileCount := []string{warmCatalog, warmProvinces}, 0
	layers := s.warmedGeoJSON()
	provinces, err := s.units.Provinces(ctx, time.Now())
	if err != nil {
		s.log.Warn("warm-up: provinces", "err", err)
	}
	if len(provinces) < 2 {
		bounds, err := s.tileExtent(ctx)
		if err != nil {
			s.log.Warn("warm-up: layer extents", "err", err)
		}
		more, tiles := visitPaths(layers, "", "", bounds, 0)
		return append(paths, more...), tiles
	}
	for _, p := range provinces {
		var box *geo.BBox
		if p.BBox != nil {
			box = &geo.BBox{MinLon: p.BBox[0], MinLat: p.BBox[1], MaxLon: p.BBox[2], MaxLat: p.BBox[3]}
		}
		q := url.QueryEscape(p.Code)
		// A province's view reaches past its box (the map opens on the province, the screen is
		// wider): its tiles and a ring around them.
		more, tiles := visitPaths(layers, "?province="+q, "&province_code="+q, box, 1)
		paths, tileCount = append(paths, more...), tileCount+tiles
	}
	return paths, tileCount
}

// visitPaths are one visit's label points, GeoJSON layers and base tiles (over bounds and ring
// tiles around them), the page's own queries extended by labelsQuery (the first parameter) and
// by more (further parameters); and how many of them are tiles.
func visitPaths(layers []string, labelsQuery, more string, bounds *geo.BBox, ring int) ([]string, int) {
	paths := []string{warmLabels + labelsQuery}
	for _, id := range layers {
		paths = append(paths, "/api/layers/"+id+"/features?limit=10000"+more)
	}
	tiles := warmTilePaths(bounds, more, ring)
	return append(paths, tiles...), len(tiles)
}

// warmedGeoJSON are the layers of warmGeoJSON this installation serves.
func (s *Server) warmedGeoJSON() []string {
	var ids []string
	for _, id := range warmGeoJSON {
		if _, ok := s.store.Catalog().Layer(id); ok {
			ids = append(ids, id)
		}
	}
	return ids
}

// warmTilePaths are the base tiles over bounds (none when nil) at warmTileZooms and ring tiles
// around them, with query appended to the web app's own (warmTiles).
func warmTilePaths(bounds *geo.BBox, query string, ring int) []string {
	if bounds == nil {
		return nil
	}
	var out []string
	for z := warmTileZooms[0]; z <= warmTileZooms[1]; z++ {
		nw := geo.TileAt(z, bounds.MinLon, bounds.MaxLat)
		se := geo.TileAt(z, bounds.MaxLon, bounds.MinLat)
		last := 1<<z - 1
		for y := max(nw.Y-ring, 0); y <= min(se.Y+ring, last); y++ {
			for x := max(nw.X-ring, 0); x <= min(se.X+ring, last); x++ {
				out = append(out, fmt.Sprintf(warmTiles, z, x, y)+query)
			}
		}
	}
	return out
}

// tileExtent is the union of the warmed tile layers' bounds (nil when they hold no data).
func (s *Server) tileExtent(ctx context.Context) (*geo.BBox, error) {
	stats, err := s.store.Stats(ctx)
	if err != nil {
		return nil, err
	}
	var out *geo.BBox
	for _, id := range warmTileLayers {
		b := stats[id].Bounds
		if b == nil {
			continue
		}
		box := geo.BBox{MinLon: b[0], MinLat: b[1], MaxLon: b[2], MaxLat: b[3]}
		if out == nil {
			out = &box
			continue
		}
		out.MinLon, out.MinLat = min(out.MinLon, box.MinLon), min(out.MinLat, box.MinLat)
		out.MaxLon, out.MaxLat = max(out.MaxLon, box.MaxLon), max(out.MaxLat, box.MaxLat)
	}
	return out, nil
}
