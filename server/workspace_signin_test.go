package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/clustermap/clustermap/geo/edit"
	"github.com/clustermap/clustermap/server/workspace"
)

// Sign-in cannot be abused: the address it is counted under is the one the trusted-proxy setting
// believes, parallel guesses are counted before they are checked, huge names are refused before
// anything is kept, and wrong passwords from elsewhere do not lock a user out.

func (f *wsFixture) login(t *testing.T, user, pw string, header ...string) int {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"username": user, "password": pw})
	r, _ := do(t, http.MethodPost, f.url+"/api/session", body, append([]string{"Content-Type", "application/json"}, header...)...)
	return r.StatusCode
}

// sessionCookie signs user in and returns the Cookie header value of the session.
func (f *wsFixture) sessionCookie(t *testing.T, user string) string {
	t.Helper()
	tok, _, _, err := f.ed.Login(context.Background(), user, "a long enough password")
	if err != nil {
		t.Fatal(err)
	}
	return "clustermap_session=" + tok
}

func TestSignInIgnoresUntrustedForwarding(t *testing.T) {
	f := newWS(t, WithConfig(func(c *Config) { c.TrustedProxies = []netip.Prefix{} })) // "none"
	var statuses []int
	for i := range workspace.MaxLoginFailures + 3 {
		statuses = append(statuses, f.login(t, "dept", "not the password", "X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i+1)))
	}
	if last := statuses[len(statuses)-1]; last != http.StatusTooManyRequests {
		t.Fatalf("wrong passwords under rotating X-Forwarded-For with no trusted proxy: %v, want 429 at the end", statuses)
	}
}

func TestSignInParallelGuessesAreCounted(t *testing.T) {
	f := newWS(t)
	const n = 40
	statuses := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			body, _ := json.Marshal(map[string]string{"username": "dept", "password": fmt.Sprintf("guess %d", i)})
			req, _ := http.NewRequest(http.MethodPost, f.url+"/api/session", strings.NewReader(string(body)))
			req.Header.Set("Content-Type", "application/json")
			if r, err := rawClient.Do(req); err == nil {
				statuses[i] = r.StatusCode
				r.Body.Close()
			}
		}()
	}
	close(start)
	wg.Wait()
	evaluated := 0
	for _, st := range statuses {
		switch st {
		case http.StatusUnauthorized:
			evaluated++
		case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		default:
			t.Errorf("a parallel guess answered %d", st)
		}
	}
	if evaluated > workspace.MaxLoginFailures {
		t.Fatalf("%d of %d parallel wrong passwords were checked, want at most %d", evaluated, n, workspace.MaxLoginFailures)
	}
}

func TestSignInRefusesHugeNames(t *testing.T) {
	f := newWS(t)
	if st := f.login(t, strings.Repeat("a", workspace.MaxUserName+1), "whatever password"); st != http.StatusBadRequest {
		t.Errorf("a user name of %d characters: %d, want 400", workspace.MaxUserName+1, st)
	}
	if st := f.login(t, strings.Repeat("a", 1<<20), "x"); st != http.StatusRequestEntityTooLarge {
		t.Errorf("a 1 MiB sign-in: %d, want 413", st)
	}
}

func TestSignInLockoutIsNoWeapon(t *testing.T) {
	f := newWS(t) // loopback is the trusted proxy: X-Forwarded-For names the client
	for i := range workspace.MaxLoginFailures + 1 {
		f.login(t, "dept", "not the password", "X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i+1))
	}
	if st := f.login(t, "dept", "not the password", "X-Forwarded-For", "198.51.100.1"); st != http.StatusTooManyRequests {
		t.Errorf("an address that failed, past the user's limit: %d, want 429", st)
	}
	if st := f.login(t, "dept", "a long enough password", "X-Forwarded-For", "192.0.2.7"); st != http.StatusOK {
		t.Errorf("the right password from an address with no failure, after others failed: %d, want 200", st)
	}
}

// Only valid credentials sign a request in: a made-up cookie or Authorization header on a read is
// a 401 (the cookie is dropped), not a way past the shared cache and the replicas. The web app's
// pages and signing in still work with a stale cookie.
func TestBogusCredentialsAreRefused(t *testing.T) {
	f := newWS(t)
	const layer = "/api/layers/clusters/features?limit=1"
	bogusCookie := []string{"Cookie", "clustermap_session=made-up"}
	for _, tc := range []struct {
		name   string
		path   string
		header []string
	}{
		{"cookie on /api", layer, bogusCookie},
		{"cookie on /ogc", "/ogc/collections/clusters/items?limit=1", bogusCookie},
		{"cookie on /tiles", "/tiles/clusters/8/205/116.mvt", bogusCookie},
		{"token on /api", layer, []string{"Authorization", "Bearer made-up"}},
		{"other scheme on /api", layer, []string{"Authorization", "Basic ZGVwdDp4"}},
	} {
		r, body := Fetch(t, http.MethodGet, f.url+tc.path, tc.header...)
		if r.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: %d (X-Response-Cache %q), want 401", tc.name, r.StatusCode, r.Header.Get("X-Response-Cache"))
			continue
		}
		var e struct{ Error string }
		if json.Unmarshal(body, &e) != nil || e.Error == "" {
			t.Errorf("%s: 401 body %q, want a JSON error", tc.name, body)
		}
		if tc.header[0] == "Cookie" {
			dropped := false
			for _, ck := range r.Cookies() {
				dropped = dropped || (ck.Name == "clustermap_session" && ck.MaxAge < 0)
			}
			if !dropped {
				t.Errorf("%s: the 401 does not drop the cookie (Set-Cookie %q)", tc.name, r.Header.Values("Set-Cookie"))
			}
		}
	}
	// A valid token is signed in (private answers); no credentials are anonymous (shared ones).
	if r, _ := Fetch(t, http.MethodGet, f.url+layer, "Authorization", f.auth(edit.RoleDepartment)); r.StatusCode != http.StatusOK || r.Header.Get("X-Response-Cache") != "private" {
		t.Errorf("a valid token: %d, X-Response-Cache %q; want 200, private", r.StatusCode, r.Header.Get("X-Response-Cache"))
	}
	if r, _ := Fetch(t, http.MethodGet, f.url+layer); r.StatusCode != http.StatusOK || r.Header.Get("X-Response-Cache") == "private" {
		t.Errorf("anonymous: %d, X-Response-Cache %q; want 200 from the shared cache", r.StatusCode, r.Header.Get("X-Response-Cache"))
	}
	// The page loads, and one signs in over a stale cookie.
	if r, _ := Fetch(t, http.MethodGet, f.url+"/", bogusCookie...); r.StatusCode != http.StatusOK {
		t.Errorf("the web app with a stale cookie: %d, want 200", r.StatusCode)
	}
	if st := f.login(t, "dept", "a long enough password", bogusCookie...); st != http.StatusOK {
		t.Errorf("signing in over a stale cookie: %d, want 200", st)
	}
}

