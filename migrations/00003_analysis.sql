-- +goose Up
-- Planning analysis: reference points such as the Lệ Thanh border gate, the crop →
-- industry mapping, and what the linkage, region and site-finder answers read: the geodesic
-- distances from every cluster to zones, roads and reference points, and the crops each cluster
-- processes.
--
-- A geodesic distance between a cluster footprint and a district-sized zone polygon costs PostGIS
-- about half a millisecond (ST_Distance on geography with a 65-vertex footprint), so answering
-- "which zones lie within r km of each of 1,200 clusters" on request would take seconds. The
-- distances therefore live in cluster_distances, kept up to date by the transaction that changes a
-- cluster, zone, road, reference point or the district a reference point falls back to: a write
-- pays for the features it touches, and every answer reads plain numbers. Distances are exact
-- ST_Distance(geography) values on the WGS 84 spheroid, never approximations.

-- A place the analysis measures distances to. geom is a cited coordinate; where no source gives
-- one, district_code names the district a source locates it in, and the analysis falls back to
-- that district's point-on-surface, marked as such.
-- No foreign key on district_code: districts are loaded after the migrations run.
CREATE TABLE reference_points (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  slug          text NOT NULL UNIQUE CHECK (slug ~ '^[a-z][a-z0-9_]*$'),
  name          text NOT NULL CHECK (btrim(name) <> ''),
  kind          text NOT NULL CHECK (kind ~ '^[a-z_]+$'),
  district_code text CHECK (district_code ~ '^[0-9]{3,5}$'),
  geom          geometry(Point, 4326) CHECK (geom IS NULL OR (ST_IsValid(geom) AND NOT ST_IsEmpty(geom))),
  location      text NOT NULL CHECK (btrim(location) <> ''),
  sources       text[] NOT NULL CHECK (sources_ok(sources)),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  CHECK (geom IS NOT NULL OR district_code IS NOT NULL)
);

-- The gate is located in words only (SOURCES.md, "Not found"): no coordinates, so geom stays NULL.
INSERT INTO reference_points (slug, name, kind, district_code, geom, location, sources) VALUES
  ('le_thanh_border_gate', 'Cửa khẩu quốc tế Lệ Thanh', 'border_gate', '631', NULL,
   'Lệ Thanh international border gate, xã Ia Dom, Đức Cơ district, on QL19, facing Ratanakiri (Cambodia). No source gives its coordinates.',
   ARRAY['Báo Bình Định / TTXVN, 2003: Lệ Thanh border gate, huyện Đức Cơ, on QL19 — https://baobinhdinh.vn/567/2003/10/6247']);

-- Where the analysis places a reference point: the cited coordinate, else the point-on-surface of
-- its district. uncertainty_m bounds how far the true place can be from a fallback point (the
-- farthest vertex of the district from it, as the place lies somewhere in that district).
-- +goose StatementBegin
CREATE FUNCTION reference_point_location(p_id bigint,
    OUT geom geometry, OUT basis text, OUT uncertainty_m double precision)
  LANGUAGE sql STABLE AS $$
  SELECT p.geom, 'cited', 0::double precision
    FROM reference_points p WHERE p.id = p_id AND p.geom IS NOT NULL
  UNION ALL
  SELECT s.pt, 'district_point_on_surface',
         (SELECT max(ST_Distance(s.pt::geography, v.geom::geography)) FROM ST_DumpPoints(s.dgeom) v)
    FROM reference_points p
    JOIN LATERAL (SELECT ST_PointOnSurface(d.geom) AS pt, d.geom AS dgeom
                    FROM districts d WHERE d.code = p.district_code) s ON true
   WHERE p.id = p_id AND p.geom IS NULL
$$;
-- +goose StatementEnd

-- The farthest any stored cluster-to-zone or cluster-to-road distance reaches, in metres; the
-- linkage radius is bounded by it (geo.MaxRadiusKM says the same).
CREATE FUNCTION analysis_horizon_m() RETURNS double precision
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN 200000;

