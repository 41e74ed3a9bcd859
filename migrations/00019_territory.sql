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

-- The refresh takes the table's lock first: two transactions refreshing at once (two imports of
-- units) then run one after the other, and the second, whose statements each see what committed
-- before them, deletes the first's pieces instead of keeping both. Only the triggers below run
-- it (SECURITY DEFINER: the writer of districts need not write the pieces).
-- +goose StatementBegin
CREATE FUNCTION territory_refresh() RETURNS void
  LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp SET jit = off AS $$
  LOCK TABLE territory_pieces IN SHARE ROW EXCLUSIVE MODE;
  DELETE FROM territory_pieces;
  INSERT INTO territory_pieces (geom)
  SELECT ST_Subdivide(ST_Buffer(ST_Union(geom)::geography, territory_tolerance_m())::geometry, 256)
    FROM districts;
$$;
-- +goose StatementEnd
REVOKE EXECUTE ON FUNCTION territory_refresh() FROM PUBLIC;

-- territory_covers(g): true when g lies within the territory, false when it reaches beyond it,
-- NULL while the installation holds no units (nothing to compare with: the check passes, as it
-- did). Should the pieces be missing while units exist (a data-only restore that left them out),
-- the outline is made whole as before: slower, never wrong.
-- +goose StatementBegin
CREATE FUNCTION territory_covers(g geometry) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN EXISTS (SELECT 1 FROM territory_pieces)
              THEN coalesce((SELECT ST_CoveredBy(g, ST_Union(p.geom)) FROM territory_pieces p WHERE p.geom && g), false)
              WHEN EXISTS (SELECT 1 FROM districts)
              THEN (SELECT ST_CoveredBy(g, ST_Buffer(ST_Union(d.geom)::geography, territory_tolerance_m())::geometry) FROM districts d)
         END
$$;
-- +goose StatementEnd

-- Refreshed once per transaction that changed the units, at its commit: an import writes its
-- units one statement (and savepoint) at a time, and 3,300 refreshes would take an hour. The
-- row trigger is deferred, so it sees the transaction's last state; the first firing refreshes
-- and marks the transaction, the others see the mark and return. Every statement that writes the
-- units clears the mark first, so a change made after the deferred triggers have fired (SET
-- CONSTRAINTS ALL IMMEDIATE, then more writes) is refreshed again at commit. TRUNCATE, which has
-- no row triggers, refreshes at once.
-- +goose StatementBegin
CREATE FUNCTION territory_changed() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  IF current_setting('clustermap.territory_refreshed', true) IS DISTINCT FROM txid_current()::text THEN
    PERFORM territory_refresh();
    PERFORM set_config('clustermap.territory_refreshed', txid_current()::text, true);
  END IF;
  RETURN NULL;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION territory_unmark() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config('clustermap.territory_refreshed', '', true);
  RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER territory_unmark BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON districts
  FOR EACH STATEMENT EXECUTE FUNCTION territory_unmark();
CREATE CONSTRAINT TRIGGER territory_changed AFTER INSERT OR UPDATE OF geom OR DELETE ON districts
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION territory_changed();
CREATE TRIGGER territory_truncated AFTER TRUNCATE ON districts
  FOR EACH STATEMENT EXECUTE FUNCTION territory_changed();

GRANT SELECT ON territory_pieces TO clustermap_editor;

SELECT territory_refresh();

-- +goose Down
DROP TRIGGER territory_truncated ON districts;
DROP TRIGGER territory_changed ON districts;
DROP TRIGGER territory_unmark ON districts;
DROP FUNCTION territory_unmark();
DROP FUNCTION territory_changed();
DROP FUNCTION territory_covers(geometry);
DROP FUNCTION territory_refresh();
DROP FUNCTION territory_tolerance_m();
DROP TABLE territory_pieces;
