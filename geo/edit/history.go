package edit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/clustermap/clustermap/geo"
)

// Change is one field that differs from the previous version.
type Change struct {
	Field string `json:"field"`
	From  any    `json:"from"`
	To    any    `json:"to"`
}

// Version is one entry of a feature's history.
type Version struct {
	Version int64  `json:"version"`
	Op      string `json:"op"`
	// Actor (the account or database role) and RequestID are for signed-in readers only: the
	// public sees who by role ("department", "district", "cli") and when, not who by name.
	Actor           string    `json:"actor,omitempty"`
	Role            *string   `json:"role"`
	At              time.Time `json:"at"`
	RequestID       *string   `json:"request_id,omitempty"`
	Comment         *string   `json:"comment"`
	ProposalID      *int64    `json:"proposal_id"`
	Changes         []Change  `json:"changes"`
	GeometryChanged bool      `json:"geometry_changed"`
}

const historySQL = `SELECT version, op, actor, actor_role, at, request_id, comment, proposal_id, props,
	       coalesce(ST_AsEWKB(geom) IS DISTINCT FROM lag(ST_AsEWKB(geom)) OVER (ORDER BY version), true)
	  FROM feature_versions WHERE layer = $1 AND fid = $2 ORDER BY version`

// History lists a feature's versions, oldest first, each with its field-by-field changes, as
// reader may see them (see Version). A deleted feature keeps its history.
func (s *Store) History(ctx context.Context, reader Actor, l *geo.Layer, fid string) ([]Version, error) {
	id, err := featureID(l, fid)
	if err != nil {
		return nil, err
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	out, err := historyIn(ctx, s.pool, l, id)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, geo.ErrNotFound
	}
	if reader.Role == RoleAnonymous {
		for i := range out {
			out[i].Actor, out[i].RequestID = "", nil
		}
	}
	return out, nil
}

// querier is a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// historyIn reads feature id's versions through q (the pool, or a transaction that has just
// written one), each with what it changed.
func historyIn(ctx context.Context, q querier, l *geo.Layer, id int64) ([]Version, error) {
	rows, err := q.Query(ctx, historySQL, l.ID, id)
	if err != nil {
		return nil, fmt.Errorf("history of %s/%d: %w", l.ID, id, err)
	}
	defer rows.Close()
	fields := writableFields(l)
	var out []Version
	var prev map[string]any
	for rows.Next() {
		var v Version
		var props []byte
		if err := rows.Scan(&v.Version, &v.Op, &v.Actor, &v.Role, &v.At, &v.RequestID, &v.Comment, &v.ProposalID, &props, &v.GeometryChanged); err != nil {
			return nil, fmt.Errorf("history of %s/%d: %w", l.ID, id, err)
		}
		var cur map[string]any
		if err := json.Unmarshal(props, &cur); err != nil {
			return nil, fmt.Errorf("history of %s/%d: %w", l.ID, id, err)
		}
		v.Changes = []Change{}
		for _, f := range fields {
			if v.Op == "delete" {
				break
			}
			if prev == nil || !reflect.DeepEqual(prev[f], cur[f]) {
				var from any
				if prev != nil {
					from = prev[f]
				}
				if prev == nil && cur[f] == nil {
					continue
				}
				v.Changes = append(v.Changes, Change{Field: f, From: from, To: cur[f]})
			}
		}
		if v.Op == "delete" {
			v.GeometryChanged = false
		}
		prev = cur
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("history of %s/%d: %w", l.ID, id, err)
	}
	return out, nil
}

