package pmtiles

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"io"
	"testing"
)

// Tile ids as the PMTiles v3 specification numbers them (§3.3: the zooms in order, each along its
// Hilbert curve), the values of its reference implementations.
func TestZxyToID(t *testing.T) {
	for _, tc := range []struct {
		z    uint8
		x, y uint32
		want uint64
	}{
		{0, 0, 0, 0},
		{1, 0, 0, 1}, {1, 0, 1, 2}, {1, 1, 1, 3}, {1, 1, 0, 4},
		{2, 0, 0, 5},
		{12, 3423, 1763, 19078479}, // go-pmtiles v1.31.2 ZxyToID(12, 3423, 1763)
	} {
		if got := ZxyToID(tc.z, tc.x, tc.y); got != tc.want {
			t.Errorf("ZxyToID(%d, %d, %d) = %d, want %d", tc.z, tc.x, tc.y, got, tc.want)
		}
	}
}

// An archive's header points at its parts, its directory lists each stored tile once (the same
// bytes on the next tile id make a run), and each tile's bytes are where the entry says.
func TestWriteReadsBack(t *testing.T) {
	tiles := []Tile{{1, 1, 0, []byte("b")}, {0, 0, 0, []byte("a")}, {1, 0, 0, []byte("c")}, {1, 0, 1, []byte("c")}, {1, 1, 1, nil}}
	var buf bytes.Buffer
	if err := Write(&buf, tiles, []byte(`{"name":"t"}`), Bounds{MinLon: 107, MinLat: 12, MaxLon: 110, MaxLat: 15}, 0, 1); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if string(b[:7]) != "PMTiles" || b[7] != 3 {
		t.Fatalf("magic %q version %d", b[:7], b[7])
	}
	u := func(at int) uint64 { return binary.LittleEndian.Uint64(b[at:]) }
	rootOff, rootLen, dataOff := u(8), u(16), u(56)
	if addressed, entries := u(72), u(80); addressed != 4 || entries != 3 {
		t.Errorf("%d addressed tiles in %d entries, want 4 in 3 (the empty one left out, c twice as a run)", addressed, entries)
	}
	z, err := gzip.NewReader(bytes.NewReader(b[rootOff : rootOff+rootLen]))
	if err != nil {
		t.Fatal(err)
	}
	dir, _ := io.ReadAll(z)
	r := bytes.NewReader(dir)
	n, _ := binary.ReadUvarint(r)
	ids, runs, lens, offs := make([]uint64, n), make([]uint64, n), make([]uint64, n), make([]uint64, n)
	var last uint64
	for i := range ids {
		d, _ := binary.ReadUvarint(r)
		last += d
		ids[i] = last
	}
	for i := range runs {
		runs[i], _ = binary.ReadUvarint(r)
	}
	for i := range lens {
		lens[i], _ = binary.ReadUvarint(r)
	}
	for i := range offs {
		o, _ := binary.ReadUvarint(r)
		if o == 0 {
			offs[i] = offs[i-1] + lens[i-1]
		} else {
			offs[i] = o - 1
		}
	}
	want := map[uint64]string{0: "a", 1: "c", 4: "b"}
	for i, id := range ids {
		got := string(b[dataOff+offs[i] : dataOff+offs[i]+lens[i]])
		if got != want[id] {
			t.Errorf("tile %d holds %q, want %q", id, got, want[id])
		}
		if id == 1 && runs[i] != 2 {
			t.Errorf("tiles 1 and 2 (the same bytes) run %d, want 2", runs[i])
		}
	}
}
