package edit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb/geojson"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/ingest"
)

// A feature's version is the number of its latest history row: every change writes one (by
// trigger), so it is the feature's ETag, and a change that names a version other than the current
// one is refused instead of overwriting what it has not seen.

const versionSQL = `SELECT coalesce(max(version), 0) FROM feature_versions WHERE layer = $1 AND fid = $2`

// liveVersionSQL is versionSQL of a feature that exists: no row when it does not (or no longer).
func liveVersionSQL(l *geo.Layer) string {
	return fmt.Sprintf(`SELECT (%s) FROM %s t WHERE t.%s = $2`, versionSQL, l.Table, l.KeyColumn)
}

// Version returns a feature's current version on the primary, which a write compares If-Match
// with, or geo.ErrNotFound when it does not exist.
func (s *Store) Version(ctx context.Context, l *geo.Layer, fid string) (int64, error) {
	return s.version(ctx, s.pool, l, fid)
}

// ReadVersion is Version read where the request's other reads go (a replica, pinned per request):
// the ETag of an answer read there names the version of that answer, never a newer one the
// answer does not show (a write naming it would overwrite what its client has not seen).
func (s *Store) ReadVersion(ctx context.Context, l *geo.Layer, fid string) (v int64, err error) {
	err = s.reads.Read(ctx, func(db *pgxpool.Pool) error {
		v, err = s.version(ctx, db, l, fid)
		return err
	})
	return v, err
}

func (s *Store) version(ctx context.Context, db *pgxpool.Pool, l *geo.Layer, fid string) (int64, error) {
	id, err := featureID(l, fid)
	if err != nil {
		return 0, err
	}
	ctx, cancel := s.ctx(ctx)
	defer cancel()
	var v int64
	err = db.QueryRow(ctx, liveVersionSQL(l), l.ID, id).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, geo.ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("version of %s/%d: %w", l.ID, id, err)
	}
	return v, nil
}

func featureID(l *geo.Layer, fid string) (int64, error) {
	if !l.Editable {
		return 0, notEditable(l)
	}
	id, err := strconv.ParseInt(fid, 10, 64)
	if err != nil || id <= 0 {
		return 0, geo.ErrNotFound
	}
	return id, nil
}

// lockVersion locks the feature's row for the rest of tx and returns its current version. It runs
// as the service's role, before becomeEditor, so that a row the user may not change is still
// found (and then refused as forbidden, not hidden as missing). The version is read in a statement
// of its own, after the lock is granted: under READ COMMITTED each statement sees what was
// committed when it started, so a version read in the locking statement would be the one from
// before a concurrent writer committed, and two writers naming the same version would both win.
func lockVersion(ctx context.Context, tx pgx.Tx, l *geo.Layer, id int64) (int64, error) {
	var found int
	err := tx.QueryRow(ctx, fmt.Sprintf(`SELECT 1 FROM %s WHERE %s = $1 FOR UPDATE`, l.Table, l.KeyColumn), id).Scan(&found)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, geo.ErrNotFound
	}
	if err != nil {
		return 0, err
	}
	var v int64
	err = tx.QueryRow(ctx, versionSQL, l.ID, id).Scan(&v)
	return v, err
}

// Written is the outcome of a write: the feature's id and its new version (0 after a delete, and
// for a proposal). Replayed: a create sent again with its key, answered with what the first made
// (Version is then the feature's current one); nothing was written.
type Written struct {
	ID       int64
	Version  int64
	Replayed bool
}

// Create validates a GeoJSON Feature like an import and inserts it. With a key (Actor.Key),
// sending it again creates nothing more and is answered with the first create's feature.
func (s *Store) Create(ctx context.Context, a Actor, l *geo.Layer, feature []byte) (Written, error) {
	if err := a.MayWrite(l, OpCreate); err != nil {
		return Written{}, err
	}
	f, err := decodeFeature(feature)
	if err != nil {
		return Written{}, err
	}
	var checked *ingest.Checked
	var st *ingest.EditSQL
	var out Written
	out.ID, out.Replayed, err = s.once(ctx, "create "+l.ID, a, l.ID, requestHash(l.ID, feature, a.Comment),
		func(ctx context.Context, tx pgx.Tx) (err error) {
			st, checked, err = prepareWrite(ctx, tx, l, f)
			return err
		},
		func(ctx context.Context, tx pgx.Tx) (id int64, err error) {
			err = tx.QueryRow(ctx, st.Insert, checked.Props, checked.Geom).Scan(&id)
			return id, err
		},
		func(ctx context.Context, tx pgx.Tx, id int64, replayed bool) error {
			// The version is read in the write's own transaction: once it commits, the answer
			// needs nothing more from the database.
			err := tx.QueryRow(ctx, liveVersionSQL(l),
				l.ID, id).Scan(&out.Version)
			if replayed && errors.Is(err, pgx.ErrNoRows) {
				return &ValidationError{Problems: []string{fmt.Sprintf(
					"this request's key made feature %d, which has since been deleted: send a new key to create it again", id)}}
			}
			return err
		})
	if err != nil {
		return Written{}, err
	}
	return out, nil
}

