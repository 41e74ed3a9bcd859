-- +goose Up
-- What the linkage of the whole country needed (make bench-national, answers phase: a 1.5 MB
-- answer of 2,000 clusters, 500 zones and 16,000 pairs within the radius; EXPLAIN ANALYZE in
-- docs/performance-national.md).
--
-- 1. Each cluster's point on its surface, kept with the cluster. The linkage draws every link to
-- it, and computing it for the 2,000 clusters of every answer was 14 ms of the statement's 31
-- (GEOS's point on surface costs ~9 µs even for a rectangle). A trigger keeps it as the geometry
-- changes; SECURITY DEFINER since the editor, who writes clusters, has no right on this table.
CREATE TABLE cluster_points (
  cluster_id bigint PRIMARY KEY REFERENCES clusters (id) ON DELETE CASCADE,
  point      geometry(Point, 4326) NOT NULL
);

-- A point's point on its surface is the point itself.
CREATE FUNCTION cluster_point_of(g geometry) RETURNS geometry LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN CASE WHEN ST_GeometryType(g) = 'ST_Point' THEN g ELSE ST_PointOnSurface(g) END;

INSERT INTO cluster_points (cluster_id, point) SELECT id, cluster_point_of(geom) FROM clusters;

-- +goose StatementBegin
CREATE FUNCTION cluster_point_refresh() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND ST_OrderingEquals(NEW.geom, OLD.geom) THEN
    RETURN NULL;
  END IF;
  INSERT INTO cluster_points (cluster_id, point) VALUES (NEW.id, cluster_point_of(NEW.geom))
  ON CONFLICT (cluster_id) DO UPDATE SET point = EXCLUDED.point;
  RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER clusters_point AFTER INSERT OR UPDATE OF geom ON clusters
  FOR EACH ROW EXECUTE FUNCTION cluster_point_refresh();

-- 2. The pairs within a radius, read from one covering index: the linkage lists every pair of
-- cluster and zone within the radius (16,000 of the country's 198,000 at 30 km). The index on the
-- distance alone sent each to the heap, so the planner scanned the whole of
-- cluster_distances_zone_near_idx instead (19 ms); covering, the range is read alone (2 ms).
CREATE INDEX cluster_distances_zone_radius_cover_idx ON cluster_distances (distance_m) INCLUDE (cluster_id, target_id)
  WHERE target = 'zone';
DROP INDEX cluster_distances_zone_radius_idx;

-- +goose Down
CREATE INDEX cluster_distances_zone_radius_idx ON cluster_distances (distance_m) WHERE target = 'zone';
DROP INDEX cluster_distances_zone_radius_cover_idx;
DROP TRIGGER clusters_point ON clusters;
DROP FUNCTION cluster_point_refresh();
DROP TABLE cluster_points;
DROP FUNCTION cluster_point_of(geometry);
