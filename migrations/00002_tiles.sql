-- +goose Up
-- Per-zoom generalisations of the large polygon layers (districts, regions, raw-material zones),
-- so that a low-zoom tile is small and neighbouring districts still share their edges exactly.
--
-- Districts form a coverage. It is generalised topologically, once per zoom: the shared edge
-- network is noded and merged (each edge runs from one junction to the next), the whole network
-- is simplified at once with ST_SimplifyPreserveTopology (which keeps every edge's end points and
-- keeps edges from crossing), the simplified edges are polygonized into faces, and every face goes
-- back to the district it overlaps most. A shared edge is therefore simplified once for both
-- neighbours: no slivers, no gaps. Regions are unions of their members' simplified districts;
-- a zone drawn as the union of its districts (as the seed draws them) is the union of those
-- simplified districts, any other zone is simplified on its own.
--
-- The generalisations are recomputed in the transaction that changes the data, at commit (a
-- deferred trigger on layer_versions, which every real change bumps), so a tile never mixes new
-- data with an old generalisation. A recomputation that changes a layer's generalisation bumps
-- that layer's version too (a zone drawn from districts changes when the districts do).

-- A tile reads its layer's rows at one zoom with one GiST index scan on (layer, zoom, geom).
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE tile_generalised (
  layer text NOT NULL,
  -- The feature's key in its layer's table, as text.
  fid   text NOT NULL,
  zoom  smallint NOT NULL,
  geom  geometry(MultiPolygon, 3857) NOT NULL,
  PRIMARY KEY (layer, zoom, fid)
);
CREATE INDEX tile_generalised_geom_idx ON tile_generalised USING gist (layer, zoom, geom);

-- Zooms 0..tile_generalised_max_zoom() are generalised; the level above it holds the layer's own
-- geom_3857 and serves every deeper zoom. Beyond z10 a tolerance of a 512-pixel tile's pixel
-- (~76 m at z10) removes almost nothing from these boundaries. Keeping the full geometry here
-- too gives every zoom the same one-table query, which PostgreSQL plans once (a generic plan).
CREATE FUNCTION tile_generalised_max_zoom() RETURNS integer
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN 10;

-- The level of tile_generalised that a tile of zoom z reads.
CREATE FUNCTION tile_generalised_level(z integer) RETURNS integer
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN least(z, tile_generalised_max_zoom() + 1);

-- The simplification tolerance at zoom z, in web-mercator metres: one pixel of a 512-pixel tile
-- (half a pixel of a classic 256-pixel tile), below what a screen shows.
CREATE FUNCTION tile_tolerance(z integer) RETURNS double precision
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN 40075016.685578488 / (512 * 2 ^ z);

-- Replaces a layer's generalisations with rows, and bumps the layer's version (with NOTIFY, as
-- bump_layer_version does) only when something really changed.
-- +goose StatementBegin
CREATE FUNCTION tile_generalised_sync(p_layer text, p_rows tile_generalised[]) RETURNS boolean
  LANGUAGE plpgsql AS $$
DECLARE
  v bigint;
BEGIN
  IF NOT EXISTS (SELECT r.fid, r.zoom, ST_AsEWKB(r.geom) FROM unnest(p_rows) r
                 EXCEPT
                 SELECT g.fid, g.zoom, ST_AsEWKB(g.geom) FROM tile_generalised g WHERE g.layer = p_layer)
     AND NOT EXISTS (SELECT g.fid, g.zoom, ST_AsEWKB(g.geom) FROM tile_generalised g WHERE g.layer = p_layer
                     EXCEPT
                     SELECT r.fid, r.zoom, ST_AsEWKB(r.geom) FROM unnest(p_rows) r) THEN
    RETURN false;
  END IF;
  DELETE FROM tile_generalised WHERE layer = p_layer;
  INSERT INTO tile_generalised (layer, fid, zoom, geom)
  SELECT p_layer, r.fid, r.zoom, r.geom FROM unnest(p_rows) r;
  UPDATE layer_versions SET version = version + 1, updated_at = now()
   WHERE layer = p_layer
  RETURNING version INTO v;
  IF v IS NOT NULL THEN
    PERFORM pg_notify('clustermap_layer_version', p_layer || ':' || v);
  END IF;
  RETURN true;
