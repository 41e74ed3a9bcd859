package edit

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/clustermap/clustermap/geo"
)

// EventKinds are a cluster's steps in the order of Decree 32/2024 (docs/sources/procedure-2024.md).
var EventKinds = []string{"plan_inclusion", "founding_decision", "expansion_decision", "detailed_plan", "investment_policy",
	"investor_selected", "land_recovery", "construction_start", "environmental_permit", "wastewater_plant", "operation"}

// LocalEventKinds are the steps a territory's office records (a commune; a district before the
// reform): building and operating, never a decision of the province. The database's policy
// (workspace_may_record) holds the same list.
var LocalEventKinds = []string{"detailed_plan", "land_recovery", "construction_start", "wastewater_plant", "operation"}

// EventInput is one dated step of a cluster as a writer records it.
type EventInput struct {
	Kind           string   `json:"kind"`
	OccurredOn     string   `json:"occurred_on"`
	DatePrecision  string   `json:"date_precision,omitempty"`
	DecisionNumber string   `json:"decision_number,omitempty"`
	IssuedBy       string   `json:"issued_by,omitempty"`
	AreaHa         *float64 `json:"area_ha,omitempty"`
	Notes          string   `json:"notes,omitempty"`
	Sources        []string `json:"sources"`
}

// check says what is wrong with an event before the database is asked.
func (in EventInput) check() []string {
	var p []string
	if !slices.Contains(EventKinds, in.Kind) {
		p = append(p, fmt.Sprintf("kind must be one of %s", strings.Join(EventKinds, ", ")))
	}
	if d, err := time.Parse("2006-01-02", in.OccurredOn); err != nil {
		p = append(p, "occurred_on must be a date (yyyy-mm-dd)")
	} else if d.After(time.Now().Add(24 * time.Hour)) {
		p = append(p, "occurred_on is in the future: record an event when it has happened")
	}
	if in.DatePrecision != "" && !slices.Contains([]string{"day", "month", "year", "by"}, in.DatePrecision) {
		p = append(p, "date_precision must be day, month, year or by (done by that date, start not known)")
	}
	if in.AreaHa != nil && !(*in.AreaHa > 0 && *in.AreaHa < 1e6) {
		p = append(p, "area_ha must be a positive number of hectares")
	}
	srcs := 0
	for _, s := range in.Sources {
		if strings.TrimSpace(s) != "" {
			srcs++
		}
		if utf8.RuneCountInString(s) > 2000 {
			p = append(p, "a source has more than 2000 characters")
		}
	}
	if srcs == 0 || srcs != len(in.Sources) || len(in.Sources) > geo.MaxListItems {
		p = append(p, "sources: name where the event is stated (a decision, a report, a URL), each non-empty")
	}
	for name, v := range map[string]string{"decision_number": in.DecisionNumber, "issued_by": in.IssuedBy} {
		if utf8.RuneCountInString(v) > 200 {
			p = append(p, name+" has more than 200 characters")
		}
	}
	if utf8.RuneCountInString(in.Notes) > 4000 {
		p = append(p, "notes have more than 4000 characters")
	}
	return p
}

// RecordEvent records a dated step of cluster c as a; the cluster's stage follows (the database
// moves it). Who may record which step is the database's rule (workspace_may_record).
func (s *Store) RecordEvent(ctx context.Context, a Actor, c int64, in EventInput) (int64, error) {
	if p := in.check(); len(p) > 0 {
		return 0, &ValidationError{Problems: p}
	}
	if a.Role == RoleAnonymous {
		return 0, ErrUnauthorized
	}
	if (a.Role == RoleCommune || a.Role == RoleDistrict) && !slices.Contains(LocalEventKinds, in.Kind) {
		return 0, &ForbiddenError{Reason: "founding, expansion, plans, investment policy and the investor are decisions of the province: the Department records them"}
	}
	var id int64
	err := s.inTx(ctx, "record event", func(ctx context.Context, tx pgx.Tx) error {
		if err := clusterExists(ctx, tx, c); err != nil {
			return err
		}
		if err := becomeEditor(ctx, tx, a); err != nil {
			return err
		}
		return insertEvent(ctx, tx, c, in, nil).Scan(&id)
	})
	return id, err
}

func insertEvent(ctx context.Context, tx pgx.Tx, c int64, in EventInput, proposal *int64) pgx.Row {
	prec := in.DatePrecision
	if prec == "" {
		prec = "day"
	}
	return tx.QueryRow(ctx, `INSERT INTO cluster_events (cluster_id, kind, occurred_on, date_precision, decision_number, issued_by,
		  area_ha, notes, proposal_id, sources)
		VALUES ($1, $2, $3::date, $4, nullif($5, ''), nullif($6, ''), $7, nullif($8, ''), $9, $10) RETURNING id`,
		c, in.Kind, in.OccurredOn, prec, in.DecisionNumber, in.IssuedBy, in.AreaHa, in.Notes, proposal, in.Sources)
}