-- A box that holds everything within the horizon of g, for an index pre-filter: 200 km is at most
-- 1.81° of latitude (a meridian degree is at least 110.57 km) and 1.80°/cos(φ) of longitude at the
-- highest latitude φ reached. Near the poles it is the whole width. It does not wrap at ±180°.
CREATE FUNCTION analysis_reach(g geometry) RETURNS geometry
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN ST_Expand(g,
    CASE WHEN greatest(abs(ST_YMin(g)), abs(ST_YMax(g))) + 1.85 >= 89 THEN 360
         ELSE 1.85 / cos(radians(greatest(abs(ST_YMin(g)), abs(ST_YMax(g))) + 1.85)) END,
    1.85);

-- Geography needs coordinates in range; rows outside it (which the importer never writes) are
-- left out of the analysis rather than failing someone else's insert.
CREATE FUNCTION analysis_in_range(g geometry) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN ST_XMin(g) >= -180 AND ST_XMax(g) <= 180 AND ST_YMin(g) >= -90 AND ST_YMax(g) <= 90;

-- One row per cluster and target within the horizon (reference points: always). target is 'zone'
-- (raw_material_zones.id), 'road' (roads.id) or 'reference' (reference_points.id). near_point is
-- the point of the target nearest the cluster's point-on-surface (planar), for drawing a link.
CREATE TABLE cluster_distances (
  cluster_id    bigint NOT NULL,
  target        text NOT NULL CHECK (target IN ('zone', 'road', 'reference')),
  target_id     bigint NOT NULL,
  distance_m    double precision NOT NULL CHECK (distance_m >= 0),
  near_point    geometry(Point, 4326),
  -- zone targets only: whether the cluster processes the zone's crop (cluster_crops), so that the
  -- nearest processing cluster of every zone is one index scan away.
  processes     boolean NOT NULL DEFAULT false,
  -- reference targets only: how the point was placed, and how far off a fallback can be.
  basis         text,
  uncertainty_m double precision,
  PRIMARY KEY (cluster_id, target, target_id)
);
CREATE INDEX cluster_distances_target_idx ON cluster_distances (target, target_id, cluster_id);
CREATE INDEX cluster_distances_zone_radius_idx ON cluster_distances (distance_m) WHERE target = 'zone';
CREATE INDEX cluster_distances_processing_idx ON cluster_distances (target_id, distance_m, cluster_id)
  WHERE target = 'zone' AND processes;
CREATE INDEX cluster_distances_road_idx ON cluster_distances (cluster_id, distance_m) WHERE target = 'road';

-- Which target industries process which crop: ClusterMap's explicit crop → industry mapping.
-- A cluster processes a crop when one of its target industries contains one of the crop's terms
-- (terms name the crop or its products) or generic terms (broad sectors that take it),
-- compared as search_key folds them (no case, no diacritics), so the terms are stored folded.
-- "Chế biến nông (lâm) sản" (agro(-forestry) processing), the first sector Decree 32/2024 Art. 3
-- encourages in clusters, takes every crop; food processing takes only food crops. Short
-- Vietnamese words are avoided where they fold into other words: sắn → "san" as in "nông sản",
-- and đường means both sugar and road. Edit the rows to change the mapping; cluster_crops follows.
-- +goose StatementBegin
CREATE FUNCTION analysis_terms_folded(a text[]) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT NOT EXISTS (SELECT 1 FROM unnest(a) AS x WHERE x IS NULL OR btrim(x) = '' OR x <> search_key(x))
$$;
-- +goose StatementEnd

