package edit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/clustermap/clustermap/geo"
)

// TenantStatuses are a secondary project's statuses; a stopped one keeps its row (and history)
// and leaves the cluster's leased land.
var TenantStatuses = []string{"registered", "under_construction", "operating", "stopped"}

// TenantInput is a secondary project as a writer records it.
type TenantInput struct {
	Investor          string   `json:"investor"`
	Industry          string   `json:"industry,omitempty"`
	VSIC              string   `json:"vsic,omitempty"`
	LeasedHa          *float64 `json:"leased_ha,omitempty"`
	Plot              string   `json:"plot,omitempty"`
	RegisteredCapital *float64 `json:"registered_capital_vnd_bn,omitempty"`
	Disbursed         *float64 `json:"disbursed_vnd_bn,omitempty"`
	Jobs              *int64   `json:"jobs,omitempty"`
	Status            string   `json:"status"`
	RegisteredOn      string   `json:"registered_on,omitempty"`
	StartedOn         string   `json:"started_on,omitempty"`
	Notes             string   `json:"notes,omitempty"`
	Sources           []string `json:"sources"`
}

var vsicRE = regexp.MustCompile(`^[0-9]{1,5}$`)

func (in TenantInput) check() []string {
	var p []string
	if n := utf8.RuneCountInString(strings.TrimSpace(in.Investor)); n == 0 || n > 300 {
		p = append(p, "investor: the project's investor, at most 300 characters")
	}
	if in.VSIC != "" && !vsicRE.MatchString(in.VSIC) {
		p = append(p, "vsic: a VSIC 2018 code of 1 to 5 digits")
	}
	if !slices.Contains(TenantStatuses, in.Status) {
		p = append(p, "status must be one of "+strings.Join(TenantStatuses, ", "))
	}
	if in.LeasedHa != nil && !(*in.LeasedHa > 0 && *in.LeasedHa < 10000) {
		p = append(p, "leased_ha must be a positive number of hectares")
	}
	for name, v := range map[string]*float64{"registered_capital_vnd_bn": in.RegisteredCapital, "disbursed_vnd_bn": in.Disbursed} {
		if v != nil && !(*v >= 0 && *v < 1e7) {
			p = append(p, name+" must be a non-negative amount in billions of VND")
		}
	}
	if in.Jobs != nil && (*in.Jobs < 0 || *in.Jobs > 1e7) {
		p = append(p, "jobs must be a non-negative number")
	}
	for name, v := range map[string]string{"registered_on": in.RegisteredOn, "started_on": in.StartedOn} {
		if v == "" {
			continue
		}
		if d, err := time.Parse("2006-01-02", v); err != nil || d.Year() < 1990 || d.After(time.Now().Add(24*time.Hour)) {
			p = append(p, name+" must be a past date (yyyy-mm-dd)")
		}
	}
	if utf8.RuneCountInString(in.Industry) > 300 || utf8.RuneCountInString(in.Plot) > 100 || utf8.RuneCountInString(in.Notes) > 4000 {
		p = append(p, "industry (300), plot (100) or notes (4000 characters) is too long")
	}
	n := 0
	for _, s := range in.Sources {
		if strings.TrimSpace(s) != "" && utf8.RuneCountInString(s) <= 2000 {
			n++
		}
	}
	if n == 0 || n != len(in.Sources) || len(in.Sources) > geo.MaxListItems {
		p = append(p, "sources: name where the project is stated, each non-empty")
	}
	return p
}

const tenantColumns = `investor, industry, vsic, leased_ha, plot, registered_capital_vnd_bn, disbursed_vnd_bn, jobs, status,
	registered_on, started_on, notes, sources`

func tenantArgs(in TenantInput) []any {
	return []any{strings.TrimSpace(in.Investor), in.Industry, in.VSIC, in.LeasedHa, in.Plot, in.RegisteredCapital, in.Disbursed, in.Jobs,
		in.Status, in.RegisteredOn, in.StartedOn, in.Notes, in.Sources}
}

