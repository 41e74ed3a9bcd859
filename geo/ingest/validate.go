package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/paulmach/orb/geojson"

	"github.com/clustermap/clustermap/geo"
)

// The workspace (geo/edit) writes one feature at a time, and must refuse exactly what an import
// refuses: the same field checks, the same geometry checks against the same province outline,
// and the table's own CHECK rules. This file exports those checks for it, so that there is one
// definition of a valid feature.

// Checked is a feature that passed the checks that need no database: its importable properties
// and its geometry, as JSON, ready for the statements of EditStatements.
type Checked struct {
	Props []byte
	Geom  []byte
}

// CheckFeature runs an import's per-feature checks (required fields, types, enums, geometry
// type) on one feature and returns it ready to write, or the problems.
func CheckFeature(l *geo.Layer, f *geojson.Feature) (*Checked, []string) {
	if f.Properties == nil {
		f.Properties = geojson.Properties{}
	}
	normaliseLists(l, f.Properties)
	if problems := checkFeature(l, f, map[string]bool{}); len(problems) > 0 {
		return nil, problems
	}
	props, err := json.Marshal(importable(l, f.Properties))
	if err != nil {
		return nil, []string{fmt.Sprintf("properties: %v", err)}
	}
	g, err := json.Marshal(geojson.NewGeometry(f.Geometry))
	if err != nil {
		return nil, []string{fmt.Sprintf("geometry: %v", err)}
	}
	return &Checked{Props: props, Geom: g}, nil
}

// EditSQL holds the statements of a write to one layer. Check takes the geometry ($1) and
// answers valid, reason, type and inside-the-province like an import's check. Insert takes the
// properties ($1) and geometry ($2) and returns the new id. Update takes the properties ($1), the
// geometry ($2, NULL to keep the stored one) and the id ($3) and returns the id.
type EditSQL struct {
	Check, Insert, Update string
}

// EditStatements builds the statements of a write to l as an import would, from the layer's
// declared fields and the table's column defaults.
func EditStatements(ctx context.Context, tx pgx.Tx, l *geo.Layer) (*EditSQL, error) {
	defaults, err := columnDefaults(ctx, tx, l.Table)
	if err != nil {
		return nil, fmt.Errorf("edit %s: %w", l.ID, err)
	}
	check, _ := importSQL(l, "EPSG:4326", defaults)
	cols, sel := writeColumns(l, defaults)
	geom2 := geometryExpr(l, "$2")
	insert := fmt.Sprintf(`INSERT INTO %[1]s (%[2]s, geom)
		SELECT %[3]s, %[4]s FROM jsonb_populate_record(NULL::%[1]s, $1::jsonb) r
		RETURNING %[5]s`, l.Table, strings.Join(cols, ", "), strings.Join(sel, ", "), geom2, l.KeyColumn)
	// A geometry with the stored one's type and vertices, each within the 6-decimal rounding the
	// service serves (1e-6°), is the stored one sent back (a PUT of what GET answered): the stored, more precise geometry is kept, so a
	// round trip through a client never degrades it and changes no geometry.
	update := fmt.Sprintf(`UPDATE %[1]s t SET (%[2]s) = (SELECT %[3]s FROM jsonb_populate_record(NULL::%[1]s, $1::jsonb) r),
		geom = CASE WHEN $2::text IS NULL
		              OR (GeometryType(%[4]s) = GeometryType(t.geom) AND ST_NPoints(%[4]s) = ST_NPoints(t.geom)
		                  AND ST_HausdorffDistance(%[4]s, t.geom) <= 1e-6)
		            THEN t.geom ELSE %[4]s END,
		updated_at = now()
		WHERE t.%[5]s = $3::bigint
		RETURNING t.%[5]s`, l.Table, strings.Join(cols, ", "), strings.Join(sel, ", "), geom2, l.KeyColumn)
	return &EditSQL{Check: check, Insert: insert, Update: update}, nil
}

// writeColumns lists the columns a write sets (the non-derived fields) and the expression of
// each over the populated record r, filling NOT NULL columns left out with their defaults; it is
// the column part of importSQL's upsert.
func writeColumns(l *geo.Layer, defaults map[string]string) (cols, sel []string) {
	for _, f := range l.Fields {
		if f.Derived {
			continue
		}
		cols = append(cols, f.Name)
		if def, ok := defaults[f.Name]; ok {
			sel = append(sel, "COALESCE(r."+f.Name+", "+def+")")
		} else if f.Type == geo.Object {
			sel = append(sel, "coalesce(r."+f.Name+", '{}'::jsonb)")
		} else {
			sel = append(sel, "r."+f.Name)
		}
	}
	return cols, sel
}

// geometryExpr is importSQL's WGS 84 geometry expression over the GeoJSON parameter param.
func geometryExpr(l *geo.Layer, param string) string {
	g := "ST_SetSRID(ST_Force2D(ST_GeomFromGeoJSON(" + param + "::text)), 4326)"
	switch l.GeometryType {
	case "MultiPolygon", "MultiLineString":
		return "ST_Multi(" + g + ")"
	case "Geometry":
		return fmt.Sprintf("CASE WHEN GeometryType(%[1]s) = 'POLYGON' THEN ST_Multi(%[1]s) ELSE %[1]s END", g)
	}
	return g
}

// GeometryProblem runs the check of EditSQL on one geometry and returns what an import would
// report for it, or "".
func GeometryProblem(ctx context.Context, tx pgx.Tx, s *EditSQL, geom []byte) (string, error) {
	var valid bool
	var reason, gtype string
	var inside *bool
	if err := tx.QueryRow(ctx, s.Check, geom).Scan(&valid, &reason, &gtype, &inside); err != nil {
		var pe *pgconn.PgError
		switch {
		case errors.As(err, &pe) && pe.Code == "57014":
			// The check outran the statement timeout: the shape, not the database, is the
			// problem to report (a retry would time out again).
			return "the geometry is too complex to check in time: simplify it (fewer vertices) and send it again", nil
		case errors.As(err, &pe):
			return "geometry: " + pgMessage(err), nil // PostGIS could not read it
		}
		return "", fmt.Errorf("check geometry: %w", err) // the database, not the shape
	}
	switch {
	case !valid:
		return "invalid geometry: " + reason, nil
	case inside != nil && !*inside:
		return fmt.Sprintf("geometry is outside the province (more than %d m beyond its districts)", ProvinceTolerance), nil
	}
	return "", nil
}

// PGMessage turns a database error into a sentence, as an import report words it.
func PGMessage(err error) string { return pgMessage(err) }
