-- +goose Up
-- The procedure, not only the place: a cluster's road as dated events (each with its decision,
-- issuing body and sources), the stage derived from them, and documents attached to events,
-- clusters and proposals, stored here so that replicas and backups carry them.
--
-- The order and the time limits are Decree 32/2024's (docs/sources/procedure-2024.md). An event is
-- a fact with a source; it is never deleted: a wrong one is withdrawn, with who, when and why, and
-- the stage follows what remains. The stage is never typed twice: where a cluster has events that
-- imply a stage, its status must be the one they imply (the latest stage reached), and recording
-- an event moves it.

CREATE TYPE cluster_event_kind AS ENUM
  ('plan_inclusion', 'founding_decision', 'expansion_decision', 'detailed_plan', 'investment_policy',
   'investor_selected', 'land_recovery', 'construction_start', 'environmental_permit', 'wastewater_plant',
   'operation');

-- The stage an event implies, when it implies one.
CREATE FUNCTION event_stage(k cluster_event_kind) RETURNS cluster_stage
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN CASE k
    WHEN 'plan_inclusion' THEN 'planned'::cluster_stage
    WHEN 'investor_selected' THEN 'investor_selected'::cluster_stage
    WHEN 'founding_decision' THEN 'established'::cluster_stage
    WHEN 'construction_start' THEN 'under_construction'::cluster_stage
    WHEN 'operation' THEN 'operating'::cluster_stage
    WHEN 'expansion_decision' THEN 'expanded'::cluster_stage
  END;

CREATE TABLE cluster_events (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  cluster_id      bigint NOT NULL REFERENCES clusters (id) ON DELETE CASCADE,
  kind            cluster_event_kind NOT NULL,
  occurred_on     date NOT NULL CHECK (occurred_on BETWEEN '1990-01-01' AND '2100-12-31'),
  -- A source that gives only a month or a year: the first day of it, and the precision; 'by': the
  -- source states the step done as of that date, not when it happened ("operating in 2018").
  date_precision  text NOT NULL DEFAULT 'day' CHECK (date_precision IN ('day', 'month', 'year', 'by')),
  decision_number text CHECK (decision_number IS NULL OR btrim(decision_number) <> ''),
  issued_by       text CHECK (issued_by IS NULL OR btrim(issued_by) <> ''),
  -- Hectares the event concerns: land recovered, the area founded or added.
  area_ha         numeric CHECK (area_ha > 0),
  notes           text,
  proposal_id     bigint REFERENCES proposals (id) ON DELETE SET NULL,
  sources         text[] NOT NULL CHECK (sources_ok(sources)),
  created_by      text NOT NULL DEFAULT coalesce(workspace_setting('user'), 'cli:' || session_user),
  created_at      timestamptz NOT NULL DEFAULT now(),
  withdrawn_at    timestamptz,
  withdrawn_by    text,
  withdrawn_reason text,
  CHECK ((withdrawn_at IS NULL) = (withdrawn_by IS NULL) AND (withdrawn_at IS NULL) = (withdrawn_reason IS NULL)),
  CHECK (withdrawn_reason IS NULL OR btrim(withdrawn_reason) <> '')
);
CREATE INDEX cluster_events_cluster_idx ON cluster_events (cluster_id, occurred_on);
CREATE INDEX cluster_events_proposal_idx ON cluster_events (proposal_id);

-- The stage a cluster's standing events imply: the furthest along the road; NULL when none does.
CREATE FUNCTION derived_stage(c bigint) RETURNS cluster_stage
  LANGUAGE sql STABLE
  RETURN (SELECT max(event_stage(e.kind)) FROM public.cluster_events e
           WHERE e.cluster_id = c AND e.withdrawn_at IS NULL);

-- The stage follows the events: recording or withdrawing one moves it.
-- +goose StatementBegin
CREATE FUNCTION cluster_events_move_stage() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  c bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.cluster_id ELSE NEW.cluster_id END;
  d cluster_stage := derived_stage(c);
BEGIN
  IF d IS NOT NULL THEN
    UPDATE clusters SET status = d, updated_at = now() WHERE id = c AND status IS DISTINCT FROM d;
  END IF;
  RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER cluster_events_stage AFTER INSERT OR UPDATE OR DELETE ON cluster_events
  FOR EACH ROW EXECUTE FUNCTION cluster_events_move_stage();

