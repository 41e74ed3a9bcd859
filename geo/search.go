package geo

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgxpool"
)

// SearchResult is one feature whose name matches a search.
type SearchResult struct {
	Layer string    `json:"layer"`
	ID    string    `json:"id"`
	Name  string    `json:"name"`
	Title Text      `json:"layer_title"`
	BBox  []float64 `json:"bbox"`
	// Center is a point on the feature (point-on-surface), where a map can put a marker.
	Center []float64 `json:"center"`
}

// MaxSearchResults bounds a search answer.
const MaxSearchResults = 25

// Search finds features of every layer whose searchable names contain q, or what q also means
// (SearchTerms: "highway 19" is QL19, "cassava" is Sắn, "food processing" the clusters that
// target food or processing), ignoring case and Vietnamese diacritics
// ("chu se" finds "Chư Sê", "dien phu" finds "Diên Phú"). Names that start with a term rank first;
// then catalog order (regions, districts, clusters, …).
func (s *Store) Search(ctx context.Context, q string) ([]SearchResult, error) {
	q = strings.TrimSpace(q)
	if q == "" || utf8.RuneCountInString(q) > 100 || !ValidText(q) {
		return nil, &InputError{Msg: "q must be 1 to 100 characters of text"}
	}
	var parts []string
	for i, l := range s.catalog.Layers() {
		if len(l.SearchColumns) == 0 {
			continue
		}
		var keys []string
		for _, c := range l.SearchColumns {
			keys = append(keys, "coalesce(search_key(t."+c+"), '')")
		}
		key := strings.Join(keys, " || ' ' || ")
		// A layer with target industries is also found by the industries a query names.
		industries := "false"
		if f, ok := l.Field("target_industries"); ok && f.Type == StringArray {
			industries = "EXISTS (SELECT 1 FROM unnest($3::text[]) q WHERE strpos(lower(array_to_string(t.target_industries, ' ')), q) > 0)"
		}
		parts = append(parts, fmt.Sprintf(`SELECT '%[1]s' AS layer, %[2]d AS ord, t.%[3]s::text AS id, t.%[4]s AS name,
			least((SELECT min(nullif(position(search_key(q) IN search_key(t.%[4]s)), 0)) FROM unnest($1::text[]) q),
			      (SELECT min(nullif(position(lower(q) IN lower(t.%[4]s)), 0)) FROM unnest($2::text[]) q)) AS pos,
			ST_XMin(t.geom) AS x0, ST_YMin(t.geom) AS y0, ST_XMax(t.geom) AS x1, ST_YMax(t.geom) AS y1,
			ST_PointOnSurface(t.geom) AS c
			FROM %[5]s t WHERE EXISTS (SELECT 1 FROM unnest($1::text[]) q WHERE strpos(%[6]s, search_key(q)) > 0)
			   OR EXISTS (SELECT 1 FROM unnest($2::text[]) q WHERE strpos(lower(t.%[4]s), lower(q)) > 0)
			   OR %[7]s`,
			l.ID, i, l.KeyColumn, l.NameColumn, l.Table, key, industries))
	}
	sql := fmt.Sprintf(`SELECT layer, id, name, x0, y0, x1, y1, ST_X(c), ST_Y(c) FROM (%s) m
		ORDER BY (pos = 1) IS TRUE DESC, ord, name LIMIT %d`, strings.Join(parts, " UNION ALL "), MaxSearchResults)
	ctx, cancel := s.queryContext(ctx)
	defer cancel()
	var out []SearchResult
	err := s.Read(ctx, func(db *pgxpool.Pool) error {
		// The query and what it also means (a road number, a crop in either language, industries).
		folded, accented := SearchTerms(q)
		rows, err := db.Query(ctx, sql, folded, accented, IndustryTerms(q))
		if err != nil {
			return fmt.Errorf("search: %w", err)
		}
		defer rows.Close()
		out = []SearchResult{}
		for rows.Next() {
			var r SearchResult
			var x0, y0, x1, y1, cx, cy float64
			if err := rows.Scan(&r.Layer, &r.ID, &r.Name, &x0, &y0, &x1, &y1, &cx, &cy); err != nil {
				return fmt.Errorf("search: %w", err)
			}
			r.BBox = []float64{x0, y0, x1, y1}
			r.Center = []float64{RoundDegrees(cx), RoundDegrees(cy)}
			if l, ok := s.catalog.Layer(r.Layer); ok {
				r.Title = l.Title
			}
			out = append(out, r)
		}
		return rows.Err()
	})
	return out, err
}
