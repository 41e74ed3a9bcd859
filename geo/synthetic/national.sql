-- The synthetic national dataset (clustermap seed --synthetic national): the shape and size of a
-- country's installation, for measuring, never for reading. Nothing here is real: the territory
-- is a corridor drawn along a made-up spine through Vietnam's latitudes (not Vietnam's outline),
-- the units are Voronoi cells of pseudo-random points, every name says "giả lập" (synthetic) and
-- every row's sources say how it was made. It is deterministic: the same scale gives the same
-- rows, coordinates and history, byte for byte (ST_GeneratePoints with fixed seeds, hashes of row
-- numbers instead of random()).
--
-- It runs in one transaction on a migrated, empty database, as the owner. The history triggers are
-- off while it loads and the history is written directly, with dates spread over 2021–2026, so
-- that "as of a date" has years of versions to search; every other trigger (province codes,
-- generalised tiles, analysis distances, raw-material cells) runs as it does for real data.
-- The scale (synthetic.scale, 1 = national) multiplies every count; tests use a small one.

CREATE TEMP TABLE syn_param ON COMMIT DROP AS
SELECT s AS scale,
       greatest(round(3300 * s)::int, 40) AS communes,
       greatest(round(34 * s)::int, 3) AS provinces,
       greatest(round(2000 * s)::int, 20) AS clusters,
       greatest(round(500 * s)::int, 6) AS zones,
       greatest(round(2000 * s)::int, 20) AS energy,
       greatest(round(300 * s)::int, 4) AS plants,
       greatest(round(30000 * s)::int, 100) AS tenants,
       greatest(round(100000 * s)::int, 200) AS lots,
       'synthetic: clustermap seed --synthetic national (generated, not real data)'::text AS source
  FROM (SELECT current_setting('synthetic.scale')::float8 AS s) p;

-- History is written below, directly, with its dates; the triggers that would date every version
-- "now" are off until then.
ALTER TABLE clusters DISABLE TRIGGER clusters_history;
ALTER TABLE raw_material_zones DISABLE TRIGGER raw_material_zones_history;
ALTER TABLE energy DISABLE TRIGGER energy_history;
ALTER TABLE plants DISABLE TRIGGER plants_history;
ALTER TABLE roads DISABLE TRIGGER roads_history;
ALTER TABLE tenants DISABLE TRIGGER tenants_history;

-- h(i, salt) ∈ [0, 1): a hash of a row number, the only "randomness" used.
CREATE FUNCTION pg_temp.h(i bigint, salt int) RETURNS float8 LANGUAGE sql IMMUTABLE
  RETURN ((('x' || substr(md5(i::text || ':' || salt::text), 1, 8))::bit(32)::bigint) / 4294967296.0);

-- A smooth displacement of ~100 m applied to every vertex: edges get the wiggle of a surveyed
-- boundary, and shared edges stay shared (the same point moves the same way in both units). Its
-- slope stays well under 1, so no ring crosses itself.
CREATE FUNCTION pg_temp.warp(g geometry) RETURNS geometry LANGUAGE sql IMMUTABLE
  RETURN ST_SetSRID(ST_Collect(ARRAY(
    SELECT ST_MakePolygon(r.rings[1], r.rings[2:])
      FROM (SELECT p.n, array_agg(p.ring ORDER BY p.k) AS rings
              FROM (SELECT (d.path)[1] AS n, (d.path)[2] AS k,
                           ST_MakeLine(array_agg(ST_MakePoint(
                             ST_X(d.geom) + 0.0010 * sin(ST_Y(d.geom) * 251 + ST_X(d.geom) * 83) + 0.0004 * sin(ST_X(d.geom) * 613 - ST_Y(d.geom) * 397),
                             ST_Y(d.geom) + 0.0010 * cos(ST_X(d.geom) * 239 - ST_Y(d.geom) * 67) + 0.0004 * sin(ST_Y(d.geom) * 587 + ST_X(d.geom) * 521))
                             ORDER BY (d.path)[3])) AS ring
                      FROM ST_DumpPoints(ST_Multi(g)) d
                     GROUP BY 1, 2) p
             GROUP BY p.n) r)), 4326);

