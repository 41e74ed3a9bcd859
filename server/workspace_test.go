package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/edit"
	"github.com/clustermap/clustermap/server/httpx"
	"github.com/clustermap/clustermap/server/workspace"
)

// ws is one workspace test: a seeded server, and a department, an admin and a district user
// (bound to the district of a CCN), each with an API token.
type wsFixture struct {
	url      string
	store    *geo.Store
	ed       *edit.Store
	district string
	tokens   map[string]string // role → token
	inside   int64             // a cluster covered by the district
	outside  int64             // a cluster outside it
}

func newWS(t testing.TB, opts ...TestServerOption) *wsFixture {
	t.Helper()
	ts, store := NewTestServer(t, opts...)
	f := &wsFixture{url: ts.URL, store: store, ed: edit.New(store, slog.New(slog.DiscardHandler)), tokens: map[string]string{}}
	ctx := context.Background()
	err := store.Pool().QueryRow(ctx, `SELECT a.id, b.id, a.district_code FROM clusters a, clusters b, districts d
		WHERE d.code = a.district_code AND ST_CoveredBy(a.geom, d.geom) AND NOT ST_Intersects(b.geom, d.geom)
		  AND a.kind = 'ccn' ORDER BY a.id, b.id LIMIT 1`).Scan(&f.inside, &f.outside, &f.district)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct{ name, role, district string }{
		{"dist", edit.RoleDistrict, f.district}, {"dept", edit.RoleDepartment, ""}, {"root", edit.RoleAdmin, ""},
	} {
		if err := f.ed.AddUser(ctx, u.name, u.role, u.district, "a long enough password"); err != nil {
			t.Fatal(err)
		}
		tok, err := f.ed.NewToken(ctx, u.name)
		if err != nil {
			t.Fatal(err)
		}
		f.tokens[u.role] = tok
	}
	return f
}

// do sends a request with a body and header pairs and returns the status, headers and body.
func do(t testing.TB, method, url string, body []byte, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] != "" {
			req.Header.Set(header[i], header[i+1])
		}
	}
	resp, err := rawClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func (f *wsFixture) auth(role string) string {
	if tok, ok := f.tokens[role]; ok {
		return "Bearer " + tok
	}
	return ""
}

func (f *wsFixture) item(layer string, id int64) string {
	return fmt.Sprintf("%s/ogc/collections/%s/items/%d", f.url, layer, id)
}

