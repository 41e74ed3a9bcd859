package ogc

import (
	"testing"
	"time"
)

func TestOGCAcceptQuality(t *testing.T) {
	cases := []struct {
		accept   string
		html, js float64
		wantHTML bool
	}{
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", 1, 0, true},
		{"application/json, application/javascript, text/javascript, text/json", 0, 1, false},
		{"application/geo+json, application/json", 0, 1, false},
		{"*/*", 0, 0, false},
		{"text/*;q=0.3, application/json;q=0.2", 0.3, 0.2, true},
		{"text/html;q=0.5, application/geo+json", 0.5, 1, false},
		{"application/vnd.oai.openapi+json;version=3.0", 0, 1, false},
		{"garbage;;;", 0, 0, false},
	}
	for _, tc := range cases {
		h, j := acceptQuality(tc.accept, htmlType), acceptQuality(tc.accept, jsonType)
		if h != tc.html || j != tc.js || (h > j) != tc.wantHTML {
			t.Errorf("%q: html %v json %v, want %v %v", tc.accept, h, j, tc.html, tc.js)
		}
	}
}

func TestOGCQueryEscape(t *testing.T) {
	cases := map[string]string{
		"100,10,110,20":                      "100,10,110,20",
		"2020-01-01T00:00:00Z/..":            "2020-01-01T00:00:00Z/..",
		"status = 'a+b'":                     "status%20%3D%20%27a%2Bb%27",
		"Chư Sê&x=1":                         "Ch%C6%B0%20S%C3%AA%26x%3D1",
		"http://www.opengis.net/def/crs/OGC": "http://www.opengis.net/def/crs/OGC",
	}
	for in, want := range cases {
		if got := queryEscape(in); got != want {
			t.Errorf("queryEscape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestOGCParseDatetime(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	at := func(s string) time.Time { d, _ := time.Parse(time.RFC3339, s); return d }
	cases := []struct {
		in         string
		start, end time.Time // zero: open
	}{
		{"2020-02-03", day("2020-02-03"), day("2020-02-03")},
		{"2020-02-03T10:00:00+07:00", at("2020-02-03T03:00:00Z"), at("2020-02-03T03:00:00Z")},
		{"2020-02-03t10:00:00z", at("2020-02-03T10:00:00Z"), at("2020-02-03T10:00:00Z")},
		{"2020-02-03/..", day("2020-02-03"), time.Time{}},
		{"/2020-02-03", time.Time{}, day("2020-02-03")},
		{"../..", time.Time{}, time.Time{}},
		{"2020-02-03/P1Y2M3D", day("2020-02-03"), day("2021-04-06")},
		{"2020-02-03T00:00:00Z/PT36H", at("2020-02-03T00:00:00Z"), at("2020-02-04T12:00:00Z")},
		{"P2W/2020-02-15", day("2020-02-01"), day("2020-02-15")},
	}
	for _, tc := range cases {
		iv, err := parseDatetime(tc.in)
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if (iv.Start == nil) != tc.start.IsZero() || (iv.Start != nil && !iv.Start.Equal(tc.start)) ||
			(iv.End == nil) != tc.end.IsZero() || (iv.End != nil && !iv.End.Equal(tc.end)) {
			t.Errorf("%s: %v – %v, want %v – %v", tc.in, iv.Start, iv.End, tc.start, tc.end)
		}
	}
	for _, bad := range []string{"", "2020", "2020-02-30", "2020-02-03/2020-01-01", "P1D", "../P1D", "2020-01-01/PT", "2020-01-01/P1H", "2020-01-01/P9999999D", "x/.."} {
		if _, err := parseDatetime(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestOGCWithMember(t *testing.T) {
	cases := map[string]string{
		`{"type":"Feature"}`: `{"type":"Feature","links":[1]}`,
		` {} `:               `{"links":[1]}`,
	}
	for in, want := range cases {
		got, err := withMember([]byte(in), "links", []int{1})
		if err != nil || string(got) != want {
			t.Errorf("withMember(%s) = %s, %v; want %s", in, got, err, want)
		}
	}
	if _, err := withMember([]byte(`[1]`), "links", 1); err == nil {
		t.Error("an array was accepted as an object")
	}
}