CREATE TABLE crop_industries (
  crop          crop PRIMARY KEY,
  terms         text[] NOT NULL CHECK (analysis_terms_folded(terms)),
  generic_terms text[] NOT NULL CHECK (analysis_terms_folded(generic_terms)),
  note          text NOT NULL CHECK (btrim(note) <> ''),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

INSERT INTO crop_industries (crop, terms, generic_terms, note) VALUES
  ('coffee', ARRAY['coffee', 'ca phe'],
   ARRAY['agro', 'agricultural', 'agri-food', 'nong san', 'nong lam san', 'che bien nong', 'food', 'thuc pham'],
   'Hulling, roasting, instant coffee: coffee, agro- or food processing.'),
  ('cassava', ARRAY['cassava', 'tapioca', 'starch', 'tinh bot', 'khoai mi'],
   ARRAY['agro', 'agricultural', 'agri-food', 'nong san', 'nong lam san', 'che bien nong', 'food', 'thuc pham'],
   'Starch, chips, ethanol, feed: cassava or starch, agro- or food processing.'),
  ('sugarcane', ARRAY['sugar', 'mia duong'],
   ARRAY['agro', 'agricultural', 'agri-food', 'nong san', 'nong lam san', 'che bien nong', 'food', 'thuc pham'],
   'Sugar milling and its bagasse: sugar, agro- or food processing.'),
  ('rubber', ARRAY['rubber', 'latex', 'cao su'],
   ARRAY['agro', 'agricultural', 'agri-food', 'nong san', 'nong lam san', 'che bien nong'],
   'Latex processing and rubber products: rubber or agro(-forestry) processing, not food.'),
  ('pepper', ARRAY['pepper', 'spice', 'ho tieu', 'gia vi'],
   ARRAY['agro', 'agricultural', 'agri-food', 'nong san', 'nong lam san', 'che bien nong', 'food', 'thuc pham'],
   'Drying, grading, spice products: pepper or spices, agro- or food processing.'),
  ('medicinal', ARRAY['medicinal', 'pharmaceutical', 'herbal', 'duoc lieu', 'duoc pham'],
   ARRAY['agro', 'agricultural', 'agri-food', 'nong san', 'nong lam san', 'che bien nong'],
   'Herbal extracts and medicines: pharmaceutical or agro processing, not food.'),
  ('tobacco', ARRAY['tobacco', 'cigarette', 'thuoc la'],
   ARRAY['agro', 'agricultural', 'agri-food', 'nong san', 'nong lam san', 'che bien nong'],
   'Leaf curing and cigarettes: tobacco or agro processing, not food.'),
  ('cotton', ARRAY['cotton', 'ginning', 'spinning', 'yarn'],
   ARRAY['agro', 'agricultural', 'agri-food', 'nong san', 'nong lam san', 'che bien nong'],
   'Ginning and spinning: cotton, yarn or agro processing; garment making does not process raw cotton.'),
  ('cashew', ARRAY['cashew', 'hat dieu'],
   ARRAY['agro', 'agricultural', 'agri-food', 'nong san', 'nong lam san', 'che bien nong', 'food', 'thuc pham'],
   'Shelling and kernels: cashew, agro- or food processing.'),
  ('other', ARRAY[]::text[],
   ARRAY['agro', 'agricultural', 'agri-food', 'nong san', 'nong lam san', 'che bien nong', 'food', 'thuc pham'],
   'Crops no source names: agro- or food processing.');

-- The crops each cluster processes under crop_industries, kept current like cluster_distances.
CREATE TABLE cluster_crops (
  cluster_id bigint NOT NULL,
  crop       crop NOT NULL,
  PRIMARY KEY (cluster_id, crop)
);
CREATE INDEX cluster_crops_crop_idx ON cluster_crops (crop);

-- +goose StatementBegin
CREATE FUNCTION analysis_cluster_crops(p_clusters bigint[]) RETURNS void
  LANGUAGE sql SET jit = off AS $$
  DELETE FROM cluster_crops WHERE p_clusters IS NULL OR cluster_id = ANY (p_clusters);
  INSERT INTO cluster_crops (cluster_id, crop)
  SELECT DISTINCT c.id, ci.crop
    FROM clusters c
    CROSS JOIN LATERAL (SELECT search_key(x) AS key FROM unnest(c.target_industries) AS x) i
    JOIN crop_industries ci
      ON EXISTS (SELECT 1 FROM unnest(ci.terms || ci.generic_terms) AS t WHERE strpos(i.key, t) > 0)
   WHERE p_clusters IS NULL OR c.id = ANY (p_clusters);
  UPDATE cluster_distances cd
     SET processes = p.processes
    FROM (SELECT d.cluster_id, d.target_id,
                 EXISTS (SELECT 1 FROM cluster_crops cc WHERE cc.cluster_id = d.cluster_id AND cc.crop = z.crop) AS processes
            FROM cluster_distances d JOIN raw_material_zones z ON z.id = d.target_id
           WHERE d.target = 'zone' AND (p_clusters IS NULL OR d.cluster_id = ANY (p_clusters))) p
   WHERE cd.target = 'zone' AND cd.cluster_id = p.cluster_id AND cd.target_id = p.target_id
     AND cd.processes <> p.processes
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION analysis_crop_industries_changed() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
BEGIN
  PERFORM analysis_cluster_crops(NULL);
  RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER crop_industries_analysis AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON crop_industries
  FOR EACH STATEMENT EXECUTE FUNCTION analysis_crop_industries_changed();

-- +goose StatementBegin
CREATE FUNCTION analysis_distances_zone(p_clusters bigint[], p_zones bigint[]) RETURNS void
  LANGUAGE sql SET jit = off AS $$
  INSERT INTO cluster_distances (cluster_id, target, target_id, distance_m, near_point, processes)
  SELECT d.cluster_id, 'zone', z.id, d.m, ST_ClosestPoint(z.geom, d.anchor),
         EXISTS (SELECT 1 FROM cluster_crops cc WHERE cc.cluster_id = d.cluster_id AND cc.crop = z.crop)
    FROM raw_material_zones z
    -- Zone outside, clusters inside (OFFSET 0 keeps the planner from turning it around): the
    -- consecutive distances share one large zone, whose edge tree PostGIS then builds once.
    -- Both boxes hold every pair within the horizon; either lets an index do the pre-filter.
    CROSS JOIN LATERAL (
      SELECT c.id AS cluster_id, ST_PointOnSurface(c.geom) AS anchor,
             ST_Distance(c.geom::geography, z.geom::geography) AS m
        FROM clusters c
       WHERE c.geom && analysis_reach(z.geom) AND z.geom && analysis_reach(c.geom)
         AND (p_clusters IS NULL OR c.id = ANY (p_clusters)) AND analysis_in_range(c.geom)
      OFFSET 0) d
   WHERE (p_zones IS NULL OR z.id = ANY (p_zones)) AND analysis_in_range(z.geom)
     AND d.m <= analysis_horizon_m()
  ON CONFLICT (cluster_id, target, target_id) DO UPDATE
    SET distance_m = excluded.distance_m, near_point = excluded.near_point, processes = excluded.processes
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION analysis_distances_road(p_clusters bigint[], p_roads bigint[]) RETURNS void
  LANGUAGE sql SET jit = off AS $$
  INSERT INTO cluster_distances (cluster_id, target, target_id, distance_m, near_point)
  SELECT c.id, 'road', r.id, d.m, ST_ClosestPoint(r.geom, ST_PointOnSurface(c.geom))
    FROM clusters c
    JOIN roads r ON r.geom && analysis_reach(c.geom) AND c.geom && analysis_reach(r.geom)
    CROSS JOIN LATERAL (SELECT ST_Distance(c.geom::geography, r.geom::geography) AS m) d
   WHERE (p_clusters IS NULL OR c.id = ANY (p_clusters))
     AND (p_roads IS NULL OR r.id = ANY (p_roads))
     AND analysis_in_range(c.geom) AND analysis_in_range(r.geom)
     AND d.m <= analysis_horizon_m()
  ON CONFLICT (cluster_id, target, target_id) DO UPDATE
    SET distance_m = excluded.distance_m, near_point = excluded.near_point
$$;
-- +goose StatementEnd

-- Reference points are few and every cluster wants its distance to them, however far.
-- +goose StatementBegin
CREATE FUNCTION analysis_distances_reference(p_clusters bigint[]) RETURNS void
  LANGUAGE sql SET jit = off AS $$
  DELETE FROM cluster_distances
   WHERE target = 'reference' AND (p_clusters IS NULL OR cluster_id = ANY (p_clusters));
  INSERT INTO cluster_distances (cluster_id, target, target_id, distance_m, near_point, basis, uncertainty_m)
  SELECT c.id, 'reference', p.id, ST_Distance(c.geom::geography, l.geom::geography), l.geom, l.basis, l.uncertainty_m
    FROM reference_points p
    CROSS JOIN LATERAL reference_point_location(p.id) l
    JOIN clusters c ON (p_clusters IS NULL OR c.id = ANY (p_clusters)) AND analysis_in_range(c.geom)
   WHERE l.geom IS NOT NULL AND analysis_in_range(l.geom)
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION analysis_clusters_changed() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
DECLARE
  moved bigint[];
  retargeted bigint[];
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM cluster_distances;
    DELETE FROM cluster_crops;
    RETURN NULL;
  END IF;
  IF TG_OP = 'DELETE' THEN
    DELETE FROM cluster_distances WHERE cluster_id IN (SELECT id FROM old_rows);
    DELETE FROM cluster_crops WHERE cluster_id IN (SELECT id FROM old_rows);
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(id), array_agg(id) INTO moved, retargeted FROM new_rows;
  ELSE -- only a moved geometry changes a distance, only new industries the crops
    SELECT array_agg(n.id) FILTER (WHERE NOT ST_OrderingEquals(n.geom, o.geom)),
           array_agg(n.id) FILTER (WHERE n.target_industries IS DISTINCT FROM o.target_industries)
      INTO moved, retargeted
      FROM new_rows n JOIN old_rows o ON o.id = n.id;
  END IF;
  IF retargeted IS NOT NULL THEN
    PERFORM analysis_cluster_crops(retargeted);
  END IF;
  IF moved IS NOT NULL THEN
    DELETE FROM cluster_distances WHERE cluster_id = ANY (moved);
    PERFORM analysis_distances_zone(moved, NULL);
    PERFORM analysis_distances_road(moved, NULL);
    PERFORM analysis_distances_reference(moved);
  END IF;
  RETURN NULL;
END $$;
-- +goose StatementEnd

-- Zones and roads: TG_ARGV[0] is the target name.
-- +goose StatementBegin
CREATE FUNCTION analysis_targets_changed() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
DECLARE
  ids bigint[];
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM cluster_distances WHERE target = TG_ARGV[0];
    RETURN NULL;
  END IF;
  IF TG_OP = 'DELETE' THEN
    DELETE FROM cluster_distances WHERE target = TG_ARGV[0] AND target_id IN (SELECT id FROM old_rows);
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(id) INTO ids FROM new_rows;
  ELSE
    IF TG_ARGV[0] = 'zone' THEN -- a zone of another crop is processed by other clusters
      UPDATE cluster_distances cd
         SET processes = EXISTS (SELECT 1 FROM cluster_crops cc WHERE cc.cluster_id = cd.cluster_id AND cc.crop = n.crop)
        FROM new_rows n JOIN old_rows o ON o.id = n.id
       WHERE n.crop IS DISTINCT FROM o.crop AND cd.target = 'zone' AND cd.target_id = n.id;
    END IF;
    SELECT array_agg(n.id) INTO ids FROM new_rows n JOIN old_rows o ON o.id = n.id
     WHERE NOT ST_OrderingEquals(n.geom, o.geom);
  END IF;
  IF ids IS NULL THEN
    RETURN NULL;
  END IF;
  DELETE FROM cluster_distances WHERE target = TG_ARGV[0] AND target_id = ANY (ids);
  IF TG_ARGV[0] = 'zone' THEN
    PERFORM analysis_distances_zone(NULL, ids);
  ELSE
    PERFORM analysis_distances_road(NULL, ids);
  END IF;
  RETURN NULL;
END $$;
-- +goose StatementEnd

-- A reference point moves when its row changes, or when the district it falls back to does.
-- +goose StatementBegin
CREATE FUNCTION analysis_references_changed() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
BEGIN
  -- Nested, because only the districts triggers have the changed_rows transition table.
  IF TG_TABLE_NAME = 'districts' THEN
    IF NOT EXISTS (SELECT 1 FROM reference_points p
                    WHERE p.geom IS NULL AND p.district_code IN (SELECT code FROM changed_rows)) THEN
      RETURN NULL;
    END IF;
  END IF;
  PERFORM analysis_distances_reference(NULL);
  RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
DO $$
DECLARE
  t record;
BEGIN
  FOR t IN SELECT * FROM (VALUES
      ('clusters', 'analysis_clusters_changed', ''),
      ('raw_material_zones', 'analysis_targets_changed', 'zone'),
      ('roads', 'analysis_targets_changed', 'road')) AS v(tbl, fn, arg)
  LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION %I(%L)', t.tbl || '_analysis_ins', t.tbl, t.fn, t.arg);
    EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION %I(%L)', t.tbl || '_analysis_upd', t.tbl, t.fn, t.arg);
    EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION %I(%L)', t.tbl || '_analysis_del', t.tbl, t.fn, t.arg);
    EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %I
                    FOR EACH STATEMENT EXECUTE FUNCTION %I(%L)', t.tbl || '_analysis_trunc', t.tbl, t.fn, t.arg);
  END LOOP;
  FOR t IN SELECT * FROM (VALUES ('INSERT', 'NEW'), ('UPDATE', 'NEW'), ('DELETE', 'OLD')) AS v(op, tt)
  LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER %s ON districts REFERENCING %s TABLE AS changed_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION analysis_references_changed()',
                   'districts_analysis_' || lower(t.op), t.op, t.tt);
  END LOOP;
