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

func TestIndustryTerms(t *testing.T) {
	for q, want := range map[string][]string{
		"food processing":    {"processing", "food"},
		"chế biến thực phẩm": {"processing", "food"},
		"che bien":           {"processing"},
		"chế biến":           {"processing"},
		"Garments":           {"garment"},
		"gỗ":                 {"wood"},
		"Đak Đoa":            nil, // "đá" is a word of its own, not a part of "Đak"
		"chu se":             nil,
		"highway 19":         nil,
	} {
		if got := IndustryTerms(q); !slices.Equal(got, want) {
			t.Errorf("IndustryTerms(%q) = %q, want %q", q, got, want)
		}
	}
}
