package httpx

import (
	"testing"
)

// FuzzBBox: a bbox is four finite numbers inside WGS 84, or a 400.
func FuzzBBox(f *testing.F) {
	for _, s := range []string{"107,13,109,15", "179,-10,-179,10", "-180,-90,180,90", "1,2,3", "NaN,0,1,1",
		"1e400,0,1,1", "0x1p4,0,1,1", " 1 , 2 , 3 , 4 ", "1,2,3,4,5", ",,,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := ParseBBox(s)
		if err != nil {
			if !clientError(err) {
				t.Fatalf("ParseBBox(%q): %v", s, err)
			}
			return
		}
		if b.MinLon < -180 || b.MaxLon > 180 || b.MinLat < -90 || b.MaxLat > 90 || b.MinLat > b.MaxLat {
			t.Fatalf("ParseBBox(%q) = %+v", s, *b)
		}
	})
}

// Fuzz targets of the parsers that read untrusted request text. Each must answer any input with a
// value or a client error (400/404/414), never a panic or another error, and keep its bounds.

// clientError reports whether err is one the server answers with a 4xx.
func clientError(err error) bool {
	status, _ := StatusOf(err)
	return status >= 400 && status < 500
}
