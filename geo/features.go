package geo

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Paging limits shared by /api and /ogc.
const (
	DefaultLimit = 100
	MaxLimit     = 10000
)

// ErrNotFound is returned when a layer or feature does not exist.
var ErrNotFound = errors.New("not found")

// BBox is a WGS 84 box. MinLon > MaxLon means the box crosses the antimeridian.
type BBox struct {
	MinLon, MinLat, MaxLon, MaxLat float64
}

// Interval is a closed time interval; a nil end is open.
type Interval struct {
	Start, End *time.Time
}

// FeatureQuery is a validated request for features of one layer. The server builds it from
// /api and /ogc parameters alike, so both share this one query path.
type FeatureQuery struct {
	Layer *Layer
	BBox  *BBox
	// Equals holds equality filters on declared fields (for arrays: the array contains the value).
	Equals map[string]string
	// Properties limits the properties returned; empty means all declared fields.
	Properties []string
	Datetime   *Interval
	// Where is an extra parameterised condition (CQL2), built by the filter compiler with
	// placeholders numbered from 1; the query renumbers them.
	Where     string
	WhereArgs []any
	Limit     int
	Offset    int
}

// FeaturePage is one page of a feature query: the features as GeoJSON text (PostGIS writes them)
// and the number matched by the whole query.
type FeaturePage struct {
	Features [][]byte
	Matched  int64
}

// args collects positional parameters so that values never enter the SQL text.
type args []any

func (a *args) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// featureJSON is the SQL expression that builds one RFC 7946 Feature from a row of alias t.
func featureJSON(l *Layer, props []Field) string {
	var b strings.Builder
	b.WriteString("json_build_object('type','Feature','id',t.")
	b.WriteString(l.KeyColumn)
	b.WriteString(",'geometry',ST_AsGeoJSON(t.geom, 6)::json,'properties',")
	b.WriteString(propertiesJSON(props))
	b.WriteString(")")
	return b.String()
}

// propertiesJSON builds the properties object. json_build_object takes at most 100 arguments, so
// long field lists are built in chunks and concatenated as jsonb.
func propertiesJSON(props []Field) string {
	if len(props) == 0 {
		return "'{}'::json"
	}
	const chunk = 40
	var parts []string
	for i := 0; i < len(props); i += chunk {
		end := min(i+chunk, len(props))
		var b strings.Builder
		b.WriteString("jsonb_build_object(")
		for j, f := range props[i:end] {
			if j > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, "'%s',%s", f.Name, f.SQL())
		}
		b.WriteString(")")
		parts = append(parts, b.String())
	}
	return "(" + strings.Join(parts, "||") + ")::json"
}

// selectedFields resolves the requested property names against the catalog. Each field is
// selected once however often it is named, so the statement never outgrows the layer's fields.
func (q FeatureQuery) selectedFields() ([]Field, error) {
	if len(q.Properties) == 0 {
		return q.Layer.Fields, nil
	}
	out := make([]Field, 0, min(len(q.Properties), len(q.Layer.Fields)))
	seen := make(map[string]bool, len(out))
	for _, name := range q.Properties {
		f, ok := q.Layer.Field(name)
		if !ok {
			return nil, &InputError{Msg: fmt.Sprintf("unknown property %q for layer %s", truncate(name, 40), q.Layer.ID)}
		}
		if !seen[f.Name] {
			seen[f.Name] = true
			out = append(out, f)
		}
	}
	return out, nil
}

