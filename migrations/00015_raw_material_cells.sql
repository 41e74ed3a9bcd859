-- +goose Up
-- How much of a raw-material zone lies within reach of a cluster.
--
-- A zone's sources give one area for the whole zone (81,000 ha of cassava over the former
-- province's 17 districts), so counting a zone whole as soon as any part of it is within the
-- radius gave every cluster the same full supply, whichever crop was asked for. The site finder
-- instead estimates the hectares within the radius by spreading the zone's area evenly over its
-- polygon: the only assumption the sources allow, and every answer says so.
--
-- raw_material_cells cuts each zone on a 0.025° grid (about 2.8 km) and gives each piece its
-- share of the zone's area_ha by geodesic area. cluster_distances.reach_ha then holds, per
-- cluster and zone, the hectares of the zone's pieces within 5, 10, …, 200 km of the cluster's
-- point (reach_step_m() apart, up to the analysis horizon), so that an answer for any radius reads
-- two numbers and interpolates (reach_at) instead of intersecting a 900-vertex zone with a
-- buffer, which cost about a millisecond per pair on request. A zone with no area_ha has
-- reach_ha NULL: its supply is unknown, not zero. Both are kept by the transaction that changes
-- the zone or the cluster.

CREATE TABLE raw_material_cells (
  zone_id bigint NOT NULL REFERENCES raw_material_zones (id) ON DELETE CASCADE,
  cell    integer NOT NULL,
  ha      double precision CHECK (ha >= 0),
  geom    geometry(Point, 4326) NOT NULL,
  PRIMARY KEY (zone_id, cell)
);
CREATE INDEX raw_material_cells_geom_idx ON raw_material_cells USING gist (geom);

ALTER TABLE cluster_distances ADD COLUMN reach_ha double precision[];

CREATE FUNCTION reach_step_m() RETURNS double precision
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN 5000;

-- The hectares within r metres, from a reach_ha profile: linear between its steps (0 at 0 m),
-- the last step beyond the horizon.
-- +goose StatementBegin
CREATE FUNCTION reach_at(reach double precision[], r double precision) RETURNS double precision
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN reach IS NULL THEN NULL
    WHEN r / reach_step_m() >= cardinality(reach) THEN reach[cardinality(reach)]
    ELSE coalesce(reach[floor(r / reach_step_m())::int], 0)
         + (r / reach_step_m() - floor(r / reach_step_m()))
         * (reach[floor(r / reach_step_m())::int + 1] - coalesce(reach[floor(r / reach_step_m())::int], 0))
  END
$$;
-- +goose StatementEnd

-- The reach profile of zone z from point p: cumulative hectares of its pieces by step.
-- +goose StatementBegin
CREATE FUNCTION reach_profile(z bigint, p geometry) RETURNS double precision[]
  LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN (SELECT area_ha FROM raw_material_zones WHERE id = z) IS NULL THEN NULL ELSE
    (SELECT array_agg(cum ORDER BY k)
       FROM (SELECT k, coalesce(sum(b.ha) OVER (ORDER BY k), 0) AS cum
               FROM generate_series(1, ceil(analysis_horizon_m() / reach_step_m())::int) AS k
               LEFT JOIN (SELECT greatest(1, ceil(ST_Distance(rc.geom::geography, p::geography) / reach_step_m()))::int AS band,
                                 sum(rc.ha) AS ha
                            FROM raw_material_cells rc
                           WHERE rc.zone_id = z AND rc.geom && analysis_reach(p)
                           GROUP BY 1) b ON b.band = k) steps) END
$$;
-- +goose StatementEnd