// anyFeature is the smallest id of a layer.
func (f *wsFixture) anyFeature(t testing.TB, layer string) int64 {
	t.Helper()
	var id int64
	if err := f.store.Pool().QueryRow(context.Background(), "SELECT min(id) FROM "+layer).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestWorkspaceRoleMatrix(t *testing.T) {
	f := newWS(t)
	patches := map[string]string{"clusters": `{"properties":{"contact":"matrix"}}`}
	for _, layer := range []string{"clusters", "raw_material_zones", "plants", "energy", "roads"} {
		targets := map[string]int64{"inside": f.anyFeature(t, layer), "outside": f.anyFeature(t, layer)}
		if layer == "clusters" {
			targets = map[string]int64{"inside": f.inside, "outside": f.outside}
		}
		patch := patches[layer]
		if patch == "" {
			patch = `{"properties":{"notes":"matrix"}}`
		}
		for _, role := range []string{"anonymous", edit.RoleDistrict, edit.RoleDepartment, edit.RoleAdmin} {
			for _, where := range []string{"inside", "outside"} {
				id := targets[where]
				name := fmt.Sprintf("%s/%s/%s", layer, role, where)
				t.Run(name, func(t *testing.T) {
					resp, cur := do(t, "GET", f.item(layer, id), nil)
					tag := resp.Header.Get("ETag")
					if resp.StatusCode != 200 || tag == "" {
						t.Fatalf("GET: %d, ETag %q", resp.StatusCode, tag)
					}
					want := map[string]int{"create": 201, "replace": 200, "patch": 200, "delete": 204}
					switch {
					case role == "anonymous":
						want = map[string]int{"create": 401, "replace": 401, "patch": 401, "delete": 401}
					case role == edit.RoleDistrict && layer == "clusters" && where == "inside":
						want = map[string]int{"create": 403, "replace": 200, "patch": 200, "delete": 403}
					case role == edit.RoleDistrict:
						want = map[string]int{"create": 403, "replace": 403, "patch": 403, "delete": 403}
					}
					// create: a copy of the feature under a new natural key.
					var feat map[string]any
					_ = json.Unmarshal(cur, &feat)
					props := feat["properties"].(map[string]any)
					nk := "name"
					if layer == "roads" {
						nk = "ref"
						props["ref"] = fmt.Sprintf("DT9%d", len(role)*10+len(where))
					} else {
						props["name"] = fmt.Sprintf("%v (%s)", props["name"], name)
					}
					body, _ := json.Marshal(map[string]any{"type": "Feature", "geometry": feat["geometry"], "properties": props})
					resp, b := do(t, "POST", f.url+"/ogc/collections/"+layer+"/items", body, "Authorization", f.auth(role), "Content-Type", "application/geo+json")
					if resp.StatusCode != want["create"] {
						t.Fatalf("create: %d %s, want %d", resp.StatusCode, b, want["create"])
					}
					created := resp.Header.Get("Location")
					createdTag := resp.Header.Get("ETag")
					if resp.StatusCode == 201 && (created == "" || createdTag == "") {
						t.Fatalf("create: Location %q ETag %q", created, createdTag)
					}
					// replace: the feature as read, back, with its ETag.
					delete(props, nk)
					_ = json.Unmarshal(cur, &feat)
					resp, b = do(t, "PUT", f.item(layer, id), cur, "Authorization", f.auth(role), "If-Match", tag)
					if resp.StatusCode != want["replace"] {
						t.Fatalf("replace: %d %s, want %d", resp.StatusCode, b, want["replace"])
					}
					if resp.StatusCode == 200 {
						tag = resp.Header.Get("ETag")
					}
					resp, b = do(t, "PATCH", f.item(layer, id), []byte(patch), "Authorization", f.auth(role), "If-Match", tag,
						"Content-Type", "application/merge-patch+json")
					if resp.StatusCode != want["patch"] {
						t.Fatalf("patch: %d %s, want %d", resp.StatusCode, b, want["patch"])
					}
					// delete: the department deletes what it created; others try the target.
					delURL, delTag := f.item(layer, id), tag
					if created != "" {
						delURL, delTag = created, createdTag
					}
					resp, b = do(t, "DELETE", delURL, nil, "Authorization", f.auth(role), "If-Match", delTag)
					if resp.StatusCode != want["delete"] {
						t.Fatalf("delete: %d %s, want %d", resp.StatusCode, b, want["delete"])
					}
				})
			}
		}
	}
}

func TestWorkspaceETagConflict(t *testing.T) {
	f := newWS(t)
	u := f.item("clusters", f.inside)
	resp, _ := do(t, "GET", u, nil)
	tag := resp.Header.Get("ETag")
	r1, _ := do(t, "PATCH", u, []byte(`{"properties":{"contact":"one"}}`), "Authorization", f.auth(edit.RoleDepartment), "If-Match", tag)
	r2, b2 := do(t, "PATCH", u, []byte(`{"properties":{"contact":"two"}}`), "Authorization", f.auth(edit.RoleAdmin), "If-Match", tag)
	if r1.StatusCode != 200 || r2.StatusCode != http.StatusPreconditionFailed {
		t.Fatalf("same ETag twice: %d then %d", r1.StatusCode, r2.StatusCode)
	}
	if !strings.Contains(string(b2), `"current_version"`) || r2.Header.Get("ETag") != r1.Header.Get("ETag") {
		t.Fatalf("412 names no current version: %s", b2)
	}
	if r, _ := do(t, "PATCH", u, []byte(`{}`), "Authorization", f.auth(edit.RoleDepartment)); r.StatusCode != http.StatusPreconditionRequired {
		t.Fatalf("no If-Match: %d, want 428", r.StatusCode)
	}
	// Invalid writes answer 422 with the import's reasons.
	r, b := do(t, "PATCH", u, []byte(`{"properties":{"status":"flying","occupancy_pct":140}}`), "Authorization", f.auth(edit.RoleDepartment), "If-Match", r1.Header.Get("ETag"))
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(b), "flying") {
		t.Fatalf("invalid patch: %d %s", r.StatusCode, b)
	}
	r, b = do(t, "PATCH", u, []byte(`{"geometry":{"type":"Point","coordinates":[2.35,48.85]}}`), "Authorization", f.auth(edit.RoleDepartment), "If-Match", r1.Header.Get("ETag"))
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(b), "outside the province") {
		t.Fatalf("geometry in Paris: %d %s", r.StatusCode, b)
	}
	// History lists every version; as_of answers the state before.
	r, b = do(t, "GET", fmt.Sprintf("%s/api/layers/clusters/features/%d/history", f.url, f.inside), nil)
	if r.StatusCode != 200 || !strings.Contains(string(b), `"to":"one"`) {
		t.Fatalf("history: %d %s", r.StatusCode, b)
	}
}

