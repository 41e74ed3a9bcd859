// Package units answers from the register of administrative units (migrations/00011): which
// provinces an installation holds, which units were valid on a day, and in which units a feature
// lay on a day — the pre-2025 district for a day before 1 July 2025, the commune or ward after.
// It knows nothing of HTTP.
package units

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/clustermap/clustermap/geo"
)

// Register reads the administrative units.
type Register struct {
	store   *geo.Store
	timeout time.Duration
}

// New returns the register of store.
func New(store *geo.Store) *Register {
	return &Register{store: store, timeout: store.Timeout()}
}

// Unit is one administrative unit as the register holds it.
type Unit struct {
	Level      string   `json:"level"`
	Code       string   `json:"code"`
	Name       string   `json:"name"`
	Kind       string   `json:"kind"`
	ValidFrom  *string  `json:"valid_from"`
	ValidTo    *string  `json:"valid_to"`
	Parent     *string  `json:"parent,omitempty"`
	HasGeom    bool     `json:"has_boundary"`
	FormedFrom []string `json:"formed_from,omitempty"`
	// FormedFromText names the predecessors as the legal act does, when the register lacks them.
	FormedFromText *string `json:"formed_from_text,omitempty"`
	// FormerDistricts are the pre-2025 district codes whose territory the unit took.
	FormerDistricts []string `json:"former_district_codes,omitempty"`
	EstablishedBy   *string  `json:"established_by,omitempty"`
	Sources         []string `json:"sources"`
}

// Province is a province with what a map needs to show it: its extent and default view, and how
// many units of the level below it it holds.
type Province struct {
	Unit
	// BBox is [minLon, minLat, maxLon, maxLat] of its outline; nil when it has none.
	BBox *[4]float64 `json:"bbox"`
	// View is [lon, lat, zoom] when the province states one; else the map fits BBox.
	View *[3]float64 `json:"view,omitempty"`
	// Units counts its units by level (districts before 1 July 2025, communes and wards after).
	Units map[string]int `json:"units"`
	// FormerDistricts counts the pre-2025 districts of its territory: its own, or those of the
	// provinces it was formed from.
	FormerDistricts int `json:"former_districts"`
	// Contact is the office an investor asks about the province's clusters, where a source
	// publishes one (province_contacts); nil otherwise.
	Contact *Contact `json:"contact"`
}

// Contact is an office's published address for investors, with its source.
type Contact struct {
	Name    geo.Text `json:"name"`
	Email   *string  `json:"email"`
	Phone   *string  `json:"phone"`
	URL     *string  `json:"url"`
	AsOf    string   `json:"as_of"`
	Sources []string `json:"sources"`
}

// Day parses an as_of value: a date (yyyy-mm-dd) or an RFC 3339 time, whose date it takes; empty
// is today. Years outside what the data could mean are refused.
func Day(s string) (time.Time, error) {
	if s == "" {
		return today(), nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		if t, err = time.Parse(time.RFC3339, s); err != nil {
			return time.Time{}, &geo.InputError{Msg: "as_of must be a date (yyyy-mm-dd, e.g. 2025-06-01) or an RFC 3339 time"}
		}
	}
	if err := geo.CheckYear(t); err != nil {
		return time.Time{}, &geo.InputError{Msg: "as_of: " + err.Error()}
	}
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), nil
}

func today() time.Time {
	y, m, d := time.Now().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

const unitColumns = `u.level::text, u.code, u.name, u.kind, to_char(u.valid_from, 'YYYY-MM-DD'), to_char(u.valid_to, 'YYYY-MM-DD'),
       (SELECT p.code FROM admin_units p WHERE p.id = u.parent_id), u.geom IS NOT NULL,
       ARRAY(SELECT f.level || ':' || f.code || ' ' || f.name FROM admin_units f WHERE f.id = ANY (u.formed_from) ORDER BY f.code),
       u.formed_from_text, u.former_district_codes, u.established_by, u.sources`

func scanUnit(row pgx.Row, extra ...any) (Unit, error) {
	var u Unit
	err := row.Scan(append([]any{&u.Level, &u.Code, &u.Name, &u.Kind, &u.ValidFrom, &u.ValidTo, &u.Parent, &u.HasGeom,
		&u.FormedFrom, &u.FormedFromText, &u.FormerDistricts, &u.EstablishedBy, &u.Sources}, extra...)...)
	return u, err
}

// provincesSQL lists the provinces valid on $1 with extent, view and unit counts.
const provincesSQL = `SELECT ` + unitColumns + `,
       CASE WHEN u.geom IS NOT NULL THEN json_build_array(ST_XMin(u.geom), ST_YMin(u.geom), ST_XMax(u.geom), ST_YMax(u.geom)) END,
       CASE WHEN u.view_lon IS NOT NULL THEN json_build_array(u.view_lon, u.view_lat, u.view_zoom) END,
       (SELECT coalesce(json_object_agg(level, n), '{}') FROM
          (SELECT c.level::text AS level, count(*) AS n FROM admin_units c WHERE c.parent_id = u.id GROUP BY c.level) x),
       (SELECT count(*) FROM admin_units d WHERE d.level = 'district' AND (d.parent_id = u.id OR d.parent_id = ANY (u.formed_from))),
       (SELECT json_build_object('name', json_build_object('vi', c.name_vi, 'en', c.name_en), 'email', c.email, 'phone', c.phone,
                                 'url', c.url, 'as_of', c.as_of, 'sources', c.sources)
          FROM province_contacts c WHERE c.province_code = u.code AND daterange(u.valid_from, u.valid_to, '[]') @> c.as_of)
  FROM admin_units u
 WHERE u.level = 'province' AND daterange(u.valid_from, u.valid_to, '[]') @> $1::date
 ORDER BY u.code`

// Provinces lists the provinces valid on day.
func (r *Register) Provinces(ctx context.Context, day time.Time) ([]Province, error) {
	out := []Province{}
	err := r.read(ctx, func(ctx context.Context, pool *pgxpool.Pool) error {
		rows, err := pool.Query(ctx, provincesSQL, day)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var p Province
			var bbox, view, counts []byte
			if p.Unit, err = scanUnit(rows, &bbox, &view, &counts, &p.FormerDistricts, &p.Contact); err != nil {
				return err
			}
			if bbox != nil {
				p.BBox = new([4]float64)
				if err := json.Unmarshal(bbox, p.BBox); err != nil {
					return err
				}
			}
			if view != nil {
				p.View = new([3]float64)
				if err := json.Unmarshal(view, p.View); err != nil {
					return err
				}
			}
			if err := json.Unmarshal(counts, &p.Units); err != nil {
				return err
			}
			out = append(out, p)
		}
		return rows.Err()
	})
	return out, err
}

