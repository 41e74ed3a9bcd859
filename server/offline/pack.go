// Package offline writes the offline pack: a folder that shows the web map with no server and no
// database — from a USB stick with any static file server, or from any static host. It holds the
// web app, the answers the map starts from (catalog, label points, provinces), the point and line
// layers as GeoJSON, and every layer's vector tiles in one PMTiles v3 archive (geo/pmtiles), which
// the app reads with HTTP range requests. Everything is asked of the server's own handler, in
// process, so each tile is byte for byte what /tiles answers for the same data version.
package offline

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/pmtiles"
)

// TileSpec is the composite tile the pack holds: every tiled and GeoJSON layer, with the
// properties the map draws by (the app's tiles.js asks the same of an online server per layer).
const (
	TileSpec       = "regions,districts,raw_material_zones,clusters,plants,energy,roads"
	TileProperties = "slug,code,crop,geometry_quality"
)

// GeoJSONLayers are the layers the map draws from GeoJSON (static/state.js).
var GeoJSONLayers = []string{"roads", "energy", "plants", "clusters"}

// Options say how deep the tiles go and where the web app's files come from.
type Options struct {
	MinZoom, MaxZoom uint8
	// App is the web app's files (static.Files): index.html at its root.
	App fs.FS
}

// Report says what was written.
type Report struct {
	Tiles    int   `json:"tiles"`
	Bytes    int64 `json:"pmtiles_bytes"`
	Versions map[string]int64
}

// Manifest is the pack's stamp, read by the app (static/offline.js): which data version, when,
// and where its files are.
type Manifest struct {
	Made     string           `json:"made"`
	Versions map[string]int64 `json:"versions"`
	PMTiles  string           `json:"pmtiles"`
	Spec     string           `json:"tile_spec"`
	Props    string           `json:"tile_properties"`
	MinZoom  uint8            `json:"min_zoom"`
	MaxZoom  uint8            `json:"max_zoom"`
	GeoJSON  []string         `json:"geojson"`
}

// get asks the handler for path and returns the body of a 200.
func get(ctx context.Context, h http.Handler, path string) ([]byte, error) {
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, "http://pack.local"+path, nil)
	rec := httptest.NewRecorder() // in process: no listener, no network
	h.ServeHTTP(rec, req)
	if rec.Code == http.StatusNoContent {
		return nil, nil
	}
	if rec.Code != http.StatusOK {
		return nil, fmt.Errorf("offline: GET %s: %d %s", path, rec.Code, strings.TrimSpace(rec.Body.String()))
	}
	return rec.Body.Bytes(), nil
}

