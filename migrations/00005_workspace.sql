-- +goose Up
-- The zoning workspace: accounts, sessions and API tokens; district-scoped editing
-- enforced by PostgreSQL itself (row-level security); an append-only history of every feature;
-- and the proposals districts draw for new and expanded clusters.
--
-- How the database authorises a write. The service connects as the role that owns the tables
-- (clustermap), and an owner bypasses row-level security. Rather than FORCE ROW LEVEL SECURITY on
-- the owner — which would also bind the migrations, the seed and administrators' imports, and
-- would need an "unset means allowed" escape that a forgotten SET defeats — every write of the
-- workspace runs as clustermap_editor: a NOLOGIN role that owns nothing, so row-level security
-- always applies to it, and that holds only row privileges (no DDL, no TRUNCATE, no UPDATE or
-- DELETE of history, nothing on accounts). Each write transaction does
--   SET LOCAL ROLE clustermap_editor
--   SELECT set_config('clustermap.user' | '.role' | '.district' | '.request_id' | '.comment' | '.proposal', v, true)
-- and the policies read those settings. Settings are transaction-local, so a pooled connection
-- never carries one user's identity into another's request. Roles are cluster-wide: they are
-- created when missing, which needs CREATEROLE on the migrating role (.ci/db.sh grants it).

-- +goose StatementBegin
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'clustermap_editor') THEN
    CREATE ROLE clustermap_editor NOLOGIN;
  END IF;
END $$;
-- +goose StatementEnd
-- The service's role may become the editor (SET ROLE); the editor can never become the owner.
GRANT clustermap_editor TO CURRENT_USER;

-- Accounts. Passwords are argon2id PHC strings; session and API tokens are random 256-bit values
-- of which only the SHA-256 is stored, so a copy of the database logs no one in.
CREATE TABLE users (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name          text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9._-]{1,62}$'),
  role          text NOT NULL CHECK (role IN ('district', 'department', 'admin')),
  -- A district user is bound to one district; the others to none. No foreign key: users may be
  -- created before the districts are loaded; `clustermap user add` checks the code.
  district_code text CHECK (district_code ~ '^[0-9]{3,5}$'),
  password_hash text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  disabled_at   timestamptz,
  CHECK ((role = 'district') = (district_code IS NOT NULL))
);

