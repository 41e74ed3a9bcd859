package httpx

import (
	"testing"
)

func TestAcceptsGzip(t *testing.T) {
	for h, want := range map[string]bool{
		"": false, "gzip": true, "GZIP": true, "x-gzip": true, "deflate, gzip;q=0.5": true,
		"gzip;q=0": false, "gzip; q=0.0": false, "br, deflate": false, "*": true, "*;q=0": false,
		"gzip;q=0, *": false, "identity": false, "br;q=1.0, gzip;q=0.8, *;q=0.1": true,
	} {
		if got := AcceptsGzip(h); got != want {
			t.Errorf("AcceptsGzip(%q) = %v", h, got)
		}
	}
}
