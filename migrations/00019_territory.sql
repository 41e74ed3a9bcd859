-- +goose Up
-- The installation's territory, for the "inside the province" check of every import and every
-- write (geo/ingest: a feature may reach at most 3 km beyond the units the districts table holds).
--
-- The check used to merge every unit and widen the outline inside each write's transaction. On
-- the province's 17 districts that took milliseconds; on a national installation's 3,300
-- communes it took 1.3 s a write, and 20 editors writing at once queued past the statement
-- timeout: every PATCH answered 503 (make bench-national, edits phase). The outline is now made
-- once, when the units change, and kept cut into pieces of at most 256 vertices under a spatial
-- index: a check reads the few pieces under the feature and merges only those (ST_CoveredBy of
-- the feature by their union is the old test, as the pieces tile the outline exactly).
CREATE TABLE territory_pieces (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  geom geometry(Geometry, 4326) NOT NULL
);
CREATE INDEX territory_pieces_geom_idx ON territory_pieces USING gist (geom);
COMMENT ON TABLE territory_pieces IS
  'The districts'' (communes'') union widened by territory_tolerance_m(), cut into pieces of at most 256 vertices; kept by territory_refresh()';

-- How far outside its units a feature may reach (border dams, roads to the border gate); the
-- same figure as geo/ingest.ProvinceTolerance, which words the refusal.
CREATE FUNCTION territory_tolerance_m() RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN 3000;

-- +goose StatementBegin
CREATE FUNCTION territory_refresh() RETURNS void
  LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp SET jit = off AS $$
  DELETE FROM territory_pieces;
  INSERT INTO territory_pieces (geom)
  SELECT ST_Subdivide(ST_Buffer(ST_Union(geom)::geography, territory_tolerance_m())::geometry, 256)
    FROM districts;
$$;
-- +goose StatementEnd

-- territory_covers(g): true when g lies within the territory, false when it reaches beyond it,
-- NULL while the installation holds no units (nothing to compare with: the check passes, as it did).
-- +goose StatementBegin
CREATE FUNCTION territory_covers(g geometry) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM territory_pieces) THEN NULL
              ELSE coalesce((SELECT ST_CoveredBy(g, ST_Union(p.geom)) FROM territory_pieces p WHERE p.geom && g), false) END
$$;
-- +goose StatementEnd

-- Refreshed once per transaction that changed the units, at its commit: an import writes its
-- units one statement (and savepoint) at a time, and 3,300 refreshes would take an hour. The
-- trigger is deferred, so it sees the transaction's last state; the first firing refreshes and
-- marks the transaction, the others see the mark and return.
-- +goose StatementBegin
CREATE FUNCTION territory_changed() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF TG_LEVEL = 'STATEMENT' THEN -- a TRUNCATE: refresh, and leave the mark to the rows' firings
    PERFORM territory_refresh();
  ELSIF current_setting('clustermap.territory_refreshed', true) IS DISTINCT FROM txid_current()::text THEN
    PERFORM territory_refresh();
    PERFORM set_config('clustermap.territory_refreshed', txid_current()::text, true);
  END IF;
  RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE CONSTRAINT TRIGGER territory_changed AFTER INSERT OR UPDATE OF geom OR DELETE ON districts
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION territory_changed();
-- TRUNCATE has no row trigger: a statement trigger refreshes (to nothing, or to what the
-- transaction inserts next, which the row trigger above refreshes again at commit).
CREATE TRIGGER territory_truncated AFTER TRUNCATE ON districts
  FOR EACH STATEMENT EXECUTE FUNCTION territory_changed();

GRANT SELECT ON territory_pieces TO clustermap_editor;

SELECT territory_refresh();

-- +goose Down
DROP TRIGGER territory_truncated ON districts;
DROP TRIGGER territory_changed ON districts;
DROP FUNCTION territory_changed();
DROP FUNCTION territory_covers(geometry);
DROP FUNCTION territory_refresh();
DROP FUNCTION territory_tolerance_m();
DROP TABLE territory_pieces;