func TestWorkspaceLogin(t *testing.T) {
	f := newWS(t)
	login := func(user, pw string, header ...string) (*http.Response, []byte) {
		body, _ := json.Marshal(map[string]string{"username": user, "password": pw})
		return do(t, "POST", f.url+"/api/session", body, append([]string{"Content-Type", "application/json"}, header...)...)
	}
	// Unknown user and wrong password answer alike.
	r1, b1 := login("nobody", "whatever password")
	r2, b2 := login("dept", "wrong password!!")
	if r1.StatusCode != 401 || r2.StatusCode != 401 || string(b1) != string(b2) {
		t.Fatalf("unknown user %d %s vs wrong password %d %s", r1.StatusCode, b1, r2.StatusCode, b2)
	}
	// A good login sets a strict, HttpOnly cookie.
	r, b := login("dist", "a long enough password")
	if r.StatusCode != 200 || !strings.Contains(string(b), f.district) {
		t.Fatalf("login: %d %s", r.StatusCode, b)
	}
	ck := r.Cookies()[0]
	if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Secure {
		t.Fatalf("cookie %+v", ck)
	}
	cookie := httpx.SessionCookie + "=" + ck.Value
	if r, _ := do(t, "GET", f.url+"/api/session", nil, "Cookie", cookie); r.StatusCode != 200 {
		t.Fatalf("session: %d", r.StatusCode)
	}
	u := f.item("clusters", f.inside)
	resp, _ := do(t, "GET", u, nil)
	tag := resp.Header.Get("ETag")
	// CSRF: a cookie write from another origin, or with no origin at all, is refused.
	for _, origin := range []string{"https://evil.example", ""} {
		r, b := do(t, "PATCH", u, []byte(`{"properties":{"contact":"csrf"}}`), "Cookie", cookie, "If-Match", tag, "Origin", origin)
		if r.StatusCode != 403 {
			t.Fatalf("cross-origin write (Origin %q): %d %s", origin, r.StatusCode, b)
		}
	}
	r, b = do(t, "PATCH", u, []byte(`{"properties":{"contact":"same origin"}}`), "Cookie", cookie, "If-Match", tag, "Origin", f.url)
	if r.StatusCode != 200 {
		t.Fatalf("same-origin cookie write: %d %s", r.StatusCode, b)
	}
	// A disabled user's session and token stop at once.
	if err := f.ed.DisableUser(context.Background(), "dist"); err != nil {
		t.Fatal(err)
	}
	if r, _ := do(t, "GET", f.url+"/api/session", nil, "Cookie", cookie); r.StatusCode != 401 {
		t.Fatalf("disabled session: %d", r.StatusCode)
	}
	if r, _ := do(t, "PATCH", u, []byte(`{}`), "Authorization", f.auth(edit.RoleDistrict), "If-Match", r.Header.Get("ETag")); r.StatusCode != 401 {
		t.Fatalf("disabled token: %d", r.StatusCode)
	}
	// Wrong passwords are rate-limited per user, even for a good password afterwards.
	var last int
	for range workspace.MaxLoginFailures + 1 {
		r, _ := login("root", "not the password")
		last = r.StatusCode
	}
	if last != http.StatusTooManyRequests {
		t.Fatalf("after %d failures: %d, want 429", workspace.MaxLoginFailures+1, last)
	}
	if r, _ := login("root", "a long enough password"); r.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("good password while limited: %d", r.StatusCode)
	}
}

