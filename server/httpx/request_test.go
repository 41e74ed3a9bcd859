package httpx

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
)

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

// The request id that history records is the server's: a client's X-Request-Id is not taken.
func TestRequestIDIsTheServers(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(WithRequestID())
	var seen string
	r.GET("/", func(c *gin.Context) { seen = RequestID(c) })
	w := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("X-Request-Id", "forged-id-of-another-write")
	r.ServeHTTP(w, req)
	if seen == "" || seen == "forged-id-of-another-write" || w.Header().Get("X-Request-Id") != seen {
		t.Fatalf("request id %q (echoed %q): want one of the server's own", seen, w.Header().Get("X-Request-Id"))
	}
}
