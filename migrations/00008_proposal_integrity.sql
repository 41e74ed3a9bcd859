-- +goose Up
-- Records that cannot contradict each other.
--
-- 1. A district proposes expanding only a cluster of its own district. The drawn land lying in the
--    district is not enough: approving an expansion of another district's cluster would move that
--    cluster into the proposer's district, and edit rights would follow the geometry.
-- 2. A district user changes only clusters whose district_code is its district AND whose boundary
--    lies in it (row-level security checks the geometry; this checks the code).
-- 3. Deleting a cluster while a district's expansion draft names it: the draft is closed as
--    rejected, with the reason, instead of the delete failing on the proposal's CHECK (an
--    expansion must name its cluster until it is decided).

-- +goose StatementBegin
DO $$
DECLARE
  c text;
BEGIN
  SELECT conname INTO c FROM pg_constraint
   WHERE conrelid = 'proposals'::regclass AND contype = 'c'
     AND pg_get_constraintdef(oid) LIKE '%cluster_id IS NOT NULL%';
  EXECUTE format('ALTER TABLE proposals DROP CONSTRAINT %I', c);
END $$;
-- +goose StatementEnd
ALTER TABLE proposals ADD CONSTRAINT proposals_expansion_names_cluster
  CHECK (kind = 'new' OR cluster_id IS NOT NULL OR status IN ('approved', 'rejected'));

-- Whether the acting district user may name cluster c in a proposal: none named, or one of its
-- district. SECURITY INVOKER: the editor reads clusters (policy workspace_read).
CREATE FUNCTION workspace_own_cluster(c bigint) RETURNS boolean
  LANGUAGE sql STABLE
  RETURN c IS NULL OR EXISTS (SELECT 1 FROM public.clusters k
                               WHERE k.id = c AND k.district_code = public.workspace_setting('district'));

DROP POLICY workspace_insert ON proposals;
DROP POLICY workspace_update ON proposals;
CREATE POLICY workspace_insert ON proposals FOR INSERT TO clustermap_editor WITH CHECK (
  workspace_setting('role') IN ('department', 'admin')
  OR (workspace_setting('role') = 'district' AND district_code = workspace_setting('district')
      AND workspace_may_write(geom) AND workspace_own_cluster(cluster_id)));
CREATE POLICY workspace_update ON proposals FOR UPDATE TO clustermap_editor
  USING (workspace_setting('role') IN ('department', 'admin')
         OR (workspace_setting('role') = 'district' AND district_code = workspace_setting('district')))
  WITH CHECK (workspace_setting('role') IN ('department', 'admin')
         OR (workspace_setting('role') = 'district' AND district_code = workspace_setting('district')
             AND workspace_may_write(geom) AND workspace_own_cluster(cluster_id)));

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION workspace_district_scope() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  allowed text[] := ARRAY['status', 'occupancy_pct', 'leased_land_ha', 'road_status', 'water_status',
                          'wastewater_status', 'power_status', 'contact', 'updated_at', 'geom_3857'];
  changed text;
BEGIN
  IF workspace_setting('role') IS DISTINCT FROM 'district' THEN
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
  END IF;
  IF TG_TABLE_NAME = 'clusters' AND TG_OP = 'UPDATE'
     AND OLD.district_code IS DISTINCT FROM workspace_setting('district') THEN
    RAISE EXCEPTION 'this cluster belongs to another district'
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
  RAISE EXCEPTION 'a district user may change only the stage, occupancy, infrastructure and contact of clusters in its district%',
    coalesce(' (not: ' || changed || ')', '')
    USING ERRCODE = 'insufficient_privilege';
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION close_proposals_of_deleted_cluster() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE proposals
     SET status = 'rejected', reviewed_by = coalesce(nullif(workspace_setting('user'), ''), 'cli:' || session_user),
         reviewed_at = now(), updated_at = now(),
         review_comment = 'the cluster this expansion named was deleted'
   WHERE cluster_id = OLD.id AND kind = 'expansion' AND status NOT IN ('approved', 'rejected');
  RETURN OLD;
END $$;
-- +goose StatementEnd
CREATE TRIGGER clusters_close_proposals BEFORE DELETE ON clusters
  FOR EACH ROW EXECUTE FUNCTION close_proposals_of_deleted_cluster();

-- +goose Down
DROP TRIGGER IF EXISTS clusters_close_proposals ON clusters;
DROP FUNCTION IF EXISTS close_proposals_of_deleted_cluster();
DROP POLICY workspace_insert ON proposals;
DROP POLICY workspace_update ON proposals;
CREATE POLICY workspace_insert ON proposals FOR INSERT TO clustermap_editor WITH CHECK (
  workspace_setting('role') IN ('department', 'admin')
  OR (workspace_setting('role') = 'district' AND district_code = workspace_setting('district') AND workspace_may_write(geom)));
CREATE POLICY workspace_update ON proposals FOR UPDATE TO clustermap_editor
  USING (workspace_setting('role') IN ('department', 'admin')
         OR (workspace_setting('role') = 'district' AND district_code = workspace_setting('district')))
  WITH CHECK (workspace_setting('role') IN ('department', 'admin')
         OR (workspace_setting('role') = 'district' AND district_code = workspace_setting('district') AND workspace_may_write(geom)));
DROP FUNCTION IF EXISTS workspace_own_cluster(bigint);
ALTER TABLE proposals DROP CONSTRAINT proposals_expansion_names_cluster;
ALTER TABLE proposals ADD CHECK (kind = 'new' OR cluster_id IS NOT NULL OR status = 'approved');
