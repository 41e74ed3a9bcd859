package server_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/clustermap/clustermap/geo/edit"
)

// The procedure in the browser: the cluster panel shows its dated steps with their decisions and
// documents; the department records a step with a document from the workspace, and the panel then
// shows it; the leader's table lists the clusters behind on their steps with the reason.
func TestBrowserProcedure(t *testing.T) {
	ts, store := newTestServer(t)
	ed := edit.New(store, slog.New(slog.DiscardHandler))
	ctx := context.Background()
	db := store.Pool()
	if err := ed.AddUser(ctx, "dept", edit.RoleDepartment, "", wsPassword); err != nil {
		t.Fatal(err)
	}
	// A seeded founding decision, with a public document attached to it.
	var cluster, event int64
	var decision string
	if err := db.QueryRow(ctx, `SELECT cluster_id, id, decision_number FROM cluster_events
		WHERE kind = 'founding_decision' AND decision_number IS NOT NULL ORDER BY id LIMIT 1`).Scan(&cluster, &event, &decision); err != nil {
		t.Fatal(err)
	}
	pdf := []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
	dept := edit.Actor{User: "dept", Role: edit.RoleDepartment}
	att, err := ed.AttachDocument(ctx, dept, edit.DocumentInput{Content: pdf, Filename: "qd-thanh-lap.pdf", Title: "Quyết định thành lập cụm", Public: true,
		To: edit.AttachTo{EventID: &event}})
	if err != nil {
		t.Fatal(err)
	}
	browser := startBrowser(t)

	t.Run("PanelShowsTheTimeline", func(t *testing.T) {
		p := newPage(t, browser, ts.URL, desktop)
		p.load(fmt.Sprintf("/#11/14/109/clusters:%d", cluster))
		pollJS[bool](p, `!!document.querySelector("#panel-timeline li")`, settle)
		got := evalJS[struct {
			Items []string
			Links []string
		}](p, `({ items: [...document.querySelectorAll("#panel-timeline li[data-kind]")].map((li) => li.dataset.kind + " | " + li.textContent),
		  links: [...document.querySelectorAll("#panel-timeline a[download]")].map((a) => a.getAttribute("href") + " | " + a.textContent) })`)
		founding := ""
		for _, it := range got.Items {
			if strings.HasPrefix(it, "founding_decision | ") {
				founding = it
			}
		}
		if !strings.Contains(founding, "Quyết định thành lập") || !strings.Contains(founding, decision) {
			t.Errorf("timeline %q has no founding decision %s in words", got.Items, decision)
		}
		if len(got.Links) != 1 || got.Links[0] != "api/documents/"+att.SHA256+" | Quyết định thành lập cụm" {
			t.Errorf("document links %q, want the public document", got.Links)
		}
	})

	t.Run("DepartmentRecordsAStepWithADocument", func(t *testing.T) {
		var target int64
		if err := db.QueryRow(ctx, `SELECT c.id FROM clusters c WHERE c.kind = 'ccn'
			AND NOT EXISTS (SELECT 1 FROM cluster_events e WHERE e.cluster_id = c.id) ORDER BY c.id LIMIT 1`).Scan(&target); err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(t.TempDir(), "qd-khoi-cong.pdf")
		if err := os.WriteFile(file, pdf, 0o600); err != nil {
			t.Fatal(err)
		}
		p := newPage(t, browser, ts.URL, desktop)
		openFeatureEditor(t, p, "dept", fmt.Sprint(target))
		p.do("open the step form", chromedp.Click(chromedp.CSS("#ws-event-details > summary")))
		p.do("fill the step",
			chromedp.SetValue(chromedp.CSS(`#ws-event-form select[name="kind"]`), "investor_selected"),
			chromedp.SendKeys(chromedp.CSS(`#ws-event-form input[name="occurred_on"]`), "15/03/2024"),
			chromedp.SendKeys(chromedp.CSS(`#ws-event-form input[name="decision_number"]`), "345/QĐ-UBND"),
			chromedp.SendKeys(chromedp.CSS(`#ws-event-form textarea[name="sources"]`), "Quyết định 345/QĐ-UBND (bản chụp đính kèm)"),
			chromedp.SetUploadFiles(chromedp.CSS(`#ws-event-form input[type="file"]`), []string{file}),
			chromedp.SendKeys(chromedp.CSS(`#ws-event-form input[name="file_title"]`), "QĐ chọn chủ đầu tư"))
		p.do("record it", chromedp.Click(chromedp.CSS("#ws-event-save")))
		msg := pollJS[string](p, `(() => { const m = document.querySelector("#ws-event-form .ws-status"); return m && m.textContent; })()`, settle)
		if !strings.Contains(msg, "kèm văn bản") || !strings.Contains(msg, "15/03/2024") {
			t.Errorf("after recording: %q", msg)
		}
		var kind, status string
		var docs int
		if err := db.QueryRow(ctx, `SELECT e.kind::text, c.status::text, (SELECT count(*) FROM attachments a WHERE a.event_id = e.id)
			FROM cluster_events e JOIN clusters c ON c.id = e.cluster_id WHERE e.cluster_id = $1`, target).Scan(&kind, &status, &docs); err != nil {
			t.Fatal(err)
		}
		if kind != "investor_selected" || status != "investor_selected" || docs != 1 {
			t.Errorf("recorded %s, stage %s, %d documents", kind, status, docs)
		}
	})

	t.Run("LeaderSeesWhatIsStuck", func(t *testing.T) {
		stuck := getJSON[struct {
			Items []struct {
				ClusterID int64  `json:"cluster_id"`
				Name      string `json:"name"`
				Next      string `json:"next"`
			} `json:"items"`
		}](t, ts.URL+"/api/stuck", 200).Items
		if len(stuck) == 0 {
			t.Fatal("the seed has no overdue step to show")
		}
		p := newPage(t, browser, ts.URL, desktop)
		p.load("/")
		p.do("open the table", chromedp.Click(chromedp.CSS("#tab-table")))
		li := fmt.Sprintf(`#stuck-list li[data-id="%d"]`, stuck[0].ClusterID)
		text := pollJS[string](p, fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e && e.textContent; })()`, li), settle)
		if !strings.Contains(text, stuck[0].Name) || !strings.Contains(text, "quá hạn") || !strings.Contains(text, "mốc mặc định") {
			t.Errorf("the stuck list says %q for %s", text, stuck[0].Name)
		}
		if n := evalJS[int](p, `document.querySelectorAll("#stuck-list li[data-id]").length`); n != len(stuck) {
			t.Errorf("the table lists %d stuck clusters, the server %d", n, len(stuck))
		}
	})
}
