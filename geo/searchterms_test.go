package geo

import (
	"slices"
	"testing"
)

func TestSearchTerms(t *testing.T) {
	for _, tc := range []struct {
		q             string
		folded, exact []string
	}{
		{"highway 19", []string{"highway 19", "QL19", "Quốc lộ 19"}, nil},
		{"National Highway 19", []string{"National Highway 19", "QL19", "Quốc lộ 19"}, nil},
		{"ql 14c", []string{"ql 14c", "QL14C", "Quốc lộ 14C"}, nil},
		{"quoc lo 25", []string{"quoc lo 25", "QL25", "Quốc lộ 25"}, nil},
		{"cassava", []string{"cassava"}, []string{"Sắn"}},
		{"Coffee", []string{"Coffee"}, []string{"Cà phê"}},
		{"ca phe", []string{"ca phe"}, []string{"Cà phê"}},
		{"sugar", []string{"sugar"}, []string{"Mía"}},
		{"chu se", []string{"chu se"}, nil},
		{"19", []string{"19"}, nil},
		{"pe", []string{"pe"}, nil}, // too short to mean pepper
	} {
		folded, exact := SearchTerms(tc.q)
		if !slices.Equal(folded, tc.folded) || !slices.Equal(exact, tc.exact) {
			t.Errorf("SearchTerms(%q) = %q, %q; want %q, %q", tc.q, folded, exact, tc.folded, tc.exact)
		}
	}
}
