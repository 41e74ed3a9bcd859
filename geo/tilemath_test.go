package geo

import (
	"errors"
	"math"
	"testing"
)

func TestTileCoordValid(t *testing.T) {
	for _, tc := range []struct {
		tile TileCoord
		ok   bool
	}{
		{TileCoord{0, 0, 0}, true},
		{TileCoord{6, 51, 29}, true},
		{TileCoord{22, 1<<22 - 1, 1<<22 - 1}, true},
		{TileCoord{23, 0, 0}, false},
		{TileCoord{-1, 0, 0}, false},
		{TileCoord{0, 1, 0}, false},
		{TileCoord{6, 64, 0}, false},
		{TileCoord{6, 0, 64}, false},
		{TileCoord{6, -1, 0}, false},
	} {
		err := tc.tile.Valid()
		if (err == nil) != tc.ok {
			t.Errorf("%v: Valid() = %v, want ok=%v", tc.tile, err, tc.ok)
		}
		var ie *InputError
		if err != nil && !errors.As(err, &ie) {
			t.Errorf("%v: error %v is not an InputError (would not be a 400)", tc.tile, err)
		}
	}
}

func TestTileBoundsAndTileAt(t *testing.T) {
	// Known values: z0 is the whole web-mercator world; the z6 tile 51/29 holds Gia Lai.
	w := TileCoord{0, 0, 0}.Bounds()
	if w.MinLon != -180 || w.MaxLon != 180 || math.Abs(w.MaxLat-webMercatorLimit) > 1e-9 || math.Abs(w.MinLat+webMercatorLimit) > 1e-9 {
		t.Errorf("z0 bounds = %+v", w)
	}
	if got := TileAt(6, 108.0, 13.98); got != (TileCoord{6, 51, 29}) {
		t.Errorf("TileAt(6, Pleiku) = %v, want 6/51/29", got)
	}
	// Every tile's centre maps back to the tile, at every zoom.
	for z := 0; z <= MaxTileZoom; z++ {
		n := 1 << z
		for _, xy := range [][2]int{{0, 0}, {n / 2, n / 3}, {n - 1, n - 1}} {
			tc := TileCoord{z, xy[0], xy[1]}
			b := tc.Bounds()
			if got := TileAt(z, (b.MinLon+b.MaxLon)/2, (b.MinLat+b.MaxLat)/2); got != tc {
				t.Errorf("TileAt(centre of %v) = %v", tc, got)
			}
		}
	}
	// Latitudes beyond web mercator clamp to the edge rows instead of overflowing.
	if got := TileAt(3, 0, 89.9); got.Y != 0 {
		t.Errorf("TileAt(3, 0, 89.9) = %v", got)
	}
	if got := TileAt(3, 180, -89.9); got != (TileCoord{3, 7, 7}) {
		t.Errorf("TileAt(3, 180, -89.9) = %v", got)
	}
}

func TestTilesCovering(t *testing.T) {
	gialai := BBox{MinLon: 107.452653, MinLat: 12.995729, MaxLon: 108.87313, MaxLat: 14.603162}
	for _, tc := range []struct {
		z    int
		want int
	}{
		{5, 1}, {6, 1}, {7, 2},
	} {
		got := TilesCovering(gialai, tc.z)
		if len(got) != tc.want {
			t.Errorf("z%d: %d tiles %v, want %d", tc.z, len(got), got, tc.want)
		}
	}
	// At z14 the province is ~65 x 74 tiles; each one must touch the box, and the box's corners
	// must be in the list.
	tiles := TilesCovering(gialai, 14)
	if len(tiles) < 4000 || len(tiles) > 6000 {
		t.Fatalf("z14: %d tiles", len(tiles))
	}
	seen := map[TileCoord]bool{}
	for _, tile := range tiles {
		b := tile.Bounds()
		if b.MaxLon < gialai.MinLon || b.MinLon > gialai.MaxLon || b.MaxLat < gialai.MinLat || b.MinLat > gialai.MaxLat {
			t.Fatalf("tile %v (%+v) does not touch the box", tile, b)
		}
		seen[tile] = true
	}
	for _, c := range [][2]float64{{gialai.MinLon, gialai.MinLat}, {gialai.MaxLon, gialai.MaxLat}, {gialai.MinLon, gialai.MaxLat}} {
		if tc := TileAt(14, c[0], c[1]); !seen[tc] {
			t.Errorf("corner %v: tile %v missing", c, tc)
		}
	}
	if TilesCovering(BBox{MinLon: 170, MaxLon: -170, MinLat: 0, MaxLat: 1}, 3) != nil {
		t.Error("antimeridian box should yield nothing")
	}
}
