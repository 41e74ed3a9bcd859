package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/edit"
)

// Records that cannot contradict each other: a district proposes expanding only its own
// clusters, its edit rights follow the cluster's district as well as its boundary, and a draft
// never blocks the department from deleting a cluster.

// landInside is a ~30 ha square inside the fixture's district, away from every cluster.
func (f *wsFixture) landInside(t *testing.T) json.RawMessage {
	t.Helper()
	var geom []byte
	err := f.store.Pool().QueryRow(context.Background(), `SELECT ST_AsGeoJSON(ST_Buffer(p::geography, 310, 'quad_segs=1')::geometry, 7)
		  FROM (SELECT ST_PointOnSurface(ST_Difference(d.geom, (SELECT ST_Buffer(ST_Union(geom)::geography, 3000)::geometry FROM clusters))) p
		          FROM districts d WHERE d.code = $1) x`, f.district).Scan(&geom)
	if err != nil {
		t.Fatal(err)
	}
	return geom
}

func TestWorkspaceExpansionOnlyOfOwnCluster(t *testing.T) {
	f := newWS(t)
	geom := f.landInside(t)
	expansion := func(cluster int64) []byte {
		b, _ := json.Marshal(map[string]any{"kind": "expansion", "cluster_id": cluster, "name": "Mở rộng", "geometry": geom,
			"land_recovery": []map[string]any{{"parcel": "thửa 1", "area_ha": 30}}})
		return b
	}
	dist := f.auth(edit.RoleDistrict)
	r, b := do(t, http.MethodPost, f.url+"/api/proposals", expansion(f.outside), "Authorization", dist)
	if r.StatusCode != http.StatusForbidden || !strings.Contains(string(b), "another district") {
		t.Fatalf("expanding another district's cluster: %d %s, want 403 saying why", r.StatusCode, b)
	}
	if r, b := do(t, http.MethodPost, f.url+"/api/proposals", expansion(f.inside), "Authorization", dist); r.StatusCode != http.StatusCreated {
		t.Fatalf("expanding its own cluster: %d %s", r.StatusCode, b)
	}
	// The database refuses it too, whatever a handler does.
	ctx := context.Background()
	tx, err := f.store.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	_, err = tx.Exec(ctx, `SELECT set_config('clustermap.role', 'district', true), set_config('clustermap.district', $1, true),
		set_config('clustermap.user', 'dist', true)`, f.district)
	if err == nil {
		_, err = tx.Exec(ctx, "SET LOCAL ROLE clustermap_editor")
	}
	if err == nil {
		_, err = tx.Exec(ctx, `INSERT INTO proposals (kind, cluster_id, district_code, name, geom, created_by)
			VALUES ('expansion', $1, $2, 'x', ST_Multi(ST_GeomFromGeoJSON($3)), 'dist')`, f.outside, f.district, string(geom))
	}
	if err == nil || !strings.Contains(err.Error(), "row-level security") {
		t.Fatalf("plain SQL expansion of another district's cluster: %v, want a row-level security refusal", err)
	}
}

func TestWorkspaceDistrictScopeFollowsTheCode(t *testing.T) {
	f := newWS(t)
	ctx := context.Background()
	// The cluster's boundary stays inside the district; its district becomes another one.
	if _, err := f.store.Pool().Exec(ctx, `UPDATE clusters SET district_code = (SELECT code FROM districts WHERE code <> $1 LIMIT 1)
		WHERE id = $2`, f.district, f.inside); err != nil {
		t.Fatal(err)
	}
	u := f.item("clusters", f.inside)
	resp, _ := do(t, http.MethodGet, u, nil)
	r, b := do(t, http.MethodPatch, u, []byte(`{"properties":{"contact":"not mine"}}`), "Authorization", f.auth(edit.RoleDistrict), "If-Match", resp.Header.Get("ETag"))
	if r.StatusCode != http.StatusForbidden {
		t.Fatalf("a district edits a cluster of another district lying in it: %d %s, want 403", r.StatusCode, b)
	}
}

func TestWorkspaceDraftDoesNotBlockDelete(t *testing.T) {
	f := newWS(t)
	created := struct{ ID int64 }{f.draft(t, map[string]any{"kind": "expansion", "cluster_id": f.inside, "name": "Mở rộng", "geometry": f.landInside(t)})}
	u := f.item("clusters", f.inside)
	resp, _ := do(t, http.MethodGet, u, nil)
	if r, body := do(t, http.MethodDelete, u, nil, "Authorization", f.auth(edit.RoleDepartment), "If-Match", resp.Header.Get("ETag")); r.StatusCode != http.StatusNoContent {
		t.Fatalf("the department deletes a cluster a draft names: %d %s", r.StatusCode, body)
	}
	var status, comment string
	if err := f.store.Pool().QueryRow(context.Background(), `SELECT status::text, review_comment FROM proposals WHERE id = $1`, created.ID).Scan(&status, &comment); err != nil {
		t.Fatal(err)
	}
	if status != "rejected" || !strings.Contains(comment, "deleted") {
		t.Errorf("the draft after its cluster was deleted: %s (%s), want rejected with the reason", status, comment)
	}
}