func TestWorkspaceProposalEndToEnd(t *testing.T) {
	f := newWS(t)
	ctx := context.Background()
	// A ~30 ha square inside the district, away from its clusters.
	var geom []byte
	err := f.store.Pool().QueryRow(ctx, `SELECT ST_AsGeoJSON(ST_Buffer(p::geography, 310, 'quad_segs=1')::geometry, 7)
		  FROM (SELECT ST_PointOnSurface(ST_Difference(d.geom, (SELECT ST_Buffer(ST_Union(geom)::geography, 3000)::geometry FROM clusters))) p
		          FROM districts d WHERE d.code = $1) x`, f.district).Scan(&geom)
	if err != nil {
		t.Fatal(err)
	}
	dist, dept := f.auth(edit.RoleDistrict), f.auth(edit.RoleDepartment)
	draft, _ := json.Marshal(map[string]any{"kind": "new", "name": "CCN Thử nghiệm", "target_industries": []string{"chế biến nông sản"},
		"land_recovery": []map[string]any{{"parcel": "thửa 12, tờ 3", "area_ha": 30}}, "justification": "test", "geometry": json.RawMessage(geom)})
	// Live check while drawing.
	r, b := do(t, "POST", f.url+"/api/eligibility", []byte(`{"kind":"new","geometry":`+string(geom)+`}`))
	if r.StatusCode != 200 || !strings.Contains(string(b), `"area_ha"`) {
		t.Fatalf("eligibility: %d %s", r.StatusCode, b)
	}
	r, b = do(t, "POST", f.url+"/api/proposals", draft, "Authorization", dist)
	if r.StatusCode != 201 {
		t.Fatalf("draft: %d %s", r.StatusCode, b)
	}
	var created struct{ ID int64 }
	_ = json.Unmarshal(b, &created)
	pu := f.url + "/api/proposals/" + strconv.FormatInt(created.ID, 10)
	if r, b := do(t, "GET", pu+"/eligibility", nil, "Authorization", dist); r.StatusCode != 200 || !strings.Contains(string(b), `"size"`) {
		t.Fatalf("proposal eligibility: %d %s", r.StatusCode, b)
	}
	// The public does not see a draft; the district does.
	if r, _ := do(t, "GET", pu, nil); r.StatusCode != 404 {
		t.Fatalf("anonymous sees a draft: %d", r.StatusCode)
	}
	if r, _ := do(t, "POST", pu+"/approve", []byte(`{"decision_number":"1/QĐ-UBND","decision_date":"2025-06-01"}`), "Authorization", dist); r.StatusCode != 403 {
		t.Fatalf("district approves: %d", r.StatusCode)
	}
	if r, b := do(t, "POST", pu+"/submit", nil, "Authorization", dist); r.StatusCode != 200 {
		t.Fatalf("submit: %d %s", r.StatusCode, b)
	}
	r, b = do(t, "POST", pu+"/approve", []byte(`{"decision_number":"1/QĐ-UBND","decision_date":"2025-06-01","comment":"ok"}`), "Authorization", dept)
	if r.StatusCode != 200 {
		t.Fatalf("approve: %d %s", r.StatusCode, b)
	}
	var approved struct {
		Status    string `json:"status"`
		ClusterID int64  `json:"cluster_id"`
	}
	_ = json.Unmarshal(b, &approved)
	if approved.Status != "approved" || approved.ClusterID == 0 {
		t.Fatalf("approved: %s", b)
	}
	// Served at once: GeoJSON, OGC (with ETag), tiles, and history pointing to the proposal.
	if r, b := do(t, "GET", fmt.Sprintf("%s/api/layers/clusters/features/%d", f.url, approved.ClusterID), nil); r.StatusCode != 200 || !strings.Contains(string(b), "CCN Thử nghiệm") {
		t.Fatalf("GeoJSON: %d %s", r.StatusCode, b)
	}
	if r, _ := do(t, "GET", f.item("clusters", approved.ClusterID), nil); r.StatusCode != 200 || r.Header.Get("ETag") != `"v1"` {
		t.Fatalf("OGC: %d %q", r.StatusCode, r.Header.Get("ETag"))
	}
	var lon, lat float64
	_ = f.store.Pool().QueryRow(ctx, `SELECT ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) FROM clusters WHERE id = $1`, approved.ClusterID).Scan(&lon, &lat)
	tc := geo.TileAt(14, lon, lat)
	r, b = Fetch(t, "GET", fmt.Sprintf("%s/tiles/clusters/%d/%d/%d.mvt", f.url, tc.Z, tc.X, tc.Y))
	if r.StatusCode != 200 || !bytes.Contains(b, []byte("CCN Thử nghiệm")) {
		t.Fatalf("tile %v: %d", tc, r.StatusCode)
	}
	r, b = do(t, "GET", fmt.Sprintf("%s/api/layers/clusters/features/%d/history", f.url, approved.ClusterID), nil)
	if r.StatusCode != 200 || !strings.Contains(string(b), fmt.Sprintf(`"proposal_id":%d`, created.ID)) {
		t.Fatalf("history: %d %s", r.StatusCode, b)
	}
	if r, b := do(t, "GET", pu, nil); r.StatusCode != 200 {
		t.Fatalf("the public sees an approved proposal: %d %s", r.StatusCode, b)
	}
}