CREATE TEMP TABLE syn_territory ON COMMIT DROP AS
SELECT ST_Union(
         ST_Buffer(ST_GeomFromText('LINESTRING(103.0 22.4, 105.6 21.1, 105.9 19.6, 106.7 18.1, 107.9 16.3, 108.6 14.4, 108.9 12.6, 107.6 11.2, 106.3 10.4, 105.1 9.2)', 4326), 0.55, 'quad_segs=24'),
         ST_Buffer(ST_SetSRID(ST_MakePoint(104.5, 21.8), 4326), 0.95, 'quad_segs=24')) AS geom;

-- Communes: the Voronoi cells of pseudo-random points, cut to the territory, detailed (160 m
-- between vertices) and warped. Provinces: groups of communes nearest to each province's point,
-- so a province's outline is exactly its communes' outer edges.
CREATE TEMP TABLE syn_commune_points ON COMMIT DROP AS
SELECT (d.path)[1] AS n, d.geom
  FROM syn_territory t, syn_param p, ST_Dump(ST_GeneratePoints(t.geom, p.communes, 2811)) d;
CREATE TEMP TABLE syn_province_points ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY ST_Y(d.geom) DESC, ST_X(d.geom)) AS n, d.geom
  FROM syn_territory t, syn_param p, ST_Dump(ST_GeneratePoints(t.geom, p.provinces, 1945)) d;

CREATE TEMP TABLE syn_cells ON COMMIT DROP AS
SELECT v.geom
  FROM syn_territory t,
       ST_Dump(ST_VoronoiPolygons((SELECT ST_Collect(geom ORDER BY n) FROM syn_commune_points), 0, t.geom)) v;
CREATE INDEX ON syn_cells USING gist (geom);

CREATE TEMP TABLE syn_communes ON COMMIT DROP AS
SELECT cp.n,
       (SELECT pp.n FROM syn_province_points pp ORDER BY pp.geom <-> cp.geom, pp.n LIMIT 1) AS province,
       cp.geom AS seed_point,
       ST_Multi(ST_CollectionExtract(ST_MakeValid(pg_temp.warp(ST_Segmentize(ST_Intersection(cell.geom, t.geom), 0.0015))), 3)) AS geom
  FROM syn_commune_points cp
  CROSS JOIN syn_territory t
  JOIN LATERAL (SELECT c.geom FROM syn_cells c WHERE ST_Intersects(c.geom, cp.geom) LIMIT 1) cell ON true;
DELETE FROM syn_communes WHERE ST_IsEmpty(geom) OR NOT ST_IsValid(geom);

-- Codes in the national style (5 digits), numbered north to south.
CREATE TEMP TABLE syn_units ON COMMIT DROP AS
SELECT c.n, row_number() OVER (ORDER BY c.n) AS rn, lpad(c.province::text, 2, '0') AS province_code,
       lpad(row_number() OVER (ORDER BY ST_Y(c.seed_point) DESC, ST_X(c.seed_point))::text, 5, '0') AS code,
       c.seed_point, c.geom
  FROM syn_communes c;
CREATE INDEX ON syn_units USING gist (geom);

-- The provinces (from 01/07/2025, as the merged ones) and their communes, then the same communes as
-- the tiled administrative layer, whose table is named for the districts it held before 2025.
INSERT INTO admin_units (level, code, name, name_ascii, kind, valid_from, geom, view_lon, view_lat, view_zoom, established_by, sources)
SELECT 'province', u.province_code, 'Tỉnh giả lập ' || u.province_code, 'Tinh gia lap ' || u.province_code, 'province',
       '2025-07-01', ST_Multi(ST_Union(u.geom)),
       round(ST_X(ST_Centroid(ST_Collect(u.seed_point)))::numeric, 4), round(ST_Y(ST_Centroid(ST_Collect(u.seed_point)))::numeric, 4), 8,
       'giả lập', ARRAY[(SELECT source FROM syn_param)]
  FROM syn_units u GROUP BY u.province_code ORDER BY u.province_code;

INSERT INTO admin_units (level, code, name, name_ascii, kind, parent_id, valid_from, geom, established_by, sources)
SELECT 'commune', u.code, CASE WHEN pg_temp.h(u.n, 1) < 0.2 THEN 'Phường giả lập ' ELSE 'Xã giả lập ' END || u.code,
       CASE WHEN pg_temp.h(u.n, 1) < 0.2 THEN 'Phuong gia lap ' ELSE 'Xa gia lap ' END || u.code,
       CASE WHEN pg_temp.h(u.n, 1) < 0.2 THEN 'ward' ELSE 'commune' END,
       (SELECT id FROM admin_units p WHERE p.level = 'province' AND p.code = u.province_code),
       '2025-07-01', u.geom, 'giả lập', ARRAY[(SELECT source FROM syn_param)]
  FROM syn_units u ORDER BY u.code;