// The anonymous boundary check is rated per address (the one the trusted-proxy setting believes):
// past its burst an address gets 429 with Retry-After, another address and a signed-in user go on.
func TestAnonymousChecksAreRated(t *testing.T) {
	f := newWS(t) // loopback is the trusted proxy: X-Forwarded-For names the client
	body, _ := json.Marshal(map[string]any{"kind": "new", "geometry": f.landInside(t)})
	check := func(header ...string) *http.Response {
		r, b := do(t, http.MethodPost, f.url+"/api/eligibility", body, append([]string{"Content-Type", "application/json"}, header...)...)
		if r.StatusCode != http.StatusOK && r.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("a check: %d %.200s", r.StatusCode, b)
		}
		return r
	}
	var statuses []int
	for range workspace.CheckBurst + 1 {
		statuses = append(statuses, check("X-Forwarded-For", "198.51.100.20").StatusCode)
	}
	last := check("X-Forwarded-For", "198.51.100.20")
	if last.StatusCode != http.StatusTooManyRequests || last.Header.Get("Retry-After") == "" {
		t.Errorf("%d quick anonymous checks from one address: %v then %d (Retry-After %q); want 429 with Retry-After at the end",
			workspace.CheckBurst+2, statuses, last.StatusCode, last.Header.Get("Retry-After"))
	}
	if st := check("X-Forwarded-For", "198.51.100.21").StatusCode; st != http.StatusOK {
		t.Errorf("another address: %d, want 200", st)
	}
	for range workspace.CheckBurst + 2 {
		if st := check("X-Forwarded-For", "198.51.100.20", "Authorization", f.auth(edit.RoleDistrict)).StatusCode; st != http.StatusOK {
			t.Fatalf("a signed-in check from the limited address: %d, want 200", st)
		}
	}
}

// The anonymous boundary check and the proposals refuse, with a 422 that says why, every geometry
// that is not a drawn boundary: empty forms of every type (an empty GeometryCollection used to be
// a panic), other types, and a shape past the vertex limit.
func TestDrawnGeometryIsBounded(t *testing.T) {
	f := newWS(t)
	var ring strings.Builder
	ring.WriteString(`{"type":"Polygon","coordinates":[[`)
	for i := range edit.MaxDrawnVertices + 1 {
		fmt.Fprintf(&ring, "[%.6f,13.9],", 108.0+float64(i)*1e-6)
	}
	ring.WriteString(`[108.0,13.91],[108.0,13.9]]]}`)
	for name, g := range map[string]string{
		"empty collection":  `{"type":"GeometryCollection","geometries":[]}`,
		"collection":        `{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[108,14]}]}`,
		"empty polygon":     `{"type":"Polygon","coordinates":[]}`,
		"empty multi":       `{"type":"MultiPolygon","coordinates":[]}`,
		"empty point":       `{"type":"Point","coordinates":[]}`,
		"line":              `{"type":"LineString","coordinates":[[108,14],[108.1,14.1]]}`,
		"too many vertices": ring.String(),
	} {
		for _, target := range []struct{ path, body string }{
			{"/api/eligibility", `{"kind":"new","geometry":` + g + `}`},
			{"/api/proposals", `{"kind":"new","name":"x","geometry":` + g + `}`},
		} {
			r, b := do(t, http.MethodPost, f.url+target.path, []byte(target.body), "Authorization", f.auth(edit.RoleDistrict))
			if r.StatusCode != http.StatusUnprocessableEntity && r.StatusCode != http.StatusBadRequest {
				t.Errorf("%s to %s: %d %.200s, want 422", name, target.path, r.StatusCode, b)
			}
		}
	}
}
