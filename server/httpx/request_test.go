package httpx

import "testing"

func TestETagMatches(t *testing.T) {
	tags := []string{`"v1"`, `"v1-gz"`}
	for h, want := range map[string]bool{
		`"v1"`: true, `"v1-gz"`: true, `W/"v1"`: true, `"a", "v1-gz"`: true, `*`: true,
		`"v2"`: false, `v1`: false, ``: false, `"v1`: false,
	} {
		if got := ETagMatches(h, tags...); got != want {
			t.Errorf("ETagMatches(%q) = %v", h, got)
		}
	}
}
