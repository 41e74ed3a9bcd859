// Package pmtiles writes PMTiles version 3 archives: every tile of a tile set in one file that
// any static host serves with HTTP range requests (https://github.com/protomaps/PMTiles, spec
// v3). The reference Go implementation (github.com/protomaps/go-pmtiles) imports the AWS, Azure
// and Google Cloud SDKs for its bucket access (826 packages); writing is a header, directories
// of varints and the tiles, so it is written here, and the tests read the archives back with the
// reference JavaScript reader (npm pmtiles) in Chromium.
package pmtiles

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"io"
	"sort"
)

// HeaderLen is the fixed size of a v3 header; the root directory must end within the first
// 16 KiB of the file.
const (
	HeaderLen   = 127
	rootMaxLen  = 16384 - HeaderLen
	compNone    = 1
	compGzip    = 2
	tileTypeMVT = 1
)

// ZxyToID is a tile's id: the tiles of every lower zoom, then its position on the zoom's Hilbert
// curve (spec §3.3).
func ZxyToID(z uint8, x, y uint32) uint64 {
	var acc uint64
	for i := uint8(0); i < z; i++ {
		acc += uint64(1) << (2 * i)
	}
	n := uint32(1) << z
	var d uint64
	tx, ty := x, y
	for s := n / 2; s > 0; s /= 2 {
		var rx, ry uint32
		if tx&s > 0 {
			rx = 1
		}
		if ty&s > 0 {
			ry = 1
		}
		d += uint64(s) * uint64(s) * uint64((3*rx)^ry)
		// rotate
		if ry == 0 {
			if rx == 1 {
				tx = s - 1 - tx
				ty = s - 1 - ty
			}
			tx, ty = ty, tx
		}
	}
	return acc + d
}

// Tile is one tile to write.
type Tile struct {
	Z    uint8
	X, Y uint32
	Data []byte
}

// Bounds are the archive's extent and centre, in degrees.
type Bounds struct {
	MinLon, MinLat, MaxLon, MaxLat float64
	CenterLon, CenterLat           float64
	CenterZoom                     uint8
}

type entry struct {
	tileID    uint64
	offset    uint64
	length    uint32
	runLength uint32
}

// Write writes the archive of tiles (MVT, stored as given: uncompressed tiles stay uncompressed,
// so each is byte for byte what the server sends) with the metadata JSON to w. Empty tiles are
// left out (a reader answers them as absent); identical tiles are stored once.
func Write(w io.Writer, tiles []Tile, metadata []byte, b Bounds, minZoom, maxZoom uint8) error {
	sort.Slice(tiles, func(i, j int) bool {
		return ZxyToID(tiles[i].Z, tiles[i].X, tiles[i].Y) < ZxyToID(tiles[j].Z, tiles[j].X, tiles[j].Y)
	})
	var data bytes.Buffer
	var entries []entry
	seen := map[uint64][]int{} // content hash → entries holding it
	addressed := uint64(0)
	for _, t := range tiles {
		if len(t.Data) == 0 {
			continue
		}
		addressed++
		id := ZxyToID(t.Z, t.X, t.Y)
		h := fnv.New64a()
		h.Write(t.Data)
		sum := h.Sum64()
		// The same bytes as the tile just before, on the next id: one entry, a longer run.
		if n := len(entries); n > 0 {
			last := &entries[n-1]
			if last.tileID+uint64(last.runLength) == id && bytes.Equal(data.Bytes()[last.offset:last.offset+uint64(last.length)], t.Data) {
				last.runLength++
				continue
			}
		}
		found := false
		for _, i := range seen[sum] {
			e := entries[i]
			if bytes.Equal(data.Bytes()[e.offset:e.offset+uint64(e.length)], t.Data) {
				entries = append(entries, entry{tileID: id, offset: e.offset, length: e.length, runLength: 1})
				found = true
				break
			}
		}
		if found {
			continue
		}
		entries = append(entries, entry{tileID: id, offset: uint64(data.Len()), length: uint32(len(t.Data)), runLength: 1})
		seen[sum] = append(seen[sum], len(entries)-1)
		data.Write(t.Data)
	}
	root, leaves, err := directories(entries)
	if err != nil {
		return err
	}
	meta, err := gzipped(metadata)
	if err != nil {
		return err
	}
	h := make([]byte, HeaderLen)
	copy(h, "PMTiles")
	h[7] = 3
	put := func(at int, v uint64) { binary.LittleEndian.PutUint64(h[at:], v) }
	rootOff := uint64(HeaderLen)
	metaOff := rootOff + uint64(len(root))
	leafOff := metaOff + uint64(len(meta))
	dataOff := leafOff + uint64(len(leaves))
	put(8, rootOff)
	put(16, uint64(len(root)))
	put(24, metaOff)
	put(32, uint64(len(meta)))
	put(40, leafOff)
	put(48, uint64(len(leaves)))
	put(56, dataOff)
	put(64, uint64(data.Len()))
	put(72, addressed)
	put(80, uint64(len(entries)))
	put(88, uint64(len(seen)))
	h[96] = 1 // clustered: tiles are in id order
	h[97] = compGzip
	h[98] = compNone
	h[99] = tileTypeMVT
	h[100] = minZoom
	h[101] = maxZoom
	e7 := func(at int, deg float64) { binary.LittleEndian.PutUint32(h[at:], uint32(int32(deg*1e7))) }
	e7(102, b.MinLon)
	e7(106, b.MinLat)
	e7(110, b.MaxLon)
	e7(114, b.MaxLat)
	h[118] = b.CenterZoom
	e7(119, b.CenterLon)
	e7(123, b.CenterLat)
	for _, part := range [][]byte{h, root, meta, leaves, data.Bytes()} {
		if _, err := w.Write(part); err != nil {
			return fmt.Errorf("pmtiles: %w", err)
		}
	}
	return nil
}

