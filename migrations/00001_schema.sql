-- +goose Up
-- ClusterMap's store of record. Geometry is WGS 84 (EPSG:4326); every layer table also keeps a
-- web-mercator copy (geom_3857, a generated column) so tiles never transform on the fly.
-- Every feature names its sources; lookups are enums so a typo cannot enter the data.

CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS unaccent;

CREATE TYPE district_kind AS ENUM ('city', 'town', 'district');
CREATE TYPE cluster_kind AS ENUM ('ccn', 'kcn', 'kkt');
-- The lifecycle as Gia Lai reports it, in order (geo/vocabulary.go labels it).
CREATE TYPE cluster_stage AS ENUM
  ('planned', 'investor_selected', 'established', 'under_construction', 'operating', 'expanded');
CREATE TYPE infra_status AS ENUM ('none', 'planned', 'under_construction', 'in_use');
-- surveyed: an official or surveyed outline; cited: a point coordinate printed by a cited source;
-- indicative: placed or drawn by ClusterMap from a commune or district, shown as such.
CREATE TYPE geometry_quality AS ENUM ('surveyed', 'cited', 'indicative');
CREATE TYPE crop AS ENUM
  ('coffee', 'cassava', 'sugarcane', 'rubber', 'pepper', 'medicinal', 'tobacco', 'cotton', 'cashew', 'other');
CREATE TYPE energy_kind AS ENUM ('hydro', 'solar', 'wind', 'biomass');
CREATE TYPE project_status AS ENUM ('planned', 'under_construction', 'operating', 'expanding', 'closed');

-- Sources are a non-empty list of non-empty strings (a URL, or "text — URL").
CREATE FUNCTION sources_ok(s text[]) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN s IS NOT NULL AND cardinality(s) > 0 AND array_position(s, NULL) IS NULL
         AND NOT EXISTS (SELECT 1 FROM unnest(s) AS x WHERE btrim(x) = '');

