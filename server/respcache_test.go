package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"
)

// cachedURLs are the answers the response cache keeps, with a text each shows from the district
// the tests rename (Chư Sê, 622… looked up below) or "" where the body need not name it.
var cachedURLs = []string{
	"/api/layers",
	"/api/layers/districts/features",
	"/api/layers/districts/features?bbox=108.0,13.6,108.3,13.9",
	"/api/layers/districts/features/%s",
	"/api/layers/clusters/features", // a cluster's district name is read from districts
	"/api/labels",
	"/ogc/collections",
	"/ogc/collections/districts",
	"/ogc/collections/districts/items?limit=50",
	"/ogc/collections/districts/items/%s",
	"/tiles/districts.json",
	"/api/summary",
	"/api/regions/%r/summary",
	"/api/analysis/linkage",
	"/api/sites",
}

// renamedIn are the answers whose body names the renamed district.
var renamedIn = map[string]bool{
	"/api/layers/districts/features": true, "/api/layers/districts/features/%s": true, "/api/labels": true,
	"/ogc/collections/districts/items?limit=50": true, "/ogc/collections/districts/items/%s": true,
	"/api/layers/clusters/features": true,
}

type answer struct {
	status         int
	etag, cache    string
	body           []byte // identity, whatever the encoding sent
	contentEncoded bool
}

// behindProxy makes both test processes answer as one public site, as two replicas behind one
// reverse proxy do: their links, and so their bodies and ETags, are then the same.
var behindProxy = []string{"X-Forwarded-Host", "map.example.org", "X-Forwarded-Proto", "https"}

func fetchAnswer(t *testing.T, url string, header ...string) answer {
	t.Helper()
	resp, body := Fetch(t, "GET", url, append(header, behindProxy...)...)
	a := answer{status: resp.StatusCode, etag: resp.Header.Get("ETag"), cache: resp.Header.Get("X-Response-Cache"), body: body}
	if resp.Header.Get("Content-Encoding") == "gzip" {
		a.contentEncoded = true
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("%s: %v", url, err)
		}
		if a.body, err = io.ReadAll(zr); err != nil {
			t.Fatalf("%s: %v", url, err)
		}
	}
	return a
}

// timeStamp is the one member of an answer that is the time it was made, not the data.
var timeStamp = regexp.MustCompile(`"timeStamp":"[^"]*"`)

func sameData(a, b []byte) bool {
	return bytes.Equal(timeStamp.ReplaceAll(a, nil), timeStamp.ReplaceAll(b, nil))
}