func clusterExists(ctx context.Context, tx pgx.Tx, c int64) error {
	var ok bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM clusters WHERE id = $1)`, c).Scan(&ok); err != nil {
		return err
	}
	if !ok {
		return geo.ErrNotFound
	}
	return nil
}

// WithdrawEvent withdraws a wrongly recorded event, with a reason; the stage follows what remains.
// Only the department and administrators withdraw (the database's policy agrees).
func (s *Store) WithdrawEvent(ctx context.Context, a Actor, id int64, reason string) error {
	if a.Role != RoleDepartment && a.Role != RoleAdmin {
		return &ForbiddenError{Reason: "only the Department of Industry and Trade withdraws a recorded event"}
	}
	if reason = strings.TrimSpace(reason); reason == "" {
		return &ValidationError{Problems: []string{"withdrawing an event needs a reason"}}
	}
	a.Comment = "event withdrawn: " + reason
	return s.inTx(ctx, "withdraw event", func(ctx context.Context, tx pgx.Tx) error {
		if err := becomeEditor(ctx, tx, a); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE cluster_events SET withdrawn_at = now(), withdrawn_by = $2, withdrawn_reason = $3
			WHERE id = $1 AND withdrawn_at IS NULL`, id, a.User, reason)
		if err == nil && tag.RowsAffected() == 0 {
			return geo.ErrNotFound
		}
		return err
	})
}

// withdrawProposalEvents withdraws the events an approval recorded, in the withdrawal's transaction
// (as the editor), before the cluster goes back: the stage then follows what remains.
func withdrawProposalEvents(ctx context.Context, tx pgx.Tx, a Actor, proposal int64) error {
	_, err := tx.Exec(ctx, `UPDATE cluster_events SET withdrawn_at = now(), withdrawn_by = $2, withdrawn_reason = $3
		WHERE proposal_id = $1 AND withdrawn_at IS NULL`, proposal, a.User, a.Comment)
	return err
}

// Event is a recorded step with its documents.
type Event struct {
	ID              int64        `json:"id"`
	ClusterID       int64        `json:"cluster_id"`
	Kind            string       `json:"kind"`
	OccurredOn      string       `json:"occurred_on"`
	DatePrecision   string       `json:"date_precision"`
	DecisionNumber  *string      `json:"decision_number"`
	IssuedBy        *string      `json:"issued_by"`
	AreaHa          *float64     `json:"area_ha"`
	Notes           *string      `json:"notes"`
	ProposalID      *int64       `json:"proposal_id"`
	Sources         []string     `json:"sources"`
	RecordedAt      time.Time    `json:"recorded_at"`
	Withdrawn       *Withdrawal  `json:"withdrawn,omitempty"`
	Documents       []Attachment `json:"documents"`
	StageAfterEvent *string      `json:"implies_stage"`
}

// Withdrawal says when and why an event was withdrawn.
type Withdrawal struct {
	At     time.Time `json:"at"`
	Reason string    `json:"reason"`
}

// eventsSQL lists a cluster's events in date order, each with the documents the reader may see
// ($2: whether non-public ones are shown).
const eventsSQL = `SELECT e.id, e.cluster_id, e.kind::text, to_char(e.occurred_on, 'YYYY-MM-DD'), e.date_precision,
       e.decision_number, e.issued_by, e.area_ha::float8, e.notes, e.proposal_id, e.sources, e.created_at,
       e.withdrawn_at, e.withdrawn_reason, event_stage(e.kind)::text,
       coalesce((SELECT json_agg(json_build_object('id', a.id, 'sha256', encode(a.sha256, 'hex'), 'title', a.title,
                   'filename', a.filename, 'media_type', d.media_type, 'size_bytes', d.size_bytes, 'public', a.public) ORDER BY a.id)
                   FROM attachments a JOIN documents d ON d.sha256 = a.sha256
                  WHERE a.event_id = e.id AND (a.public OR $2)), '[]')
  FROM cluster_events e
 WHERE e.cluster_id = $1
 ORDER BY e.occurred_on, e.id`

// Events lists cluster c's recorded steps; documents not marked public are listed only for a
// signed-in reader.
func (s *Store) Events(ctx context.Context, a Actor, c int64) ([]Event, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var exists bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM clusters WHERE id = $1)`, c).Scan(&exists); err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	if !exists {
		return nil, geo.ErrNotFound
	}
	rows, err := s.pool.Query(ctx, eventsSQL, c, a.Role != RoleAnonymous)
	if err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	defer rows.Close()
	out := []Event{}
	for rows.Next() {
		var e Event
		var wAt *time.Time
		var wWhy *string
		var docs []byte
		if err := rows.Scan(&e.ID, &e.ClusterID, &e.Kind, &e.OccurredOn, &e.DatePrecision, &e.DecisionNumber, &e.IssuedBy,
			&e.AreaHa, &e.Notes, &e.ProposalID, &e.Sources, &e.RecordedAt, &wAt, &wWhy, &e.StageAfterEvent, &docs); err != nil {
			return nil, fmt.Errorf("events: %w", err)
		}
		if wAt != nil && wWhy != nil {
			e.Withdrawn = &Withdrawal{At: *wAt, Reason: *wWhy}
		}
		if err := json.Unmarshal(docs, &e.Documents); err != nil {
			return nil, fmt.Errorf("events: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