-- A status typed against the events is refused: record the event instead.
-- +goose StatementBegin
CREATE FUNCTION clusters_stage_follows_events() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  d cluster_stage;
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.status IS NOT DISTINCT FROM OLD.status THEN
    RETURN NEW;
  END IF;
  d := derived_stage(NEW.id);
  IF d IS NOT NULL AND NEW.status IS DISTINCT FROM d THEN
    RAISE EXCEPTION 'the stage of this cluster follows its dated events (%): record the event that moves it, with its date and decision', d
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
-- +goose StatementEnd
-- Last of the BEFORE triggers (zzz, after the scope's zz): a change outside the writer's remit is
-- refused as such (403) before its stage is compared with the events (422).
CREATE TRIGGER zzz_clusters_stage_events BEFORE INSERT OR UPDATE ON clusters
  FOR EACH ROW EXECUTE FUNCTION clusters_stage_follows_events();

-- An event is changed only to be withdrawn, once; nothing else of it changes.
-- +goose StatementBegin
CREATE FUNCTION cluster_events_withdraw_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.withdrawn_at IS NOT NULL
     OR (to_jsonb(NEW) - 'withdrawn_at' - 'withdrawn_by' - 'withdrawn_reason')
        IS DISTINCT FROM (to_jsonb(OLD) - 'withdrawn_at' - 'withdrawn_by' - 'withdrawn_reason') THEN
    RAISE EXCEPTION 'a recorded event is not changed: withdraw it (with a reason) and record the right one'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER cluster_events_immutable BEFORE UPDATE ON cluster_events
  FOR EACH ROW EXECUTE FUNCTION cluster_events_withdraw_only();

-- Who records which event (Decree 32/2024 with Decree 139/2025, docs/sources/remits-2025.md): the
-- province (the department, recording UBND tỉnh's decisions) any event of its clusters; the
-- office of a territory (a commune, or a district before the reform) the steps of building and
-- operating its own clusters, never a decision of the province.
CREATE FUNCTION workspace_may_record(c bigint, k cluster_event_kind) RETURNS boolean
  LANGUAGE sql STABLE
  RETURN EXISTS (SELECT 1 FROM public.clusters x WHERE x.id = c
                   AND public.workspace_owns(x.district_code, x.commune_code, x.province_code))
     AND (public.workspace_setting('role') IN ('department', 'admin')
          OR (public.workspace_setting('role') IN ('district', 'commune')
              AND k IN ('detailed_plan', 'land_recovery', 'construction_start', 'wastewater_plant', 'operation')));

ALTER TABLE cluster_events ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_read ON cluster_events FOR SELECT TO clustermap_editor USING (true);
CREATE POLICY workspace_insert ON cluster_events FOR INSERT TO clustermap_editor
  WITH CHECK (workspace_may_record(cluster_id, kind) AND withdrawn_at IS NULL);
CREATE POLICY workspace_withdraw ON cluster_events FOR UPDATE TO clustermap_editor
  USING (workspace_setting('role') IN ('department', 'admin') AND workspace_may_record(cluster_id, kind))
  WITH CHECK (workspace_setting('role') IN ('department', 'admin'));
GRANT SELECT, INSERT ON cluster_events TO clustermap_editor;
GRANT UPDATE (withdrawn_at, withdrawn_by, withdrawn_reason) ON cluster_events TO clustermap_editor;
GRANT USAGE, SELECT ON SEQUENCE cluster_events_id_seq TO clustermap_editor;

-- Documents, stored once by content (their SHA-256, checked by the database), of the types a
-- dossier holds: PDF, PNG and JPEG images, a zipped Shapefile, a GeoPackage. The service checks
-- the type by content before it stores one; HTML and anything else is refused.
CREATE TABLE documents (
  sha256     bytea PRIMARY KEY CHECK (length(sha256) = 32),
  media_type text NOT NULL CHECK (media_type IN ('application/pdf', 'image/png', 'image/jpeg', 'application/zip',
                                                 'application/geopackage+sqlite3')),
  size_bytes integer NOT NULL CHECK (size_bytes BETWEEN 1 AND 20971520),
  content    bytea NOT NULL,
  created_by text NOT NULL DEFAULT coalesce(workspace_setting('user'), 'cli:' || session_user),
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (length(content) = size_bytes AND sha256(content) = sha256)
);

-- A document attached to one cluster, event or proposal, with its title and file name; the public
-- sees it only when it is marked public.
CREATE TABLE attachments (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  sha256      bytea NOT NULL REFERENCES documents (sha256),
  title       text NOT NULL CHECK (btrim(title) <> '' AND length(title) <= 300),
  filename    text NOT NULL CHECK (filename ~ '^[^/\\\x00-\x1f]{1,200}$'),
  cluster_id  bigint REFERENCES clusters (id) ON DELETE CASCADE,
  event_id    bigint REFERENCES cluster_events (id) ON DELETE CASCADE,
  proposal_id bigint REFERENCES proposals (id) ON DELETE CASCADE,
  public      boolean NOT NULL DEFAULT false,
  created_by  text NOT NULL DEFAULT coalesce(workspace_setting('user'), 'cli:' || session_user),
  created_at  timestamptz NOT NULL DEFAULT now(),
  CHECK (num_nonnulls(cluster_id, event_id, proposal_id) = 1)
);
CREATE INDEX attachments_sha_idx ON attachments (sha256);
CREATE INDEX attachments_cluster_idx ON attachments (cluster_id);
CREATE INDEX attachments_event_idx ON attachments (event_id);
CREATE INDEX attachments_proposal_idx ON attachments (proposal_id);

-- Who attaches: whoever may record on the cluster (the event's cluster), or write the proposal.
CREATE FUNCTION workspace_may_attach(c bigint, e bigint, p bigint) RETURNS boolean
  LANGUAGE sql STABLE
  RETURN CASE
    WHEN c IS NOT NULL THEN EXISTS (SELECT 1 FROM public.clusters x WHERE x.id = c
                                      AND public.workspace_owns(x.district_code, x.commune_code, x.province_code))
    WHEN e IS NOT NULL THEN EXISTS (SELECT 1 FROM public.cluster_events x WHERE x.id = e
                                      AND public.workspace_may_record(x.cluster_id, x.kind))
    ELSE EXISTS (SELECT 1 FROM public.proposals x WHERE x.id = p
                   AND public.workspace_owns(x.district_code, x.commune_code, x.province_code))
  END;

ALTER TABLE attachments ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_read ON attachments FOR SELECT TO clustermap_editor USING (true);
CREATE POLICY workspace_insert ON attachments FOR INSERT TO clustermap_editor
  WITH CHECK (workspace_may_attach(cluster_id, event_id, proposal_id));
GRANT SELECT, INSERT ON documents, attachments TO clustermap_editor;
GRANT USAGE, SELECT ON SEQUENCE attachments_id_seq TO clustermap_editor;

-- How long after one step the next is due: the law's limits where it sets one, else ClusterMap's
-- stated defaults (basis 'default'), each with its source; data, so an installation may change
-- them (migrations/seed/procedure_limits.csv). Decree 32/2024 itself sets none after the
-- founding decision: each decision sets its own schedule (docs/sources/procedure-2024.md).
CREATE TABLE procedure_limits (
  after_kind cluster_event_kind NOT NULL,
  next_kind  cluster_event_kind NOT NULL,
  months     integer NOT NULL CHECK (months BETWEEN 1 AND 240),
  basis      text NOT NULL CHECK (basis IN ('law', 'default')),
  note       text NOT NULL CHECK (btrim(note) <> ''),
  sources    text[] NOT NULL CHECK (sources_ok(sources)),
  PRIMARY KEY (after_kind, next_kind),
  CHECK (after_kind <> next_kind)
);

-- +goose Down
DROP TABLE IF EXISTS procedure_limits;
DROP TABLE IF EXISTS attachments, documents;
DROP TRIGGER IF EXISTS zzz_clusters_stage_events ON clusters;
DROP TABLE IF EXISTS cluster_events;
DROP FUNCTION IF EXISTS workspace_may_attach, workspace_may_record, cluster_events_withdraw_only,
  clusters_stage_follows_events, cluster_events_move_stage, derived_stage, event_stage;
DROP TYPE IF EXISTS cluster_event_kind;
