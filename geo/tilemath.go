package geo

import (
	"fmt"
	"math"
)

// MaxTileZoom is the deepest zoom served. Tiles are built from the data at any zoom, but nothing
// in ClusterMap is drawn finer than a z22 tile's 4096 units (~1 cm) could show.
const MaxTileZoom = 22

// webMercatorLimit is the latitude where the square web-mercator world ends.
const webMercatorLimit = 85.0511287798066

// TileCoord names one tile of the XYZ (Google, OSM) scheme: y grows southwards.
type TileCoord struct {
	Z, X, Y int
}

// Valid reports whether z is within 0..MaxTileZoom and x and y within the 2^z grid.
func (t TileCoord) Valid() error {
	if t.Z < 0 || t.Z > MaxTileZoom {
		return &InputError{Msg: fmt.Sprintf("tile zoom %d is outside 0..%d", t.Z, MaxTileZoom)}
	}
	n := 1 << t.Z
	if t.X < 0 || t.X >= n || t.Y < 0 || t.Y >= n {
		return &InputError{Msg: fmt.Sprintf("tile %d/%d/%d: x and y must be within 0..%d at zoom %d", t.Z, t.X, t.Y, n-1, t.Z)}
	}
	return nil
}

func (t TileCoord) String() string { return fmt.Sprintf("%d/%d/%d", t.Z, t.X, t.Y) }

// Bounds is the tile's WGS 84 box.
func (t TileCoord) Bounds() BBox {
	n := float64(int(1) << t.Z)
	return BBox{
		MinLon: float64(t.X)/n*360 - 180,
		MaxLon: float64(t.X+1)/n*360 - 180,
		MinLat: tileLat(float64(t.Y+1), n),
		MaxLat: tileLat(float64(t.Y), n),
	}
}

func tileLat(y, n float64) float64 {
	return math.Atan(math.Sinh(math.Pi*(1-2*y/n))) * 180 / math.Pi
}

// TileAt is the tile at zoom z that holds the point (lon, lat); latitudes beyond web mercator's
// ±85.05° fall in the first or last row.
func TileAt(z int, lon, lat float64) TileCoord {
	n := 1 << z
	lat = max(-webMercatorLimit, min(webMercatorLimit, lat))
	fx := (lon + 180) / 360 * float64(n)
	r := lat * math.Pi / 180
	fy := (1 - math.Asinh(math.Tan(r))/math.Pi) / 2 * float64(n)
	clamp := func(v float64) int { return max(0, min(n-1, int(math.Floor(v)))) }
	return TileCoord{Z: z, X: clamp(fx), Y: clamp(fy)}
}

// TilesCovering lists the tiles of zoom z that a box touches, row by row. A box that crosses
// the antimeridian (MinLon > MaxLon) is not supported and yields nothing.
func TilesCovering(b BBox, z int) []TileCoord {
	if b.MinLon > b.MaxLon || b.MinLat > b.MaxLat {
		return nil
	}
	nw := TileAt(z, b.MinLon, b.MaxLat)
	se := TileAt(z, b.MaxLon, b.MinLat)
	out := make([]TileCoord, 0, (se.X-nw.X+1)*(se.Y-nw.Y+1))
	for y := nw.Y; y <= se.Y; y++ {
		for x := nw.X; x <= se.X; x++ {
			out = append(out, TileCoord{Z: z, X: x, Y: y})
		}
	}
	return out
}