-- The pieces of the zones p_zones (NULL: all), replacing what was there.
-- +goose StatementBegin
CREATE FUNCTION raw_material_cells_of(p_zones bigint[]) RETURNS void
  LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp SET jit = off AS $$
  DELETE FROM raw_material_cells WHERE p_zones IS NULL OR zone_id = ANY (p_zones);
  INSERT INTO raw_material_cells (zone_id, cell, ha, geom)
  SELECT p.zone_id, row_number() OVER (PARTITION BY p.zone_id ORDER BY p.i, p.j),
         p.area_ha * p.m2 / nullif(sum(p.m2) OVER (PARTITION BY p.zone_id), 0),
         ST_PointOnSurface(p.piece)
    FROM (SELECT z.id AS zone_id, z.area_ha::float8 AS area_ha, g.i, g.j, x.piece,
                 ST_Area(x.piece::geography) AS m2
            FROM raw_material_zones z
           CROSS JOIN LATERAL ST_SquareGrid(0.025, z.geom) g
           CROSS JOIN LATERAL (SELECT ST_CollectionExtract(ST_Intersection(g.geom, z.geom), 3) AS piece) x
           WHERE (p_zones IS NULL OR z.id = ANY (p_zones)) AND g.geom && z.geom
             AND analysis_in_range(z.geom) AND NOT ST_IsEmpty(x.piece)) p
   WHERE p.m2 > 0;
  -- Distances already stored for these zones take the new pieces (a new outline is re-measured
  -- whole by the analysis trigger, which fires after this one and computes the profile itself).
  UPDATE cluster_distances cd
     SET reach_ha = reach_profile(cd.target_id, (SELECT ST_PointOnSurface(c.geom) FROM clusters c WHERE c.id = cd.cluster_id))
   WHERE cd.target = 'zone' AND (p_zones IS NULL OR cd.target_id = ANY (p_zones));
$$;
-- +goose StatementEnd

-- The distances of 00003 with the reach profile: the cells of a new zone are cut first (the
-- trigger raw_material_cells_* fires before raw_material_zones_analysis_*, by name).
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION analysis_distances_zone(p_clusters bigint[], p_zones bigint[]) RETURNS void
  LANGUAGE sql SET jit = off AS $$
  INSERT INTO cluster_distances (cluster_id, target, target_id, distance_m, near_point, processes, reach_ha)
  SELECT d.cluster_id, 'zone', z.id, d.m, ST_ClosestPoint(z.geom, d.anchor),
         EXISTS (SELECT 1 FROM cluster_crops cc WHERE cc.cluster_id = d.cluster_id AND cc.crop = z.crop),
         reach_profile(z.id, d.anchor)
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
    SET distance_m = excluded.distance_m, near_point = excluded.near_point, processes = excluded.processes,
        reach_ha = excluded.reach_ha
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION raw_material_cells_changed() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  ids bigint[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(id) INTO ids FROM new_rows;
  ELSE -- only a new outline or a new area moves the pieces
    SELECT array_agg(n.id) INTO ids FROM new_rows n JOIN old_rows o ON o.id = n.id
     WHERE NOT ST_OrderingEquals(n.geom, o.geom) OR n.area_ha IS DISTINCT FROM o.area_ha;
  END IF;
  IF ids IS NOT NULL THEN
    PERFORM raw_material_cells_of(ids);
  END IF;
  RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER raw_material_cells_insert AFTER INSERT ON raw_material_zones
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION raw_material_cells_changed();
CREATE TRIGGER raw_material_cells_update AFTER UPDATE ON raw_material_zones
  REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION raw_material_cells_changed();

-- The editor moves a cluster, whose distances then read the pieces.
GRANT SELECT ON raw_material_cells TO clustermap_editor;

SELECT raw_material_cells_of(NULL);

-- +goose Down
DROP TRIGGER raw_material_cells_insert ON raw_material_zones;
DROP TRIGGER raw_material_cells_update ON raw_material_zones;
DROP FUNCTION raw_material_cells_changed();
DROP FUNCTION raw_material_cells_of(bigint[]);
DROP TABLE raw_material_cells;
ALTER TABLE cluster_distances DROP COLUMN reach_ha;
DROP FUNCTION reach_profile(bigint, geometry);
DROP FUNCTION reach_at(double precision[], double precision);
DROP FUNCTION reach_step_m();
-- The 00003 distances function without the profile.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION analysis_distances_zone(p_clusters bigint[], p_zones bigint[]) RETURNS void
  LANGUAGE sql SET jit = off AS $$
  INSERT INTO cluster_distances (cluster_id, target, target_id, distance_m, near_point, processes)
  SELECT d.cluster_id, 'zone', z.id, d.m, ST_ClosestPoint(z.geom, d.anchor),
         EXISTS (SELECT 1 FROM cluster_crops cc WHERE cc.cluster_id = d.cluster_id AND cc.crop = z.crop)
    FROM raw_material_zones z
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