END $$;
-- +goose StatementEnd

-- The district coverage, generalised per zoom through its shared edge network (see the top).
-- +goose StatementBegin
CREATE FUNCTION tile_generalise_districts() RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  rows tile_generalised[];
BEGIN
  BEGIN
    rows := ARRAY(
      WITH edges AS (
        SELECT ST_Collect(e.geom) AS geom
          FROM ST_Dump((SELECT ST_LineMerge(ST_Union(ST_Boundary(d.geom_3857))) FROM districts d)) e
      ),
      simplified AS (
        SELECT z, ST_SimplifyPreserveTopology(edges.geom, tile_tolerance(z)) AS geom
          FROM generate_series(0, tile_generalised_max_zoom()) z, edges
         WHERE edges.geom IS NOT NULL
      ),
      faces AS (
        SELECT p.z, f.path[1] AS face, f.geom
          FROM (SELECT s.z, ST_Polygonize(s.geom) AS geom FROM simplified s GROUP BY s.z) p,
               ST_Dump(p.geom) f
      ),
      owners AS (
        -- A face belongs to the district it overlaps most; a face that no district covers by
        -- half is a gap in the data (or outside it) and stays empty.
        SELECT DISTINCT ON (f.z, f.face) f.z, f.geom, d.code,
               ST_Area(ST_Intersection(f.geom, d.geom_3857)) AS shared, ST_Area(f.geom) AS area
          FROM faces f JOIN districts d ON d.geom_3857 && f.geom
         ORDER BY f.z, f.face, shared DESC, d.code
      )
      SELECT ROW('districts', o.code, o.z, ST_Multi(ST_Union(o.geom)))::tile_generalised
        FROM owners o
       WHERE o.shared >= 0.5 * o.area
       GROUP BY o.z, o.code
      UNION ALL
      SELECT ROW('districts', d.code, tile_generalised_max_zoom() + 1, d.geom_3857)::tile_generalised
        FROM districts d);
  EXCEPTION WHEN OTHERS THEN
    -- GEOS refused this coverage: serve it ungeneralised rather than fail the import.
    RAISE WARNING 'tile generalisation of districts failed (%); tiles use full geometry', SQLERRM;
    rows := ARRAY(
      SELECT ROW('districts', d.code, z, d.geom_3857)::tile_generalised
        FROM districts d, generate_series(0, tile_generalised_max_zoom() + 1) z);
  END;
  RETURN tile_generalised_sync('districts', rows);
END $$;
-- +goose StatementEnd

-- A region is the union of its members' generalised districts, zoom by zoom.
-- +goose StatementBegin
CREATE FUNCTION tile_generalise_regions() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  RETURN tile_generalised_sync('regions', ARRAY(
    SELECT ROW('regions', rm.region_slug, g.zoom, ST_Multi(ST_Union(g.geom)))::tile_generalised
      FROM region_members rm
      JOIN tile_generalised g ON g.layer = 'districts' AND g.fid = rm.district_code
     WHERE g.zoom <= tile_generalised_max_zoom()
     GROUP BY rm.region_slug, g.zoom
    UNION ALL
    SELECT ROW('regions', r.slug, tile_generalised_max_zoom() + 1, r.geom_3857)::tile_generalised
      FROM regions r WHERE r.geom_3857 IS NOT NULL));
END $$;
-- +goose StatementEnd

