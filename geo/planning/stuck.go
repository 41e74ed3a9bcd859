package planning

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clustermap/clustermap/geo"
)

// StuckItem is a cluster whose next step is overdue: a step it reached, the step due after it by
// a limit (the law's, or ClusterMap's stated default), and nothing recorded at or beyond that step.
type StuckItem struct {
	ClusterID   int64    `json:"cluster_id"`
	Name        string   `json:"name"`
	Stage       string   `json:"stage"`
	Province    *string  `json:"province_code"`
	After       string   `json:"after"`
	Since       string   `json:"since"`
	Precision   string   `json:"since_precision"`
	Next        string   `json:"next"`
	DueOn       string   `json:"due_on"`
	OverdueDays int      `json:"overdue_days"`
	Months      int      `json:"limit_months"`
	Basis       string   `json:"basis"`
	Note        string   `json:"note"`
	Sources     []string `json:"sources"`
	// LastEvent is the cluster's latest standing event, with its decision and documents.
	LastEvent json.RawMessage `json:"last_event"`
}

// Stuck answers /api/stuck.
type Stuck struct {
	AsOf  string      `json:"as_of"`
	Items []StuckItem `json:"items"`
	// Definition says how the list is made.
	Definition string `json:"definition"`
}

// stuckSQL lists, for each cluster (of province $2, or all) and each limit, the step it reached
// ($1 is today) whose next step is overdue, where nothing at or beyond the next step in the legal
// order is recorded. Only standing events count. One row per cluster: its most overdue step.
const stuckSQL = `
WITH ev AS (
  SELECT cluster_id, kind, max(occurred_on) AS on_, (array_agg(date_precision ORDER BY occurred_on DESC))[1] AS prec
    FROM cluster_events WHERE withdrawn_at IS NULL GROUP BY cluster_id, kind),
reached AS (
  SELECT cluster_id, max(array_position(enum_range(NULL::cluster_event_kind), kind)) AS furthest FROM ev GROUP BY cluster_id),
late AS (
  SELECT c.id, c.name, c.status::text AS stage, c.province_code, l.after_kind::text AS after, a.on_ AS since, a.prec,
         l.next_kind::text AS next, (a.on_ + make_interval(months => l.months))::date AS due_on, l.months, l.basis, l.note, l.sources
    FROM procedure_limits l
    JOIN ev a ON a.kind = l.after_kind
    JOIN clusters c ON c.id = a.cluster_id
   WHERE (a.on_ + make_interval(months => l.months))::date < $1::date
     AND ($2::text IS NULL OR c.province_code = $2)
     -- nothing recorded at or beyond the step that is due
     AND NOT EXISTS (SELECT 1 FROM ev n WHERE n.cluster_id = c.id
                       AND array_position(enum_range(NULL::cluster_event_kind), n.kind)
                           >= array_position(enum_range(NULL::cluster_event_kind), l.next_kind))),
worst AS (
  SELECT DISTINCT ON (id) * FROM late ORDER BY id, due_on, next)
SELECT w.id, w.name, w.stage, w.province_code, w.after, to_char(w.since, 'YYYY-MM-DD'), w.prec, w.next,
       to_char(w.due_on, 'YYYY-MM-DD'), ($1::date - w.due_on), w.months, w.basis, w.note, w.sources,
       (SELECT json_build_object('id', e.id, 'kind', e.kind, 'occurred_on', to_char(e.occurred_on, 'YYYY-MM-DD'),
                 'date_precision', e.date_precision, 'decision_number', e.decision_number, 'issued_by', e.issued_by, 'sources', e.sources,
                 'documents', coalesce((SELECT json_agg(json_build_object('sha256', encode(a.sha256, 'hex'), 'title', a.title,
                                  'filename', a.filename) ORDER BY a.id) FROM attachments a WHERE a.event_id = e.id AND a.public), '[]'))
          FROM cluster_events e WHERE e.cluster_id = w.id AND e.withdrawn_at IS NULL
         ORDER BY e.occurred_on DESC, e.id DESC LIMIT 1)
  FROM worst w
 ORDER BY ($1::date - w.due_on) DESC, w.name`

// Stuck lists the clusters whose next step is overdue on day, of one province ("" for all).
func (s *Planner) Stuck(ctx context.Context, day time.Time, province string) (*Stuck, error) {
	if err := geo.CheckProvince(province); err != nil {
		return nil, err
	}
	out := &Stuck{AsOf: day.Format("2006-01-02"), Items: []StuckItem{},
		Definition: "A cluster is listed when a step it reached (a standing dated event) was followed by no event at or beyond the step due after it " +
			"within the limit: the law's where it sets one (basis law), else ClusterMap's stated default (basis default; Decree 32/2024 sets none after " +
			"the founding decision, each decision sets its own schedule). Only its most overdue step is shown; limits are data (procedure_limits)."}
	err := s.readAnalysis(ctx, "stuck", func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, stuckSQL, day, nullable(province))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var it StuckItem
			if err := rows.Scan(&it.ClusterID, &it.Name, &it.Stage, &it.Province, &it.After, &it.Since, &it.Precision, &it.Next,
				&it.DueOn, &it.OverdueDays, &it.Months, &it.Basis, &it.Note, &it.Sources, &it.LastEvent); err != nil {
				return err
			}
			out.Items = append(out.Items, it)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