// The workflow holds in PostgreSQL: a district session with plain SQL cannot approve its own
// proposal, nor write a decision number on it.
func TestWorkspaceWorkflowInTheDatabase(t *testing.T) {
	f := newWS(t)
	created := struct{ ID int64 }{f.draft(t, map[string]any{"kind": "new", "name": "CCN Tự duyệt", "geometry": f.landInside(t)})}
	for what, sql := range map[string]string{
		"approve":          `UPDATE proposals SET status = 'approved', decision_number = '1/QĐ', decision_date = now() WHERE id = $1`,
		"write a decision": `UPDATE proposals SET decision_number = '1/QĐ' WHERE id = $1`,
		"insert approved": `INSERT INTO proposals (kind, district_code, name, geom, created_by, status, decision_number, decision_date)
			SELECT kind, district_code, name, geom, created_by, 'approved', '1/QĐ', now() FROM proposals WHERE id = $1`,
	} {
		err := asEditor(t, f, edit.RoleDistrict, f.district, sql, created.ID)
		if err == nil || !strings.Contains(err.Error(), "proposal") {
			t.Errorf("a district session's plain SQL to %s: %v, want a refusal", what, err)
		}
	}
	// Submitting, as the district may, still works in plain SQL.
	if err := asEditor(t, f, edit.RoleDistrict, f.district, `UPDATE proposals SET status = 'submitted', submitted_at = now() WHERE id = $1`, created.ID); err != nil {
		t.Errorf("a district submits its draft: %v", err)
	}
}

// asEditor runs one statement as the workspace's editor role with the given user settings.
func asEditor(t *testing.T, f *wsFixture, role, district, sql string, args ...any) error {
	t.Helper()
	ctx := context.Background()
	tx, err := f.store.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	if _, err := tx.Exec(ctx, `SELECT set_config('clustermap.role', $1, true), set_config('clustermap.district', $2, true),
		set_config('clustermap.user', 'sql', true)`, role, district); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "SET LOCAL ROLE clustermap_editor"); err != nil {
		t.Fatal(err)
	}
	_, err = tx.Exec(ctx, sql, args...)
	return err
}

// Approval decides land; it does not survey it: the cluster an approval creates has the
// indicative geometry of a boundary drawn on a screen.
func TestWorkspaceApprovalInventsNoSurvey(t *testing.T) {
	f := newWS(t)
	created := struct{ ID int64 }{f.draft(t, map[string]any{"kind": "new", "name": "CCN Vẽ tay", "geometry": f.landInside(t)})}
	pu := f.url + "/api/proposals/" + strconv.FormatInt(created.ID, 10)
	if r, body := do(t, http.MethodPost, pu+"/submit", nil, "Authorization", f.auth(edit.RoleDistrict)); r.StatusCode != http.StatusOK {
		t.Fatalf("submit: %d %s", r.StatusCode, body)
	}
	r, body := do(t, http.MethodPost, pu+"/approve", []byte(`{"decision_number":"2/QĐ-UBND","decision_date":"2025-06-01"}`), "Authorization", f.auth(edit.RoleDepartment))
	if r.StatusCode != http.StatusOK {
		t.Fatalf("approve: %d %s", r.StatusCode, body)
	}
	var approved struct {
		ClusterID int64 `json:"cluster_id"`
	}
	_ = json.Unmarshal(body, &approved)
	var quality string
	if err := f.store.Pool().QueryRow(context.Background(), `SELECT geometry_quality::text FROM clusters WHERE id = $1`, approved.ClusterID).Scan(&quality); err != nil {
		t.Fatal(err)
	}
	if quality != "indicative" {
		t.Errorf("the approved cluster's geometry quality: %s, want indicative (drawn on a screen)", quality)
	}
}