// Replace validates a whole Feature and writes it over feature fid, if ifMatch is its current
// version. An ifMatch of 0 names no version (ErrPreconditionRequired); a negative one names a
// version that cannot exist (a validator not of ours), which is stale like any other.
func (s *Store) Replace(ctx context.Context, a Actor, l *geo.Layer, fid string, ifMatch int64, feature []byte) (Written, error) {
	if err := a.MayWrite(l, OpReplace); err != nil {
		return Written{}, err
	}
	f, err := decodeFeature(feature)
	if err != nil {
		return Written{}, err
	}
	return s.update(ctx, a, l, fid, ifMatch, func(context.Context, pgx.Tx, int64) (*geojson.Feature, error) { return f, nil })
}

// Patch applies a JSON merge patch (RFC 7396) to feature fid — {"properties": {...}} and/or
// {"geometry": ...} — validates the result like an import and writes it, if ifMatch is the
// feature's current version.
func (s *Store) Patch(ctx context.Context, a Actor, l *geo.Layer, fid string, ifMatch int64, patch []byte) (Written, error) {
	if err := a.MayWrite(l, OpPatch); err != nil {
		return Written{}, err
	}
	var p map[string]json.RawMessage
	if err := json.Unmarshal(patch, &p); err != nil {
		return Written{}, &ValidationError{Problems: []string{"the body is not a JSON object: " + err.Error()}}
	}
	return s.update(ctx, a, l, fid, ifMatch, func(ctx context.Context, tx pgx.Tx, id int64) (*geojson.Feature, error) {
		current, err := currentFeature(ctx, tx, l, id)
		if err != nil {
			return nil, err
		}
		merged, err := mergePatch(current, patch)
		if err != nil {
			return nil, &ValidationError{Problems: []string{err.Error()}}
		}
		f, err := decodeFeature(merged)
		if err != nil {
			return nil, err
		}
		if _, ok := p["geometry"]; !ok {
			// The stored geometry stays as it is (see EditSQL.Update): only properties changed.
			f.Geometry = nil
		}
		return f, nil
	})
}

// update is Replace and Patch: lock, compare versions, build the new feature, check, write.
func (s *Store) update(ctx context.Context, a Actor, l *geo.Layer, fid string, ifMatch int64,
	build func(context.Context, pgx.Tx, int64) (*geojson.Feature, error)) (Written, error) {
	id, err := featureID(l, fid)
	if err != nil {
		return Written{}, err
	}
	if ifMatch == 0 {
		return Written{}, ErrPreconditionRequired
	}
	out := Written{ID: id}
	err = s.inTx(ctx, "update "+l.ID, func(ctx context.Context, tx pgx.Tx) error {
		v, err := lockVersion(ctx, tx, l, id)
		if err != nil {
			return err
		}
		if v != ifMatch {
			return &StaleError{Current: v}
		}
		f, err := build(ctx, tx, id)
		if err != nil {
			return err
		}
		keepGeometry := f.Geometry == nil
		if keepGeometry {
			// The checks need a geometry of the layer's type; the stored one is, and is not written.
			g, err := storedGeometry(ctx, tx, l, id)
			if err != nil {
				return err
			}
			f.Geometry = g.Geometry()
		}
		st, checked, err := prepareWrite(ctx, tx, l, f)
		if err != nil {
			return err
		}
		var geom []byte
		if !keepGeometry {
			geom = checked.Geom
		}
		if err := becomeEditor(ctx, tx, a); err != nil {
			return err
		}
		var got int64
		err = tx.QueryRow(ctx, st.Update, checked.Props, geom, id).Scan(&got)
		if errors.Is(err, pgx.ErrNoRows) {
			// The row exists (it is locked) but row-level security hid it from this user.
			return &ForbiddenError{Reason: "row-level security: the feature is outside your remit"}
		}
		if err != nil {
			return err
		}
		return tx.QueryRow(ctx, versionSQL, l.ID, id).Scan(&out.Version)
	})
	return out, err
}

