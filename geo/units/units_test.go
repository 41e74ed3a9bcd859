package units

import (
	"errors"
	"testing"
	"time"

	"github.com/clustermap/clustermap/geo"
)

func TestDay(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		bad      bool
	}{
		{in: "2025-06-01", want: "2025-06-01"},
		{in: "2025-06-30T23:30:00+07:00", want: "2025-06-30"}, // the date as written, not shifted to UTC
		{in: "2025-07-01T00:00:00Z", want: "2025-07-01"},
		{in: "", want: today().Format("2006-01-02")},
		{in: "01/06/2025", bad: true},
		{in: "2025-02-30", bad: true},
		{in: "0000-01-01", bad: true},
		{in: "yesterday", bad: true},
	} {
		got, err := Day(tc.in)
		var ie *geo.InputError
		switch {
		case tc.bad && !errors.As(err, &ie):
			t.Errorf("Day(%q) = %v, %v; want an input error", tc.in, got, err)
		case !tc.bad && (err != nil || got.Format("2006-01-02") != tc.want):
			t.Errorf("Day(%q) = %v, %v; want %s", tc.in, got, err, tc.want)
		}
	}
}

func TestLevelOnTheReform(t *testing.T) {
	for _, tc := range []struct {
		day  string
		want string
	}{
		{"2025-06-30", "district"},
		{"2025-07-01", "commune"},
		{"2026-12-06", "commune"},
	} {
		d, _ := time.Parse("2006-01-02", tc.day)
		if got, note := levelOn(d, &FeatureUnits{}); got != tc.want || note.VI == "" || note.EN == "" {
			t.Errorf("levelOn(%s) = %q, %+v; want %q with a note in both languages", tc.day, got, note, tc.want)
		}
	}
}