// tenantValues are the parameters $1…$13 of tenantArgs as column values.
const tenantValues = `$1, nullif($2, ''), nullif($3, ''), $4, nullif($5, ''), $6, $7, $8, $9::tenant_status,
	nullif($10, '')::date, nullif($11, '')::date, nullif($12, ''), $13`

// CreateTenant records a secondary project of cluster c; the cluster's leased land follows.
func (s *Store) CreateTenant(ctx context.Context, a Actor, c int64, in TenantInput) (Written, error) {
	if a.Role == RoleAnonymous {
		return Written{}, ErrUnauthorized
	}
	if p := in.check(); len(p) > 0 {
		return Written{}, &ValidationError{Problems: p}
	}
	var out Written
	err := s.inTx(ctx, "record tenant", func(ctx context.Context, tx pgx.Tx) error {
		if err := clusterExists(ctx, tx, c); err != nil {
			return err
		}
		if err := becomeEditor(ctx, tx, a); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO tenants (cluster_id, `+tenantColumns+`) VALUES ($14, `+tenantValues+`) RETURNING id`,
			append(tenantArgs(in), c)...).Scan(&out.ID); err != nil {
			return err
		}
		out.Version = 1
		return nil
	})
	return out, err
}

// UpdateTenant replaces a secondary project's record if it is still at version ifVersion (the
// ETag the writer read); 0 is "no version named" (428), another version is stale (412).
func (s *Store) UpdateTenant(ctx context.Context, a Actor, id, ifVersion int64, in TenantInput) (Written, error) {
	if a.Role == RoleAnonymous {
		return Written{}, ErrUnauthorized
	}
	if ifVersion == 0 {
		return Written{}, ErrPreconditionRequired
	}
	if p := in.check(); len(p) > 0 {
		return Written{}, &ValidationError{Problems: p}
	}
	out := Written{ID: id}
	err := s.inTx(ctx, "update tenant", func(ctx context.Context, tx pgx.Tx) error {
		var current int64
		err := tx.QueryRow(ctx, `SELECT (SELECT max(version) FROM feature_versions WHERE layer = 'tenants' AND fid = t.id)
			FROM tenants t WHERE t.id = $1 FOR UPDATE`, id).Scan(&current)
		if errors.Is(err, pgx.ErrNoRows) {
			return geo.ErrNotFound
		}
		if err != nil {
			return err
		}
		if current != ifVersion {
			return &StaleError{Current: current}
		}
		if err := becomeEditor(ctx, tx, a); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE tenants SET (`+tenantColumns+`, updated_at) = (`+tenantValues+`, now()) WHERE id = $14`,
			append(tenantArgs(in), id)...)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return &ForbiddenError{Reason: "this project is outside your remit: the department and the office of the cluster's territory keep its register"}
		}
		out.Version = current + 1
		return nil
	})
	return out, err
}

// Tenant is a secondary project as it is served, with its version (its ETag).
type Tenant struct {
	ID      int64           `json:"id"`
	Version int64           `json:"version"`
	Record  json.RawMessage `json:"record"`
}

// Tenants lists cluster c's secondary projects, with the register's sums the cluster carries.
func (s *Store) Tenants(ctx context.Context, c int64) ([]Tenant, error) {
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var exists bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM clusters WHERE id = $1)`, c).Scan(&exists); err != nil {
		return nil, fmt.Errorf("tenants: %w", err)
	}
	if !exists {
		return nil, geo.ErrNotFound
	}
	rows, err := s.pool.Query(ctx, `SELECT t.id, (SELECT max(version) FROM feature_versions WHERE layer = 'tenants' AND fid = t.id),
		  to_jsonb(t) - 'created_by' FROM tenants t WHERE t.cluster_id = $1 ORDER BY t.id`, c)
	if err != nil {
		return nil, fmt.Errorf("tenants: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Tenant, error) {
		var t Tenant
		err := r.Scan(&t.ID, &t.Version, &t.Record)
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("tenants: %w", err)
	}
	return out, nil
}
