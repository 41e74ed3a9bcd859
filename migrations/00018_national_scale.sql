-- +goose Up
-- What a national installation (geo/synthetic: 2,000 clusters, 500 zones, 3,300 communes,
-- 200,000 versions) needed that the province's seed never showed.
--
-- reach_profile: the pieces of one zone are found by its id alone. The box test on the pieces'
-- points (within ±1.85° of the cluster) let the planner scan the points' spatial index, which at
-- national scale returns most of the country's pieces for every pair; by zone_id the primary key
-- returns the zone's 30–100 pieces. Pieces beyond the horizon fall past the last step and are not
-- counted either way. Loading the national zones went from 3 min 37 s to seconds.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION reach_profile(z bigint, p geometry) RETURNS double precision[]
  LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN (SELECT area_ha FROM raw_material_zones WHERE id = z) IS NULL THEN NULL ELSE
    (SELECT array_agg(cum ORDER BY k)
       FROM (SELECT k, coalesce(sum(b.ha) OVER (ORDER BY k), 0) AS cum
               FROM generate_series(1, ceil(analysis_horizon_m() / reach_step_m())::int) AS k
               LEFT JOIN (SELECT greatest(1, ceil(ST_Distance(rc.geom::geography, p::geography) / reach_step_m()))::int AS band,
                                 sum(rc.ha) AS ha
                            FROM raw_material_cells rc
                           WHERE rc.zone_id = z
                           GROUP BY 1) b ON b.band = k) steps) END
$$;
-- +goose StatementEnd

-- Indexes for the answers at national scale (EXPLAIN ANALYZE of each in
-- docs/performance-national.md): the site finder reads a cluster's zones within a radius (it
-- probed every pair of the asked crop's zones: 0.4 ms a cluster) and its nearest roads, from two
-- indexes that cover what it reads (index-only scans: a cluster's rows are spread over as many
-- pages as it has zones; the zones' one holds the reach profiles, ~80 MB at national scale, the
-- price of an answer in ~100 ms instead of ~250); the linkage's nearest clusters are walked per
-- zone, nearest first; "as of a date" takes each feature's version at the moment from the front of
-- its own index range instead of sorting every earlier version.
CREATE INDEX cluster_distances_cluster_zones_idx ON cluster_distances (cluster_id, distance_m)
  INCLUDE (target_id, reach_ha) WHERE target = 'zone';
DROP INDEX cluster_distances_road_idx;
CREATE INDEX cluster_distances_road_idx ON cluster_distances (cluster_id, distance_m) INCLUDE (target_id) WHERE target = 'road';
CREATE INDEX cluster_distances_zone_near_idx ON cluster_distances (target_id, distance_m, cluster_id) WHERE target = 'zone';
CREATE INDEX feature_versions_as_of_idx ON feature_versions (layer, fid, at DESC, version DESC);
CREATE INDEX feature_versions_first_idx ON feature_versions (layer, at) INCLUDE (fid) WHERE version = 1;

-- The label points of the map (geo/labels.go): the centre of each polygon's largest inscribed
-- circle, computed once when the outline changes instead of for every polygon on every request
-- (1.3 s for 3,300 communes).
ALTER TABLE districts ADD COLUMN label_point geometry(Point, 4326)
  GENERATED ALWAYS AS ((ST_MaximumInscribedCircle(geom)).center) STORED;
ALTER TABLE regions ADD COLUMN label_point geometry(Point, 4326)
  GENERATED ALWAYS AS ((ST_MaximumInscribedCircle(geom)).center) STORED;

-- +goose Down
ALTER TABLE regions DROP COLUMN label_point;
ALTER TABLE districts DROP COLUMN label_point;
DROP INDEX feature_versions_first_idx;
DROP INDEX feature_versions_as_of_idx;
DROP INDEX cluster_distances_zone_near_idx;
DROP INDEX cluster_distances_cluster_zones_idx;
DROP INDEX cluster_distances_road_idx;
CREATE INDEX cluster_distances_road_idx ON cluster_distances (cluster_id, distance_m) WHERE target = 'road';
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION reach_profile(z bigint, p geometry) RETURNS double precision[]
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