// TestResponseCacheFollowsTheDataAcrossProcesses runs two servers on one database, warms both,
// changes the data through SQL (as an import or another process would), and checks that both then
// serve the new answer under a new ETag, the same in both processes, with 304s carrying the
// ETag of the 200 they revalidate.
func TestResponseCacheFollowsTheDataAcrossProcesses(t *testing.T) {
	a, store := NewTestServer(t)
	b, _ := NewTestServer(t, OnStore(store))
	ctx := context.Background()
	var code, name, region string
	if err := store.Pool().QueryRow(ctx, `SELECT d.code, d.name, rm.region_slug FROM districts d JOIN region_members rm ON rm.district_code = d.code
		WHERE EXISTS (SELECT FROM clusters c WHERE c.district_code = d.code) ORDER BY d.code LIMIT 1`).Scan(&code, &name, &region); err != nil {
		t.Fatal(err)
	}
	urls := make([]string, len(cachedURLs))
	for i, u := range cachedURLs {
		urls[i] = strings.NewReplacer("%s", code, "%r", region).Replace(u)
	}
	type state struct{ identity, gz answer }
	read := func(srv *TestServer, u string) state {
		return state{identity: fetchAnswer(t, srv.URL+u), gz: fetchAnswer(t, srv.URL+u, "Accept-Encoding", "gzip")}
	}
	before := map[string]state{}
	for _, u := range urls {
		sa, sb := read(a, u), read(b, u)
		for _, s := range []state{sa, sb} {
			if s.identity.status != 200 || s.gz.status != 200 {
				t.Fatalf("%s: %d / %d", u, s.identity.status, s.gz.status)
			}
			if s.identity.etag == "" || !strings.HasPrefix(s.identity.etag, `"`) {
				t.Fatalf("%s: ETag %q is not a strong validator", u, s.identity.etag)
			}
		}
		if sa.identity.etag != sb.identity.etag || sa.gz.etag != sb.gz.etag {
			t.Errorf("%s: the two processes tag the same data differently: %s %s / %s %s", u, sa.identity.etag, sb.identity.etag, sa.gz.etag, sb.gz.etag)
		}
		if !sameData(sa.identity.body, sb.identity.body) || !sameData(sa.identity.body, sa.gz.body) {
			t.Errorf("%s: the same ETag on different bodies", u)
		}
		// Warm: the second request is a hit, and revalidation answers 304 with the 200's ETag.
		if h := fetchAnswer(t, a.URL+u, "Accept-Encoding", "gzip"); h.cache != "hit" || h.etag != sa.gz.etag {
			t.Errorf("%s: second request %q, ETag %s (want hit, %s)", u, h.cache, h.etag, sa.gz.etag)
		}
		for _, tc := range []struct{ tag, enc string }{{sa.identity.etag, ""}, {sa.gz.etag, "gzip"}} {
			r := fetchAnswer(t, b.URL+u, "If-None-Match", tc.tag, "Accept-Encoding", tc.enc)
			if r.status != 304 || r.etag != tc.tag || len(r.body) != 0 {
				t.Errorf("%s: If-None-Match %s (%q): %d with ETag %s, %d bytes; want 304 with the same ETag", u, tc.tag, tc.enc, r.status, r.etag, len(r.body))
			}
		}
		before[u] = sa
	}

	// One write renames the district; another changes what the analyses read and nothing else.
	if _, err := store.Pool().Exec(ctx, `UPDATE districts SET name = name || ' (renamed)' WHERE code = $1`, code); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Pool().Exec(ctx, `UPDATE crop_industries SET note = note || ' (edited)' WHERE crop = 'other'`); err != nil {
		t.Fatal(err)
	}
	for _, srv := range []*TestServer{a, b} {
		srv.AwaitVersions(t, store)
	}
	for _, u := range urls {
		sa, sb := read(a, u), read(b, u)
		old := before[u]
		if sa.identity.etag == old.identity.etag || sa.gz.etag == old.gz.etag {
			t.Errorf("%s: ETag %s unchanged after the data changed", u, sa.identity.etag)
		}
		if sa.identity.etag != sb.identity.etag {
			t.Errorf("%s: after the change the processes disagree: %s / %s", u, sa.identity.etag, sb.identity.etag)
		}
		if !sameData(sa.identity.body, sb.identity.body) {
			t.Errorf("%s: after the change the processes serve different bodies", u)
		}
		if renamedIn[cachedURLs[indexOf(urls, u)]] && !bytes.Contains(sa.identity.body, []byte(name+" (renamed)")) {
			t.Errorf("%s: the new answer does not show the renamed district", u)
		}
		// The old ETag no longer revalidates.
		if r := fetchAnswer(t, b.URL+u, "If-None-Match", old.identity.etag); r.status != 200 {
			t.Errorf("%s: the old ETag still answers %d", u, r.status)
		}
	}
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

// TestResponseCacheNeverSharesUsersAnswers: an answer for a signed-in user (token or session
// cookie) is neither taken from the cache nor put into it, and time travel (as_of) is never
// cached, so no user is ever served another's response.
func TestResponseCacheNeverSharesUsersAnswers(t *testing.T) {
	f := newWS(t)
	item := f.item("clusters", f.inside)
	features := f.url + "/api/layers/clusters/features"
	for _, u := range []string{item, features, f.url + "/ogc/collections/clusters/items"} {
		// Signed in first, on a cold cache: answered fresh and kept from shared caches.
		for _, who := range [][]string{{"Authorization", f.auth("district")}, {"Cookie", f.sessionCookie(t, "dept")}} {
			r, _ := Fetch(t, "GET", u, who...)
			if r.StatusCode != 200 || r.Header.Get("X-Response-Cache") != "private" || r.Header.Get("Cache-Control") != "private, no-store" {
				t.Fatalf("%s as %s: %d, X-Response-Cache %q, Cache-Control %q", u, who[0], r.StatusCode, r.Header.Get("X-Response-Cache"), r.Header.Get("Cache-Control"))
			}
		}
		// The anonymous request after it finds nothing kept: the user's answer was not stored.
		if r, _ := Fetch(t, "GET", u); r.Header.Get("X-Response-Cache") != "miss" {
			t.Errorf("%s anonymous after signed-in requests: %q, want miss", u, r.Header.Get("X-Response-Cache"))
		}
		if r, _ := Fetch(t, "GET", u); r.Header.Get("X-Response-Cache") != "hit" {
			t.Errorf("%s anonymous again: %q, want hit", u, r.Header.Get("X-Response-Cache"))
		}
		// And signed-in requests never take the anonymous answer, whoever they are.
		for _, role := range []string{"district", "department", "admin"} {
			r, _ := Fetch(t, "GET", u, "Authorization", f.auth(role))
			if r.Header.Get("X-Response-Cache") != "private" {
				t.Errorf("%s as %s: %q, want private", u, role, r.Header.Get("X-Response-Cache"))
			}
		}
	}
	// An editable item keeps its feature-version ETag for If-Match, signed in or not.
	anon, _ := Fetch(t, "GET", item)
	signed, _ := Fetch(t, "GET", item, "Authorization", f.auth("district"))
	if !strings.HasPrefix(anon.Header.Get("ETag"), `"v`) || anon.Header.Get("ETag") != signed.Header.Get("ETag") {
		t.Errorf("item ETags: anonymous %q, signed in %q; want the same feature version", anon.Header.Get("ETag"), signed.Header.Get("ETag"))
	}
	asOf := features + "?as_of=" + time.Now().UTC().Format(time.RFC3339)
	for range 2 {
		if r, body := Fetch(t, "GET", asOf); r.StatusCode != 200 || r.Header.Get("X-Response-Cache") != "" {
			t.Fatalf("as_of: %d, X-Response-Cache %q: %s", r.StatusCode, r.Header.Get("X-Response-Cache"), body)
		}
	}
}

// TestResponseCacheFollowsTheRegisterOfUnits: the provinces' list and the answers that name a
// feature's commune or province are kept, and a change of the register of units or of a
// province's contact, made through SQL as `clustermap seed` makes it on a running installation,
// reaches both processes' answers under a new ETag.
func TestResponseCacheFollowsTheRegisterOfUnits(t *testing.T) {
	a, store := NewTestServer(t)
	b, _ := NewTestServer(t, OnStore(store))
	ctx := context.Background()
	var commune, communeName, province, contact string
	if err := store.Pool().QueryRow(ctx, `SELECT u.code, u.name FROM clusters c JOIN admin_units u ON u.level = 'commune' AND u.code = c.commune_code
		WHERE daterange(u.valid_from, u.valid_to, '[]') @> current_date ORDER BY u.code LIMIT 1`).Scan(&commune, &communeName); err != nil {
		t.Fatalf("a cluster's commune in the seed: %v", err)
	}
	if err := store.Pool().QueryRow(ctx, `SELECT province_code, name_vi FROM province_contacts ORDER BY province_code LIMIT 1`).Scan(&province, &contact); err != nil {
		t.Fatalf("a province's contact in the seed: %v", err)
	}
	urls := map[string]string{ // URL → what its new answer must show
		"/api/provinces":                            contact + " (renamed)",
		"/api/layers/clusters/features":             communeName + " (renamed)",
		"/ogc/collections/clusters/items?limit=500": communeName + " (renamed)",
		"/api/summary":                              "",
	}
	before := map[string]answer{}
	for u := range urls {
		first := fetchAnswer(t, a.URL+u)
		if first.status != 200 || !strings.HasPrefix(first.etag, `"`) {
			t.Errorf("%s: %d, ETag %q (want 200 with a strong ETag)", u, first.status, first.etag)
		}
		if again := fetchAnswer(t, a.URL+u); again.cache != "hit" || again.etag != first.etag {
			t.Errorf("%s: second request %q, ETag %s (want a hit, %s)", u, again.cache, again.etag, first.etag)
		}
		if other := fetchAnswer(t, b.URL+u); other.etag != first.etag {
			t.Errorf("%s: the two processes tag the same data differently: %s / %s", u, first.etag, other.etag)
		}
		before[u] = first
	}

	if _, err := store.Pool().Exec(ctx, `UPDATE admin_units SET name = name || ' (renamed)' WHERE level = 'commune' AND code = $1`, commune); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Pool().Exec(ctx, `UPDATE province_contacts SET name_vi = name_vi || ' (renamed)' WHERE province_code = $1`, province); err != nil {
		t.Fatal(err)
	}
	for _, srv := range []*TestServer{a, b} {
		srv.AwaitVersions(t, store)
	}
	for u, shows := range urls {
		for _, srv := range []*TestServer{a, b} {
			now := fetchAnswer(t, srv.URL+u)
			if now.etag == before[u].etag {
				t.Errorf("%s: ETag %s unchanged after the register changed", u, now.etag)
			}
			if shows != "" && !bytes.Contains(now.body, []byte(shows)) {
				t.Errorf("%s: the answer after the change does not show %q", u, shows)
			}
		}
	}
}