CREATE TABLE sessions (
  token_hash bytea PRIMARY KEY CHECK (length(token_hash) = 32),
  user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE api_tokens (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
  user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

-- Proposals: a district's drawn boundary for a new cluster or for the expansion of one.
CREATE TYPE proposal_kind AS ENUM ('new', 'expansion');
CREATE TYPE proposal_status AS ENUM ('draft', 'submitted', 'returned', 'approved', 'rejected');
CREATE TABLE proposals (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind              proposal_kind NOT NULL,
  district_code     text NOT NULL REFERENCES districts (code) ON UPDATE CASCADE,
  -- The cluster an expansion enlarges; for a new cluster, the one its approval created.
  cluster_id        bigint REFERENCES clusters (id) ON DELETE SET NULL,
  name              text NOT NULL CHECK (btrim(name) <> ''),
  target_industries text[] NOT NULL DEFAULT '{}',
  -- The list of land to be recovered: [{"parcel": "...", "owner": "...", "area_ha": n, ...}, ...]
  land_recovery     jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(land_recovery) = 'array'),
  notes             text,
  investor          text,
  justification     text,
  geom              geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
  -- Geodesic area on the WGS 84 spheroid, computed by PostGIS.
  area_ha           numeric GENERATED ALWAYS AS (round((ST_Area(geom::geography) / 1e4)::numeric, 2)) STORED,
  status            proposal_status NOT NULL DEFAULT 'draft',
  created_by        text NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  submitted_at      timestamptz,
  reviewed_by       text,
  reviewed_at       timestamptz,
  review_comment    text,
  decision_number   text,
  decision_date     date,
  CHECK (kind = 'new' OR cluster_id IS NOT NULL OR status = 'approved'),
  CHECK (status <> 'approved' OR (decision_number IS NOT NULL AND btrim(decision_number) <> '' AND decision_date IS NOT NULL))
);
CREATE INDEX proposals_geom_idx ON proposals USING gist (geom);
CREATE INDEX proposals_district_idx ON proposals (district_code, status);

-- History: one version per change of an editable feature, written by trigger in the changing
-- transaction. props and geom are the state after the change (for a delete, the state removed).
CREATE TABLE feature_versions (
  layer       text NOT NULL,
  fid         bigint NOT NULL,
  version     integer NOT NULL CHECK (version > 0),
  op          text NOT NULL CHECK (op IN ('baseline', 'insert', 'update', 'delete')),
  actor       text NOT NULL,
  actor_role  text,
  request_id  text,
  comment     text,
  proposal_id bigint,
  at          timestamptz NOT NULL,
  props       jsonb NOT NULL,
  geom        geometry(Geometry, 4326),
  PRIMARY KEY (layer, fid, version)
);
CREATE INDEX feature_versions_at_idx ON feature_versions (layer, at);

CREATE FUNCTION workspace_setting(name text) RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN nullif(current_setting('clustermap.' || name, true), '');

-- The version number is the feature's previous one plus one. Concurrent writers of one feature
-- are serialised by its row lock before this trigger fires, so two versions never share a number
-- (the primary key would refuse it anyway). clock_timestamp(), not now(): a writer that waited
-- for the lock records when its change happened, so times grow with versions.
-- +goose StatementBegin
CREATE FUNCTION record_feature_version() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  r record;
  v integer;
BEGIN
  IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
  SELECT coalesce(max(version), 0) + 1 INTO v
    FROM feature_versions WHERE layer = TG_ARGV[0] AND fid = r.id;
  INSERT INTO feature_versions (layer, fid, version, op, actor, actor_role, request_id, comment, proposal_id, at, props, geom)
  VALUES (TG_ARGV[0], r.id, v, lower(TG_OP),
          coalesce(workspace_setting('user'), 'cli:' || session_user),
          coalesce(workspace_setting('role'), 'cli'),
          workspace_setting('request_id'), workspace_setting('comment'),
          workspace_setting('proposal')::bigint,
          clock_timestamp(), to_jsonb(r) - 'geom' - 'geom_3857', r.geom);
  RETURN NULL;
END $$;
-- +goose StatementEnd

-- History is append-only, for everyone: no grant allows changing it (below), and this trigger
-- refuses it even to a superuser or the owner.
-- +goose StatementBegin
CREATE FUNCTION refuse_history_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'feature history is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
-- +goose StatementEnd
CREATE TRIGGER feature_versions_append_only BEFORE UPDATE OR DELETE ON feature_versions
  FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER feature_versions_no_truncate BEFORE TRUNCATE ON feature_versions
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_change();

-- Whether the acting user may write a row with geometry g: the department and administrators
-- anywhere; a district user only inside its district (covered by it, with 50 m of tolerance for
-- boundaries drawn against the simplified district outline).
-- +goose StatementBegin
CREATE FUNCTION workspace_may_write(g geometry) RETURNS boolean
  LANGUAGE sql STABLE AS $$
  SELECT CASE workspace_setting('role')
    WHEN 'department' THEN true
    WHEN 'admin' THEN true
    WHEN 'district' THEN EXISTS (
      SELECT 1 FROM districts d
       WHERE d.code = workspace_setting('district')
         AND ST_CoveredBy(g, ST_Buffer(d.geom::geography, 50)::geometry))
    ELSE false END
$$;
-- +goose StatementEnd

-- A district user edits only the stage, occupancy, infrastructure and contact of clusters in its
-- district: it creates and deletes nothing, and changes no other column of any layer. Row-level
-- security says where; this trigger says what. It runs last (zz) so that the values other BEFORE
-- triggers derive are compared too.
-- +goose StatementBegin
CREATE FUNCTION workspace_district_scope() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  allowed text[] := ARRAY['status', 'occupancy_pct', 'leased_land_ha', 'road_status', 'water_status',
                          'wastewater_status', 'power_status', 'contact', 'updated_at', 'geom_3857'];
  changed text;
BEGIN
  IF workspace_setting('role') IS DISTINCT FROM 'district' THEN
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
  END IF;
  IF TG_TABLE_NAME = 'clusters' AND TG_OP = 'UPDATE'
     AND (to_jsonb(NEW) - allowed) = (to_jsonb(OLD) - allowed) THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE' THEN
    SELECT string_agg(n.key, ', ' ORDER BY n.key) INTO changed
      FROM jsonb_each(to_jsonb(NEW) - allowed) n WHERE n.value IS DISTINCT FROM (to_jsonb(OLD) - allowed) -> n.key;
  END IF;
  RAISE EXCEPTION 'a district user may change only the stage, occupancy, infrastructure and contact of clusters in its district%',
    coalesce(' (not: ' || changed || ')', '')
    USING ERRCODE = 'insufficient_privilege';
END $$;
-- +goose StatementEnd

-- History, row-level security and the district scope on every editable layer.
-- +goose StatementBegin
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['clusters', 'raw_material_zones', 'plants', 'energy', 'roads'] LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I
                    FOR EACH ROW EXECUTE FUNCTION record_feature_version(%L)', t || '_history', t, t);
    EXECUTE format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE OR DELETE ON %I
                    FOR EACH ROW EXECUTE FUNCTION workspace_district_scope()', 'zz_' || t || '_district_scope', t);
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY workspace_read ON %I FOR SELECT TO clustermap_editor USING (true)', t);
    EXECUTE format('CREATE POLICY workspace_insert ON %I FOR INSERT TO clustermap_editor WITH CHECK (workspace_may_write(geom))', t);
    EXECUTE format('CREATE POLICY workspace_update ON %I FOR UPDATE TO clustermap_editor
                    USING (workspace_may_write(geom)) WITH CHECK (workspace_may_write(geom))', t);
    EXECUTE format('CREATE POLICY workspace_delete ON %I FOR DELETE TO clustermap_editor USING (workspace_may_write(geom))', t);
    -- The features that exist before history does get a baseline version, so every feature has
    -- a version (its ETag) from the start.
    EXECUTE format($q$INSERT INTO feature_versions (layer, fid, version, op, actor, actor_role, at, props, geom)
                    SELECT %L, t.id, 1, 'baseline', 'cli:' || session_user, 'cli', now(),
                           to_jsonb(t) - 'geom' - 'geom_3857', t.geom FROM %I t$q$, t, t);
  END LOOP;
END $$;
-- +goose StatementEnd

-- Proposals: the public (and every role) sees approved ones; a district user its district's; the
-- department and administrators all. A district user writes only its district's proposals, drawn
-- inside it; what a transition may do is the workspace's rule (geo/edit), not a policy's.
ALTER TABLE proposals ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_read ON proposals FOR SELECT TO clustermap_editor USING (
  status = 'approved' OR workspace_setting('role') IN ('department', 'admin')
  OR (workspace_setting('role') = 'district' AND district_code = workspace_setting('district')));
CREATE POLICY workspace_insert ON proposals FOR INSERT TO clustermap_editor WITH CHECK (
  workspace_setting('role') IN ('department', 'admin')
  OR (workspace_setting('role') = 'district' AND district_code = workspace_setting('district') AND workspace_may_write(geom)));
CREATE POLICY workspace_update ON proposals FOR UPDATE TO clustermap_editor
  USING (workspace_setting('role') IN ('department', 'admin')
         OR (workspace_setting('role') = 'district' AND district_code = workspace_setting('district')))
  WITH CHECK (workspace_setting('role') IN ('department', 'admin')
         OR (workspace_setting('role') = 'district' AND district_code = workspace_setting('district') AND workspace_may_write(geom)));
CREATE POLICY workspace_delete ON proposals FOR DELETE TO clustermap_editor USING (
  workspace_setting('role') IN ('department', 'admin')
  OR (workspace_setting('role') = 'district' AND district_code = workspace_setting('district') AND status = 'draft'));

-- What the editor may touch. Row privileges on the editable layers, proposals and the tables their
-- triggers maintain (layer versions, distances, tile generalisations); reading elsewhere; nothing
-- on accounts; districts and regions stay import-only.
GRANT USAGE ON SCHEMA public TO clustermap_editor;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO clustermap_editor;
GRANT INSERT, UPDATE, DELETE ON clusters, raw_material_zones, plants, energy, roads, proposals,
  layer_versions, cluster_distances, cluster_crops, tile_generalised, analysis_state TO clustermap_editor;
GRANT USAGE, SELECT ON SEQUENCE clusters_id_seq, raw_material_zones_id_seq, plants_id_seq, energy_id_seq,
  roads_id_seq, proposals_id_seq TO clustermap_editor;
-- History is written by the SECURITY DEFINER trigger only: the editor cannot forge a version.
REVOKE ALL ON users, sessions, api_tokens FROM clustermap_editor;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON feature_versions FROM clustermap_editor;
-- The service's own role owns the history table; an owner's privileges can be revoked too, so
-- its UPDATE and DELETE fail on permission before the trigger is even reached.
REVOKE UPDATE, DELETE, TRUNCATE ON feature_versions FROM CURRENT_USER;

-- +goose Down
DROP TABLE IF EXISTS feature_versions, proposals, api_tokens, sessions, users CASCADE;
DROP TYPE IF EXISTS proposal_status, proposal_kind;
-- +goose StatementBegin
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['clusters', 'raw_material_zones', 'plants', 'energy', 'roads'] LOOP
    EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', t || '_history', t);
    EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', 'zz_' || t || '_district_scope', t);
    EXECUTE format('DROP POLICY IF EXISTS workspace_read ON %I', t);
    EXECUTE format('DROP POLICY IF EXISTS workspace_insert ON %I', t);
    EXECUTE format('DROP POLICY IF EXISTS workspace_update ON %I', t);
    EXECUTE format('DROP POLICY IF EXISTS workspace_delete ON %I', t);
    EXECUTE format('ALTER TABLE %I DISABLE ROW LEVEL SECURITY', t);
  END LOOP;
END $$;
-- +goose StatementEnd
DROP FUNCTION IF EXISTS workspace_district_scope, workspace_may_write, refuse_history_change,
  record_feature_version, workspace_setting;
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM clustermap_editor;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM clustermap_editor;
REVOKE USAGE ON SCHEMA public FROM clustermap_editor;
