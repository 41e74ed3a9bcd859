package server

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clustermap/clustermap/geo/edit"
)

type eventItem struct {
	ID             int64   `json:"id"`
	Kind           string  `json:"kind"`
	DecisionNumber *string `json:"decision_number"`
	ProposalID     *int64  `json:"proposal_id"`
	Withdrawn      *struct {
		Reason string `json:"reason"`
	} `json:"withdrawn"`
	Documents []struct {
		SHA256 string `json:"sha256"`
		Public bool   `json:"public"`
	} `json:"documents"`
}

type eventsAnswer struct {
	Events []eventItem `json:"events"`
}

func (f *wsFixture) status(t *testing.T, id int64) string {
	t.Helper()
	var s string
	if err := f.store.Pool().QueryRow(context.Background(), `SELECT status::text FROM clusters WHERE id = $1`, id).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func (f *wsFixture) record(t *testing.T, auth string, cluster int64, ev map[string]any) (int, int64) {
	t.Helper()
	b, _ := json.Marshal(ev)
	r, body := do(t, "POST", fmt.Sprintf("%s/api/clusters/%d/events", f.url, cluster), b, "Authorization", auth)
	var out struct{ ID int64 }
	_ = json.Unmarshal(body, &out)
	return r.StatusCode, out.ID
}

// A cluster's stage follows its dated events: each recorded step moves it, a typed stage against
// them is refused, a withdrawn event (with its reason) moves it back; the department records the
// province's decisions, a commune office only the building and operating steps of its own
// clusters, in PostgreSQL as in the service.
func TestEventsDriveTheStage(t *testing.T) {
	f := newWS(t)
	ctx := context.Background()
	dept := f.auth(edit.RoleDepartment)
	src := []string{"test fixture: a decision as a source would give it"}
	var cl int64 // a CCN with no event yet, of commune 21940
	if err := f.store.Pool().QueryRow(ctx, `SELECT min(id) FROM clusters WHERE commune_code = '21940'`).Scan(&cl); err != nil {
		t.Fatal(err)
	}
	seeded := len(getJSON[eventsAnswer](t, fmt.Sprintf("%s/api/clusters/%d/events", f.url, cl), 200).Events)
	steps := []struct {
		kind, on, want string
	}{
		{"plan_inclusion", "2018-11-19", "planned"},
		{"investor_selected", "2021-02-01", "investor_selected"},
		{"founding_decision", "2021-06-15", "established"},
		{"detailed_plan", "2022-01-10", "established"}, // a step that implies no stage of its own
		{"construction_start", "2023-04-01", "under_construction"},
	}
	var construction int64
	for _, s := range steps {
		code, id := f.record(t, dept, cl, map[string]any{"kind": s.kind, "occurred_on": s.on, "decision_number": "1/QĐ-UBND",
			"issued_by": "UBND tỉnh", "sources": src})
		if code != 201 {
			t.Fatalf("record %s: %d", s.kind, code)
		}
		if got := f.status(t, cl); got != s.want {
			t.Fatalf("after %s: stage %s, want %s", s.kind, got, s.want)
		}
		construction = id
	}
	// The stage is not typed against the events.
	r, _ := do(t, "GET", f.item("clusters", cl), nil)
	r, b := do(t, "PATCH", f.item("clusters", cl), []byte(`{"properties":{"status":"operating"}}`), "Authorization", dept, "If-Match", r.Header.Get("ETag"))
	if r.StatusCode != 422 || !strings.Contains(string(b), "follows its dated events") {
		t.Errorf("typed stage: %d %s, want 422", r.StatusCode, b)
	}
	// A commune office records its cluster's operation, not a decision of the province.
	if err := f.ed.AddScopedUser(ctx, "nhontan", edit.RoleCommune, edit.Scope{Commune: "21940"}, "a long enough password"); err != nil {
		t.Fatal(err)
	}
	tok, err := f.ed.NewToken(ctx, "nhontan")
	if err != nil {
		t.Fatal(err)
	}
	commune := "Bearer " + tok
	if code, _ := f.record(t, commune, cl, map[string]any{"kind": "founding_decision", "occurred_on": "2024-01-01", "sources": src}); code != 403 {
		t.Errorf("a commune records a founding: %d, want 403", code)
	}
	var other int64
	if err := f.store.Pool().QueryRow(ctx, `SELECT min(id) FROM clusters WHERE commune_code <> '21940' AND province_code = '52'`).Scan(&other); err != nil {
		t.Fatal(err)
	}
	if code, _ := f.record(t, commune, other, map[string]any{"kind": "operation", "occurred_on": "2024-01-01", "sources": src}); code != 403 {
		t.Errorf("a commune records on another commune's cluster: %d, want 403", code)
	}
	for _, bad := range []map[string]any{
		{"kind": "rumour", "occurred_on": "2024-01-01", "sources": src},
		{"kind": "operation", "occurred_on": "01/01/2024", "sources": src},
		{"kind": "operation", "occurred_on": "2099-01-01", "sources": src},
		{"kind": "operation", "occurred_on": "2024-01-01", "sources": []string{}},
	} {
		if code, _ := f.record(t, commune, cl, bad); code != 422 {
			t.Errorf("event %v: %d, want 422", bad, code)
		}
	}
	if code, _ := f.record(t, commune, cl, map[string]any{"kind": "operation", "occurred_on": "2024-09-01", "sources": src}); code != 201 {
		t.Fatalf("a commune records its cluster's operation: %d", code)
	}
	if got := f.status(t, cl); got != "operating" {
		t.Errorf("after operation: %s", got)
	}
	// The database holds the rule without the service: as the editor with the commune's settings.
	tx, err := f.store.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = tx.Exec(ctx, `SELECT set_config('clustermap.role', 'commune', true), set_config('clustermap.commune', '21940', true), set_config('clustermap.user', 'sql', true)`)
	_, _ = tx.Exec(ctx, `SET LOCAL ROLE clustermap_editor`)
	_, err = tx.Exec(ctx, `INSERT INTO cluster_events (cluster_id, kind, occurred_on, sources) VALUES ($1, 'founding_decision', '2024-01-01', '{sql}')`, cl)
	_ = tx.Rollback(ctx)
	if err == nil || !strings.Contains(err.Error(), "row-level security") {
		t.Errorf("a founding recorded by SQL as a commune: %v", err)
	}
	// Only the department withdraws, with a reason; the stage follows what remains.
	wd := func(auth, reason string, id int64) int {
		r, _ := do(t, "POST", fmt.Sprintf("%s/api/events/%d/withdraw", f.url, id), []byte(`{"reason":`+fmt.Sprintf("%q", reason)+`}`), "Authorization", auth)
		return r.StatusCode
	}
	if code := wd(commune, "wrong", construction); code != 403 {
		t.Errorf("a commune withdraws: %d", code)
	}
	if code := wd(dept, "", construction); code != 422 {
		t.Errorf("a withdrawal without a reason: %d", code)
	}
	var opID int64
	if err := f.store.Pool().QueryRow(ctx, `SELECT id FROM cluster_events WHERE cluster_id = $1 AND kind = 'operation'`, cl).Scan(&opID); err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{opID, construction} {
		if code := wd(dept, "recorded on the wrong cluster", id); code != 200 {
			t.Fatalf("withdraw %d: %d", id, code)
		}
	}
	if got := f.status(t, cl); got != "established" {
		t.Errorf("after the withdrawals: %s, want established", got)
	}
	ev := getJSON[eventsAnswer](t, fmt.Sprintf("%s/api/clusters/%d/events", f.url, cl), 200)
	withdrawn := 0
	for _, e := range ev.Events {
		if e.Withdrawn != nil && e.Withdrawn.Reason == "recorded on the wrong cluster" {
			withdrawn++
		}
	}
	if len(ev.Events) != seeded+len(steps)+1 || withdrawn != 2 {
		t.Errorf("events: %d listed, %d withdrawn with their reason", len(ev.Events), withdrawn)
	}
	// The stage's moves are in the cluster's history, by the users who recorded the events.
	var actors string
	if err := f.store.Pool().QueryRow(ctx, `SELECT string_agg(DISTINCT actor, ',' ORDER BY actor) FROM feature_versions
		WHERE layer = 'clusters' AND fid = $1 AND op = 'update'`, cl).Scan(&actors); err != nil || !strings.Contains(actors, "dept") || !strings.Contains(actors, "nhontan") {
		t.Errorf("history actors %q (%v)", actors, err)
	}
}

// An approval records its decision as an event of the cluster (founding or expansion), and a
// withdrawn approval withdraws it.
func TestApprovalRecordsItsEvent(t *testing.T) {
	f := newWS(t)
	ctx := context.Background()
	dept := f.auth(edit.RoleDepartment)
	var geom []byte
	if err := f.store.Pool().QueryRow(ctx, `SELECT ST_AsGeoJSON(ST_Buffer(ST_PointOnSurface(c.geom)::geography, 150, 'quad_segs=1')::geometry, 7)
		FROM clusters c WHERE c.id = $1`, f.inside).Scan(&geom); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"kind": "expansion", "cluster_id": f.inside, "name": "Mở rộng", "geometry": json.RawMessage(geom)})
	r, b := do(t, "POST", f.url+"/api/proposals", body, "Authorization", dept)
	if r.StatusCode != 201 {
		t.Fatalf("draft: %d %s", r.StatusCode, b)
	}
	var p struct{ ID int64 }
	_ = json.Unmarshal(b, &p)
	pu := fmt.Sprintf("%s/api/proposals/%d", f.url, p.ID)
	do(t, "POST", pu+"/submit", nil, "Authorization", dept)
	if r, b := do(t, "POST", pu+"/approve", []byte(`{"decision_number":"77/QĐ-UBND","decision_date":"2026-01-05","comment":"đồng ý"}`), "Authorization", dept); r.StatusCode != 200 {
		t.Fatalf("approve: %d %s", r.StatusCode, b)
	}
	ofApproval := func() (e eventItem) {
		for _, x := range getJSON[eventsAnswer](t, fmt.Sprintf("%s/api/clusters/%d/events", f.url, f.inside), 200).Events {
			if x.ProposalID != nil && *x.ProposalID == p.ID {
				return x
			}
		}
		return e
	}
	last := ofApproval()
	if last.Kind != "expansion_decision" || last.DecisionNumber == nil || *last.DecisionNumber != "77/QĐ-UBND" || last.ProposalID == nil || *last.ProposalID != p.ID {
		t.Fatalf("the approval's event: %+v", last)
	}
	if got := f.status(t, f.inside); got != "expanded" {
		t.Fatalf("after the approval: %s", got)
	}
	if r, b := do(t, "POST", pu+"/withdraw-approval", []byte(`{"comment":"nhầm quyết định"}`), "Authorization", dept); r.StatusCode != 200 {
		t.Fatalf("withdraw the approval: %d %s", r.StatusCode, b)
	}
	if last := ofApproval(); last.Withdrawn == nil {
		t.Errorf("the approval's event stands after its withdrawal: %+v", last)
	}
	if got := f.status(t, f.inside); got == "expanded" {
		t.Errorf("the stage stays expanded after the approval was withdrawn")
	}
}