// where builds the WHERE clause of a feature query.
func (q FeatureQuery) where(a *args) (string, error) {
	conds := []string{"TRUE"}
	if b := q.BBox; b != nil {
		if b.MinLon <= b.MaxLon {
			env := fmt.Sprintf("ST_MakeEnvelope(%s,%s,%s,%s,4326)", a.add(b.MinLon), a.add(b.MinLat), a.add(b.MaxLon), a.add(b.MaxLat))
			conds = append(conds, fmt.Sprintf("(t.geom && %[1]s AND ST_Intersects(t.geom, %[1]s))", env))
		} else { // crosses the antimeridian: two boxes
			west := fmt.Sprintf("ST_MakeEnvelope(%s,%s,180,%s,4326)", a.add(b.MinLon), a.add(b.MinLat), a.add(b.MaxLat))
			east := fmt.Sprintf("ST_MakeEnvelope(-180,%s,%s,%s,4326)", a.add(b.MinLat), a.add(b.MaxLon), a.add(b.MaxLat))
			conds = append(conds, fmt.Sprintf("((t.geom && %[1]s AND ST_Intersects(t.geom, %[1]s)) OR (t.geom && %[2]s AND ST_Intersects(t.geom, %[2]s)))", west, east))
		}
	}
	for _, name := range sortedKeys(q.Equals) {
		cond, err := equalsCondition(q.Layer, name, q.Equals[name], a)
		if err != nil {
			return "", err
		}
		conds = append(conds, cond)
	}
	if iv := q.Datetime; iv != nil {
		for _, t := range []*time.Time{iv.Start, iv.End} {
			if t != nil && CheckYear(*t) != nil {
				return "", &InputError{Msg: "datetime: " + CheckYear(*t).Error()}
			}
		}
		f, ok := q.Layer.Field(q.Layer.TimeField)
		switch {
		case !ok:
			// A layer without dates has no feature whose time meets the interval.
			conds = append(conds, "FALSE")
		case iv.Start != nil:
			conds = append(conds, fmt.Sprintf("%s >= %s::date", f.SQL(), a.add(iv.Start.Format("2006-01-02"))))
		}
		if ok && iv.End != nil {
			conds = append(conds, fmt.Sprintf("%s <= %s::date", f.SQL(), a.add(iv.End.Format("2006-01-02"))))
		}
	}
	if q.Where != "" {
		conds = append(conds, "("+renumber(q.Where, len(*a))+")")
		*a = append(*a, q.WhereArgs...)
	}
	return strings.Join(conds, " AND "), nil
}

// equalsCondition turns one equality filter into SQL, checking the value's type first so that bad
// input is a 400, not a database error.
func equalsCondition(l *Layer, name, value string, a *args) (string, error) {
	f, ok := l.Field(name)
	if !ok {
		return "", &InputError{Msg: fmt.Sprintf("unknown filter %q for layer %s", name, l.ID)}
	}
	if !f.Filterable() {
		return "", &InputError{Msg: fmt.Sprintf("filter %s: an object field cannot be filtered", f.Name)}
	}
	if err := CheckValue(f, value); err != nil {
		return "", err
	}
	switch f.Type {
	case StringArray:
		return fmt.Sprintf("%s = ANY(%s)", a.add(value), f.SQL()), nil
	case Integer:
		return fmt.Sprintf("%s = %s::bigint", f.SQL(), a.add(value)), nil
	case Number:
		return fmt.Sprintf("%s = %s::numeric", f.SQL(), a.add(value)), nil
	case Date:
		return fmt.Sprintf("%s = %s::date", f.SQL(), a.add(value)), nil
	default:
		return fmt.Sprintf("%s::text = %s", f.SQL(), a.add(value)), nil
	}
}

// CheckValue reports whether a filter value fits the field's type and enum.
func CheckValue(f Field, value string) error {
	bad := func(want string) error {
		return &InputError{Msg: fmt.Sprintf("filter %s: %q is not %s", f.Name, truncate(value, 40), want)}
	}
	if !ValidText(value) {
		return bad("text (valid UTF-8 without NUL)")
	}
	switch f.Type {
	case Integer:
		if _, err := strconv.ParseInt(value, 10, 64); err != nil {
			return bad("an integer")
		}
	case Number:
		if err := CheckDigits(value); err != nil {
			return &InputError{Msg: fmt.Sprintf("filter %s: %v", f.Name, err)}
		}
		if _, err := ParseDecimal(value); err != nil {
			return bad("a number")
		}
	case Date:
		if _, err := ParseDate(value); err != nil {
			return bad("a date (YYYY-MM-DD)")
		}
	}
	if f.Closed() && !f.Vocab.Has(value) {
		return &InputError{Msg: fmt.Sprintf("filter %s: %q is not one of %s", f.Name, truncate(value, 40), strings.Join(f.Enum(), ", "))}
	}
	return nil
}

