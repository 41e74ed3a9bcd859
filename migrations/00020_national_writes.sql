-- +goose Up
-- What 20 editors writing at once on a national installation needed (make bench-national, edits
-- phase).
--
-- 1. A layer's version is bumped once per transaction, at its commit, instead of by each statement
-- as it runs.
--
-- The bump updates the layer's one row of layer_versions, and a row lock is held until the
-- transaction ends. Taken by the statement that changed the layer, it was held through
-- everything a write does after that statement (the history, the stage events, the answer's read
-- of the feature): every writer of a layer waited for the one before it to finish. With 20
-- editors on a national installation a PATCH's p50 was 56 ms, almost all of it queueing on that
-- row (make bench-national, edits phase; auto_explain showed the UPDATE of layer_versions as
-- every slow statement). Deferred to the commit, the lock is held for the commit alone.
--
-- The rows' triggers fire at commit, where the first one of a layer bumps it and marks the
-- transaction (a transaction-local setting named after the layer); the others see the mark and
-- return. A writer that must know the versions its write made before it commits (geo/edit, which
-- moves its own process's versions so that it reads its own writes) fires them itself at the end
-- of its work with SET CONSTRAINTS ALL IMMEDIATE, then reads layer_versions. Only rows really written fire (an upsert that changes nothing does not), as the
-- transition tables ensured before. TRUNCATE, which has no row triggers, keeps its statement
-- trigger.
-- +goose StatementBegin
CREATE FUNCTION bump_layer_version_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  mark constant text := 'clustermap.version_bumped_' || TG_ARGV[0];
  v bigint;
BEGIN
  IF current_setting(mark, true) IS NOT DISTINCT FROM txid_current()::text THEN
    RETURN NULL;
  END IF;
  UPDATE layer_versions SET version = version + 1, updated_at = now()
   WHERE layer = TG_ARGV[0]
  RETURNING version INTO v;
  PERFORM pg_notify('clustermap_layer_version', TG_ARGV[0] || ':' || v);
  PERFORM set_config(mark, txid_current()::text, true);
  RETURN NULL;
END $$;
-- +goose StatementEnd

-- Every statement that writes a layer's table clears the layer's mark first: a write made after
-- the deferred triggers have fired (SET CONSTRAINTS ALL IMMEDIATE, then more writes) bumps the
-- version again at commit.
-- +goose StatementBegin
CREATE FUNCTION unmark_layer_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config('clustermap.version_bumped_' || TG_ARGV[0], '', true);
  RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
DO $$
DECLARE
  t record;
BEGIN
  FOR t IN SELECT * FROM (VALUES
      ('regions', 'regions'), ('region_members', 'regions'), ('districts', 'districts'),
      ('clusters', 'clusters'), ('raw_material_zones', 'raw_material_zones'), ('plants', 'plants'),
      ('energy', 'energy'), ('roads', 'roads')) AS v(tbl, layer)
  LOOP
    EXECUTE format('DROP TRIGGER %I ON %I', t.tbl || '_version_ins', t.tbl);
    EXECUTE format('DROP TRIGGER %I ON %I', t.tbl || '_version_upd', t.tbl);
    EXECUTE format('DROP TRIGGER %I ON %I', t.tbl || '_version_del', t.tbl);
    EXECUTE format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE OR DELETE ON %I
                    FOR EACH STATEMENT EXECUTE FUNCTION unmark_layer_version(%L)', t.tbl || '_version_unmark', t.tbl, t.layer);
    EXECUTE format('CREATE CONSTRAINT TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I
                    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_layer_version_at_commit(%L)',
                   t.tbl || '_version', t.tbl, t.layer);
  END LOOP;
END $$;
-- +goose StatementEnd

-- 2. A write that leaves the geometry as it was keeps the feature's province: finding it again
-- measured the distance to each province's outline near the feature (1.6 ms a write among 34
-- provinces of ~20,000 vertices each; the write of a contact or a stage paid it every time).
-- The province is still never taken from the writer: a write that sets province_code itself, as
-- reassign_provinces() does after the provinces change, has it derived again.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION set_province_code() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.province_code IS NOT DISTINCT FROM OLD.province_code
     AND NEW.geom IS NOT NULL AND OLD.geom IS NOT NULL AND ST_OrderingEquals(NEW.geom, OLD.geom) THEN
    RETURN NEW;
  END IF;
  NEW.province_code := CASE WHEN NEW.geom IS NOT NULL THEN province_of(NEW.geom) END;
  RETURN NEW;
END $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION set_province_code() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.province_code := CASE WHEN NEW.geom IS NOT NULL THEN province_of(NEW.geom) END;
  RETURN NEW;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
DO $$
DECLARE
  t record;
BEGIN
  FOR t IN SELECT * FROM (VALUES
      ('regions', 'regions'), ('region_members', 'regions'), ('districts', 'districts'),
      ('clusters', 'clusters'), ('raw_material_zones', 'raw_material_zones'), ('plants', 'plants'),
      ('energy', 'energy'), ('roads', 'roads')) AS v(tbl, layer)
  LOOP
    EXECUTE format('DROP TRIGGER %I ON %I', t.tbl || '_version', t.tbl);
    EXECUTE format('DROP TRIGGER %I ON %I', t.tbl || '_version_unmark', t.tbl);
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS changed_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION bump_layer_version(%L)', t.tbl || '_version_ins', t.tbl, t.layer);
    EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING NEW TABLE AS changed_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION bump_layer_version(%L)', t.tbl || '_version_upd', t.tbl, t.layer);
    EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS changed_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION bump_layer_version(%L)', t.tbl || '_version_del', t.tbl, t.layer);
  END LOOP;
END $$;
-- +goose StatementEnd
DROP FUNCTION bump_layer_version_at_commit();
DROP FUNCTION unmark_layer_version();
