package main

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/clustermap/clustermap/geo/edit"
	"github.com/clustermap/clustermap/server/httpx"
)

// The soak's verdicts are only as good as its measures: these hold them to what they claim.

func TestLongestLineCountsBytesPastTheReadBuffer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "server.log")
	long := strings.Repeat("x", 200<<10) // longer than the 64 KiB read buffer
	if err := os.WriteFile(path, []byte("short\n"+long+"\n"+strings.Repeat("y", 5000)+"\nlast"), 0o600); err != nil {
		t.Fatal(err)
	}
	longest, start, over, err := longestLine(path, 4096)
	if err != nil || longest != len(long) || over != 2 || start != long[:160] {
		t.Errorf("longest %d (want %d), over %d (want 2), start %q…, err %v", longest, len(long), over, start[:min(len(start), 10)], err)
	}
}

func TestBoundaryBodiesAreEitherSideOfTheLimit(t *testing.T) {
	for _, c := range []struct {
		body []byte
		want int
	}{{boundaryBody(bombVertices), edit.MaxDrawnVertices - 1}, {boundaryBody(edit.MaxDrawnVertices + 1), edit.MaxDrawnVertices + 1}} {
		var in struct {
			Kind     string `json:"kind"`
			Geometry struct {
				Type        string         `json:"type"`
				Coordinates [][][2]float64 `json:"coordinates"`
			} `json:"geometry"`
		}
		if err := json.Unmarshal(c.body, &in); err != nil {
			t.Fatal(err)
		}
		ring := in.Geometry.Coordinates[0]
		if in.Kind != "new" || in.Geometry.Type != "Polygon" || len(ring) != c.want || ring[0] != ring[len(ring)-1] {
			t.Errorf("%s %s of %d vertices (want %d, closed)", in.Kind, in.Geometry.Type, len(ring), c.want)
		}
	}
}

// The made-up forwarding headers go in front of the address the proxy appends: with the server's
// default trusted proxies, that last address is the one the server counts the attempt under.
func TestSpoofedHeadersLeaveTheProxysAddressLast(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	if err := httpx.UseTrustedProxies(e, nil); err != nil {
		t.Fatal(err)
	}
	e.GET("/", func(c *gin.Context) { c.String(http.StatusOK, c.ClientIP()) })
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 50 {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.RemoteAddr = "127.0.0.1:40000"
		spoof(req.Header, r, oneAddress)
		w := httptest.NewRecorder()
		e.ServeHTTP(w, req)
		if got := w.Body.String(); got != oneAddress {
			t.Fatalf("request %d: X-Forwarded-For %.80q counted as %s, want %s", i, req.Header.Get("X-Forwarded-For"), got, oneAddress)
		}
	}
}