// A document is stored once by its content's hash, served as an attachment of its checked type,
// seen by the public only when marked public; HTML and other types are refused and nothing stays.
func TestDocumentsAttachedAndServedSafely(t *testing.T) {
	f := newWS(t)
	ctx := context.Background()
	dept := f.auth(edit.RoleDepartment)
	code, ev := f.record(t, dept, f.inside, map[string]any{"kind": "detailed_plan", "occurred_on": "2022-03-01",
		"decision_number": "12/QĐ-UBND", "sources": []string{"test fixture"}})
	if code != 201 {
		t.Fatalf("record: %d", code)
	}
	pdf := []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
	sum := sha256.Sum256(pdf)
	attach := func(auth string, q url.Values, body []byte) (int, string) {
		r, b := do(t, "POST", f.url+"/api/documents?"+q.Encode(), body, "Authorization", auth, "Content-Type", "application/octet-stream")
		return r.StatusCode, string(b)
	}
	q := url.Values{"event_id": {fmt.Sprint(ev)}, "title": {"Quyết định phê duyệt quy hoạch chi tiết 1/500"}, "filename": {"qd-12.pdf"}}
	if code, b := attach(dept, q, pdf); code != 201 || !strings.Contains(b, hex.EncodeToString(sum[:])) || !strings.Contains(b, "application/pdf") {
		t.Fatalf("attach a PDF: %d %s", code, b)
	}
	q2 := url.Values{"cluster_id": {fmt.Sprint(f.inside)}, "title": {"Bản sao"}, "filename": {"copy.pdf"}}
	if code, _ := attach(dept, q2, pdf); code != 201 {
		t.Fatalf("attach the same PDF to the cluster: %d", code)
	}
	var docs, atts int
	if err := f.store.Pool().QueryRow(ctx, `SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM attachments)`).Scan(&docs, &atts); err != nil || docs != 1 || atts != 2 {
		t.Fatalf("%d documents, %d attachments (%v), want one document attached twice", docs, atts, err)
	}
	u := f.url + "/api/documents/" + hex.EncodeToString(sum[:])
	if r, _ := do(t, "GET", u, nil); r.StatusCode != 404 {
		t.Errorf("the public reads a document not marked public: %d", r.StatusCode)
	}
	r, b := do(t, "GET", u, nil, "Authorization", dept)
	if r.StatusCode != 200 || string(b) != string(pdf) || r.Header.Get("Content-Type") != "application/pdf" ||
		!strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment") || r.Header.Get("X-Content-Type-Options") != "nosniff" ||
		!strings.Contains(r.Header.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("served: %d %q %q %q", r.StatusCode, r.Header.Get("Content-Type"), r.Header.Get("Content-Disposition"), r.Header.Get("Content-Security-Policy"))
	}
	q3 := url.Values{"event_id": {fmt.Sprint(ev)}, "title": {"Công khai"}, "filename": {"qd-12.pdf"}, "public": {"true"}}
	if code, _ := attach(dept, q3, pdf); code != 201 {
		t.Fatalf("attach as public: %d", code)
	}
	if r, _ := do(t, "GET", u, nil); r.StatusCode != 200 {
		t.Errorf("the public reads a public document: %d", r.StatusCode)
	}
	events := getJSON[eventsAnswer](t, fmt.Sprintf("%s/api/clusters/%d/events", f.url, f.inside), 200)
	listed := 0
	for _, e := range events.Events {
		for _, d := range e.Documents {
			if d.SHA256 == hex.EncodeToString(sum[:]) {
				listed++
				if !d.Public {
					t.Errorf("the public sees a document not marked public in the events")
				}
			}
		}
	}
	if listed != 1 {
		t.Errorf("the public's events list the document %d times, want once (its public attachment)", listed)
	}
	// Refused by content, whatever the name or the header says.
	for name, body := range map[string][]byte{
		"HTML":                      []byte("<!doctype html><html><script>alert(1)</script></html>"),
		"HTML as .pdf":              []byte("<html><body>%PDF-1.4</body></html>"),
		"a zip without a Shapefile": zipOf(t, "readme.txt"),
		"an empty file":             {},
	} {
		qb := url.Values{"cluster_id": {fmt.Sprint(f.inside)}, "title": {name}, "filename": {"x.pdf"}}
		if code, b := attach(dept, qb, body); code != 415 && code != 422 {
			t.Errorf("%s: %d %s, want 415", name, code, b)
		}
	}
	if code, _ := attach(dept, url.Values{"cluster_id": {fmt.Sprint(f.inside)}, "title": {"shp"}, "filename": {"ranh-gioi.zip"}}, zipOf(t, "ranh_gioi.shp")); code != 201 {
		t.Errorf("a zipped Shapefile: %d", code)
	}
	if err := f.store.Pool().QueryRow(ctx, `SELECT count(*) FROM documents`).Scan(&docs); err != nil || docs != 2 {
		t.Errorf("%d documents after the refusals (%v), want the PDF and the Shapefile only", docs, err)
	}
	if code, _ := attach("", q, pdf); code != 401 {
		t.Errorf("anonymous attaches: %d", code)
	}
}