// Write writes the pack into dir (created if missing), asking h (the server's handler).
func Write(ctx context.Context, h http.Handler, dir string, o Options) (*Report, error) {
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		return nil, fmt.Errorf("offline: %w", err)
	}
	write := func(name string, b []byte) error {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return fmt.Errorf("offline: %w", err)
		}
		return nil
	}
	// The answers the map starts from.
	catalog, err := get(ctx, h, "/api/layers")
	if err != nil {
		return nil, err
	}
	for name, path := range map[string]string{"layers.json": "", "labels.json": "/api/labels", "provinces.json": "/api/provinces"} {
		b := catalog
		if path != "" {
			if b, err = get(ctx, h, path); err != nil {
				return nil, err
			}
		}
		if err := write(filepath.Join("data", name), b); err != nil {
			return nil, err
		}
	}
	for _, id := range GeoJSONLayers {
		b, err := get(ctx, h, "/api/layers/"+id+"/features?limit=10000")
		if err != nil {
			return nil, err
		}
		if err := write(filepath.Join("data", id+".geojson"), b); err != nil {
			return nil, err
		}
	}
	var cat struct {
		Layers []struct {
			ID      string `json:"id"`
			Version int64  `json:"version"`
		} `json:"layers"`
	}
	if err := json.Unmarshal(catalog, &cat); err != nil {
		return nil, fmt.Errorf("offline: catalog: %w", err)
	}
	rep := &Report{Versions: map[string]int64{}}
	for _, l := range cat.Layers {
		rep.Versions[l.ID] = l.Version
	}
	// The province's extent: the tiles cover it.
	var prov struct {
		Provinces []struct {
			BBox *[4]float64 `json:"bbox"`
		} `json:"provinces"`
	}
	provinces, _ := os.ReadFile(filepath.Join(dir, "data", "provinces.json"))
	if err := json.Unmarshal(provinces, &prov); err != nil || len(prov.Provinces) == 0 || prov.Provinces[0].BBox == nil {
		return nil, fmt.Errorf("offline: no province with an extent to cover")
	}
	box := *prov.Provinces[0].BBox
	for _, p := range prov.Provinces[1:] {
		if p.BBox != nil {
			box = [4]float64{min(box[0], p.BBox[0]), min(box[1], p.BBox[1]), max(box[2], p.BBox[2]), max(box[3], p.BBox[3])}
		}
	}
	var tiles []pmtiles.Tile
	for z := int(o.MinZoom); z <= int(o.MaxZoom); z++ {
		for _, tc := range geo.TilesCovering(geo.BBox{MinLon: box[0], MinLat: box[1], MaxLon: box[2], MaxLat: box[3]}, z) {
			b, err := get(ctx, h, fmt.Sprintf("/tiles/%s/%s.mvt?properties=%s", TileSpec, tc, TileProperties))
			if err != nil {
				return nil, err
			}
			tiles = append(tiles, pmtiles.Tile{Z: uint8(tc.Z), X: uint32(tc.X), Y: uint32(tc.Y), Data: b})
		}
	}
	meta, _ := json.Marshal(map[string]any{
		"name": "ClusterMap", "description": "ClusterMap's layers: " + TileSpec, "type": "overlay", "format": "pbf",
		"clustermap": map[string]any{"versions": rep.Versions, "made": time.Now().UTC().Format(time.RFC3339), "properties": TileProperties},
	})
	var buf bytes.Buffer
	c := [2]float64{(box[0] + box[2]) / 2, (box[1] + box[3]) / 2}
	if err := pmtiles.Write(&buf, tiles, meta, pmtiles.Bounds{MinLon: box[0], MinLat: box[1], MaxLon: box[2], MaxLat: box[3],
		CenterLon: c[0], CenterLat: c[1], CenterZoom: 8}, o.MinZoom, o.MaxZoom); err != nil {
		return nil, err
	}
	if err := write("clustermap.pmtiles", buf.Bytes()); err != nil {
		return nil, err
	}
	rep.Tiles, rep.Bytes = len(tiles), int64(buf.Len())
	m, _ := json.MarshalIndent(Manifest{Made: time.Now().UTC().Format(time.RFC3339), Versions: rep.Versions, PMTiles: "clustermap.pmtiles",
		Spec: TileSpec, Props: TileProperties, MinZoom: o.MinZoom, MaxZoom: o.MaxZoom, GeoJSON: GeoJSONLayers}, "", "  ")
	if err := write("offline.json", m); err != nil {
		return nil, err
	}
	return rep, copyApp(o.App, dir)
}

// copyApp copies the web app, its index.html marked as the offline pack's (static/offline.js
// reads the mark) and without the preloads of server answers the pack has elsewhere.
func copyApp(app fs.FS, dir string) error {
	return fs.WalkDir(app, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		target := filepath.Join(dir, path)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := fs.ReadFile(app, path)
		if err != nil {
			return err
		}
		if path == "index.html" {
			s := string(b)
			var kept []string
			for _, line := range strings.Split(s, "\n") {
				if strings.Contains(line, `rel="preload"`) && strings.Contains(line, `href="api/`) {
					continue
				}
				kept = append(kept, line)
			}
			s = strings.Replace(strings.Join(kept, "\n"), "<head>", "<head>\n  <meta name=\"clustermap-offline\" content=\"offline.json\">", 1)
			b = []byte(s)
		}
		return os.WriteFile(target, b, 0o644)
	})
}
