-- +goose Up
-- The register of administrative units (admin_units) and the provinces' published contacts
-- (province_contacts) get a data version of their own, 'units', bumped and announced like a
-- layer's (00020: once per transaction, at its commit).
--
-- Answers made from them could not be kept before: the list of provinces (/api/provinces, which
-- every page of a national installation asks for: 17–23 ms of PostgreSQL for 34 provinces and
-- their unit counts) was built on each request. And answers that read a unit's name through a
-- derived field (a cluster's commune and province names, geo/catalog.go) were kept under the
-- versions of their layers alone, so a commune renamed or a province loaded by `clustermap seed`
-- on a running installation left the old names in every server's response cache until the layer
-- itself changed. The response cache now keys those answers on 'units' too
-- (server/respcache/deps.go).
INSERT INTO layer_versions (layer) VALUES ('units') ON CONFLICT (layer) DO NOTHING;

-- +goose StatementBegin
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['admin_units', 'province_contacts'] LOOP
    EXECUTE format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE OR DELETE ON %I
                    FOR EACH STATEMENT EXECUTE FUNCTION unmark_layer_version(%L)', t || '_version_unmark', t, 'units');
    EXECUTE format('CREATE CONSTRAINT TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I
                    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_layer_version_at_commit(%L)',
                   t || '_version', t, 'units');
    EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %I
                    FOR EACH STATEMENT EXECUTE FUNCTION bump_layer_version(%L)', t || '_version_trunc', t, 'units');
  END LOOP;
END $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['admin_units', 'province_contacts'] LOOP
    EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', t || '_version_unmark', t);
    EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', t || '_version', t);
    EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I', t || '_version_trunc', t);
  END LOOP;
END $$;
-- +goose StatementEnd
DELETE FROM layer_versions WHERE layer = 'units';