// Every text a writer stores is bounded: a field past its catalog limit and an oversized change
// comment are refused (422) and nothing is written.
func TestWorkspaceTextIsBounded(t *testing.T) {
	f := newWS(t)
	u := f.item("clusters", f.inside)
	resp, _ := do(t, http.MethodGet, u, nil)
	tag := resp.Header.Get("ETag")
	dept := f.auth(edit.RoleDepartment)
	long := strings.Repeat("đ", geo.DefaultMaxChars+1)
	r, b := do(t, http.MethodPatch, u, fmt.Appendf(nil, `{"properties":{"contact":%q}}`, long), "Authorization", dept, "If-Match", tag)
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(b), "contact") {
		t.Errorf("a contact of %d characters: %d %s, want 422 naming it", geo.DefaultMaxChars+1, r.StatusCode, b)
	}
	comment := strings.Repeat("x", edit.MaxCommentChars+1)
	r, b = do(t, http.MethodPatch, u, fmt.Appendf(nil, `{"comment":%q,"properties":{"contact":"ok"}}`, comment), "Authorization", dept, "If-Match", tag)
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(b), "comment") {
		t.Errorf("a comment of %d characters: %d %s, want 422 naming it", edit.MaxCommentChars+1, r.StatusCode, b)
	}
	if r, _ := do(t, http.MethodGet, u, nil); r.Header.Get("ETag") != tag {
		t.Errorf("refused writes changed the feature: ETag %s, was %s", r.Header.Get("ETag"), tag)
	}
	p, _ := json.Marshal(map[string]any{"kind": "new", "name": strings.Repeat("n", 201), "geometry": f.landInside(t)})
	if r, b := do(t, http.MethodPost, f.url+"/api/proposals", p, "Authorization", f.auth(edit.RoleDistrict)); r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a proposal named with 201 characters: %d %s, want 422", r.StatusCode, b)
	}
}

// Anonymous readers see who by role and when, never account names or database roles: not in a
// feature's history, not in the approved proposals. Signed-in readers see the names.
func TestWorkspacePublicSeesNoNames(t *testing.T) {
	f := newWS(t)
	u := f.item("clusters", f.inside)
	resp, _ := do(t, http.MethodGet, u, nil)
	if r, b := do(t, http.MethodPatch, u, []byte(`{"properties":{"contact":"x"}}`), "Authorization", f.auth(edit.RoleDepartment), "If-Match", resp.Header.Get("ETag")); r.StatusCode != http.StatusOK {
		t.Fatalf("patch: %d %s", r.StatusCode, b)
	}
	hist := fmt.Sprintf("%s/api/layers/clusters/features/%d/history", f.url, f.inside)
	_, anon := do(t, http.MethodGet, hist, nil)
	for _, name := range []string{`"dept"`, `"cli:`, `"actor"`, `"request_id"`} {
		if strings.Contains(string(anon), name) {
			t.Errorf("anonymous history shows %s: %.300s", name, anon)
		}
	}
	if !strings.Contains(string(anon), `"role":"department"`) {
		t.Errorf("anonymous history lacks the role: %.300s", anon)
	}
	if _, signed := do(t, http.MethodGet, hist, nil, "Authorization", f.auth(edit.RoleDepartment)); !strings.Contains(string(signed), `"actor":"dept"`) {
		t.Errorf("signed-in history lacks the account name: %.300s", signed)
	}
	if _, list := do(t, http.MethodGet, f.url+"/api/proposals", nil); strings.Contains(string(list), "created_by") || strings.Contains(string(list), "reviewed_by") {
		t.Errorf("anonymous proposals name accounts: %.300s", list)
	}
}