// Delete removes feature fid if ifMatch is its current version.
func (s *Store) Delete(ctx context.Context, a Actor, l *geo.Layer, fid string, ifMatch int64) error {
	if err := a.MayWrite(l, OpDelete); err != nil {
		return err
	}
	id, err := featureID(l, fid)
	if err != nil {
		return err
	}
	if ifMatch == 0 {
		return ErrPreconditionRequired
	}
	return s.inTx(ctx, "delete "+l.ID, func(ctx context.Context, tx pgx.Tx) error {
		v, err := lockVersion(ctx, tx, l, id)
		if err != nil {
			return err
		}
		if v != ifMatch {
			return &StaleError{Current: v}
		}
		if err := becomeEditor(ctx, tx, a); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, fmt.Sprintf(`DELETE FROM %s WHERE %s = $1`, l.Table, l.KeyColumn), id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return &ForbiddenError{Reason: "row-level security: the feature is outside your remit"}
		}
		return nil
	})
}

// prepareWrite runs an import's checks on f: fields first, then the geometry in PostGIS.
func prepareWrite(ctx context.Context, tx pgx.Tx, l *geo.Layer, f *geojson.Feature) (*ingest.EditSQL, *ingest.Checked, error) {
	checked, problems := ingest.CheckFeature(l, f)
	if len(problems) > 0 {
		return nil, nil, &ValidationError{Problems: problems}
	}
	st, err := ingest.EditStatements(ctx, tx, l)
	if err != nil {
		return nil, nil, err
	}
	problem, err := ingest.GeometryProblem(ctx, tx, st, checked.Geom)
	if err != nil {
		return nil, nil, err
	}
	if problem != "" {
		return nil, nil, &ValidationError{Problems: []string{problem}}
	}
	return st, checked, nil
}

func decodeFeature(b []byte) (*geojson.Feature, error) {
	f, err := geojson.UnmarshalFeature(b)
	if err != nil {
		return nil, &ValidationError{Problems: []string{"not a GeoJSON Feature: " + err.Error()}}
	}
	if f.Properties == nil {
		f.Properties = geojson.Properties{}
	}
	return f, nil
}

// currentFeature is the stored feature as GeoJSON with its writable (non-derived) properties, at
// full precision, for a merge patch to apply to.
func currentFeature(ctx context.Context, tx pgx.Tx, l *geo.Layer, id int64) ([]byte, error) {
	var b []byte
	err := tx.QueryRow(ctx, fmt.Sprintf(`SELECT json_build_object('type', 'Feature', 'geometry', ST_AsGeoJSON(t.geom, 15)::json,
		'properties', (SELECT coalesce(jsonb_object_agg(k, v), '{}') FROM jsonb_each(to_jsonb(t)) AS e(k, v) WHERE k = ANY ($2)))::text
		FROM %s t WHERE t.%s = $1`, l.Table, l.KeyColumn), id, writableFields(l)).Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, geo.ErrNotFound
	}
	return b, err
}

func storedGeometry(ctx context.Context, tx pgx.Tx, l *geo.Layer, id int64) (*geojson.Geometry, error) {
	var b []byte
	if err := tx.QueryRow(ctx, fmt.Sprintf(`SELECT ST_AsGeoJSON(geom, 15) FROM %s WHERE %s = $1`, l.Table, l.KeyColumn), id).Scan(&b); err != nil {
		return nil, fmt.Errorf("stored geometry of %s/%d: %w", l.ID, id, err)
	}
	return geojson.UnmarshalGeometry(b)
}

// writableFields are the layer's non-derived fields: what a write sets and what history shows.
func writableFields(l *geo.Layer) []string {
	var out []string
	for _, f := range l.Fields {
		if !f.Derived {
			out = append(out, f.Name)
		}
	}
	return out
}

// mergePatch applies a JSON merge patch (RFC 7396) to a JSON document.
func mergePatch(doc, patch []byte) ([]byte, error) {
	var d, p any
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, fmt.Errorf("merge patch: document: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(patch))
	dec.UseNumber()
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("merge patch: %w", err)
	}
	return json.Marshal(mergeValue(d, p))
}

func mergeValue(target, patch any) any {
	pm, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	tm, ok := target.(map[string]any)
	if !ok {
		tm = map[string]any{}
	}
	for k, v := range pm {
		if v == nil {
			delete(tm, k)
			continue
		}
		tm[k] = mergeValue(tm[k], v)
	}
	return tm
}
