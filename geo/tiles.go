package geo

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Tile geometry parameters, shared by every layer.
const (
	// TileExtent is the MVT extent: tile coordinates run from 0 to 4096.
	TileExtent = 4096
	// TileBuffer is how far (in tile units) geometry reaches past the tile edge, so that a polygon's
	// clipped edge and a line's stroke never show at the seam between two tiles.
	TileBuffer = 64
)

// TileQuery is a validated request for one layer's vector tile.
type TileQuery struct {
	Layer *Layer
	Tile  TileCoord
	// Equals holds equality filters on declared fields, as for features.
	Equals map[string]string
	// Properties limits the tile's properties to these declared fields: nil means all of them, an
	// empty list none (a layer of a composite tile that declares none of the fields asked for).
	// A map that draws and keys its features needs a few short fields; the provenance every
	// feature carries is a longer text than its geometry, read where it is shown.
	Properties []string
}

// Validate checks the tile coordinates and every filter against the layer's fields, so that bad
// input is a 400 before any cache or query is consulted.
func (q TileQuery) Validate() error {
	if err := q.Tile.Valid(); err != nil {
		return err
	}
	if _, err := tileFields(q.Layer, q.Properties); err != nil {
		return err
	}
	var a args
	for _, name := range sortedKeys(q.Equals) {
		if _, err := equalsCondition(q.Layer, name, q.Equals[name], &a); err != nil {
			return err
		}
	}
	return nil
}

// Tile is one MVT layer as PostGIS wrote it, with the layer's data version read in the same
// snapshot, so a cache can file it under the version it really belongs to.
type Tile struct {
	// MVT is empty when no feature touches the tile.
	MVT     []byte
	Version int64
}

// Tile builds a layer's vector tile in PostGIS.
func (s *Store) Tile(ctx context.Context, q TileQuery) (Tile, error) {
	if err := q.Tile.Valid(); err != nil {
		return Tile{}, err
	}
	build := TileSQL
	if q.Tile.Z >= TilePieceZoom {
		build = TileSQLDeep
	}
	sql, a, err := build(q.Layer, q.Equals, q.Properties...) // checks the filters and properties
	if err != nil {
		return Tile{}, err
	}
	a[0], a[1], a[2] = q.Tile.Z, q.Tile.X, q.Tile.Y
	ctx, cancel := s.queryContext(ctx)
	defer cancel()
	var t Tile
	if err := s.Read(ctx, func(db *pgxpool.Pool) error { return db.QueryRow(ctx, sql, a...).Scan(&t.Version, &t.MVT) }); err != nil {
		return Tile{}, fmt.Errorf("tile %s/%s: %w", q.Layer.ID, q.Tile, err)
	}
	return t, nil
}

// TileSQL is the one statement that builds a layer's tile: $1, $2, $3 are z, x, y (into
// ST_TileEnvelope; the caller fills them), $4 is the layer id, and equality filters follow as $5…
// The statement text depends only on the layer and on which fields are filtered, so pgx prepares
// it once per connection and reuses the plan.
//
// Rows are found with && on geom_3857 and its GiST index; for polygonal layers, on the web-mercator
// geometry of the zoom's level in tile_generalised, GiST-indexed on (layer, zoom, geom), and from
// z11 on, on the pieces of the enclosing z11 tile in tile_pieces (by primary key). PostGIS
// clips, snaps and encodes. Only the layer's declared fields become properties; lists are joined
// with "; ". Features come out in key order, so a tile's bytes depend only on the data.
// Properties, when given, limit the tile's properties to those declared fields.
func TileSQL(l *Layer, equals map[string]string, properties ...string) (string, []any, error) {
	return tileSQL(l, equals, properties, false)
}

// TilePieceZoom is the zoom from which polygonal layers' tiles read tile_pieces: the top level of
// tile_generalised (tile_generalised_max_zoom() + 1) cut into one piece per tile of this zoom.
const TilePieceZoom = 11

// TileSQLDeep is TileSQL for tiles of polygonal layers at TilePieceZoom and deeper. It is a
// statement of its own, not a branch of one statement: a generic plan would cost both branches
// and PostgreSQL would then re-plan every execution.
func TileSQLDeep(l *Layer, equals map[string]string, properties ...string) (string, []any, error) {
	return tileSQL(l, equals, properties, l.Polygonal)
}

