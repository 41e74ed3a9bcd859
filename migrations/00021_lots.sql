-- +goose Up
-- Lots: the land of a cluster as its detailed plan (quy hoạch chi tiết 1/500) divides it, each lot
-- with its use and whether it is still free. It is what an investor asks after "which cluster":
-- which lot, how large, is it free. A national installation holds about 100,000 of them (50 a
-- cluster), the largest layer after the history, so it is served by bounding box (the map's view,
-- a GIS client's window) and never as a whole.
--
-- The layer is imported, not edited (like districts): a lot's outline comes from the cluster's
-- approved plan, cited in its sources; the province's seed has none, since no source at hand
-- gives the lots of Gia Lai's clusters (docs and README say so).

CREATE TYPE lot_land_use AS ENUM ('industrial', 'services', 'infrastructure', 'green');
CREATE TYPE lot_status AS ENUM ('free', 'reserved', 'leased', 'not_offered');

CREATE TABLE lots (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- The code is unique in the installation (the natural key imports upsert on): the cluster's
  -- name and the lot's code in its plan, e.g. "CCN Ia Khươl · CN-03".
  code             text NOT NULL UNIQUE CHECK (btrim(code) <> '' AND length(code) <= 200),
  cluster_id       bigint NOT NULL REFERENCES clusters (id) ON DELETE CASCADE,
  land_use         lot_land_use NOT NULL,
  status           lot_status NOT NULL,
  -- The area is the outline's, on the ellipsoid: a lot's stated area is its drawn one.
  area_ha          numeric GENERATED ALWAYS AS (round((ST_Area(geom::geography) / 10000)::numeric, 3)) STORED,
  geom             geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
  geom_3857        geometry(MultiPolygon, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED,
  geometry_quality geometry_quality NOT NULL,
  placement        text NOT NULL,
  notes            text,
  sources          text[] NOT NULL CHECK (sources_ok(sources)),
  province_code    text,
  updated_at       timestamptz NOT NULL DEFAULT now()
);
-- A box of lots (GeoJSON bbox, OGC items, a tile) is one index scan: the bbox condition of
-- geo/features.go tests geom, tiles test geom_3857. A cluster's lots and a province's by btree.
CREATE INDEX lots_geom_idx ON lots USING gist (geom);
CREATE INDEX lots_geom_3857_idx ON lots USING gist (geom_3857);
CREATE INDEX lots_cluster_idx ON lots (cluster_id);
CREATE INDEX lots_province_idx ON lots (province_code);

-- The province of each lot, derived as every layer's is (migrations/00011_admin_units.sql).
CREATE TRIGGER aa_lots_province BEFORE INSERT OR UPDATE ON lots
  FOR EACH ROW EXECUTE FUNCTION set_province_code();

-- Its version, bumped once per transaction at commit (migrations/00020_national_writes.sql).
INSERT INTO layer_versions (layer) VALUES ('lots');
CREATE TRIGGER lots_version_unmark BEFORE INSERT OR UPDATE OR DELETE ON lots
  FOR EACH STATEMENT EXECUTE FUNCTION unmark_layer_version('lots');
CREATE CONSTRAINT TRIGGER lots_version AFTER INSERT OR UPDATE OR DELETE ON lots
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_layer_version_at_commit('lots');
CREATE TRIGGER lots_version_trunc AFTER TRUNCATE ON lots
  FOR EACH STATEMENT EXECUTE FUNCTION bump_layer_version('lots');

-- reassign_provinces() covers lots too.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION reassign_provinces() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['regions', 'districts', 'clusters', 'raw_material_zones', 'plants', 'energy', 'roads', 'proposals', 'lots'] LOOP
    EXECUTE format('UPDATE %I SET province_code = province_of(geom)
                     WHERE geom IS NOT NULL AND province_code IS DISTINCT FROM province_of(geom)', t);
  END LOOP;
END $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION reassign_provinces() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['regions', 'districts', 'clusters', 'raw_material_zones', 'plants', 'energy', 'roads', 'proposals'] LOOP
    EXECUTE format('UPDATE %I SET province_code = province_of(geom)
                     WHERE geom IS NOT NULL AND province_code IS DISTINCT FROM province_of(geom)', t);
  END LOOP;
END $$;
-- +goose StatementEnd
DELETE FROM layer_versions WHERE layer = 'lots';
DROP TABLE lots;
DROP TYPE lot_status;
DROP TYPE lot_land_use;
