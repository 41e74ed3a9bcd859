-- +goose Up
-- The analysis tables that belong to no layer (crop_industries, reference_points) get a row in
-- layer_versions and announce their changes on the same channel as the layers, so that every
-- server process keys its cached planning answers on a version it learns by LISTEN/NOTIFY instead
-- of reading analysis_state on each request.
INSERT INTO layer_versions (layer, version)
SELECT 'analysis', version FROM analysis_state
ON CONFLICT (layer) DO NOTHING;

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION analysis_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v bigint;
BEGIN
  UPDATE analysis_state SET version = version + 1;
  UPDATE layer_versions SET version = version + 1, updated_at = now()
   WHERE layer = 'analysis'
  RETURNING version INTO v;
  PERFORM pg_notify('clustermap_layer_version', 'analysis:' || v);
  RETURN NULL;
END $$;
-- +goose StatementEnd

-- Cold tiles beyond the generalised zooms (z12 and deeper, most tiles of any tile list) used to
-- read each polygon whole from tile_generalised's top level (a district ~3.6 KB, a province-wide
-- raw-material zone ~10 KB, both stored out of line) through the GiST index, then clip it to the
-- tile. Here the top level is cut once into pieces, one per z11 tile (with the tile buffer's
-- margin) and feature: a deeper tile is inside one z11 tile, so it reads that tile's few small
-- pieces by primary key and clips a few dozen vertices. Clipping the piece to the deeper tile
-- gives the same geometry as clipping the whole polygon, because the deeper tile's buffered
-- area lies within the z11 tile's.
CREATE FUNCTION tile_piece_zoom() RETURNS integer
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN tile_generalised_max_zoom() + 1;

CREATE TABLE tile_pieces (
  layer text NOT NULL,
  x     integer NOT NULL,
  y     integer NOT NULL,
  fid   text NOT NULL,
  geom  geometry(MultiPolygon, 3857) NOT NULL,
  PRIMARY KEY (layer, x, y, fid)
);

-- The pieces of top-level rows: each row cut by every tile of zoom tile_piece_zoom() that its
-- bounding box touches, with a margin twice the tile buffer: a tile of that zoom then clips the
-- piece only at its own buffer's edge, away from the piece's cut, and gets the very coordinates
-- the whole polygon gives (rounded to the tile grid).
-- +goose StatementBegin
CREATE FUNCTION tile_pieces_of(rows tile_generalised[]) RETURNS SETOF tile_pieces
  LANGUAGE sql STABLE AS $$
  WITH g AS (
    SELECT r.layer, r.fid, r.geom, 40075016.685578488 / 2 ^ tile_piece_zoom() AS size
      FROM unnest(rows) r WHERE r.zoom = tile_piece_zoom()
  ), cut AS (
    SELECT g.layer, t.x, t.y, g.fid,
           ST_ClipByBox2D(g.geom, ST_TileEnvelope(tile_piece_zoom(), t.x, t.y, margin => 128.0 / 4096)) AS geom
      FROM g, LATERAL (
        SELECT x, y
          FROM generate_series(greatest(0, floor((ST_XMin(g.geom) - g.size * 128 / 4096 + 20037508.342789244) / g.size)::int),
                               least((2 ^ tile_piece_zoom())::int - 1, floor((ST_XMax(g.geom) + g.size * 128 / 4096 + 20037508.342789244) / g.size)::int)) x,
               generate_series(greatest(0, floor((20037508.342789244 - ST_YMax(g.geom) - g.size * 128 / 4096) / g.size)::int),
                               least((2 ^ tile_piece_zoom())::int - 1, floor((20037508.342789244 - ST_YMin(g.geom) + g.size * 128 / 4096) / g.size)::int)) y) t
  )
  SELECT c.layer, c.x, c.y, c.fid, ST_Multi(ST_CollectionExtract(c.geom, 3))::geometry(MultiPolygon, 3857)
    FROM cut c
   WHERE NOT ST_IsEmpty(ST_CollectionExtract(c.geom, 3))
$$;
-- +goose StatementEnd

-- tile_generalised_sync replaces a layer's rows (DELETE, then INSERT) whenever its generalisation
-- changes, in the transaction of the data change: the pieces follow in the same statements.
-- +goose StatementBegin
CREATE FUNCTION tile_pieces_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM tile_pieces p USING (SELECT DISTINCT layer, fid FROM old_rows WHERE zoom = tile_piece_zoom()) o
   WHERE p.layer = o.layer AND p.fid = o.fid;
  RETURN NULL;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION tile_pieces_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO tile_pieces SELECT * FROM tile_pieces_of(ARRAY(
    SELECT ROW(n.layer, n.fid, n.zoom, n.geom)::tile_generalised FROM new_rows n WHERE n.zoom = tile_piece_zoom()))
  ON CONFLICT (layer, x, y, fid) DO UPDATE SET geom = EXCLUDED.geom;
  RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER tile_pieces_del AFTER DELETE ON tile_generalised REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION tile_pieces_deleted();
CREATE TRIGGER tile_pieces_ins AFTER INSERT ON tile_generalised REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION tile_pieces_inserted();
-- An UPDATE of the top level (none is written today) is a delete and an insert of its pieces.
CREATE TRIGGER tile_pieces_upd_old AFTER UPDATE ON tile_generalised REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION tile_pieces_deleted();
CREATE TRIGGER tile_pieces_upd_new AFTER UPDATE ON tile_generalised REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION tile_pieces_inserted();

-- A database migrated with data in it gets its pieces now.
INSERT INTO tile_pieces SELECT * FROM tile_pieces_of(ARRAY(SELECT g FROM tile_generalised g WHERE g.zoom = tile_piece_zoom()));

-- The workspace's role edits layers whose generalisations (and so pieces) change with them.
GRANT SELECT, INSERT, UPDATE, DELETE ON tile_pieces TO clustermap_editor;

-- +goose Down
DROP TRIGGER IF EXISTS tile_pieces_del ON tile_generalised;
DROP TRIGGER IF EXISTS tile_pieces_ins ON tile_generalised;
DROP TRIGGER IF EXISTS tile_pieces_upd_old ON tile_generalised;
DROP TRIGGER IF EXISTS tile_pieces_upd_new ON tile_generalised;
DROP FUNCTION IF EXISTS tile_pieces_deleted, tile_pieces_inserted;
DROP FUNCTION IF EXISTS tile_pieces_of;
DROP TABLE IF EXISTS tile_pieces;
DROP FUNCTION IF EXISTS tile_piece_zoom;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION analysis_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE analysis_state SET version = version + 1;
  RETURN NULL;
END $$;
-- +goose StatementEnd
DELETE FROM layer_versions WHERE layer = 'analysis';
