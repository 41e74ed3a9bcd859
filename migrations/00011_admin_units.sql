-- +goose Up
-- Administrative units with validity dates, and the province as data.
--
-- Vietnam changed its units on 1 July 2025: provinces were merged (Nghị quyết 202/2025/QH15) and
-- district-level units were abolished, leaving provinces and communes/wards. A record made in 2024
-- names a district; one made today names a commune; an answer "as of" a date must use the units
-- valid on that date. So units of every level live in one register, each with the day it began
-- and the last day it was valid, its parent, its official code and the units it was formed from.
-- An official code can be reused by a later unit (a merged province or commune keeps the code of
-- one of its predecessors), so a code is unique per level only among units valid at the same time.
--
-- District rows mirror the districts layer (the published, tiled layer of pre-2025 units): a
-- trigger keeps them in step, and each province's outline is the union of its districts' (or,
-- for a province formed by merger, of its predecessors'). No boundary is drawn that no source
-- gives: a commune without a sourced layer has no geometry, and is found through the records that
-- name it (a cluster's commune_code) instead.
--
-- Every layer's features carry province_code, the province valid today in which they lie (by the
-- point on the feature's surface), kept by trigger, so that /api, /ogc and tiles filter by it
-- with an index and no spatial work per request.
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TYPE admin_level AS ENUM ('province', 'district', 'commune');

CREATE TABLE admin_units (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  level          admin_level NOT NULL,
  code           text NOT NULL CHECK (code ~ '^[0-9]{2,5}$'),
  name           text NOT NULL CHECK (btrim(name) <> ''),
  name_ascii     text NOT NULL CHECK (name_ascii ~ '^[\x20-\x7E]+$'),
  -- province | city (thành phố) | town (thị xã) | district (huyện) | ward (phường) |
  -- commune (xã) | special_zone (đặc khu)
  kind           text NOT NULL CHECK (kind IN ('province', 'city', 'town', 'district', 'ward', 'commune', 'special_zone')),
  parent_id      bigint REFERENCES admin_units (id) ON DELETE CASCADE,
  -- First and last day of validity; NULL: before what ClusterMap records / still valid.
  valid_from     date,
  valid_to       date,
  -- The units it was formed from, when ClusterMap holds them; formed_from_text names them as the
  -- legal act does when it does not (the former communes of a 2025 commune).
  formed_from    bigint[] NOT NULL DEFAULT '{}',
  formed_from_text text,
  -- Pre-2025 district codes whose communes formed this unit: the crosswalk from a district
  -- record to the communes that now hold its territory.
  former_district_codes text[] NOT NULL DEFAULT '{}',
  established_by text,
  geom           geometry(MultiPolygon, 4326) CHECK (geom IS NULL OR (ST_IsValid(geom) AND NOT ST_IsEmpty(geom))),
  -- A province's default map view: where the web map opens on it.
  view_lon       double precision CHECK (view_lon BETWEEN -180 AND 180),
  view_lat       double precision CHECK (view_lat BETWEEN -90 AND 90),
  view_zoom      smallint CHECK (view_zoom BETWEEN 0 AND 20),
  sources        text[] NOT NULL CHECK (sources_ok(sources)),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  CHECK (valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from),
  CONSTRAINT admin_units_code_once EXCLUDE USING gist
    (level WITH =, code WITH =, daterange(valid_from, valid_to, '[]') WITH &&)
);
CREATE INDEX admin_units_geom_idx ON admin_units USING gist (geom);
CREATE INDEX admin_units_parent_idx ON admin_units (parent_id);
CREATE INDEX admin_units_former_districts_idx ON admin_units USING gin (former_district_codes);

-- The unit of a level and code valid on day d.
CREATE FUNCTION admin_unit_on(l admin_level, c text, d date) RETURNS bigint
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN (SELECT u.id FROM admin_units u
           WHERE u.level = l AND u.code = c AND daterange(u.valid_from, u.valid_to, '[]') @> d);

-- A seed's reference to a unit, "level:code@date": the unit of that level and code valid on that
-- date. An empty reference is NULL; one that names no unit is an error, never a silent NULL.
-- +goose StatementBegin
CREATE FUNCTION unit_ref(ref text) RETURNS bigint LANGUAGE plpgsql STABLE AS $$
DECLARE
  m text[];
  found bigint;
BEGIN
  IF ref IS NULL OR btrim(ref) = '' THEN
    RETURN NULL;
  END IF;
  m := regexp_match(ref, '^(province|district|commune):([0-9]{2,5})@([0-9]{4}-[0-9]{2}-[0-9]{2})$');
  IF m IS NULL THEN
    RAISE EXCEPTION 'unit reference "%" is not level:code@yyyy-mm-dd', ref USING ERRCODE = '22023';
  END IF;
  found := admin_unit_on(m[1]::admin_level, m[2], m[3]::date);
  IF found IS NULL THEN
    RAISE EXCEPTION 'no % with code % was valid on %', m[1], m[2], m[3] USING ERRCODE = '22023';
  END IF;
  RETURN found;
END $$;
-- +goose StatementEnd

-- The code of the province valid today that holds g (the point on its surface; a feature drawn a
-- little past the outline, as imports allow, goes to the nearest province within ~5 km).
CREATE FUNCTION province_of(g geometry) RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN (SELECT u.code FROM admin_units u
           WHERE u.level = 'province' AND u.geom IS NOT NULL
             AND daterange(u.valid_from, u.valid_to, '[]') @> current_date
             AND ST_DWithin(u.geom, ST_PointOnSurface(g), 0.05)
           ORDER BY ST_Distance(u.geom, ST_PointOnSurface(g)), u.code LIMIT 1);

-- A district belongs to the province it was part of while it existed (parent_code).
ALTER TABLE districts ADD COLUMN parent_code text CHECK (parent_code ~ '^[0-9]{2,3}$');
ALTER TABLE districts DROP COLUMN province;

-- +goose StatementBegin
CREATE FUNCTION set_province_code() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Always derived, never taken from the writer: a cheap index probe of a few province outlines.
  NEW.province_code := CASE WHEN NEW.geom IS NOT NULL THEN province_of(NEW.geom) END;
  RETURN NEW;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['regions', 'districts', 'clusters', 'raw_material_zones', 'plants', 'energy', 'roads', 'proposals'] LOOP
    EXECUTE format('ALTER TABLE %I ADD COLUMN province_code text', t);
    EXECUTE format('CREATE INDEX %I ON %I (province_code)', t || '_province_idx', t);
    EXECUTE format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE ON %I
                    FOR EACH ROW EXECUTE FUNCTION set_province_code()', 'aa_' || t || '_province', t);
  END LOOP;
END $$;
-- +goose StatementEnd

-- The commune (ward, special zone) valid since 1 July 2025 a cluster or proposal lies in, by
-- official code: stated by a source, or inferred by ClusterMap from the former commune a source
-- names (said in the notes). No commune layer is sourced, so this is a record, not a geometry test.
ALTER TABLE clusters
  ADD COLUMN commune_code text CHECK (commune_code ~ '^[0-9]{5}$'),
  ADD COLUMN commune_basis text CONSTRAINT clusters_commune_basis_ok
    CHECK (commune_basis IS NULL OR (commune_basis IN ('stated', 'inferred') AND commune_code IS NOT NULL));
CREATE INDEX clusters_commune_idx ON clusters (commune_code);
ALTER TABLE proposals ADD COLUMN commune_code text CHECK (commune_code ~ '^[0-9]{5}$');
CREATE INDEX proposals_commune_idx ON proposals (commune_code, status);
-- Which province (as it was when the figure was given) a total is of.
ALTER TABLE province_totals ADD COLUMN unit_id bigint REFERENCES admin_units (id);
ALTER TABLE regions ADD COLUMN scope text;

-- The register's district rows follow the districts layer, and provinces' outlines follow their
-- districts; a change of outline re-assigns every feature's province. Statement-level: a seed
-- of all districts recomputes once.
-- +goose StatementBegin
CREATE FUNCTION admin_units_follow_districts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM admin_units u WHERE u.level = 'district'
     AND NOT EXISTS (SELECT 1 FROM districts d WHERE d.code = u.code);
  INSERT INTO admin_units AS u (level, code, name, name_ascii, kind, parent_id, valid_from, valid_to, established_by, geom, sources)
  SELECT 'district', d.code, d.name, d.name_ascii, d.kind::text,
         admin_unit_on('province', d.parent_code, '2025-06-30'), NULL, '2025-06-30',
         NULL, d.geom, d.sources
    FROM districts d
   WHERE NOT EXISTS (SELECT 1 FROM admin_units x WHERE x.level = 'district' AND x.code = d.code);
  UPDATE admin_units u SET name = d.name, name_ascii = d.name_ascii, kind = d.kind::text,
         parent_id = admin_unit_on('province', d.parent_code, '2025-06-30'), geom = d.geom, sources = d.sources, updated_at = now()
    FROM districts d
   WHERE u.level = 'district' AND u.code = d.code
     AND (u.name, u.name_ascii, u.kind, u.parent_id, ST_AsEWKB(u.geom), u.sources)
         IS DISTINCT FROM (d.name, d.name_ascii, d.kind::text, admin_unit_on('province', d.parent_code, '2025-06-30'), ST_AsEWKB(d.geom), d.sources);
  PERFORM refresh_province_outlines();
  RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER districts_admin_units AFTER INSERT OR UPDATE OR DELETE ON districts
  FOR EACH STATEMENT EXECUTE FUNCTION admin_units_follow_districts();

-- A province's outline: the union of its districts, else of the provinces it was formed from.
-- Only a real change is written, and only then are features re-assigned.
-- +goose StatementBegin
CREATE FUNCTION refresh_province_outlines() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  changed integer;
BEGIN
  -- First the provinces that have districts, then those formed by merging them.
  WITH direct AS (
    SELECT p.id, ST_Multi(ST_Union(c.geom)) AS g
      FROM admin_units p JOIN admin_units c ON c.parent_id = p.id AND c.level = 'district' AND c.geom IS NOT NULL
     WHERE p.level = 'province' GROUP BY p.id),
  upd1 AS (
    UPDATE admin_units p SET geom = d.g, updated_at = now() FROM direct d
     WHERE p.id = d.id AND ST_AsEWKB(p.geom) IS DISTINCT FROM ST_AsEWKB(d.g) RETURNING p.id)
  SELECT count(*) INTO changed FROM upd1;
  WITH merged AS (
    SELECT p.id, ST_Multi(ST_Union(f.geom)) AS g
      FROM admin_units p JOIN admin_units f ON f.id = ANY (p.formed_from) AND f.geom IS NOT NULL
     WHERE p.level = 'province' AND NOT EXISTS (SELECT 1 FROM admin_units c WHERE c.parent_id = p.id AND c.level = 'district')
     GROUP BY p.id),
  upd2 AS (
    UPDATE admin_units p SET geom = m.g, updated_at = now() FROM merged m
     WHERE p.id = m.id AND ST_AsEWKB(p.geom) IS DISTINCT FROM ST_AsEWKB(m.g) RETURNING p.id)
  SELECT changed + count(*) INTO changed FROM upd2;
  IF changed > 0 THEN
    PERFORM reassign_provinces();
  END IF;
END $$;
-- +goose StatementEnd

-- Every feature's province, recomputed (after provinces change). Only rows whose province really
-- changes are written, so an unchanged re-seed writes nothing.
-- +goose StatementBegin
CREATE FUNCTION reassign_provinces() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['regions', 'districts', 'clusters', 'raw_material_zones', 'plants', 'energy', 'roads', 'proposals'] LOOP
    EXECUTE format('UPDATE %I SET province_code = province_of(geom)
                     WHERE geom IS NOT NULL AND province_code IS DISTINCT FROM province_of(geom)', t);
  END LOOP;
END $$;
-- +goose StatementEnd

-- A change of provinces in the register (a province loaded, ended or re-formed) redraws outlines
-- and re-assigns features; loading communes or districts' register rows does not.
-- +goose StatementBegin
CREATE FUNCTION admin_units_provinces_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF pg_trigger_depth() = 1 AND EXISTS (SELECT 1 FROM changed_units WHERE level = 'province') THEN
    PERFORM refresh_province_outlines();
    PERFORM reassign_provinces();
  END IF;
  RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER admin_units_provinces_ins AFTER INSERT ON admin_units REFERENCING NEW TABLE AS changed_units
  FOR EACH STATEMENT EXECUTE FUNCTION admin_units_provinces_changed();
CREATE TRIGGER admin_units_provinces_upd AFTER UPDATE ON admin_units REFERENCING NEW TABLE AS changed_units
  FOR EACH STATEMENT EXECUTE FUNCTION admin_units_provinces_changed();
CREATE TRIGGER admin_units_provinces_del AFTER DELETE ON admin_units REFERENCING OLD TABLE AS changed_units
  FOR EACH STATEMENT EXECUTE FUNCTION admin_units_provinces_changed();

-- The workspace's scopes after the reform. A commune user (UBND cấp xã, which took over the
-- district's tasks for clusters: docs/sources/remits-2025.md) is bound to one commune valid today;
-- a department user may be bound to one province (NULL: every province of the installation).
-- District users keep working on their district's records and are shown as pre-reform accounts.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users DROP CONSTRAINT users_check;
ALTER TABLE users
  ADD COLUMN commune_code text CHECK (commune_code ~ '^[0-9]{5}$'),
  ADD COLUMN province_code text CHECK (province_code ~ '^[0-9]{2,3}$'),
  ADD CONSTRAINT users_role_check CHECK (role IN ('district', 'commune', 'department', 'admin')),
  ADD CONSTRAINT users_scope_check CHECK ((role = 'district') = (district_code IS NOT NULL)
                                          AND (role = 'commune') = (commune_code IS NOT NULL)
                                          AND (province_code IS NULL OR role = 'department'));

-- Whether the acting user's territory holds a record of this district, commune and province.
CREATE FUNCTION workspace_owns(district text, commune text, province text) RETURNS boolean
  LANGUAGE sql STABLE
  RETURN CASE workspace_setting('role')
    WHEN 'department' THEN workspace_setting('province') IS NULL OR province = workspace_setting('province')
    WHEN 'admin' THEN true
    WHEN 'district' THEN district = workspace_setting('district')
    WHEN 'commune' THEN commune = workspace_setting('commune')
    ELSE false END;

-- Whether the acting user may write a row with geometry g. A commune has no sourced boundary, so
-- a commune user's geometry must lie in its province (its records' commune_code does the rest);
-- when an official commune layer is imported, the commune's own outline applies.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION workspace_may_write(g geometry) RETURNS boolean
  LANGUAGE sql STABLE AS $$
  SELECT CASE workspace_setting('role')
    WHEN 'admin' THEN true
    WHEN 'department' THEN workspace_setting('province') IS NULL OR EXISTS (
      SELECT 1 FROM admin_units p
       WHERE p.level = 'province' AND p.code = workspace_setting('province')
         AND daterange(p.valid_from, p.valid_to, '[]') @> current_date
         AND ST_CoveredBy(g, ST_Buffer(p.geom::geography, 50)::geometry))
    WHEN 'district' THEN EXISTS (
      SELECT 1 FROM districts d
       WHERE d.code = workspace_setting('district')
         AND ST_CoveredBy(g, ST_Buffer(d.geom::geography, 50)::geometry))
    WHEN 'commune' THEN EXISTS (
      SELECT 1 FROM admin_units c JOIN admin_units p ON p.id = c.parent_id
       WHERE c.level = 'commune' AND c.code = workspace_setting('commune')
         AND daterange(c.valid_from, c.valid_to, '[]') @> current_date
         AND ST_CoveredBy(g, ST_Buffer(coalesce(c.geom, p.geom)::geography, 50)::geometry))
    ELSE false END
$$;
-- +goose StatementEnd

CREATE OR REPLACE FUNCTION workspace_own_cluster(c bigint) RETURNS boolean
  LANGUAGE sql STABLE
  RETURN c IS NULL OR EXISTS (SELECT 1 FROM public.clusters k
                               WHERE k.id = c AND public.workspace_owns(k.district_code, k.commune_code, k.province_code));

DROP POLICY workspace_read ON proposals;
DROP POLICY workspace_insert ON proposals;
DROP POLICY workspace_update ON proposals;
DROP POLICY workspace_delete ON proposals;
CREATE POLICY workspace_read ON proposals FOR SELECT TO clustermap_editor USING (
  status = 'approved' OR workspace_owns(district_code, commune_code, province_code));
CREATE POLICY workspace_insert ON proposals FOR INSERT TO clustermap_editor WITH CHECK (
  workspace_owns(district_code, commune_code, province_of(geom))
  AND workspace_may_write(geom) AND (workspace_setting('role') IN ('department', 'admin') OR workspace_own_cluster(cluster_id)));
CREATE POLICY workspace_update ON proposals FOR UPDATE TO clustermap_editor
  USING (workspace_owns(district_code, commune_code, province_code))
  WITH CHECK (workspace_owns(district_code, commune_code, province_of(geom))
              AND (workspace_setting('role') IN ('department', 'admin')
                   OR (workspace_may_write(geom) AND workspace_own_cluster(cluster_id))));
CREATE POLICY workspace_delete ON proposals FOR DELETE TO clustermap_editor USING (
  workspace_setting('role') IN ('department', 'admin') AND workspace_owns(district_code, commune_code, province_code)
  OR (workspace_setting('role') IN ('district', 'commune') AND workspace_owns(district_code, commune_code, province_code) AND status = 'draft'));

-- What a local user (a pre-reform district, or a commune today) may change: the stage,
-- occupancy, infrastructure and contact of clusters of its territory; nothing else, nothing created
-- or deleted. Row-level security says where the geometry may be; this trigger says what and whose.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION workspace_district_scope() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  allowed text[] := ARRAY['status', 'occupancy_pct', 'leased_land_ha', 'road_status', 'water_status',
                          'wastewater_status', 'power_status', 'contact', 'updated_at', 'geom_3857'];
  role text := workspace_setting('role');
  unit text := CASE role WHEN 'commune' THEN 'commune' ELSE 'district' END;
  changed text;
BEGIN
  IF role IS NULL OR role NOT IN ('district', 'commune') THEN
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
  END IF;
  IF TG_TABLE_NAME = 'clusters' AND TG_OP = 'UPDATE'
     AND NOT workspace_owns(OLD.district_code, OLD.commune_code, OLD.province_code) THEN
    RAISE EXCEPTION 'this cluster belongs to another %', unit
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  -- Founding and expanding a cluster are the provincial People's Committee's decisions (Decree
  -- 32/2024 Art. 13(2), unchanged by Decree 139/2025): a commune records the stages of building
  -- and operation, not those.
  IF role = 'commune' AND TG_TABLE_NAME = 'clusters' AND TG_OP = 'UPDATE'
     AND NEW.status IS DISTINCT FROM OLD.status AND NEW.status IN ('established', 'expanded') THEN
    RAISE EXCEPTION 'founding and expanding a cluster are decisions of the provincial People''s Committee: a commune user does not record them'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF TG_TABLE_NAME = 'clusters' AND TG_OP = 'UPDATE'
     AND (to_jsonb(NEW) - allowed) = (to_jsonb(OLD) - allowed) THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE' THEN
    SELECT string_agg(n.key, ', ' ORDER BY n.key) INTO changed
      FROM jsonb_each(to_jsonb(NEW) - allowed) n WHERE n.value IS DISTINCT FROM (to_jsonb(OLD) - allowed) -> n.key;
  END IF;
  RAISE EXCEPTION '%', format('a %s user may change only the stage, occupancy, infrastructure and contact of clusters in its %s%s',
    unit, unit, coalesce(' (not: ' || changed || ')', ''))
    USING ERRCODE = 'insufficient_privilege';
END $$;
-- +goose StatementEnd

GRANT SELECT ON admin_units TO clustermap_editor;

-- +goose Down
DROP TRIGGER IF EXISTS admin_units_provinces_ins ON admin_units;
DROP TRIGGER IF EXISTS admin_units_provinces_upd ON admin_units;
DROP TRIGGER IF EXISTS admin_units_provinces_del ON admin_units;
DROP TRIGGER IF EXISTS districts_admin_units ON districts;
ALTER TABLE users DROP CONSTRAINT users_scope_check, DROP CONSTRAINT users_role_check,
  DROP COLUMN commune_code, DROP COLUMN province_code;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('district', 'department', 'admin')),
  ADD CONSTRAINT users_check CHECK ((role = 'district') = (district_code IS NOT NULL));
-- +goose StatementBegin
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['regions', 'districts', 'clusters', 'raw_material_zones', 'plants', 'energy', 'roads', 'proposals'] LOOP
    EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', 'aa_' || t || '_province', t);
    EXECUTE format('ALTER TABLE %I DROP COLUMN IF EXISTS province_code', t);
  END LOOP;
END $$;
-- +goose StatementEnd
ALTER TABLE clusters DROP COLUMN commune_code, DROP COLUMN commune_basis;
ALTER TABLE proposals DROP COLUMN commune_code;
ALTER TABLE province_totals DROP COLUMN unit_id;
ALTER TABLE regions DROP COLUMN scope;
ALTER TABLE districts DROP COLUMN parent_code, ADD COLUMN province text NOT NULL DEFAULT 'Gia Lai';
DROP FUNCTION IF EXISTS admin_units_provinces_changed, reassign_provinces, refresh_province_outlines,
  admin_units_follow_districts, set_province_code, province_of, unit_ref, admin_unit_on, workspace_owns;
DROP TABLE IF EXISTS admin_units;
DROP TYPE IF EXISTS admin_level;