END $$;
-- +goose StatementEnd
CREATE TRIGGER reference_points_analysis AFTER INSERT OR UPDATE OR DELETE ON reference_points
  FOR EACH STATEMENT EXECUTE FUNCTION analysis_references_changed();

-- The analysis tables that carry no layer version (crop_industries, reference_points) bump this
-- one, so that a cache of analysis answers keyed by the layer versions and this one never serves
-- an answer the data has moved past.
CREATE TABLE analysis_state (
  id      boolean PRIMARY KEY DEFAULT true CHECK (id),
  version bigint NOT NULL DEFAULT 1
);
INSERT INTO analysis_state DEFAULT VALUES;

-- +goose StatementBegin
CREATE FUNCTION analysis_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE analysis_state SET version = version + 1;
  RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER crop_industries_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON crop_industries
  FOR EACH STATEMENT EXECUTE FUNCTION analysis_bump_version();
CREATE TRIGGER reference_points_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON reference_points
  FOR EACH STATEMENT EXECUTE FUNCTION analysis_bump_version();

-- A database migrated with data already in it gets its distances now.
SELECT analysis_distances_zone(NULL, NULL), analysis_distances_road(NULL, NULL), analysis_distances_reference(NULL),
       analysis_cluster_crops(NULL);

-- +goose Down
DROP TRIGGER IF EXISTS reference_points_analysis ON reference_points;
DROP TRIGGER IF EXISTS crop_industries_analysis ON crop_industries;
DROP TRIGGER IF EXISTS crop_industries_version ON crop_industries;
DROP TRIGGER IF EXISTS reference_points_version ON reference_points;
DROP TRIGGER IF EXISTS districts_analysis_insert ON districts;
DROP TRIGGER IF EXISTS districts_analysis_update ON districts;
DROP TRIGGER IF EXISTS districts_analysis_delete ON districts;
-- +goose StatementBegin
DO $$
DECLARE
  t text;
  op text;
BEGIN
  FOREACH t IN ARRAY ARRAY['clusters', 'raw_material_zones', 'roads'] LOOP
    FOREACH op IN ARRAY ARRAY['ins', 'upd', 'del', 'trunc'] LOOP
      EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', t || '_analysis_' || op, t);
    END LOOP;
  END LOOP;
END $$;
-- +goose StatementEnd
DROP TABLE IF EXISTS analysis_state, cluster_crops, crop_industries, cluster_distances, reference_points;
DROP FUNCTION IF EXISTS analysis_bump_version, analysis_crop_industries_changed, analysis_cluster_crops, analysis_terms_folded, analysis_references_changed, analysis_targets_changed, analysis_clusters_changed,
  analysis_distances_reference, analysis_distances_road, analysis_distances_zone, analysis_in_range,
  analysis_reach, analysis_horizon_m, reference_point_location;
