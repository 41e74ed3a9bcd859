package export

import "testing"

func TestParseCRS(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		ok   bool
	}{
		{"EPSG:9218", 9218, true},
		{"http://www.opengis.net/def/crs/EPSG/0/9217", 9217, true},
		{"4756", 4756, true},
		{"http://www.opengis.net/def/crs/OGC/1.3/CRS84", 4326, true},
		{"EPSG:32648", 0, false}, // UTM on WGS 84: not a VN-2000 system agencies exchange
		{"", 0, false},
	} {
		c, err := ParseCRS(tc.in)
		if (err == nil) != tc.ok || c.EPSG != tc.want {
			t.Errorf("ParseCRS(%q) = %d, %v; want %d, ok %v", tc.in, c.EPSG, err, tc.want, tc.ok)
		}
	}
}

// A spreadsheet never reads a cell as a formula; numbers stay numbers.
func TestNeutralise(t *testing.T) {
	for in, want := range map[string]string{
		"=HYPERLINK(\"x\")": "'=HYPERLINK(\"x\")", "+1+1": "'+1+1", "@SUM(A1)": "'@SUM(A1)", "\tx": "'\tx",
		"-12.5": "-12.5", "-x": "'-x", "CCN Trà Đa": "CCN Trà Đa", "": "",
	} {
		if got := neutralise(in); got != want {
			t.Errorf("neutralise(%q) = %q, want %q", in, got, want)
		}
	}
}
