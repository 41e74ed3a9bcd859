-- +goose Up
-- Data truth: a number says whether its source gives it exactly, as a lower bound or
-- as an approximation, and as of when; a cluster says whether its district is stated or
-- inferred; regions (the provincial letter's "khu vực") carry their role in both languages and,
-- like districts, their geometry quality and placement; and the province's own totals are stored
-- so every summary can state how much of the province ClusterMap holds.

-- A figures object maps numeric fields of its table to how the source gives the value:
--   {"industrial_land_ha": {"qualifier": "at_least", "as_of": "2023"}}
-- qualifier is exact, at_least ("more than 24.2 ha") or about ("~88,000 ha"); as_of is the date
-- or period the source gives the figure for, as text, because sources give years, quarters and
-- "end-2020" alike. A field absent from the object is exact and undated.
-- +goose StatementBegin
CREATE FUNCTION figures_ok(f jsonb, numeric_fields text[]) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN f IS NOT NULL AND jsonb_typeof(f) = 'object' AND NOT EXISTS (
    SELECT 1 FROM jsonb_each(f) AS e
     WHERE NOT (e.key = ANY (numeric_fields))
        OR jsonb_typeof(e.value) <> 'object'
        OR coalesce(e.value ->> 'qualifier', '') NOT IN ('exact', 'at_least', 'about')
        OR EXISTS (SELECT 1 FROM jsonb_object_keys(e.value) AS k WHERE k NOT IN ('qualifier', 'as_of'))
        OR (e.value ? 'as_of' AND (jsonb_typeof(e.value -> 'as_of') <> 'string' OR btrim(e.value ->> 'as_of') = '')));
-- +goose StatementEnd

ALTER TABLE clusters
  ADD COLUMN figures jsonb NOT NULL DEFAULT '{}' CONSTRAINT clusters_figures_ok CHECK (figures_ok(figures,
    ARRAY['planned_area_ha', 'established_area_ha', 'industrial_land_ha', 'leased_land_ha', 'occupancy_pct', 'investment_vnd_bn'])),
  -- stated: a source names the (pre-2025) district; inferred: ClusterMap inferred it (e.g. from a
  -- commune that belonged to that district), said in the notes. NULL when no district is recorded.
  ADD COLUMN district_basis text CONSTRAINT clusters_district_basis_ok
    CHECK (district_basis IS NULL OR (district_basis IN ('stated', 'inferred') AND district_code IS NOT NULL));
ALTER TABLE raw_material_zones
  ADD COLUMN figures jsonb NOT NULL DEFAULT '{}' CONSTRAINT raw_material_zones_figures_ok
    CHECK (figures_ok(figures, ARRAY['area_ha', 'reference_year']));
ALTER TABLE plants
  ADD COLUMN figures jsonb NOT NULL DEFAULT '{}' CONSTRAINT plants_figures_ok
    CHECK (figures_ok(figures, ARRAY['capacity']));
ALTER TABLE energy
  ADD COLUMN figures jsonb NOT NULL DEFAULT '{}' CONSTRAINT energy_figures_ok
    CHECK (figures_ok(figures, ARRAY['capacity_mw']));

-- The letter gives the areas' role in Vietnamese; role stays the English text.
ALTER TABLE regions
  ADD COLUMN role_vi text,
  -- A region's geometry is always the union of its members' boundaries (the trigger of 00001), so
  -- its quality is theirs and its placement is that derivation.
  ADD COLUMN geometry_quality geometry_quality NOT NULL DEFAULT 'surveyed',
  ADD COLUMN placement text NOT NULL
    DEFAULT 'The union of the member districts'' boundaries (computed in PostGIS); the source names the member units, not a boundary of its own';

-- Districts come from an official boundary set; an import of another unit layer (e.g. the
-- post-2025 communes) says how its geometry was made, so the columns are nullable.
ALTER TABLE districts
  ADD COLUMN geometry_quality geometry_quality,
  ADD COLUMN placement text CHECK (placement IS NULL OR btrim(placement) <> '');

-- The province's own totals, as its sources give them (pre-July-2025 Gia Lai), so that summaries
-- can say how many of the province's clusters ClusterMap holds. Not a map layer: no geometry.
CREATE TABLE province_totals (
  slug        text PRIMARY KEY CHECK (slug ~ '^[a-z][a-z0-9_]*$'),
  subject_vi  text NOT NULL CHECK (btrim(subject_vi) <> ''),
  subject_en  text NOT NULL CHECK (btrim(subject_en) <> ''),
  count       integer CHECK (count >= 0),
  area_ha     numeric CHECK (area_ha > 0),
  figures     jsonb NOT NULL DEFAULT '{}' CHECK (figures_ok(figures, ARRAY['count', 'area_ha'])),
  as_of       text NOT NULL CHECK (btrim(as_of) <> ''),
  notes       text,
  sources     text[] NOT NULL CHECK (sources_ok(sources)),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CHECK (count IS NOT NULL OR area_ha IS NOT NULL)
);

-- +goose Down
DROP TABLE IF EXISTS province_totals;
ALTER TABLE districts DROP COLUMN IF EXISTS placement, DROP COLUMN IF EXISTS geometry_quality;
ALTER TABLE regions DROP COLUMN IF EXISTS placement, DROP COLUMN IF EXISTS geometry_quality, DROP COLUMN IF EXISTS role_vi;
ALTER TABLE energy DROP COLUMN IF EXISTS figures;
ALTER TABLE plants DROP COLUMN IF EXISTS figures;
ALTER TABLE raw_material_zones DROP COLUMN IF EXISTS figures;
ALTER TABLE clusters DROP COLUMN IF EXISTS district_basis, DROP COLUMN IF EXISTS figures;
DROP FUNCTION IF EXISTS figures_ok;