// The web app's needs: change comments in the JSON body (or percent-encoded in the header), a
// clear 403 for a proposal outside the district instead of PostgreSQL's row-level security text,
// and the catalog's required and derived flags in /api/layers.
func TestWorkspaceCommentsForbiddenReasonCatalogFlags(t *testing.T) {
	f := newWS(t)
	u := f.item("clusters", f.inside)
	resp, _ := do(t, "GET", u, nil)
	tag := resp.Header.Get("ETag")
	r, b := do(t, "PATCH", u, []byte(`{"properties":{"contact":"body comment"},"comment":"Báo cáo quý 2"}`), "Authorization", f.auth(edit.RoleDepartment), "If-Match", tag)
	if r.StatusCode != 200 || strings.Contains(string(b), `"comment"`) {
		t.Fatalf("patch with a body comment: %d %s", r.StatusCode, b)
	}
	r, _ = do(t, "PATCH", u, []byte(`{"properties":{"contact":"header comment"}}`), "Authorization", f.auth(edit.RoleDepartment), "If-Match", r.Header.Get("ETag"),
		"X-Change-Comment", url.PathEscape("Sửa liên hệ"))
	if r.StatusCode != 200 {
		t.Fatalf("patch with a header comment: %d", r.StatusCode)
	}
	r, b = do(t, "GET", fmt.Sprintf("%s/api/layers/clusters/features/%d/history", f.url, f.inside), nil)
	if r.StatusCode != 200 || !strings.Contains(string(b), `"comment":"Báo cáo quý 2"`) || !strings.Contains(string(b), `"comment":"Sửa liên hệ"`) {
		t.Fatalf("history lacks the comments: %d %s", r.StatusCode, b)
	}
	if strings.Contains(string(b), `"field":"comment"`) {
		t.Fatalf("the body comment became a property: %s", b)
	}
	// A proposal in another district: 403 with a reason a planner understands.
	var geom []byte
	err := f.store.Pool().QueryRow(context.Background(), `SELECT ST_AsGeoJSON(ST_Buffer(ST_PointOnSurface(geom)::geography, 300, 'quad_segs=2')::geometry, 7)
		FROM districts WHERE code <> $1 ORDER BY code LIMIT 1`, f.district).Scan(&geom)
	if err != nil {
		t.Fatal(err)
	}
	r, b = do(t, "POST", f.url+"/api/proposals", []byte(`{"kind":"new","name":"Ngoài huyện","comment":"thử","geometry":`+string(geom)+`}`), "Authorization", f.auth(edit.RoleDistrict))
	if r.StatusCode != http.StatusForbidden || strings.Contains(string(b), "violates") || !strings.Contains(string(b), "own district") {
		t.Fatalf("proposal outside the district: %d %s", r.StatusCode, b)
	}
	var layers struct {
		Layers []struct {
			ID     string `json:"id"`
			Fields []struct {
				Name     string `json:"name"`
				Required bool   `json:"required"`
				Derived  bool   `json:"derived"`
			} `json:"fields"`
		} `json:"layers"`
	}
	if r, b := do(t, "GET", f.url+"/api/layers", nil); r.StatusCode != 200 || json.Unmarshal(b, &layers) != nil {
		t.Fatalf("/api/layers: %d", r.StatusCode)
	}
	flags := map[string]string{}
	for _, l := range layers.Layers {
		if l.ID != "clusters" {
			continue
		}
		for _, fl := range l.Fields {
			flags[fl.Name] = fmt.Sprintf("required=%v derived=%v", fl.Required, fl.Derived)
		}
	}
	cat, _ := f.store.Catalog().Layer("clusters")
	for _, fl := range cat.Fields {
		if want := fmt.Sprintf("required=%v derived=%v", fl.Required, fl.Derived); flags[fl.Name] != want {
			t.Errorf("clusters.%s: /api/layers says %q, the catalog %q", fl.Name, flags[fl.Name], want)
		}
	}
}