// Withdrawing an approval undoes it in one step: the cluster is as before the approval (a
// cluster the approval created is gone), the proposal is back in the queue without its decision,
// and history says so. A plain revert of what an approval wrote is refused, naming the way.
func TestWorkspaceWithdrawApproval(t *testing.T) {
	f := newWS(t)
	dist, dept := f.auth(edit.RoleDistrict), f.auth(edit.RoleDepartment)
	approve := func(body map[string]any) (string, int64) {
		t.Helper()
		b, _ := json.Marshal(body)
		r, out := do(t, http.MethodPost, f.url+"/api/proposals", b, "Authorization", dist)
		if r.StatusCode != http.StatusCreated {
			t.Fatalf("draft: %d %s", r.StatusCode, out)
		}
		var created struct{ ID int64 }
		_ = json.Unmarshal(out, &created)
		pu := f.url + "/api/proposals/" + strconv.FormatInt(created.ID, 10)
		if r, out := do(t, http.MethodPost, pu+"/submit", nil, "Authorization", dist); r.StatusCode != http.StatusOK {
			t.Fatalf("submit: %d %s", r.StatusCode, out)
		}
		r, out = do(t, http.MethodPost, pu+"/approve", []byte(`{"decision_number":"7/QĐ-UBND","decision_date":"2025-06-01"}`), "Authorization", dept)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("approve: %d %s", r.StatusCode, out)
		}
		var approved struct {
			ClusterID int64 `json:"cluster_id"`
		}
		_ = json.Unmarshal(out, &approved)
		return pu, approved.ClusterID
	}

	// An expansion: the cluster goes back to its footprint from before.
	u := f.item("clusters", f.inside)
	_, before := do(t, http.MethodGet, u, nil)
	pu, cid := approve(map[string]any{"kind": "expansion", "cluster_id": f.inside, "name": "Mở rộng", "geometry": f.landInside(t)})
	if cid != f.inside {
		t.Fatalf("the expansion approved cluster %d, want %d", cid, f.inside)
	}
	hist := fmt.Sprintf("%s/api/layers/clusters/features/%d", f.url, f.inside)
	var h struct{ Versions []struct{ Version int64 } }
	_, hb := do(t, http.MethodGet, hist+"/history", nil, "Authorization", dept)
	_ = json.Unmarshal(hb, &h)
	r, b := do(t, http.MethodPost, hist+"/revert", fmt.Appendf(nil, `{"version":%d,"comment":"undo"}`, h.Versions[len(h.Versions)-2].Version), "Authorization", dept)
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(b), "withdraw") {
		t.Fatalf("plain revert of an approval's version: %d %s, want 422 naming the withdrawal", r.StatusCode, b)
	}
	if r, b := do(t, http.MethodPost, pu+"/withdraw-approval", []byte(`{}`), "Authorization", dept); r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("withdrawal without a reason: %d %s", r.StatusCode, b)
	}
	if r, b := do(t, http.MethodPost, pu+"/withdraw-approval", []byte(`{"comment":"wrong"}`), "Authorization", dist); r.StatusCode != http.StatusForbidden {
		t.Fatalf("a district withdraws an approval: %d %s", r.StatusCode, b)
	}
	r, b = do(t, http.MethodPost, pu+"/withdraw-approval", []byte(`{"comment":"decision annulled"}`), "Authorization", dept)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("withdraw: %d %s", r.StatusCode, b)
	}
	var p struct {
		Status         string  `json:"status"`
		DecisionNumber *string `json:"decision_number"`
		ReviewComment  string  `json:"review_comment"`
	}
	_ = json.Unmarshal(b, &p)
	if p.Status != "submitted" || p.DecisionNumber != nil || !strings.Contains(p.ReviewComment, "decision annulled") {
		t.Errorf("the proposal after withdrawal: %+v", p)
	}
	_, after := do(t, http.MethodGet, u, nil)
	if geometryOf(t, after) != geometryOf(t, before) {
		t.Errorf("the cluster's geometry after withdrawal differs from before the approval")
	}
	_, hb = do(t, http.MethodGet, hist+"/history", nil, "Authorization", dept)
	if !strings.Contains(string(hb), "approval withdrawn: decision annulled") {
		t.Errorf("history does not record the withdrawal: %.300s", hb)
	}

	// A new cluster: withdrawing its approval removes it.
	pu, cid = approve(map[string]any{"kind": "new", "name": "CCN Rút lại", "geometry": f.landInside(t)})
	if r, b := do(t, http.MethodPost, pu+"/withdraw-approval", []byte(`{"comment":"duplicate"}`), "Authorization", dept); r.StatusCode != http.StatusOK {
		t.Fatalf("withdraw a new cluster's approval: %d %s", r.StatusCode, b)
	}
	if r, _ := do(t, http.MethodGet, f.item("clusters", cid), nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("the cluster an withdrawn approval created: %d, want 404", r.StatusCode)
	}
}

func geometryOf(t *testing.T, feature []byte) string {
	t.Helper()
	var f struct{ Geometry json.RawMessage }
	if err := json.Unmarshal(feature, &f); err != nil {
		t.Fatal(err)
	}
	return string(f.Geometry)
}

// draft has the fixture's district draft a proposal and returns its id.
func (f *wsFixture) draft(t *testing.T, proposal map[string]any) int64 {
	t.Helper()
	b, _ := json.Marshal(proposal)
	r, body := do(t, http.MethodPost, f.url+"/api/proposals", b, "Authorization", f.auth(edit.RoleDistrict))
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("draft: %d %s", r.StatusCode, body)
	}
	var created struct{ ID int64 }
	_ = json.Unmarshal(body, &created)
	return created.ID
}