// directories serialises the entries as one root directory, or, when that does not fit the
// first 16 KiB, as leaf directories of growing size under a root that points to them (spec §4).
func directories(entries []entry) (root, leaves []byte, err error) {
	if root, err = gzipped(serialize(entries)); err != nil {
		return nil, nil, err
	}
	if len(root) <= rootMaxLen {
		return root, nil, nil
	}
	for size := 4096; ; size *= 2 {
		var leafBuf bytes.Buffer
		var rootEntries []entry
		for i := 0; i < len(entries); i += size {
			chunk := entries[i:min(i+size, len(entries))]
			leaf, err := gzipped(serialize(chunk))
			if err != nil {
				return nil, nil, err
			}
			rootEntries = append(rootEntries, entry{tileID: chunk[0].tileID, offset: uint64(leafBuf.Len()), length: uint32(len(leaf)), runLength: 0})
			leafBuf.Write(leaf)
		}
		if root, err = gzipped(serialize(rootEntries)); err != nil {
			return nil, nil, err
		}
		if len(root) <= rootMaxLen {
			return root, leafBuf.Bytes(), nil
		}
	}
}

// serialize writes a directory: the count, then the id deltas, run lengths, lengths and offsets
// as columns of varints; an offset that follows on from the previous tile is written as 0,
// others as offset+1.
func serialize(entries []entry) []byte {
	var b []byte
	b = binary.AppendUvarint(b, uint64(len(entries)))
	var last uint64
	for _, e := range entries {
		b = binary.AppendUvarint(b, e.tileID-last)
		last = e.tileID
	}
	for _, e := range entries {
		b = binary.AppendUvarint(b, uint64(e.runLength))
	}
	for _, e := range entries {
		b = binary.AppendUvarint(b, uint64(e.length))
	}
	for i, e := range entries {
		if i > 0 && e.offset == entries[i-1].offset+uint64(entries[i-1].length) {
			b = binary.AppendUvarint(b, 0)
		} else {
			b = binary.AppendUvarint(b, e.offset+1)
		}
	}
	return b
}

func gzipped(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	z := gzip.NewWriter(&buf)
	if _, err := z.Write(b); err != nil {
		return nil, err
	}
	if err := z.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