// Features runs a feature query and returns one page.
func (s *Store) Features(ctx context.Context, q FeatureQuery) (*FeaturePage, error) {
	props, err := q.selectedFields()
	if err != nil {
		return nil, err
	}
	var a args
	where, err := q.where(&a)
	if err != nil {
		return nil, err
	}
	limit, offset := q.Limit, q.Offset
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	from := fmt.Sprintf("FROM %s t WHERE %s", q.Layer.Table, where)
	page := fmt.Sprintf("SELECT count(*) OVER (), %s::text %s ORDER BY t.%s LIMIT %s OFFSET %s",
		featureJSON(q.Layer, props), from, q.Layer.KeyColumn, a.add(limit), a.add(offset))

	// The text of a page query depends on the request only through the bbox shape and the time
	// interval unless properties, filters or CQL2 shape it: those run without a cached plan.
	dyn := len(q.Properties) > 0 || len(q.Equals) > 0 || q.Where != ""
	run := []any(a)
	if dyn {
		run = s.dynamic(a)
	}
	ctx, cancel := s.queryContext(ctx)
	defer cancel()
	var out *FeaturePage
	// On a replica when there is one; the page and its count run on the same server.
	err = s.Read(ctx, func(db *pgxpool.Pool) error {
		rows, err := db.Query(ctx, page, run...)
		if err != nil {
			return fmt.Errorf("features of %s: %w", q.Layer.ID, err)
		}
		defer rows.Close()
		out = &FeaturePage{Matched: -1}
		for rows.Next() {
			var feature []byte
			if err := rows.Scan(&out.Matched, &feature); err != nil {
				return fmt.Errorf("features of %s: %w", q.Layer.ID, err)
			}
			out.Features = append(out.Features, feature)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("features of %s: %w", q.Layer.ID, err)
		}
		if out.Matched < 0 { // the page is past the end: count separately
			count := "SELECT count(*) " + from
			run := []any(a[:len(a)-2])
			if dyn {
				run = s.dynamic(run)
			}
			if err := db.QueryRow(ctx, count, run...).Scan(&out.Matched); err != nil {
				return fmt.Errorf("count %s: %w", q.Layer.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Feature returns one feature as GeoJSON text, or ErrNotFound.
func (s *Store) Feature(ctx context.Context, l *Layer, id string, properties []string) ([]byte, error) {
	if !ValidText(id) {
		return nil, ErrNotFound
	}
	if l.KeyType == Integer {
		if _, err := strconv.ParseInt(id, 10, 64); err != nil {
			return nil, ErrNotFound
		}
	}
	props, err := FeatureQuery{Layer: l, Properties: properties}.selectedFields()
	if err != nil {
		return nil, err
	}
	// Compare in the key's own type so the primary-key index serves the lookup.
	key := "$1::text"
	if l.KeyType == Integer {
		key = "$1::bigint"
	}
	sql := fmt.Sprintf("SELECT %s::text FROM %s t WHERE t.%s = %s", featureJSON(l, props), l.Table, l.KeyColumn, key)
	ctx, cancel := s.queryContext(ctx)
	defer cancel()
	run := []any{id}
	if len(properties) > 0 { // a property list makes the text request-shaped
		run = s.dynamic(run)
	}
	var feature []byte
	err = s.Read(ctx, func(db *pgxpool.Pool) error { return db.QueryRow(ctx, sql, run...).Scan(&feature) })
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("feature %s/%s: %w", l.ID, id, err)
	}
	return feature, nil
}

// InputError is a problem with what the client asked for; the server answers it with a 400.
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }

// renumber shifts $n placeholders in a fragment built from $1 by offset.
func renumber(sql string, offset int) string {
	if offset == 0 {
		return sql
	}
	var b strings.Builder
	for i := 0; i < len(sql); i++ {
		if sql[i] != '$' {
			b.WriteByte(sql[i])
			continue
		}
		j := i + 1
		for j < len(sql) && sql[j] >= '0' && sql[j] <= '9' {
			j++
		}
		if j == i+1 {
			b.WriteByte('$')
			continue
		}
		n, _ := strconv.Atoi(sql[i+1 : j])
		b.WriteString("$" + strconv.Itoa(n+offset))
		i = j - 1
	}
	return b.String()
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }
