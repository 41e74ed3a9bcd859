package server

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/clustermap/clustermap/geo"
)

// What the web map loads on a first visit (static/app.js, static/tiles.js): the catalog, the label
// points, each GeoJSON layer whole, and the composite tiles of the region fills and district
// outlines. A server started with Config.WarmUp asks itself for them once its data versions are
// live, so that the first visitor after a start or a deploy is served from the caches instead of
// waiting for PostGIS (~30 ms for the catalog, ~15 ms for the labels, ~10 ms a tile, on a cold
// 2-core machine). Keep these in step with the web app: the browser test of a first load
// (TestBrowser/FirstLoadWithBasemapUnreachable) fails when one of its API or tile answers is not
// in the caches.
var (
	warmPaths = []string{"/api/layers", "/api/labels"}
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
	warmTiles       = "/tiles/regions,districts/%d/%d/%d.mvt?properties=slug,code"
	warmUpTimeout   = time.Minute
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
	paths := append([]string(nil), warmPaths...)
	for _, id := range warmGeoJSON {
		if _, ok := s.store.Catalog().Layer(id); ok {
			paths = append(paths, "/api/layers/"+id+"/features?limit=10000")
		}
	}
	tileCount := 0
	if bounds, err := s.tileExtent(ctx); err != nil {
		s.log.Warn("warm-up: layer extents", "err", err)
	} else if bounds != nil {
		for z := warmTileZooms[0]; z <= warmTileZooms[1]; z++ {
			for _, tc := range geo.TilesCovering(*bounds, z) {
				paths = append(paths, fmt.Sprintf(warmTiles, tc.Z, tc.X, tc.Y))
				tileCount++
			}
		}
	}
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
