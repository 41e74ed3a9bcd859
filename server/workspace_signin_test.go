package server

import (
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