// zipOf is a zip archive holding empty files of those names.
func zipOf(t *testing.T, names ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, n := range names {
		if _, err := w.Create(n); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// /api/stuck lists a cluster whose investment policy is older than the limit with no
// construction, with the limit's basis and the last event; building started, it is no longer
// listed for it.
func TestStuckListsOverdueSteps(t *testing.T) {
	f := newWS(t)
	ctx := context.Background()
	dept := f.auth(edit.RoleDepartment)
	var cl int64
	var name string
	if err := f.store.Pool().QueryRow(ctx, `SELECT id, name FROM clusters c WHERE NOT EXISTS (SELECT 1 FROM cluster_events e WHERE e.cluster_id = c.id)
		AND kind = 'ccn' ORDER BY id LIMIT 1`).Scan(&cl, &name); err != nil {
		t.Fatal(err)
	}
	var months int
	if err := f.store.Pool().QueryRow(ctx, `SELECT months FROM procedure_limits WHERE after_kind = 'investment_policy' AND next_kind = 'construction_start'`).Scan(&months); err != nil {
		t.Fatal(err)
	}
	policy := "2021-03-15"
	if code, _ := f.record(t, dept, cl, map[string]any{"kind": "investment_policy", "occurred_on": policy, "decision_number": "9/QĐ-UBND",
		"issued_by": "UBND tỉnh", "sources": []string{"test fixture"}}); code != 201 {
		t.Fatalf("record: %d", code)
	}
	type stuck struct {
		Items []struct {
			ClusterID   int64  `json:"cluster_id"`
			Name        string `json:"name"`
			After       string `json:"after"`
			Next        string `json:"next"`
			DueOn       string `json:"due_on"`
			OverdueDays int    `json:"overdue_days"`
			Basis       string `json:"basis"`
			LastEvent   struct {
				Kind           string `json:"kind"`
				DecisionNumber string `json:"decision_number"`
			} `json:"last_event"`
		} `json:"items"`
	}
	find := func(q string) (found bool, next, due, basis, last string) {
		for _, it := range getJSON[stuck](t, f.url+"/api/stuck"+q, 200).Items {
			if it.ClusterID == cl {
				return true, it.Next, it.DueOn, it.Basis, it.LastEvent.Kind + " " + it.LastEvent.DecisionNumber
			}
		}
		return false, "", "", "", ""
	}
	wantDue := fmt.Sprintf("%d-03-15", 2021+months/12)
	if found, next, due, basis, last := find(""); !found || next != "construction_start" || due != wantDue || basis != "default" || last != "investment_policy 9/QĐ-UBND" {
		t.Fatalf("%s: listed %v, next %q due %s (%s), last %q; want construction_start due %s", name, found, next, due, basis, last, wantDue)
	}
	// Not yet due on the day before the limit; not of another province.
	if found, _, _, _, _ := find("?as_of=2021-06-01"); found {
		t.Errorf("%s listed before its step was due", name)
	}
	if found, _, _, _, _ := find("?province=99"); found {
		t.Errorf("%s listed under another province", name)
	}
	if code, _ := f.record(t, dept, cl, map[string]any{"kind": "construction_start", "occurred_on": "2024-02-01", "sources": []string{"test fixture"}}); code != 201 {
		t.Fatalf("record: %d", code)
	}
	if found, next, _, _, _ := find(""); found && next == "construction_start" {
		t.Errorf("%s still listed for its construction after it started", name)
	}
	if r, _ := get(t, f.url+"/api/stuck?province=abc"); r.StatusCode != 400 {
		t.Errorf("a bad province: %d", r.StatusCode)
	}
}

// The tenant register: projects' leased land becomes the cluster's, its occupancy and free land
// follow, and the Decree 32/2024 expansion verdict turns from unknown to yes, and to no; the
// answer says the figure is the register's. A change names the version it changes.
func TestTenantsMoveOccupancyAndTheVerdict(t *testing.T) {
	f := newWS(t)
	ctx := context.Background()
	dept := f.auth(edit.RoleDepartment)
	cl := f.inside
	// Every other expansion condition holds; only the occupancy is unknown.
	if _, err := f.store.Pool().Exec(ctx, `UPDATE clusters SET industrial_land_ha = 20, leased_land_ha = NULL, occupancy_pct = NULL,
		planned_area_ha = 30, established_area_ha = 30, investor = 'Công ty Hạ tầng', road_status = 'in_use', water_status = 'in_use',
		wastewater_status = 'in_use', power_status = 'in_use', figures = '{}' WHERE id = $1`, cl); err != nil {
		t.Fatal(err)
	}
	type verdict struct {
		Verdict    string `json:"verdict"`
		Conditions []struct {
			ID     string         `json:"id"`
			Values map[string]any `json:"values"`
		} `json:"conditions"`
	}
	eligibility := func() (string, map[string]any) {
		v := getJSON[verdict](t, fmt.Sprintf("%s/api/clusters/%d/eligibility", f.url, cl), 200)
		for _, c := range v.Conditions {
			if _, ok := c.Values["occupancy_basis"]; ok {
				return v.Verdict, c.Values
			}
		}
		return v.Verdict, nil
	}
	if v, _ := eligibility(); v != "unknown" {
		t.Fatalf("before the register: %s, want unknown", v)
	}
	tenant := func(method, path string, body map[string]any, header ...string) (int, string, map[string]any) {
		b, _ := json.Marshal(body)
		r, rb := do(t, method, f.url+path, b, append([]string{"Authorization", dept}, header...)...)
		var out map[string]any
		_ = json.Unmarshal(rb, &out)
		return r.StatusCode, r.Header.Get("ETag"), out
	}
	src := []string{"test fixture"}
	code, tag, created := tenant("POST", fmt.Sprintf("/api/clusters/%d/tenants", cl), map[string]any{"investor": "Công ty May A", "industry": "may mặc",
		"vsic": "1410", "leased_ha": 15, "status": "operating", "jobs": 800, "sources": src})
	if code != 201 {
		t.Fatalf("record a tenant: %d %v", code, created)
	}
	v, values := eligibility()
	if v != "yes" || values["occupancy_pct"] != 75.0 || !strings.Contains(fmt.Sprint(values["occupancy_basis"]), "tenant register") {
		t.Errorf("with 15 of 20 ha leased: %s %v, want yes at 75 %% from the tenant register", v, values)
	}
	// The register's sums are on the cluster; the stated figures stay as they were.
	var leased float64
	var n int
	var stated *float64
	if err := f.store.Pool().QueryRow(ctx, `SELECT tenant_leased_ha, tenants_count, occupancy_pct FROM clusters WHERE id = $1`, cl).Scan(&leased, &n, &stated); err != nil ||
		leased != 15 || n != 1 || stated != nil {
		t.Errorf("cluster row: %v ha leased by %d tenants, stated occupancy %v (%v)", leased, n, stated, err)
	}
	// The project stops: named by its version; a stale or missing version is refused.
	path := fmt.Sprintf("/api/tenants/%v", created["id"])
	stopped := map[string]any{"investor": "Công ty May A", "leased_ha": 15, "status": "stopped", "sources": src}
	if code, _, _ := tenant("PUT", path, stopped); code != 428 {
		t.Errorf("an update naming no version: %d", code)
	}
	if code, _, _ := tenant("PUT", path, stopped, "If-Match", `"v9"`); code != 412 {
		t.Errorf("an update of a stale version: %d", code)
	}
	if code, _, _ := tenant("PUT", path, stopped, "If-Match", tag); code != 200 {
		t.Fatalf("stop the project: %d", code)
	}
	if v, _ := eligibility(); v != "unknown" {
		t.Errorf("with the only project stopped: %s, want unknown again", v)
	}
	if code, _, _ := tenant("POST", fmt.Sprintf("/api/clusters/%d/tenants", cl), map[string]any{"investor": "Công ty B", "leased_ha": 5,
		"status": "registered", "sources": src}); code != 201 {
		t.Fatal("second tenant")
	}
	// Below 60 % the occupancy no longer carries the condition (it would take a land demand
	// above the industrial land, which no source gives): not yes.
	if v, values := eligibility(); v == "yes" || values["occupancy_pct"] != 25.0 {
		t.Errorf("with 5 of 20 ha leased: %s %v, want not yes at 25 %%", v, values)
	}
	// The register keeps every change in history, and the public reads it.
	var versions int
	if err := f.store.Pool().QueryRow(ctx, `SELECT count(*) FROM feature_versions v JOIN tenants t ON t.id = v.fid
		WHERE v.layer = 'tenants' AND t.cluster_id = $1`, cl).Scan(&versions); err != nil || versions != 3 {
		t.Errorf("%d tenant versions (%v), want 3", versions, err)
	}
	list := getJSON[struct {
		Tenants []struct{ Version int64 } `json:"tenants"`
	}](t, fmt.Sprintf("%s/api/clusters/%d/tenants", f.url, cl), 200)
	if len(list.Tenants) != 2 || list.Tenants[0].Version != 2 {
		t.Errorf("tenants: %+v", list.Tenants)
	}
	for _, bad := range []map[string]any{
		{"investor": "", "status": "operating", "sources": src},
		{"investor": "X", "status": "closed", "sources": src},
		{"investor": "X", "status": "operating", "vsic": "ABC", "sources": src},
		{"investor": "X", "status": "operating", "leased_ha": -1, "sources": src},
		{"investor": "X", "status": "operating"},
	} {
		if code, _, _ := tenant("POST", fmt.Sprintf("/api/clusters/%d/tenants", cl), bad); code != 422 {
			t.Errorf("tenant %v: %d, want 422", bad, code)
		}
	}
}

// A surveyed boundary (a GeoPackage attached to a 1/500 plan event) replaces the indicative
// footprint: its quality becomes surveyed and the document its source.
func TestSurveyedBoundaryReplacesTheIndicative(t *testing.T) {
	f := newWS(t)
	ctx := context.Background()
	dept := f.auth(edit.RoleDepartment)
	var lon, lat float64
	var quality string
	if err := f.store.Pool().QueryRow(ctx, `SELECT ST_X(ST_Centroid(geom)), ST_Y(ST_Centroid(geom)), geometry_quality::text FROM clusters WHERE id = $1`, f.inside).
		Scan(&lon, &lat, &quality); err != nil || quality == "surveyed" {
		t.Fatalf("the cluster's quality: %s (%v)", quality, err)
	}
	// A 600 m square as a surveyor's GeoPackage would hold it.
	dir := t.TempDir()
	src, gpkg := filepath.Join(dir, "plan.geojson"), filepath.Join(dir, "plan.gpkg")
	d := 0.0027 // ~300 m
	if err := os.WriteFile(src, []byte(fmt.Sprintf(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"ten":"ranh giới"},
		"geometry":{"type":"Polygon","coordinates":[[[%[1]f,%[2]f],[%[3]f,%[2]f],[%[3]f,%[4]f],[%[1]f,%[4]f],[%[1]f,%[2]f]]]}}]}`,
		lon-d, lat-d, lon+d, lat+d)), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("ogr2ogr", "-f", "GPKG", gpkg, src).CombinedOutput(); err != nil {
		t.Fatalf("ogr2ogr (gdal-bin, installed by .ci/install.sh): %v %s", err, out)
	}
	content, err := os.ReadFile(gpkg)
	if err != nil {
		t.Fatal(err)
	}
	code, ev := f.record(t, dept, f.inside, map[string]any{"kind": "detailed_plan", "occurred_on": "2024-05-01", "decision_number": "21/QĐ-UBND",
		"sources": []string{"test fixture"}})
	if code != 201 {
		t.Fatalf("record the plan: %d", code)
	}
	attach := func(body []byte, name string) string {
		r, b := do(t, "POST", f.url+"/api/documents?"+url.Values{"event_id": {fmt.Sprint(ev)}, "title": {"Bản đồ ranh giới 1/500"}, "filename": {name}}.Encode(),
			body, "Authorization", dept)
		var a struct{ SHA256 string }
		if err := json.Unmarshal(b, &a); err != nil || r.StatusCode != 201 {
			t.Fatalf("attach %s: %d %s", name, r.StatusCode, b)
		}
		return a.SHA256
	}
	sha := attach(content, "ranh-gioi.gpkg")
	pdf := attach([]byte("%PDF-1.4\n%%EOF\n"), "qd.pdf")
	apply := func(doc, tag string) (int, string) {
		r, b := do(t, "POST", fmt.Sprintf("%s/api/clusters/%d/boundary", f.url, f.inside), []byte(`{"document_sha256":"`+doc+`"}`),
			"Authorization", dept, "If-Match", tag)
		return r.StatusCode, string(b)
	}
	r, _ := do(t, "GET", f.item("clusters", f.inside), nil)
	tag := r.Header.Get("ETag")
	if code, _ := apply(sha, ""); code != 428 {
		t.Errorf("no If-Match: %d", code)
	}
	if code, b := apply(pdf, tag); code != 422 {
		t.Errorf("a PDF as a boundary: %d %s", code, b)
	}
	if code, b := apply(sha, tag); code != 200 {
		t.Fatalf("apply: %d %s", code, b)
	}
	var areaHa float64
	var placement string
	var sources []string
	if err := f.store.Pool().QueryRow(ctx, `SELECT geometry_quality::text, placement, sources, ST_Area(geom::geography) / 1e4 FROM clusters WHERE id = $1`, f.inside).
		Scan(&quality, &placement, &sources, &areaHa); err != nil {
		t.Fatal(err)
	}
	if quality != "surveyed" || !strings.Contains(placement, sha[:12]) || !strings.Contains(strings.Join(sources, " "), sha) || areaHa < 30 || areaHa > 40 {
		t.Errorf("after: %s, %q, %v, %.1f ha (want surveyed, the document as source, ~36 ha)", quality, placement, sources, areaHa)
	}
	if code, _ := apply(sha, tag); code != 412 {
		t.Errorf("the same request with the old version: %d, want 412", code)
	}
}