-- A zone whose outline is the union of the districts it names (within a metre) is the union of
-- those generalised districts, so it lines up with them at every zoom; any other zone is
-- simplified on its own.
-- +goose StatementBegin
CREATE FUNCTION tile_generalise_zones() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  RETURN tile_generalised_sync('raw_material_zones', ARRAY(
    WITH zones AS (
      SELECT z.id, z.geom_3857, z.district_codes,
             coalesce((SELECT count(*) = cardinality(z.district_codes)
                              AND ST_HausdorffDistance(ST_Boundary(z.geom_3857),
                                                       ST_Boundary(ST_Union(d.geom_3857))) < 1.0
                         FROM districts d WHERE d.code = ANY(z.district_codes)), false) AS from_districts
        FROM raw_material_zones z
    )
    SELECT ROW('raw_material_zones', z.id::text, g.zoom, ST_Multi(ST_Union(g.geom)))::tile_generalised
      FROM zones z
      JOIN tile_generalised g ON g.layer = 'districts' AND g.fid = ANY(z.district_codes)
     WHERE z.from_districts AND g.zoom <= tile_generalised_max_zoom()
     GROUP BY z.id, g.zoom
    UNION ALL
    SELECT ROW('raw_material_zones', z.id::text, tile_generalised_max_zoom() + 1, z.geom_3857)::tile_generalised
      FROM zones z
    UNION ALL
    SELECT ROW('raw_material_zones', z.id::text, s.zoom, s.geom)::tile_generalised
      FROM zones z,
           LATERAL (SELECT zoom, ST_Multi(ST_CollectionExtract(ST_MakeValid(
                             ST_SimplifyPreserveTopology(z.geom_3857, tile_tolerance(zoom))), 3)) AS geom
                      FROM generate_series(0, tile_generalised_max_zoom()) zoom) s
     WHERE NOT z.from_districts AND NOT ST_IsEmpty(s.geom)));
END $$;
-- +goose StatementEnd

-- Recomputes what the listed layers' changes make stale; districts feed regions and zones.
-- Concurrent writers take turns, so the last one to commit sees every earlier commit.
-- +goose StatementBegin
CREATE FUNCTION tile_generalise(layers text[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('clustermap.tile_generalised'));
  -- Our own version bumps must not schedule another round.
  PERFORM set_config('clustermap.tile_generalising', 'on', true);
  IF 'districts' = ANY(layers) THEN
    PERFORM tile_generalise_districts();
  END IF;
  IF 'districts' = ANY(layers) OR 'regions' = ANY(layers) THEN
    PERFORM tile_generalise_regions();
  END IF;
  IF 'districts' = ANY(layers) OR 'raw_material_zones' = ANY(layers) THEN
    PERFORM tile_generalise_zones();
  END IF;
  PERFORM set_config('clustermap.tile_generalising', 'off', true);
END $$;
-- +goose StatementEnd

-- Every version bump of a generalised layer is noted in a transaction-local setting (rolled back
-- with a savepoint, like the change itself) ...
-- +goose StatementBegin
CREATE FUNCTION tile_generalise_note() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('clustermap.tile_generalising', true) IS DISTINCT FROM 'on' THEN
    PERFORM set_config('clustermap.tile_generalise_pending',
                       coalesce(current_setting('clustermap.tile_generalise_pending', true), '') || ',' || NEW.layer, true);
  END IF;
  RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER layer_versions_tile_note AFTER UPDATE ON layer_versions
  FOR EACH ROW WHEN (NEW.layer IN ('districts', 'regions', 'raw_material_zones'))
  EXECUTE FUNCTION tile_generalise_note();

-- ... and at commit, once every statement of the transaction has run, the first deferred event
-- recomputes everything noted; the others find nothing left to do.
-- +goose StatementBegin
CREATE FUNCTION tile_generalise_pending() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  pending text := current_setting('clustermap.tile_generalise_pending', true);
BEGIN
  IF coalesce(pending, '') = '' THEN
    RETURN NULL;
  END IF;
  PERFORM set_config('clustermap.tile_generalise_pending', '', true);
  PERFORM tile_generalise(string_to_array(trim(both ',' from pending), ','));
  RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE CONSTRAINT TRIGGER layer_versions_tile_generalise AFTER UPDATE ON layer_versions
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW WHEN (NEW.layer IN ('districts', 'regions', 'raw_material_zones'))
  EXECUTE FUNCTION tile_generalise_pending();

-- Generalise what a database migrated before this step already holds.
SELECT tile_generalise(ARRAY['districts']);

-- +goose Down
DROP TRIGGER IF EXISTS layer_versions_tile_generalise ON layer_versions;
DROP TRIGGER IF EXISTS layer_versions_tile_note ON layer_versions;
DROP FUNCTION IF EXISTS tile_generalise_pending, tile_generalise_note, tile_generalise,
  tile_generalise_zones, tile_generalise_regions, tile_generalise_districts, tile_generalised_sync,
  tile_tolerance, tile_generalised_level, tile_generalised_max_zoom;
DROP TABLE IF EXISTS tile_generalised;