// asOfSQL is the state of a layer at a moment: each feature's latest version at or before it,
// unless that version deleted the feature. Properties are the layer's writable fields.
//
// With 200,000 versions a sort of every version before the moment (DISTINCT ON) spilled to disk
// and took 350 ms. Instead: the features that existed by then are those whose first version is
// dated at or before it (feature_versions_first_idx, migrations/00018: one index-only range,
// since every feature's history starts at version 1 and is never deleted), and for each the index
// feature_versions_as_of_idx (layer, fid, at DESC, version DESC) hands over its version at the
// moment first. A feature's versions are dated in the order of their numbers (the history
// triggers use clock_timestamp() under the feature's row lock), so the latest by date is the
// latest by number.
const asOfSQL = `WITH fids AS (
	  SELECT fid FROM feature_versions
	   WHERE layer = $1 AND version = 1 AND at <= $2 AND ($4::bigint IS NULL OR fid = $4))
	-- The Feature is written as text: json_build_object would parse the geometry's GeoJSON again.
	-- Properties are the writable fields, the table's other columns taken out (3× faster than
	-- rebuilding the object from jsonb_each): the list is read once per statement from the
	-- catalog, where listing each version's own keys to drop took
	-- 16 ms of the country's 70.
	SELECT '{"type":"Feature","id":' || v.fid || ',"geometry":' || coalesce(ST_AsGeoJSON(v.geom, 6), 'null')
	       || ',"properties":' || (v.props - (SELECT array_agg(a.attname::text) FROM pg_attribute a
	                                          WHERE a.attrelid = $6::text::regclass AND a.attnum > 0 AND NOT a.attisdropped
	                                            AND a.attname <> ALL ($3)))::text || '}'
	  FROM fids
	  CROSS JOIN LATERAL (SELECT fv.fid, fv.op, fv.props, fv.geom FROM feature_versions fv
	                       WHERE fv.layer = $1 AND fv.fid = fids.fid AND fv.at <= $2
	                       ORDER BY fv.at DESC, fv.version DESC LIMIT 1) v
	 WHERE v.op <> 'delete'
	   -- One province's, as the version says (a version written since migration 00011 carries
	   -- its row's province_code; an older one is placed by its geometry): the others are probed
	   -- but never written out, which is where the time goes.
	   AND ($5::text = '' OR coalesce(v.props->>'province_code', province_of(v.geom)) = $5)
	 ORDER BY v.fid`

// AsOf returns the layer's features (or the one feature fid, when not empty) as they were at t,
// as GeoJSON Feature texts, those of one province when province is not empty; geo.ErrNotFound
// when fid did not exist then.
func (s *Store) AsOf(ctx context.Context, l *geo.Layer, t time.Time, fid, province string) ([][]byte, error) {
	var one *int64
	if fid != "" {
		id, err := featureID(l, fid)
		if err != nil {
			return nil, err
		}
		one = &id
	} else if !l.Editable {
		return nil, &ForbiddenError{Reason: fmt.Sprintf("layer %s keeps no history (import only)", l.ID)}
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var out [][]byte
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		// Every feature's id comes once, but the planner expects each many times and puts a
		// Memoize over the per-feature probe, which then never hits: 10 % of the country's time.
		if _, err := tx.Exec(ctx, "SET LOCAL enable_memoize = off"); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, asOfSQL, l.ID, t, writableFields(l), one, province, l.Table)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowTo[[]byte])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("%s as of %s: %w", l.ID, t.Format(time.RFC3339), err)
	}
	if one != nil && len(out) == 0 {
		return nil, geo.ErrNotFound
	}
	return out, nil
}

// Revert writes a new version of feature fid equal to its version n: the same properties and
// the same geometry, bit for bit. A deleted feature comes back under its id. Only the department
// and administrators revert (the handler says so; the database's policies agree for any role).
func (s *Store) Revert(ctx context.Context, a Actor, l *geo.Layer, fid string, n int64) (Written, error) {
	id, err := featureID(l, fid)
	if err != nil {
		return Written{}, err
	}
	out := Written{ID: id}
	err = s.inTx(ctx, "revert "+l.ID, func(ctx context.Context, tx pgx.Tx) error {
		// A version an approval wrote is undone with the approval, so that the proposal and the
		// feature never disagree.
		var proposal *int64
		err := tx.QueryRow(ctx, `SELECT v.proposal_id FROM feature_versions v JOIN proposals p ON p.id = v.proposal_id
			WHERE v.layer = $1 AND v.fid = $2 AND p.status = 'approved'
			ORDER BY v.version DESC LIMIT 1`, l.ID, id).Scan(&proposal)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if proposal != nil {
			var last int64
			if err := tx.QueryRow(ctx, `SELECT max(version) FROM feature_versions WHERE layer = $1 AND fid = $2`, l.ID, id).Scan(&last); err != nil {
				return err
			}
			var fromProposal bool
			if err := tx.QueryRow(ctx, `SELECT proposal_id IS NOT DISTINCT FROM $4 FROM feature_versions WHERE layer = $1 AND fid = $2 AND version = $3`,
				l.ID, id, last, *proposal).Scan(&fromProposal); err != nil {
				return err
			}
			if fromProposal {
				return &ValidationError{Problems: []string{fmt.Sprintf(
					"the current version came from the approval of proposal #%d: withdraw that approval instead, so that the proposal and the feature agree", *proposal)}}
			}
		}
		v, err := revertIn(ctx, tx, a, l, id, n)
		out.Version = v
		return err
	})
	return out, err
}