-- A folded key for diacritics- and case-insensitive search ("chu se" finds "Chư Sê").
-- unaccent does not fold đ/Đ, so translate them first.
CREATE FUNCTION search_key(t text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN lower(public.unaccent('public.unaccent'::regdictionary, translate(t, 'đĐ', 'dD')));

CREATE TABLE districts (
  code        text PRIMARY KEY CHECK (code ~ '^[0-9]{3,5}$'),
  name        text NOT NULL CHECK (btrim(name) <> ''),
  name_ascii  text NOT NULL CHECK (name_ascii ~ '^[\x20-\x7E]+$'),
  kind        district_kind NOT NULL,
  province    text NOT NULL DEFAULT 'Gia Lai',
  geom        geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
  geom_3857   geometry(MultiPolygon, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED,
  area_km2    numeric GENERATED ALWAYS AS (round((ST_Area(geom::geography) / 1e6)::numeric, 1)) STORED,
  sources     text[] NOT NULL CHECK (sources_ok(sources)),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX districts_geom_idx ON districts USING gist (geom);
CREATE INDEX districts_geom_3857_idx ON districts USING gist (geom_3857);

CREATE TABLE regions (
  slug        text PRIMARY KEY CHECK (slug ~ '^[a-z][a-z0-9_]*$'),
  name_vi     text NOT NULL CHECK (btrim(name_vi) <> ''),
  name_en     text NOT NULL CHECK (btrim(name_en) <> ''),
  role        text NOT NULL,
  -- Derived from the members by refresh_region_geometry(); never written by hand.
  geom        geometry(MultiPolygon, 4326) CHECK (geom IS NULL OR ST_IsValid(geom)),
  geom_3857   geometry(MultiPolygon, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED,
  sources     text[] NOT NULL CHECK (sources_ok(sources)),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX regions_geom_idx ON regions USING gist (geom);
CREATE INDEX regions_geom_3857_idx ON regions USING gist (geom_3857);

-- A district belongs to at most one development region.
CREATE TABLE region_members (
  region_slug   text NOT NULL REFERENCES regions (slug) ON UPDATE CASCADE ON DELETE CASCADE,
  district_code text NOT NULL UNIQUE REFERENCES districts (code) ON UPDATE CASCADE ON DELETE CASCADE,
  PRIMARY KEY (region_slug, district_code)
);

CREATE TABLE clusters (
  id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name                 text NOT NULL UNIQUE CHECK (btrim(name) <> ''),
  kind                 cluster_kind NOT NULL,
  district_code        text REFERENCES districts (code) ON UPDATE CASCADE,
  commune              text,
  status               cluster_stage NOT NULL,
  planned_area_ha      numeric CHECK (planned_area_ha > 0),
  established_area_ha  numeric CHECK (established_area_ha > 0),
  industrial_land_ha   numeric CHECK (industrial_land_ha >= 0),
  leased_land_ha       numeric CHECK (leased_land_ha >= 0),
  -- Stated by a source, or derived from leased / industrial land by the trigger below.
  occupancy_pct        numeric CHECK (occupancy_pct BETWEEN 0 AND 100),
  investor             text,
  target_industries    text[] NOT NULL DEFAULT '{}',
  decision_number      text,
  decision_date        date,
  road_status          infra_status,
  water_status         infra_status,
  wastewater_status    infra_status,
  power_status         infra_status,
  contact              text,
  investment_vnd_bn    numeric CHECK (investment_vnd_bn > 0),
  geom                 geometry(Geometry, 4326) NOT NULL
                         CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)
                                AND GeometryType(geom) IN ('POINT', 'MULTIPOLYGON')),
  geom_3857            geometry(Geometry, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED,
  geometry_quality     geometry_quality NOT NULL,
  placement            text NOT NULL,
  notes                text,
  sources              text[] NOT NULL CHECK (sources_ok(sources)),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  CHECK (leased_land_ha IS NULL OR industrial_land_ha IS NULL OR leased_land_ha <= industrial_land_ha),
  CHECK (industrial_land_ha IS NULL OR coalesce(established_area_ha, planned_area_ha) IS NULL
         OR industrial_land_ha <= coalesce(established_area_ha, planned_area_ha))
);
CREATE INDEX clusters_geom_idx ON clusters USING gist (geom);
CREATE INDEX clusters_geom_3857_idx ON clusters USING gist (geom_3857);

-- +goose StatementBegin
CREATE FUNCTION clusters_derive_occupancy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.leased_land_ha IS NOT NULL AND NEW.industrial_land_ha > 0 THEN
    NEW.occupancy_pct := round(100 * NEW.leased_land_ha / NEW.industrial_land_ha, 1);
  END IF;
  RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER clusters_occupancy BEFORE INSERT OR UPDATE ON clusters
  FOR EACH ROW EXECUTE FUNCTION clusters_derive_occupancy();

CREATE TABLE raw_material_zones (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name             text NOT NULL UNIQUE CHECK (btrim(name) <> ''),
  crop             crop NOT NULL,
  district_codes   text[] NOT NULL DEFAULT '{}',
  area_ha          numeric CHECK (area_ha > 0),
  output           text,
  reference_year   integer CHECK (reference_year BETWEEN 1990 AND 2100),
  geom             geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
  geom_3857        geometry(MultiPolygon, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED,
  geometry_quality geometry_quality NOT NULL,
  placement        text NOT NULL,
  notes            text,
  sources          text[] NOT NULL CHECK (sources_ok(sources)),
  updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX raw_material_zones_geom_idx ON raw_material_zones USING gist (geom);
CREATE INDEX raw_material_zones_geom_3857_idx ON raw_material_zones USING gist (geom_3857);

CREATE TABLE plants (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name             text NOT NULL UNIQUE CHECK (btrim(name) <> ''),
  kind             text NOT NULL CHECK (kind ~ '^[a-z_]+$'),
  crop             crop,
  capacity         numeric CHECK (capacity > 0),
  capacity_unit    text CHECK ((capacity IS NULL) = (capacity_unit IS NULL)),
  status           project_status,
  district_code    text REFERENCES districts (code) ON UPDATE CASCADE,
  geom             geometry(Point, 4326) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
  geom_3857        geometry(Point, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED,
  geometry_quality geometry_quality NOT NULL,
  placement        text NOT NULL,
  notes            text,
  sources          text[] NOT NULL CHECK (sources_ok(sources)),
  updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX plants_geom_idx ON plants USING gist (geom);
CREATE INDEX plants_geom_3857_idx ON plants USING gist (geom_3857);

CREATE TABLE energy (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name             text NOT NULL UNIQUE CHECK (btrim(name) <> ''),
  kind             energy_kind NOT NULL,
  capacity_mw      numeric CHECK (capacity_mw > 0),
  status           project_status,
  district_code    text REFERENCES districts (code) ON UPDATE CASCADE,
  geom             geometry(Point, 4326) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
  geom_3857        geometry(Point, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED,
  geometry_quality geometry_quality NOT NULL,
  placement        text NOT NULL,
  notes            text,
  sources          text[] NOT NULL CHECK (sources_ok(sources)),
  updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX energy_geom_idx ON energy USING gist (geom);
CREATE INDEX energy_geom_3857_idx ON energy USING gist (geom_3857);

CREATE TABLE roads (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ref              text NOT NULL UNIQUE CHECK (ref ~ '^(QL|ĐT|DT|TL)[0-9]+[A-Z]?$'),
  name             text NOT NULL CHECK (btrim(name) <> ''),
  geom             geometry(MultiLineString, 4326) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
  geom_3857        geometry(MultiLineString, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED,
  geometry_quality geometry_quality NOT NULL,
  placement        text NOT NULL,
  notes            text,
  sources          text[] NOT NULL CHECK (sources_ok(sources)),
  updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX roads_geom_idx ON roads USING gist (geom);
CREATE INDEX roads_geom_3857_idx ON roads USING gist (geom_3857);

-- Region geometry is the union of its members' boundaries, recomputed whenever districts or
-- memberships change, so it can never drift from them.
-- +goose StatementBegin
CREATE FUNCTION refresh_region_geometry() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE regions r
     SET geom = m.geom, updated_at = now()
    FROM (SELECT r2.slug,
                 ST_Multi(ST_Union(d.geom)) AS geom
            FROM regions r2
            LEFT JOIN region_members rm ON rm.region_slug = r2.slug
            LEFT JOIN districts d ON d.code = rm.district_code
           GROUP BY r2.slug) m
   WHERE r.slug = m.slug
     AND r.geom IS DISTINCT FROM m.geom;
  RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER districts_refresh_regions AFTER INSERT OR UPDATE OR DELETE ON districts
  FOR EACH STATEMENT EXECUTE FUNCTION refresh_region_geometry();
CREATE TRIGGER region_members_refresh_regions AFTER INSERT OR UPDATE OR DELETE ON region_members
  FOR EACH STATEMENT EXECUTE FUNCTION refresh_region_geometry();

-- A hand-written region geometry is replaced by the derived one.
-- +goose StatementBegin
CREATE FUNCTION regions_derive_geometry() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT ST_Multi(ST_Union(d.geom)) INTO NEW.geom
    FROM region_members rm JOIN districts d ON d.code = rm.district_code
   WHERE rm.region_slug = NEW.slug;
  RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER regions_geometry BEFORE INSERT OR UPDATE ON regions
  FOR EACH ROW EXECUTE FUNCTION regions_derive_geometry();

-- Every write to a layer bumps that layer's data version and tells listeners, so tile caches in
-- every server process sharing the database drop what they hold for that layer.
CREATE TABLE layer_versions (
  layer      text PRIMARY KEY,
  version    bigint NOT NULL DEFAULT 1,
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO layer_versions (layer)
VALUES ('regions'), ('districts'), ('clusters'), ('raw_material_zones'), ('plants'), ('energy'), ('roads');

-- Only statements that really change rows bump the version (transition tables), so an idempotent
-- re-seed or a no-op upsert keeps every cache warm.
-- +goose StatementBegin
CREATE FUNCTION bump_layer_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v bigint;
  changed boolean := true;
BEGIN
  IF TG_OP <> 'TRUNCATE' THEN
    EXECUTE 'SELECT EXISTS (SELECT 1 FROM changed_rows)' INTO changed;
  END IF;
  IF NOT changed THEN
    RETURN NULL;
  END IF;
  UPDATE layer_versions SET version = version + 1, updated_at = now()
   WHERE layer = TG_ARGV[0]
  RETURNING version INTO v;
  PERFORM pg_notify('clustermap_layer_version', TG_ARGV[0] || ':' || v);
  RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
DO $$
DECLARE
  t record;
BEGIN
  FOR t IN SELECT * FROM (VALUES
      ('regions', 'regions'), ('region_members', 'regions'), ('districts', 'districts'),
      ('clusters', 'clusters'), ('raw_material_zones', 'raw_material_zones'), ('plants', 'plants'),
      ('energy', 'energy'), ('roads', 'roads')) AS v(tbl, layer)
  LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS changed_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION bump_layer_version(%L)', t.tbl || '_version_ins', t.tbl, t.layer);
    EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING NEW TABLE AS changed_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION bump_layer_version(%L)', t.tbl || '_version_upd', t.tbl, t.layer);
    EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS changed_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION bump_layer_version(%L)', t.tbl || '_version_del', t.tbl, t.layer);
    EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %I
                    FOR EACH STATEMENT EXECUTE FUNCTION bump_layer_version(%L)', t.tbl || '_version_trunc', t.tbl, t.layer);
  END LOOP;
END $$;
-- +goose StatementEnd

-- +goose Down
DROP TABLE IF EXISTS layer_versions, roads, energy, plants, raw_material_zones, clusters,
  region_members, regions, districts CASCADE;
DROP FUNCTION IF EXISTS bump_layer_version, regions_derive_geometry, refresh_region_geometry,
  clusters_derive_occupancy, search_key, sources_ok;
DROP TYPE IF EXISTS project_status, energy_kind, crop, geometry_quality, infra_status, cluster_stage,
  cluster_kind, district_kind;