INSERT INTO districts (code, name, name_ascii, kind, parent_code, geom, geometry_quality, placement, sources)
SELECT u.code, 'Xã giả lập ' || u.code, 'Xa gia lap ' || u.code, 'district', u.province_code,
       u.geom, 'indicative', 'synthetic: a Voronoi cell of a generated point, warped', ARRAY[(SELECT source FROM syn_param)]
  FROM syn_units u ORDER BY u.code;

-- Clusters and parks: a point in a commune (the n-th generated point of that commune's cell),
-- three in four drawn as a rotated rectangle of their planned area, the rest points.
CREATE TEMP TABLE syn_sites ON COMMIT DROP AS
SELECT k AS n, u.code AS commune_code, u.n AS unit_n,
       (ST_Dump(ST_GeneratePoints(u.geom, 1, 1000 + k::int))).geom AS pt
  FROM syn_param p
 CROSS JOIN generate_series(1, p.clusters) k
  JOIN syn_units u ON u.rn = 1 + floor(pg_temp.h(k, 2) * (SELECT count(*) FROM syn_units));

INSERT INTO clusters (name, kind, district_code, commune, commune_code, status, planned_area_ha, established_area_ha,
                      industrial_land_ha, leased_land_ha, investor, target_industries, decision_number, decision_date,
                      road_status, water_status, wastewater_status, power_status, geom, geometry_quality, placement, notes, sources)
SELECT CASE WHEN s.kind = 'kcn' THEN 'KCN giả lập ' ELSE 'CCN giả lập ' END || lpad(s.n::text, 4, '0'),
       s.kind::cluster_kind, s.commune_code, 'Xã giả lập ' || s.commune_code, s.commune_code, s.stage::cluster_stage,
       s.ha, CASE WHEN s.stage <> 'planned' THEN s.ha END,
       round(s.ha * 0.7, 1),
       CASE WHEN s.stage IN ('operating', 'expanded') THEN round(s.ha * 0.7 * pg_temp.h(s.n, 5)::numeric, 1) END,
       CASE WHEN s.stage <> 'planned' THEN 'Công ty giả lập ' || lpad((s.n % 400)::text, 3, '0') END,
       string_to_array((ARRAY['chế biến nông sản', 'chế biến gỗ', 'cơ khí;vật liệu xây dựng', 'dệt may', 'chế biến cà phê', 'chế biến sắn'])[1 + (s.n % 6)], ';'),
       CASE WHEN s.stage <> 'planned' THEN s.n || '/QĐ-GL' END,
       CASE WHEN s.stage <> 'planned' THEN date '2012-01-01' + (pg_temp.h(s.n, 6) * 4700)::int END,
       s.infra::infra_status, s.infra::infra_status, s.infra::infra_status, s.infra::infra_status,
       CASE WHEN pg_temp.h(s.n, 7) < 0.75 THEN
         ST_Multi(ST_Rotate(ST_MakeEnvelope(ST_X(s.pt) - s.w, ST_Y(s.pt) - s.w / 1.6, ST_X(s.pt) + s.w, ST_Y(s.pt) + s.w / 1.6, 4326),
                            pg_temp.h(s.n, 8) * pi(), s.pt))
       ELSE s.pt END,
       'indicative', 'synthetic: a generated point in the commune', 'Dữ liệu giả lập để đo hiệu năng, không phải số liệu thật.',
       ARRAY[(SELECT source FROM syn_param)]
  FROM (SELECT x.*, CASE WHEN pg_temp.h(x.n, 3) < 0.2 THEN 'kcn' ELSE 'ccn' END AS kind,
               (ARRAY['planned', 'investor_selected', 'established', 'under_construction', 'operating', 'operating', 'expanded'])[1 + floor(pg_temp.h(x.n, 4) * 7)::int] AS stage,
               (ARRAY['none', 'planned', 'under_construction', 'in_use'])[1 + floor(pg_temp.h(x.n, 9) * 4)::int] AS infra,
               round((10 + pg_temp.h(x.n, 10) * 65)::numeric, 1) * CASE WHEN pg_temp.h(x.n, 3) < 0.2 THEN 4 ELSE 1 END AS ha,
               -- half-width in degrees of a rectangle of ha hectares with sides 1.6 : 1 (1 ha = 100 m × 100 m)
               sqrt((10 + pg_temp.h(x.n, 10) * 65) * CASE WHEN pg_temp.h(x.n, 3) < 0.2 THEN 4 ELSE 1 END * 1.6) * 0.0009 / 2 AS w
          FROM syn_sites x) s
 ORDER BY s.n;

-- Raw-material zones: discs of 3–12 km around generated points, cut to the territory, with a
-- stated area of 40 % of their surface (as the real sources state one figure per zone).
INSERT INTO raw_material_zones (name, crop, area_ha, reference_year, geom, geometry_quality, placement, notes, sources)
SELECT 'Vùng ' || z.crop || ' giả lập ' || lpad(z.n::text, 3, '0'), z.crop::crop,
       round((ST_Area(z.geom::geography) / 1e4 * 0.4)::numeric, 0), 2024, z.geom, 'indicative',
       'synthetic: a disc around a generated point', 'Dữ liệu giả lập.', ARRAY[(SELECT source FROM syn_param)]
  FROM (SELECT d.path[1] AS n,
               (ARRAY['coffee', 'cassava', 'sugarcane', 'rubber', 'pepper', 'cashew'])[1 + floor(pg_temp.h(d.path[1], 11) * 6)::int] AS crop,
               ST_Multi(ST_CollectionExtract(ST_Intersection(t.geom,
                 ST_Buffer(d.geom::geography, 3000 + pg_temp.h(d.path[1], 12) * 9000, 'quad_segs=8')::geometry), 3)) AS geom
          FROM syn_territory t, syn_param p, ST_Dump(ST_GeneratePoints(t.geom, p.zones, 31)) d) z
 WHERE NOT ST_IsEmpty(z.geom)
 ORDER BY z.n;

INSERT INTO energy (name, kind, capacity_mw, status, geom, geometry_quality, placement, notes, sources)
SELECT 'Dự án năng lượng giả lập ' || lpad(d.path[1]::text, 4, '0'),
       (ARRAY['hydro', 'solar', 'wind', 'biomass'])[1 + floor(pg_temp.h(d.path[1], 13) * 4)::int]::energy_kind,
       round((1 + pg_temp.h(d.path[1], 14) * 199)::numeric, 1),
       (ARRAY['planned', 'under_construction', 'operating', 'operating'])[1 + floor(pg_temp.h(d.path[1], 15) * 4)::int]::project_status,
       d.geom, 'indicative', 'synthetic: a generated point', 'Dữ liệu giả lập.', ARRAY[(SELECT source FROM syn_param)]
  FROM syn_territory t, syn_param p, ST_Dump(ST_GeneratePoints(t.geom, p.energy, 41)) d
 ORDER BY d.path[1];

INSERT INTO plants (name, kind, crop, capacity, capacity_unit, status, geom, geometry_quality, placement, notes, sources)
SELECT 'Nhà máy giả lập ' || lpad(d.path[1]::text, 3, '0'), 'processing',
       (ARRAY['coffee', 'cassava', 'sugarcane', 'rubber'])[1 + floor(pg_temp.h(d.path[1], 16) * 4)::int]::crop,
       round((50 + pg_temp.h(d.path[1], 17) * 950)::numeric, 0), 'tấn/ngày', 'operating',
       d.geom, 'indicative', 'synthetic: a generated point', 'Dữ liệu giả lập.', ARRAY[(SELECT source FROM syn_param)]
  FROM syn_territory t, syn_param p, ST_Dump(ST_GeneratePoints(t.geom, p.plants, 43)) d
 ORDER BY d.path[1];

-- Roads: the spine as a trunk road, and roads between pairs of province points.
INSERT INTO roads (ref, name, geom, geometry_quality, placement, notes, sources)
SELECT 'QL900', 'Quốc lộ giả lập 900',
       ST_Multi(ST_Segmentize(ST_GeomFromText('LINESTRING(103.0 22.4, 105.6 21.1, 105.9 19.6, 106.7 18.1, 107.9 16.3, 108.6 14.4, 108.9 12.6, 107.6 11.2, 106.3 10.4, 105.1 9.2)', 4326), 0.01)),
       'indicative'::geometry_quality, 'synthetic: the territory''s spine', 'Dữ liệu giả lập.', ARRAY[(SELECT source FROM syn_param)]
UNION ALL
SELECT 'QL' || (900 + a.n), 'Quốc lộ giả lập ' || (900 + a.n), ST_Multi(ST_Segmentize(ST_MakeLine(a.geom, b.geom), 0.01)),
       'indicative'::geometry_quality, 'synthetic: between two province points', 'Dữ liệu giả lập.', ARRAY[(SELECT source FROM syn_param)]
  FROM syn_province_points a JOIN syn_province_points b ON b.n = a.n + 1;

-- Tenants of clusters in operation; their sums are set once below (the per-row trigger would
-- update the cluster once per tenant).
ALTER TABLE tenants DISABLE TRIGGER tenants_sum;
INSERT INTO tenants (cluster_id, investor, industry, vsic, leased_ha, plot, jobs, status, registered_on, sources, created_by)
SELECT c.id, 'Doanh nghiệp giả lập ' || k, 'chế biến', (ARRAY['1010', '1061', '1079', '1610', '2395', '1410'])[1 + (k % 6)],
       greatest(round((c.leased_land_ha / 40)::numeric, 2), 0.01), 'Lô ' || (k % 97), 20 + (k % 300),
       (ARRAY['registered', 'under_construction', 'operating', 'operating', 'operating', 'stopped'])[1 + floor(pg_temp.h(k, 18) * 6)::int]::tenant_status,
       date '2015-01-01' + (pg_temp.h(k, 19) * 4000)::int, ARRAY[(SELECT source FROM syn_param)], 'synthetic'
  FROM syn_param p
 CROSS JOIN generate_series(1, p.tenants) k
  JOIN (SELECT id, leased_land_ha, row_number() OVER (ORDER BY id) AS rn FROM clusters WHERE leased_land_ha > 0) c
    ON c.rn = 1 + floor(pg_temp.h(k, 20) * (SELECT count(*) FROM clusters WHERE leased_land_ha > 0))
 ORDER BY k;
ALTER TABLE tenants ENABLE TRIGGER tenants_sum;
UPDATE clusters k SET (tenant_leased_ha, tenants_count, tenants_as_of) =
       (SELECT sum(t.leased_ha) FILTER (WHERE t.status <> 'stopped'), count(*) FILTER (WHERE t.status <> 'stopped'), max(t.updated_at)::date
          FROM tenants t WHERE t.cluster_id = k.id)
 WHERE EXISTS (SELECT 1 FROM tenants t WHERE t.cluster_id = k.id);

-- Lots: every cluster drawn as a footprint is cut into lots, as a detailed plan cuts it: the
-- Voronoi cells of generated points in the footprint, clipped to it, so lots tile the cluster
-- without gaps or overlaps. Each cluster has lots in proportion to its area (about 100,000 in
-- all at scale 1); most are for factories, the rest services, infrastructure and green space;
-- a lot of a cluster that leases is leased with the cluster's leased share as its chance.
INSERT INTO lots (code, cluster_id, land_use, status, geom, geometry_quality, placement, notes, sources)
SELECT c.name || ' · L-' || lpad(v.k::text, 3, '0'), c.id,
       (ARRAY['industrial', 'industrial', 'industrial', 'industrial', 'industrial', 'industrial', 'services', 'infrastructure', 'green'])
         [1 + floor(pg_temp.h(c.id * 1000 + v.k, 26) * 9)::int]::lot_land_use,
       CASE WHEN c.status = 'planned' THEN 'not_offered'
            WHEN pg_temp.h(c.id * 1000 + v.k, 27) < coalesce(c.leased_land_ha / nullif(c.industrial_land_ha, 0), 0) THEN 'leased'
            WHEN pg_temp.h(c.id * 1000 + v.k, 27) > 0.95 THEN 'reserved'
            ELSE 'free' END::lot_status,
       v.geom, 'indicative', 'synthetic: a Voronoi cell of generated points in the cluster', 'Dữ liệu giả lập.',
       ARRAY[(SELECT source FROM syn_param)]
  FROM (SELECT c.*, greatest(2, round(ST_Area(c.geom::geography) / 1e4 * (SELECT lots FROM syn_param)
                     / (SELECT sum(ST_Area(geom::geography) / 1e4) FROM clusters WHERE ST_Dimension(geom) = 2)))::int AS n
          FROM clusters c WHERE ST_Dimension(c.geom) = 2) c
 CROSS JOIN LATERAL (
   SELECT row_number() OVER (ORDER BY ST_Y(ST_PointOnSurface(cell.geom)) DESC, ST_X(ST_PointOnSurface(cell.geom))) AS k,
          ST_Multi(ST_CollectionExtract(ST_Intersection(cell.geom, c.geom), 3)) AS geom
     FROM ST_Dump(ST_VoronoiPolygons(ST_GeneratePoints(c.geom, c.n, c.id::int), 0, c.geom)) cell) v
 WHERE NOT ST_IsEmpty(v.geom)
 ORDER BY c.id, v.k;

-- History: every feature's versions, dated from 2021 to November 2026 in order, the last one the
-- row as it is now. Clusters have 20–99 versions (their figures grow towards today's), energy
-- projects 5–14, tenants 1–3, the rest one. ~200,000 versions at scale 1.
INSERT INTO feature_versions (layer, fid, version, op, actor, actor_role, at, props, geom)
SELECT 'clusters', c.id, v, CASE WHEN v = 1 THEN 'insert' ELSE 'update' END, 'synthetic', 'cli',
       CASE WHEN v = n THEN now() ELSE timestamptz '2021-01-01 08:00+07' + (v - 1 + pg_temp.h(c.id * 1000 + v, 22)) / n * interval '2160 days' END,
       CASE WHEN v = n THEN to_jsonb(c) - 'geom' - 'geom_3857'
            ELSE jsonb_set(to_jsonb(c) - 'geom' - 'geom_3857', '{leased_land_ha}',
                           coalesce(to_jsonb(round(c.leased_land_ha * v / n, 1)), 'null'::jsonb)) END,
       c.geom
  FROM clusters c
  CROSS JOIN LATERAL (SELECT 20 + floor(pg_temp.h(c.id, 21) * 80)::int AS n) k
  CROSS JOIN LATERAL generate_series(1, k.n) v;

INSERT INTO feature_versions (layer, fid, version, op, actor, actor_role, at, props, geom)
SELECT 'energy', e.id, v, CASE WHEN v = 1 THEN 'insert' ELSE 'update' END, 'synthetic', 'cli',
       CASE WHEN v = n THEN now() ELSE timestamptz '2021-01-01 08:00+07' + (v - 1 + pg_temp.h(e.id * 1000 + v, 23)) / n * interval '2160 days' END,
       to_jsonb(e) - 'geom' - 'geom_3857', e.geom
  FROM energy e
  CROSS JOIN LATERAL (SELECT 5 + floor(pg_temp.h(e.id, 24) * 10)::int AS n) k
  CROSS JOIN LATERAL generate_series(1, k.n) v;

INSERT INTO feature_versions (layer, fid, version, op, actor, actor_role, at, props, geom)
SELECT 'tenants', t.id, v, CASE WHEN v = 1 THEN 'insert' ELSE 'update' END, 'synthetic', 'cli',
       CASE WHEN v = n THEN now() ELSE t.registered_on + (v - 1) * interval '200 days' END,
       to_jsonb(t), NULL
  FROM tenants t
  CROSS JOIN LATERAL (SELECT 1 + floor(pg_temp.h(t.id, 25) * 3)::int AS n) k
  CROSS JOIN LATERAL generate_series(1, k.n) v;

INSERT INTO feature_versions (layer, fid, version, op, actor, actor_role, at, props, geom)
SELECT x.layer, x.id, 1, 'insert', 'synthetic', 'cli', now(), x.props, x.geom
  FROM (SELECT 'raw_material_zones' AS layer, id, to_jsonb(z) - 'geom' - 'geom_3857' AS props, geom FROM raw_material_zones z
        UNION ALL SELECT 'plants', id, to_jsonb(p) - 'geom' - 'geom_3857', geom FROM plants p
        UNION ALL SELECT 'roads', id, to_jsonb(r) - 'geom' - 'geom_3857', geom FROM roads r) x;

-- The deferred triggers (a layer's version, the territory) fire now: a table with trigger events
-- pending cannot be altered.
SET CONSTRAINTS ALL IMMEDIATE;
ALTER TABLE clusters ENABLE TRIGGER clusters_history;
ALTER TABLE raw_material_zones ENABLE TRIGGER raw_material_zones_history;
ALTER TABLE energy ENABLE TRIGGER energy_history;
ALTER TABLE plants ENABLE TRIGGER plants_history;
ALTER TABLE roads ENABLE TRIGGER roads_history;
ALTER TABLE tenants ENABLE TRIGGER tenants_history;