// revertIn writes, in tx, a new version of feature id equal to its version n.
func revertIn(ctx context.Context, tx pgx.Tx, a Actor, l *geo.Layer, id, n int64) (int64, error) {
	var op string
	err := tx.QueryRow(ctx, `SELECT op FROM feature_versions WHERE layer = $1 AND fid = $2 AND version = $3`, l.ID, id, n).Scan(&op)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, &ValidationError{Problems: []string{fmt.Sprintf("feature %s/%d has no version %d", l.ID, id, n)}}
	}
	if err != nil {
		return 0, err
	}
	if op == "delete" {
		return 0, &ValidationError{Problems: []string{fmt.Sprintf("version %d is the deletion of the feature; revert to an earlier version", n)}}
	}
	// Lock the row when it exists, so that a concurrent write waits for the revert.
	var exists bool
	if _, err := lockVersion(ctx, tx, l, id); err == nil {
		exists = true
	} else if !errors.Is(err, geo.ErrNotFound) {
		return 0, err
	}
	if err := becomeEditor(ctx, tx, a); err != nil {
		return 0, err
	}
	cols := writableFields(l)
	list, sel := "", ""
	for i, c := range cols {
		if i > 0 {
			list += ", "
			sel += ", "
		}
		list += c
		sel += "r." + c
	}
	var stmt string
	if exists {
		stmt = fmt.Sprintf(`UPDATE %[1]s t SET (%[2]s, geom) = (SELECT %[3]s, v.geom
			  FROM feature_versions v, jsonb_populate_record(NULL::%[1]s, v.props) r
			 WHERE v.layer = $1 AND v.fid = $2 AND v.version = $3), updated_at = now()
			 WHERE t.%[4]s = $2`, l.Table, list, sel, l.KeyColumn)
	} else {
		stmt = fmt.Sprintf(`INSERT INTO %[1]s (%[4]s, %[2]s, geom) OVERRIDING SYSTEM VALUE
			SELECT v.fid, %[3]s, v.geom FROM feature_versions v, jsonb_populate_record(NULL::%[1]s, v.props) r
			 WHERE v.layer = $1 AND v.fid = $2 AND v.version = $3`, l.Table, list, sel, l.KeyColumn)
	}
	tag, err := tx.Exec(ctx, stmt, l.ID, id, n)
	if err != nil {
		return 0, err
	}
	if tag.RowsAffected() == 0 {
		return 0, &ForbiddenError{Reason: "row-level security: the feature is outside your remit"}
	}
	var v int64
	err = tx.QueryRow(ctx, versionSQL, l.ID, id).Scan(&v)
	return v, err
}

// VersionState is a feature's properties and geometry (GeoJSON, full precision) at one version,
// for tests and clients that compare states.
func (s *Store) VersionState(ctx context.Context, l *geo.Layer, fid string, n int64) (props map[string]any, geometryEWKB []byte, err error) {
	id, err := featureID(l, fid)
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var raw []byte
	err = s.pool.QueryRow(ctx, `SELECT props, ST_AsEWKB(geom) FROM feature_versions WHERE layer = $1 AND fid = $2 AND version = $3`,
		l.ID, id, n).Scan(&raw, &geometryEWKB)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, geo.ErrNotFound
	}
	if err != nil {
		return nil, nil, fmt.Errorf("version %d of %s/%d: %w", n, l.ID, id, err)
	}
	if err := json.Unmarshal(raw, &props); err != nil {
		return nil, nil, fmt.Errorf("version %d of %s/%d: %w", n, l.ID, id, err)
	}
	for k := range props {
		if !slices.Contains(writableFields(l), k) {
			delete(props, k)
		}
	}
	return props, geometryEWKB, nil
}

// formatID is a feature id as the URL carries it.
func formatID(id int64) string { return strconv.FormatInt(id, 10) }
