package tiles

import (
	"bytes"
	"testing"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/server/answer"
)

func TestTileCacheIsBoundedInBytes(t *testing.T) {
	if newTileCache(0) != nil {
		t.Fatal("size 0 must disable the cache")
	}
	var none *tileCache
	none.Add(tileKey{}, tile{})
	if _, ok := none.Get(tileKey{}); ok {
		t.Fatal("a disabled cache returned a tile")
	}
	c := newTileCache(64 << 10)
	body := func(n int) tile {
		return tile{Answer: answer.New(bytes.Repeat([]byte{1}, n), MVTType, answer.ETagsOf("e"), answer.NoGzip), version: 1}
	}
	for i := range 100 {
		c.Add(tileKey{layers: "l", tile: geo.TileCoord{Z: 20, X: i}}, body(2000))
		if i == 10 {
			c.Get(tileKey{layers: "l", tile: geo.TileCoord{Z: 20, X: 0}}) // recently used: kept
		}
	}
	entries, used := c.Stats()
	if used > 64<<10 || entries < 20 || entries > 32 {
		t.Errorf("%d entries, %d bytes", entries, used)
	}
	if _, ok := c.Get(tileKey{layers: "l", tile: geo.TileCoord{Z: 20, X: 1}}); ok {
		t.Error("the oldest entry survived")
	}
	if _, ok := c.Get(tileKey{layers: "l", tile: geo.TileCoord{Z: 20, X: 99}}); !ok {
		t.Error("the newest entry is gone")
	}
	// Replacing an entry does not leak its bytes; a tile too large for the cache is not kept.
	for range 10 {
		c.Add(tileKey{layers: "l", tile: geo.TileCoord{Z: 20, X: 99}}, body(2000))
	}
	if _, again := c.Stats(); again != used {
		t.Errorf("replacing an entry moved the byte count %d → %d", used, again)
	}
	c.Add(tileKey{layers: "big"}, body(20<<10))
	if _, ok := c.Get(tileKey{layers: "big"}); ok {
		t.Error("a tile of a third of the cache was kept")
	}
}