// Approval is confirmed against what it will write: the preview is a rehearsal of the approval
// (rolled back, nothing written) that lists the cluster's changes; approving a proposal that
// fails the Decree 32/2024 check needs a reason, and history keeps it.
func TestWorkspaceApprovalPreviewAndReason(t *testing.T) {
	f := newWS(t)
	ctx := context.Background()
	// A ~3 ha boundary: below the 10 ha a CCN needs, so the check says no.
	var small []byte
	err := f.store.Pool().QueryRow(ctx, `SELECT ST_AsGeoJSON(ST_Buffer(ST_Centroid(ST_GeomFromGeoJSON($1))::geography, 100, 'quad_segs=2')::geometry, 7)`,
		string(f.landInside(t))).Scan(&small)
	if err != nil {
		t.Fatal(err)
	}
	id := f.draft(t, map[string]any{"kind": "new", "name": "CCN Quá nhỏ", "geometry": json.RawMessage(small)})
	pu := f.url + "/api/proposals/" + strconv.FormatInt(id, 10)
	if r, body := do(t, http.MethodPost, pu+"/submit", nil, "Authorization", f.auth(edit.RoleDistrict)); r.StatusCode != http.StatusOK {
		t.Fatalf("submit: %d %s", r.StatusCode, body)
	}
	dept := f.auth(edit.RoleDepartment)
	var verdict struct{ Verdict string }
	_, body := do(t, http.MethodGet, pu+"/eligibility", nil, "Authorization", dept)
	if err := json.Unmarshal(body, &verdict); err != nil || verdict.Verdict != "no" {
		t.Fatalf("the small proposal's verdict: %s, want no", body)
	}

	// The preview: what approval writes, and nothing written.
	r, body := do(t, http.MethodGet, pu+"/approval?decision_number=7%2FQĐ-UBND&decision_date=2025-06-01", nil, "Authorization", dept)
	var preview edit.ApprovalPreview
	if r.StatusCode != http.StatusOK || json.Unmarshal(body, &preview) != nil {
		t.Fatalf("preview: %d %s", r.StatusCode, body)
	}
	fields := map[string]any{}
	for _, c := range preview.Changes {
		fields[c.Field] = c.To
	}
	if !preview.Creates || fields["name"] != "CCN Quá nhỏ" || fields["decision_number"] != "7/QĐ-UBND" || fields["geometry_quality"] != "indicative" ||
		!preview.GeometryChanged || preview.AreaAfterHa == nil || *preview.AreaAfterHa < 1 || *preview.AreaAfterHa > 5 {
		t.Fatalf("preview: %s", body)
	}
	if n := f.count(t, "clusters", "CCN Quá nhỏ"); n != 0 {
		t.Fatalf("the preview wrote %d clusters", n)
	}
	var status string
	_ = f.store.Pool().QueryRow(ctx, `SELECT status::text FROM proposals WHERE id = $1`, id).Scan(&status)
	if status != "submitted" {
		t.Fatalf("after the preview the proposal is %s, want submitted", status)
	}
	if r, body := do(t, http.MethodGet, pu+"/approval?decision_number=7&decision_date=2025-06-01", nil, "Authorization", f.auth(edit.RoleDistrict)); r.StatusCode != http.StatusForbidden {
		t.Errorf("a district previews an approval: %d %s, want 403", r.StatusCode, body)
	}

	// Against the verdict, only with a reason.
	decision := `{"decision_number":"7/QĐ-UBND","decision_date":"2025-06-01"}`
	if r, body := do(t, http.MethodPost, pu+"/approve", []byte(decision), "Authorization", dept); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(body), "reason") {
		t.Fatalf("approving an ineligible proposal without a reason: %d %s, want 422", r.StatusCode, body)
	}
	if n := f.count(t, "clusters", "CCN Quá nhỏ"); n != 0 {
		t.Fatalf("a refused approval wrote %d clusters", n)
	}
	const reason = "Dự án ưu tiên của tỉnh theo Nghị quyết HĐND"
	withReason := `{"decision_number":"7/QĐ-UBND","decision_date":"2025-06-01","comment":"` + reason + `"}`
	if r, body := do(t, http.MethodPost, pu+"/approve", []byte(withReason), "Authorization", dept); r.StatusCode != http.StatusOK {
		t.Fatalf("approving with a reason: %d %s", r.StatusCode, body)
	}
	var comment string
	if err := f.store.Pool().QueryRow(ctx, `SELECT coalesce(v.comment, '') FROM feature_versions v JOIN clusters c ON c.id = v.fid
		WHERE v.layer = 'clusters' AND c.name = 'CCN Quá nhỏ' AND v.proposal_id = $1`, id).Scan(&comment); err != nil || comment != reason {
		t.Fatalf("the approval's history comment: %q (%v), want the reason", comment, err)
	}
}
