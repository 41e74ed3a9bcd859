-- +goose Up
-- The tenant register: the secondary projects (dự án thứ cấp) in each cluster, with investor,
-- industry (VSIC), leased area and plot, capital, jobs, status and dates, each with its sources.
--
-- Where a cluster has tenants, its leased land is theirs (the land of those not stopped), and its
-- occupancy, free land and the Decree 32/2024 verdicts are computed from it by the analyses, which
-- say so. The stated figures (leased_land_ha, occupancy_pct) are never overwritten: they stay, with
-- their date, as the fallback where no tenant is recorded or every one has stopped.
-- The register's sums are kept on the cluster by trigger (tenant_leased_ha, tenants_count,
-- tenants_as_of), so that every reader (tiles, summaries, eligibility) reads one row.

CREATE TYPE tenant_status AS ENUM ('registered', 'under_construction', 'operating', 'stopped');

CREATE TABLE tenants (
  id                        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  cluster_id                bigint NOT NULL REFERENCES clusters (id) ON DELETE CASCADE,
  investor                  text NOT NULL CHECK (btrim(investor) <> '' AND length(investor) <= 300),
  industry                  text CHECK (length(industry) <= 300),
  -- VSIC 2018 code (Quyết định 27/2018/QĐ-TTg), as far as the source gives it: 1 to 5 digits.
  vsic                      text CHECK (vsic ~ '^[0-9]{1,5}$'),
  leased_ha                 numeric CHECK (leased_ha > 0 AND leased_ha < 10000),
  plot                      text CHECK (length(plot) <= 100),
  registered_capital_vnd_bn numeric CHECK (registered_capital_vnd_bn >= 0),
  disbursed_vnd_bn          numeric CHECK (disbursed_vnd_bn >= 0),
  jobs                      integer CHECK (jobs >= 0),
  status                    tenant_status NOT NULL,
  registered_on             date,
  started_on                date,
  notes                     text CHECK (length(notes) <= 4000),
  sources                   text[] NOT NULL CHECK (sources_ok(sources)),
  created_by                text NOT NULL DEFAULT coalesce(workspace_setting('user'), 'cli:' || session_user),
  created_at                timestamptz NOT NULL DEFAULT now(),
  updated_at                timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tenants_cluster_idx ON tenants (cluster_id);

ALTER TABLE clusters
  ADD COLUMN tenant_leased_ha numeric,
  ADD COLUMN tenants_count integer NOT NULL DEFAULT 0,
  ADD COLUMN tenants_as_of date;

-- The register's sums on the cluster. SECURITY DEFINER: a commune office that records a tenant of
-- its cluster moves these derived columns, which it does not write itself.
-- +goose StatementBegin
CREATE FUNCTION tenants_sum() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  c bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.cluster_id ELSE NEW.cluster_id END;
BEGIN
  UPDATE clusters k SET (tenant_leased_ha, tenants_count, tenants_as_of) =
         (SELECT sum(t.leased_ha) FILTER (WHERE t.status <> 'stopped'),
                 count(*) FILTER (WHERE t.status <> 'stopped'),
                 max(t.updated_at)::date
            FROM tenants t WHERE t.cluster_id = c)
   WHERE k.id = c;
  RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER tenants_sum AFTER INSERT OR UPDATE OR DELETE ON tenants
  FOR EACH ROW EXECUTE FUNCTION tenants_sum();

-- A territory's office keeps its own clusters' register: the derived sums move with it.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION workspace_district_scope() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  allowed text[] := ARRAY['status', 'occupancy_pct', 'leased_land_ha', 'road_status', 'water_status',
                          'wastewater_status', 'power_status', 'contact', 'updated_at', 'geom_3857',
                          'tenant_leased_ha', 'tenants_count', 'tenants_as_of'];
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

-- History: every change of a tenant is a version (feature_versions, layer 'tenants', no geometry),
-- written by trigger like the map layers', so a change is attributable and can be read back.
-- +goose StatementBegin
CREATE FUNCTION record_row_version() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  r record;
  v integer;
BEGIN
  IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
  SELECT coalesce(max(version), 0) + 1 INTO v FROM feature_versions WHERE layer = TG_ARGV[0] AND fid = r.id;
  INSERT INTO feature_versions (layer, fid, version, op, actor, actor_role, request_id, comment, proposal_id, at, props, geom)
  VALUES (TG_ARGV[0], r.id, v, lower(TG_OP), coalesce(workspace_setting('user'), 'cli:' || session_user),
          coalesce(workspace_setting('role'), 'cli'), workspace_setting('request_id'), workspace_setting('comment'),
          workspace_setting('proposal')::bigint, clock_timestamp(), to_jsonb(r), NULL);
  RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER tenants_history AFTER INSERT OR UPDATE OR DELETE ON tenants
  FOR EACH ROW EXECUTE FUNCTION record_row_version('tenants');

-- Who keeps the register: the department, and the office of the cluster's territory (the
-- commune manages the clusters on its territory and reports on them, Decree 139/2025 Art. 11).
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_read ON tenants FOR SELECT TO clustermap_editor USING (true);
CREATE POLICY workspace_write ON tenants FOR ALL TO clustermap_editor
  USING (EXISTS (SELECT 1 FROM clusters x WHERE x.id = cluster_id AND workspace_owns(x.district_code, x.commune_code, x.province_code)))
  WITH CHECK (EXISTS (SELECT 1 FROM clusters x WHERE x.id = cluster_id AND workspace_owns(x.district_code, x.commune_code, x.province_code)));
GRANT SELECT, INSERT, UPDATE ON tenants TO clustermap_editor;
GRANT USAGE, SELECT ON SEQUENCE tenants_id_seq TO clustermap_editor;

-- +goose Down
DROP TABLE IF EXISTS tenants;
DROP FUNCTION IF EXISTS tenants_sum, record_row_version;
ALTER TABLE clusters DROP COLUMN tenant_leased_ha, DROP COLUMN tenants_count, DROP COLUMN tenants_as_of;
DROP TYPE IF EXISTS tenant_status;
