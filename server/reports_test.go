package server

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/clustermap/clustermap/geo/edit"
	"github.com/clustermap/clustermap/geo/planning"
)

// Periodic reports: a report received on or after the day it was due before is late; the senders
// who sent nothing are listed; only the department records them. The consolidated report opens in
// a spreadsheet library with the form's headers, and a founding recorded in the period shows in
// the period's rows and in the difference from the previous one.
func TestReportsAndTheConsolidatedReport(t *testing.T) {
	f := newWS(t)
	ctx := context.Background()
	dept := f.auth(edit.RoleDepartment)
	var a, b int64
	if err := f.store.Pool().QueryRow(ctx, `SELECT min(id), max(id) FROM clusters WHERE kind = 'ccn' AND nullif(btrim(investor), '') IS NOT NULL`).Scan(&a, &b); err != nil || a == b {
		t.Fatalf("two clusters with investors: %d %d %v", a, b, err)
	}
	post := func(auth string, body map[string]any) int {
		raw, _ := json.Marshal(body)
		r, _ := do(t, "POST", f.url+"/api/reports", raw, "Authorization", auth)
		return r.StatusCode
	}
	for _, rep := range []map[string]any{
		{"form": "bieu_02", "year": 2026, "half": 1, "cluster_id": a, "sender": "Chủ đầu tư A", "received_on": "2026-06-19"},
		{"form": "bieu_02", "year": 2026, "half": 1, "cluster_id": b, "sender": "Chủ đầu tư B", "received_on": "2026-06-20"},
	} {
		if code := post(dept, rep); code != 201 {
			t.Fatalf("record %v: %d", rep, code)
		}
	}
	if code := post(f.auth(edit.RoleDistrict), map[string]any{"form": "bieu_04", "year": 2026, "half": 1, "sender": "x", "received_on": "2026-06-01"}); code != 403 {
		t.Errorf("a district records a report: %d", code)
	}
	if code := post(dept, map[string]any{"form": "bieu_02", "year": 2026, "half": 1, "sender": "x", "received_on": "2026-06-01"}); code != 422 {
		t.Errorf("a Biểu 02 naming no cluster: %d", code)
	}
	status := getJSON[struct {
		Forms []planning.FormStatus `json:"forms"`
	}](t, f.url+"/api/reports?year=2026&half=1", 200)
	var b02 planning.FormStatus
	for _, fs := range status.Forms {
		if fs.Form == "bieu_02" {
			b02 = fs
		}
	}
	if b02.DueBefore != "2026-06-20" || len(b02.Received) != 2 || b02.Received[0].Late || !b02.Received[1].Late {
		t.Fatalf("Biểu 02: due before %s, received %+v; want the report of the 20th late", b02.DueBefore, b02.Received)
	}
	if len(b02.Missing) != b02.Expected-2 {
		t.Errorf("Biểu 02: %d expected, %d missing after 2 received", b02.Expected, len(b02.Missing))
	}
	for _, m := range b02.Missing {
		if strings.Contains(m, "Chủ đầu tư A") {
			t.Errorf("a sender who reported is listed missing: %s", m)
		}
	}
	if r, _ := get(t, f.url+"/api/reports?year=2026&half=3"); r.StatusCode != 400 {
		t.Errorf("half 3: %d", r.StatusCode)
	}

	// A founding in the second half of 2026, of a cluster not founded before.
	var planned int64
	if err := f.store.Pool().QueryRow(ctx, `SELECT min(id) FROM clusters c WHERE kind = 'ccn' AND status < 'established'
		AND NOT EXISTS (SELECT 1 FROM cluster_events e WHERE e.cluster_id = c.id)`).Scan(&planned); err != nil {
		t.Fatal(err)
	}
	ev, _ := json.Marshal(map[string]any{"kind": "founding_decision", "occurred_on": "2026-09-01", "decision_number": "88/QĐ-UBND", "sources": []string{"test fixture"}})
	if r, _ := do(t, "POST", fmt.Sprintf("%s/api/clusters/%d/events", f.url, planned), ev, "Authorization", dept); r.StatusCode != 201 {
		t.Fatalf("record the founding: %d", r.StatusCode)
	}
	r, body := get(t, f.url+"/api/reports/consolidated.xlsx?year=2026&half=2")
	if r.StatusCode != 200 || !strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("xlsx: %d %q", r.StatusCode, r.Header.Get("Content-Disposition"))
	}
	x, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("the workbook does not open: %v", err)
	}
	rows, err := x.GetRows("Biểu 04")
	if err != nil {
		t.Fatal(err)
	}
	header := -1
	for i, row := range rows {
		if len(row) > 0 && row[0] == "TT" {
			header = i
		}
	}
	if header < 0 || strings.Join(rows[header][:5], "|") != "TT|Chỉ tiêu|Đơn vị tính|Kết quả (Luỹ kế đến thời điểm báo cáo)|Ghi chú" {
		t.Fatalf("the form's headers: %q", rows)
	}
	byNo := map[string][]string{}
	for _, row := range rows[header+1:] {
		if len(row) > 0 {
			byNo[row[0]] = row
		}
	}
	if got := byNo["5"]; len(got) < 7 || got[3] != "1" || got[6] != "1" {
		t.Errorf("row 5 (founded in the period): %q, want 1, and 1 more than the period before", got)
	}
	if got := byNo["3"]; len(got) < 7 || got[6] != "1" {
		t.Errorf("row 3 (founded): %q, want 1 more than the period before", got)
	}
	if got := byNo["21"]; len(got) < 5 || got[3] != "—" || got[4] == "" {
		t.Errorf("row 21 (not held): %q, want — and a note", got)
	}
	r, body = get(t, f.url+"/api/reports/consolidated.csv?year=2026&half=2")
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\ufeff")))).ReadAll()
	if r.StatusCode != 200 || err != nil || strings.Join(recs[0], "|") != strings.Join(planning.ConsolidatedHeaders, "|") || len(recs) != len(rows)-header {
		t.Errorf("csv: %d %v %q", r.StatusCode, err, recs)
	}

	// The khuyến công register: the seed's projects, and one recorded for a cluster.
	var areas []json.RawMessage
	kc := func() (projects int, clusters []json.RawMessage) {
		a := getJSON[struct {
			Projects  []json.RawMessage `json:"projects"`
			ByCluster []json.RawMessage `json:"by_cluster"`
			ByArea    []json.RawMessage `json:"by_area"`
		}](t, f.url+"/api/khuyen-cong", 200)
		areas = a.ByArea
		return len(a.Projects), a.ByCluster
	}
	before, _ := kc()
	raw, _ := json.Marshal(map[string]any{"year": 2026, "programme": "local", "amount_vnd_million": 300, "beneficiary": "Cơ sở chế biến A",
		"funded": "máy sấy", "cluster_id": a, "sources": []string{"test fixture"}})
	if r, _ := do(t, "POST", f.url+"/api/khuyen-cong", raw, "Authorization", dept); r.StatusCode != 201 {
		t.Fatalf("record khuyến công: %d", r.StatusCode)
	}
	after, byCluster := kc()
	if after != before+1 || len(byCluster) != 1 || !strings.Contains(string(byCluster[0]), `"amount_vnd_million":300`) {
		t.Errorf("khuyến công: %d then %d projects; by cluster %s", before, after, byCluster)
	}
	if len(areas) != 1 || !strings.Contains(string(areas[0]), `"amount_vnd_million":300`) {
		t.Errorf("khuyến công by area: %s", areas)
	}
}
