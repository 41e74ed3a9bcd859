package ingest

import (
	"context"
	"fmt"
	"io/fs"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Administrative units are not a map layer of the import path: a unit's geometry, where a source
// gives one, comes in through its layer (districts) and the register follows it by trigger. The
// register's other facts (provinces, their default views, the 2025 communes and what each was
// formed from) are loaded here from CSV, with their sources.

// UnitColumns are the columns of a units file (admin_units.csv, communes_*.csv). formed_from
// lists predecessors held in the register as "level:code@date" (the unit valid on that date);
// formed_from_text names them as the legal act does when the register does not hold them.
var UnitColumns = []string{"level", "code", "name", "kind", "parent", "valid_from", "valid_to", "formed_from",
	"formed_from_text", "former_district_codes", "established_by", "view_lon", "view_lat", "view_zoom", "sources"}

// upsertUnitSQL writes one unit, keyed by level, code and first day of validity: an unchanged row
// is left alone, so a second seed writes nothing and re-assigns no feature.
const upsertUnitSQL = `WITH r AS (
  SELECT $1::admin_level AS level, $2::text AS code, $3::text AS name,
         btrim(public.unaccent('public.unaccent'::regdictionary, translate($3::text, 'đĐ', 'dD'))) AS name_ascii,
         $4::text AS kind, unit_ref($5) AS parent_id, nullif($6, '')::date AS valid_from, nullif($7, '')::date AS valid_to,
         ARRAY(SELECT unit_ref(x) FROM unnest($8::text[]) x) AS formed_from, nullif($9, '') AS formed_from_text,
         $10::text[] AS former_district_codes, nullif($11, '') AS established_by,
         nullif($12, '')::float8 AS view_lon, nullif($13, '')::float8 AS view_lat, nullif($14, '')::smallint AS view_zoom,
         $15::text[] AS sources),
upd AS (
  UPDATE admin_units u SET (name, name_ascii, kind, parent_id, valid_to, formed_from, formed_from_text, former_district_codes,
                            established_by, view_lon, view_lat, view_zoom, sources, updated_at) =
         (r.name, r.name_ascii, r.kind, r.parent_id, r.valid_to, r.formed_from, r.formed_from_text, r.former_district_codes,
          r.established_by, r.view_lon, r.view_lat, r.view_zoom, r.sources, now())
    FROM r
   WHERE u.level = r.level AND u.code = r.code AND u.valid_from IS NOT DISTINCT FROM r.valid_from
     AND (u.name, u.name_ascii, u.kind, u.parent_id, u.valid_to, u.formed_from, u.formed_from_text, u.former_district_codes,
          u.established_by, u.view_lon, u.view_lat, u.view_zoom, u.sources)
         IS DISTINCT FROM (r.name, r.name_ascii, r.kind, r.parent_id, r.valid_to, r.formed_from, r.formed_from_text,
          r.former_district_codes, r.established_by, r.view_lon, r.view_lat, r.view_zoom, r.sources)
  RETURNING u.id)
INSERT INTO admin_units (level, code, name, name_ascii, kind, parent_id, valid_from, valid_to, formed_from, formed_from_text,
                         former_district_codes, established_by, view_lon, view_lat, view_zoom, sources)
SELECT level, code, name, name_ascii, kind, parent_id, valid_from, valid_to, formed_from, formed_from_text,
       former_district_codes, established_by, view_lon, view_lat, view_zoom, sources FROM r
 WHERE NOT EXISTS (SELECT 1 FROM admin_units u WHERE u.level = r.level AND u.code = r.code
                     AND u.valid_from IS NOT DISTINCT FROM r.valid_from)`

// SeedUnits loads a units file (see UnitColumns) in one transaction, in file order, so that a
// parent or predecessor comes before the units that name it. It returns how many rows it read.
func (s *Importer) SeedUnits(ctx context.Context, seed fs.FS, name string) (int, error) {
	rows, err := readCSV(seed, name)
	if err != nil {
		return 0, err
	}
	return len(rows), s.inTx(ctx, "seed "+name, func(ctx context.Context, tx pgx.Tx) error {
		return upsertUnits(ctx, tx, name, rows)
	})
}

func upsertUnits(ctx context.Context, tx pgx.Tx, file string, rows []map[string]string) error {
	for i, r := range rows {
		_, err := tx.Exec(ctx, upsertUnitSQL, r["level"], r["code"], r["name"], r["kind"], r["parent"],
			r["valid_from"], r["valid_to"], splitSemi(r["formed_from"]), r["formed_from_text"],
			splitSemi(r["former_district_codes"]), r["established_by"], r["view_lon"], r["view_lat"], r["view_zoom"],
			splitList(r["sources"]))
		if err != nil {
			return fmt.Errorf("%s row %d (%s %s): %w", file, i+2, r["level"], r["name"], err)
		}
	}
	return nil
}

// splitSemi splits a ";"-separated list, dropping blanks.
func splitSemi(s string) []string {
	out := []string{}
	for _, x := range strings.Split(s, ";") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}
