package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// UnitBoundaryReport says what an import of administrative boundaries did, or why it loaded nothing.
type UnitBoundaryReport struct {
	Level     string    `json:"level"`
	CRS       string    `json:"crs"`
	Features  int       `json:"features"`
	Updated   int       `json:"updated"`
	Unchanged int       `json:"unchanged"`
	Problems  []Problem `json:"problems,omitempty"`
}

// unitBoundaryLevels are the levels whose boundaries come in this way: the communes and wards of
// today, whose list the register holds from the legal acts but whose outlines no open source gave
// when the register was made. District boundaries come in through the districts layer.
var unitBoundaryLevels = map[string]bool{"commune": true}

// unitBoundarySQL gives the unit of level $1 and code $2 valid today the boundary $3 (GeoJSON, in
// the allowed CRS formatted in) and adds the feature's sources $4 as its boundary's, reporting
// whether it changed and why a geometry is refused.
const unitBoundarySQL = `WITH g AS (SELECT ST_Multi(%s) AS g),
u AS (SELECT id, geom FROM admin_units
       WHERE level = $1::admin_level AND code = $2 AND daterange(valid_from, valid_to, '[]') @> current_date),
chk AS (SELECT u.id, g.g, ST_IsValid(g.g) AS valid, ST_IsValidReason(g.g) AS reason, GeometryType(g.g) AS type,
               ST_AsEWKB(u.geom) IS NOT DISTINCT FROM ST_AsEWKB(g.g) AS same FROM u, g),
upd AS (UPDATE admin_units a SET geom = chk.g, updated_at = now(),
               sources = a.sources || ARRAY(SELECT 'Boundary: ' || s FROM unnest($4::text[]) s
                                             WHERE NOT ('Boundary: ' || s) = ANY (a.sources))
          FROM chk WHERE a.id = chk.id AND chk.valid AND chk.type = 'MULTIPOLYGON' AND NOT chk.same
        RETURNING a.id)
SELECT (SELECT count(*) FROM u), coalesce((SELECT valid FROM chk), false), coalesce((SELECT reason FROM chk), ''),
       coalesce((SELECT type FROM chk), ''), coalesce((SELECT same FROM chk), false), (SELECT count(*) FROM upd)`

// ImportUnitBoundaries loads the boundaries of administrative units of one level valid today
// (`clustermap import communes FILE`): each feature names its unit by official code ("code", or
// "ma_xa" as GSO files spell it) and carries its sources. A code the register does not hold, a
// feature without sources or an invalid polygon rejects the whole file: nothing is loaded.
func (s *Importer) ImportUnitBoundaries(ctx context.Context, level string, data []byte, crs string) (*UnitBoundaryReport, error) {
	if !unitBoundaryLevels[level] {
		return nil, fmt.Errorf("import: boundaries of %q units are not imported this way (communes are; districts are a layer)", level)
	}
	if crs == "" {
		crs = FileCRS(data)
	}
	if crs == "" {
		crs = "EPSG:4326"
	}
	crs = strings.ToUpper(crs)
	if !importCRS[crs] {
		return nil, fmt.Errorf("import: coordinate system %s is not supported (use one of %s)", crs, strings.Join(SupportedCRS(), ", "))
	}
	var fc struct {
		Features []struct {
			Geometry   json.RawMessage `json:"geometry"`
			Properties map[string]any  `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(data, &fc); err != nil {
		return nil, fmt.Errorf("import %s boundaries: not a GeoJSON FeatureCollection: %w", level, err)
	}
	rep := &UnitBoundaryReport{Level: level, CRS: crs, Features: len(fc.Features)}
	geom := "ST_SetSRID(ST_Force2D(ST_GeomFromGeoJSON($3::text)), 4326)"
	if crs != "EPSG:4326" {
		geom = fmt.Sprintf("ST_Transform(ST_Force2D(ST_GeomFromGeoJSON($3::text)), '%s', 4326)", crs) // crs is from the allow-list
	}
	q := fmt.Sprintf(unitBoundarySQL, geom)
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		for i, f := range fc.Features {
			code := unitCode(f.Properties)
			sources := stringList(f.Properties["sources"])
			problem := func(reason string) {
				rep.Problems = append(rep.Problems, Problem{Feature: i + 1, Name: code, Reason: reason})
			}
			switch {
			case code == "":
				problem("no official code (property code or ma_xa)")
				continue
			case len(sources) == 0:
				problem("no sources: every boundary names where it comes from")
				continue
			case len(f.Geometry) == 0 || string(f.Geometry) == "null":
				problem("no geometry")
				continue
			}
			var units, updated int
			var valid, same bool
			var reason, gtype string
			// Each feature in a savepoint: a geometry PostGIS cannot read is reported, and the
			// rest of the file is still checked.
			sp, err := tx.Begin(ctx)
			if err != nil {
				return err
			}
			err = sp.QueryRow(ctx, q, level, code, []byte(f.Geometry), sources).Scan(&units, &valid, &reason, &gtype, &same, &updated)
			var pe *pgconn.PgError
			if err == nil {
				err = sp.Commit(ctx)
			} else if rbErr := sp.Rollback(ctx); rbErr != nil {
				return rbErr
			}
			switch {
			case errors.As(err, &pe):
				problem("geometry: " + pe.Message)
			case err != nil:
				return err
			case units == 0:
				problem(fmt.Sprintf("no %s valid today has the code %s", level, code))
			case !valid:
				problem("invalid geometry: " + reason)
			case gtype != "MULTIPOLYGON":
				problem("a boundary is a polygon, not a " + strings.ToLower(gtype))
			case same:
				rep.Unchanged++
			default:
				rep.Updated += updated
			}
		}
		if len(rep.Problems) > 0 {
			return ErrRejected
		}
		return nil
	})
	if err != nil {
		return rep, err
	}
	return rep, nil
}

// unitCode reads a feature's official code, written as text or as a number.
func unitCode(p map[string]any) string {
	for _, k := range []string{"code", "ma_xa", "ma"} {
		switch v := p[k].(type) {
		case string:
			if strings.TrimSpace(v) != "" {
				return strings.TrimSpace(v)
			}
		case float64:
			return fmt.Sprintf("%05d", int64(v))
		}
	}
	return ""
}

// stringList reads a list of non-empty strings (or one string) from a property.
func stringList(v any) []string {
	var out []string
	switch x := v.(type) {
	case string:
		if strings.TrimSpace(x) != "" {
			out = append(out, x)
		}
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok && strings.TrimSpace(s) != "" {
				out = append(out, s)
			}
		}
	}
	return out
}