// unitsSQL lists the units valid on $1, of level $2 (NULL: all) under the province $3 (NULL: all).
const unitsSQL = `SELECT ` + unitColumns + `
  FROM admin_units u
 WHERE daterange(u.valid_from, u.valid_to, '[]') @> $1::date
   AND ($2::text IS NULL OR u.level::text = $2)
   AND ($3::text IS NULL OR u.code = $3 AND u.level = 'province'
        OR EXISTS (SELECT 1 FROM admin_units p WHERE p.id = u.parent_id AND p.code = $3))
 ORDER BY u.level, u.code`

// Units lists the units valid on day, of one level ("" for all) and under one province ("" for all).
func (r *Register) Units(ctx context.Context, day time.Time, level, province string) ([]Unit, error) {
	if level != "" && level != "province" && level != "district" && level != "commune" {
		return nil, &geo.InputError{Msg: fmt.Sprintf("level %q is not one of province, district, commune", level)}
	}
	out := []Unit{}
	err := r.read(ctx, func(ctx context.Context, pool *pgxpool.Pool) error {
		rows, err := pool.Query(ctx, unitsSQL, day, nullable(level), nullable(province))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			u, err := scanUnit(rows)
			if err != nil {
				return err
			}
			out = append(out, u)
		}
		return rows.Err()
	})
	return out, err
}

// Placed is a unit a feature lies in, with how ClusterMap knows it.
type Placed struct {
	Unit
	// Basis: "boundary" (the feature's point lies inside the unit's sourced boundary), "stated" or
	// "inferred" (the record names the unit, as a source states or as ClusterMap inferred it),
	// "crosswalk" (a candidate: the unit took part of the territory of the feature's district).
	Basis string `json:"basis"`
}

// FeatureUnits is where a feature lay on a day.
type FeatureUnits struct {
	AsOf     string  `json:"as_of"`
	Layer    string  `json:"layer"`
	ID       string  `json:"id"`
	Province *Placed `json:"province"`
	// Level is the level below the province on that day: district before 1 July 2025, commune after.
	Level string   `json:"level"`
	Units []Placed `json:"units"`
	// Candidates are the units of Level the feature may lie in when no record or boundary says
	// which: the communes formed from its district's communes.
	Candidates []Placed `json:"candidates"`
	Note       geo.Text `json:"note"`
}