func tileSQL(l *Layer, equals map[string]string, properties []string, deep bool) (string, []any, error) {
	a := args{0, 0, 0, l.ID}
	cache := &unfilteredTileSQL
	if deep {
		cache = &unfilteredDeepTileSQL
	}
	plain := len(equals) == 0 && properties == nil
	if plain {
		if sql, ok := cache.Load(l); ok {
			return sql.(string), a, nil
		}
	}
	fields, err := tileFields(l, properties)
	if err != nil {
		return "", nil, err
	}
	var filters strings.Builder
	for _, name := range sortedKeys(equals) {
		cond, err := equalsCondition(l, name, equals[name], &a)
		if err != nil {
			return "", nil, err
		}
		filters.WriteString(" AND ")
		filters.WriteString(cond)
	}
	// The geometry comes from the layer's geom_3857 or, for polygonal layers, from its per-zoom
	// generalisation (whose top level is geom_3857 itself); the properties from the layer's row.
	from := fmt.Sprintf("%s t, e WHERE t.geom_3857 && e.area", l.Table)
	geom := "t.geom_3857"
	if l.Polygonal {
		join := "t." + l.KeyColumn + " = g.fid"
		if l.KeyType == Integer {
			join = "t." + l.KeyColumn + " = g.fid::bigint"
		}
		from = fmt.Sprintf(`tile_generalised g JOIN %s t ON %s, e
		            WHERE g.layer = $4 AND g.zoom = tile_generalised_level($1) AND g.geom && e.area`, l.Table, join)
		if deep {
			// A tile at or below TilePieceZoom lies in one tile of that zoom and reads its
			// pieces by primary key (migrations/00006_performance.sql).
			from = fmt.Sprintf(`tile_pieces g JOIN %s t ON %s, e
		            WHERE g.layer = $4 AND g.x = $2::int >> ($1::int - %d) AND g.y = $3::int >> ($1::int - %[3]d) AND g.geom && e.area`,
				l.Table, join, TilePieceZoom)
		}
		geom = "g.geom"
	}
	sql := fmt.Sprintf(`WITH e AS (
		SELECT ST_TileEnvelope($1::int, $2::int, $3::int) AS tile,
		       ST_TileEnvelope($1::int, $2::int, $3::int, margin => %d.0 / %d) AS area)
		SELECT coalesce((SELECT v.version FROM layer_versions v WHERE v.layer = $4::text), 0),
		       coalesce((SELECT ST_AsMVT(m, $4::text, %d, 'mvt_geom', 'mvt_id') FROM (
		         SELECT * FROM (
		           SELECT %s, ST_AsMVTGeom(%s, e.tile, %d, %d, true) AS mvt_geom%s
		             FROM %s%s) f
		          WHERE f.mvt_geom IS NOT NULL ORDER BY f.mvt_id) m), ''::bytea)`,
		TileBuffer, TileExtent, TileExtent, featureID(l), geom, TileExtent, TileBuffer, tileColumns(fields),
		from, filters.String())
	if plain {
		cache.Store(l, sql)
	}
	return sql, a, nil
}

// tileFields resolves a tile's property list: nil is every declared field, empty is none.
func tileFields(l *Layer, properties []string) ([]Field, error) {
	if properties != nil && len(properties) == 0 {
		return nil, nil
	}
	return FeatureQuery{Layer: l, Properties: properties}.selectedFields()
}

// unfilteredTileSQL keeps each layer's statement without filters, the one nearly every tile uses
// (unfilteredDeepTileSQL: from TilePieceZoom on).
var unfilteredTileSQL, unfilteredDeepTileSQL sync.Map // *Layer → string

// featureID is the MVT feature id: the key itself for integer keys; for text keys (district
// codes, region slugs) a stable positive 60-bit number from the key's MD5, so that MapLibre's
// feature state works. The key is a property as well, for promoteId.
func featureID(l *Layer) string {
	if l.KeyType == Integer {
		return "t." + l.KeyColumn + " AS mvt_id"
	}
	return "('x' || substr(md5(t." + l.KeyColumn + "::text), 1, 15))::bit(60)::bigint AS mvt_id"
}

// tileColumns selects the fields as MVT-friendly values: numbers as doubles, integers as
// int64, dates as ISO text, lists as one "; "-joined string (absent when empty); NULLs are left
// out of the feature by ST_AsMVT.
func tileColumns(fields []Field) string {
	var b strings.Builder
	for _, f := range fields {
		var expr string
		switch f.Type {
		case Integer:
			expr = "(" + f.SQL() + ")::bigint"
		case Number:
			expr = "(" + f.SQL() + ")::float8"
		case Date:
			expr = "to_char(" + f.SQL() + ", 'YYYY-MM-DD')"
		case StringArray:
			expr = "NULLIF(array_to_string(" + f.SQL() + ", '; '), '')"
		case Object:
			// MVT has no object type: JSON text, absent when empty.
			expr = "NULLIF((" + f.SQL() + ")::text, '{}')"
		default:
			expr = "(" + f.SQL() + ")::text"
		}
		fmt.Fprintf(&b, ", %s AS %q", expr, f.Name)
	}
	return b.String()
}