// featureUnitsSQL places feature $2 of the layer table (formatted in) on day $1. The point is the
// point on the feature's surface; the district comes from the record (district_code) when the
// layer has one, else from the boundaries; the commune from the record (commune_code) when the
// layer has one, else from sourced commune boundaries when any are loaded.
const featureUnitsSQL = `
WITH f0 AS (SELECT ST_PointOnSurface(t.geom) AS pt, %[3]s AS district_code, %[4]s AS district_basis,
                   %[5]s AS commune_code, %[6]s AS commune_basis
              FROM %[1]s t WHERE t.%[2]s::text = $2),
f AS (SELECT f0.*, coalesce(f0.district_code, (SELECT d.code FROM districts d WHERE ST_Intersects(d.geom, f0.pt) ORDER BY d.code LIMIT 1))
                   AS former_district FROM f0),
valid AS (SELECT u.* FROM admin_units u WHERE daterange(u.valid_from, u.valid_to, '[]') @> $1::date)
SELECT 'province', v.id, 'boundary' FROM f, LATERAL (
         SELECT v.id FROM valid v WHERE v.level = 'province' AND v.geom IS NOT NULL AND ST_DWithin(v.geom, f.pt, 0.05)
          ORDER BY ST_Distance(v.geom, f.pt), v.code LIMIT 1) v
UNION ALL
SELECT 'unit', v.id, coalesce(f.district_basis, 'stated') FROM f JOIN valid v ON v.level = 'district' AND v.code = f.district_code
UNION ALL
SELECT 'unit', v.id, 'boundary' FROM f JOIN valid v ON v.level = 'district' AND f.district_code IS NULL
   AND v.geom IS NOT NULL AND ST_Intersects(v.geom, f.pt)
UNION ALL
SELECT 'unit', v.id, coalesce(f.commune_basis, 'stated') FROM f JOIN valid v ON v.level = 'commune' AND v.code = f.commune_code
UNION ALL
SELECT 'unit', v.id, 'boundary' FROM f JOIN valid v ON v.level = 'commune' AND f.commune_code IS NULL
   AND v.geom IS NOT NULL AND ST_Intersects(v.geom, f.pt)
UNION ALL
SELECT 'candidate', v.id, 'crosswalk' FROM f JOIN valid v ON v.level = 'commune' AND f.commune_code IS NULL
   AND f.former_district = ANY (v.former_district_codes)
   AND NOT EXISTS (SELECT 1 FROM valid c WHERE c.level = 'commune' AND c.geom IS NOT NULL AND ST_Intersects(c.geom, f.pt))`

// FeatureUnits places feature fid of layer l on day.
func (r *Register) FeatureUnits(ctx context.Context, l *geo.Layer, fid string, day time.Time) (*FeatureUnits, error) {
	col := func(name, cast string) string {
		if _, ok := l.Field(name); ok {
			return "t." + name + "::text"
		}
		return "NULL::" + cast
	}
	q := fmt.Sprintf(featureUnitsSQL, l.Table, l.KeyColumn, col("district_code", "text"), col("district_basis", "text"),
		col("commune_code", "text"), col("commune_basis", "text"))
	out := &FeatureUnits{AsOf: day.Format("2006-01-02"), Layer: l.ID, ID: fid, Units: []Placed{}, Candidates: []Placed{}}
	err := r.read(ctx, func(ctx context.Context, pool *pgxpool.Pool) error {
		var exists bool
		if err := pool.QueryRow(ctx, fmt.Sprintf(`SELECT EXISTS (SELECT 1 FROM %s t WHERE t.%s::text = $1)`, l.Table, l.KeyColumn), fid).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return geo.ErrNotFound
		}
		rows, err := pool.Query(ctx, `WITH placed AS (`+q+`) SELECT `+unitColumns+`, p.role, p.basis
			FROM placed p(role, id, basis) JOIN admin_units u ON u.id = p.id ORDER BY p.role, u.code`, day, fid)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var role, basis string
			u, err := scanUnit(rows, &role, &basis)
			if err != nil {
				return err
			}
			p := Placed{Unit: u, Basis: basis}
			switch role {
			case "province":
				out.Province = &p
			case "unit":
				out.Units = append(out.Units, p)
			default:
				out.Candidates = append(out.Candidates, p)
			}
		}
		return rows.Err()
	})
	if errors.Is(err, geo.ErrNotFound) {
		return nil, geo.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("units of %s %s on %s: %w", l.ID, fid, out.AsOf, err)
	}
	out.Level, out.Note = levelOn(day, out)
	return out, nil
}

// reform is the first day of the two-level local government (provinces and communes).
var reform = time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)

// levelOn names the level below the province on day and says what the answer rests on.
func levelOn(day time.Time, f *FeatureUnits) (string, geo.Text) {
	if day.Before(reform) {
		return "district", geo.Text{VI: "Trước ngày 1/7/2025: đơn vị dưới tỉnh là cấp huyện.",
			EN: "Before 1 July 2025: the unit below the province is the district."}
	}
	switch {
	case len(f.Units) > 0:
		return "commune", geo.Text{VI: "Từ ngày 1/7/2025: đơn vị dưới tỉnh là xã, phường, đặc khu.",
			EN: "Since 1 July 2025: the unit below the province is the commune, ward or special zone."}
	case len(f.Candidates) > 0:
		return "commune", geo.Text{VI: "Chưa ghi nhận xã/phường của đối tượng này và chưa có ranh giới xã có nguồn: các đơn vị có thể là những xã/phường được hình thành (một phần) từ huyện cũ của nó.",
			EN: "The feature's commune or ward is not recorded and no sourced commune boundary is loaded: the candidates are the communes and wards formed (in part) from its former district."}
	}
	return "commune", geo.Text{VI: "Chưa ghi nhận xã/phường của đối tượng này.", EN: "The feature's commune or ward is not recorded."}
}

func (r *Register) read(ctx context.Context, fn func(context.Context, *pgxpool.Pool) error) error {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	return r.store.Read(ctx, func(pool *pgxpool.Pool) error { return fn(ctx, pool) })
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
