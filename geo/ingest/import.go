package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/clustermap/clustermap/geo"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/paulmach/orb/geojson"
)

// Coordinate systems an import accepts. VN-2000 data is transformed to WGS 84 in PostGIS with the
// official Decision 05/2007 parameters (EPSG:6960) that PROJ applies for these codes; EPSG:9218
// (a provincial TM-3 zone, central meridian 108°30′) and 9217 are resolved from PROJ's own
// database because PostGIS 3.3 does not ship them in spatial_ref_sys (see docs/sources/vn2000.md).
var importCRS = map[string]bool{
	"EPSG:4326": true, "EPSG:4756": true, "EPSG:3405": true, "EPSG:3406": true,
	"EPSG:5897": true, "EPSG:5898": true, "EPSG:9217": true, "EPSG:9218": true,
}

// SupportedCRS lists the coordinate systems an import accepts.
func SupportedCRS() []string {
	out := make([]string, 0, len(importCRS))
	for c := range importCRS {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// ProvinceTolerance is how far outside the province's districts a feature may reach. Border dams
// on the Sê San river sit a few hundred metres over the line on the Kon Tum bank. The database
// holds the same figure (territory_tolerance_m(), migrations/00019_territory.sql); a test keeps
// the two equal.
const ProvinceTolerance = 3000 // metres

// ImportOptions tune an import.
type ImportOptions struct {
	// CRS of the input coordinates, e.g. "EPSG:9218"; empty means the file's own crs member, else
	// EPSG:4326.
	CRS string
}

// Problem is one reason a feature was rejected.
type Problem struct {
	Feature int    `json:"feature"` // 1-based position in the file
	Name    string `json:"name,omitempty"`
	Reason  string `json:"reason"`
}

// ImportReport says what an import did, or why it loaded nothing.
type ImportReport struct {
	Layer     string    `json:"layer"`
	CRS       string    `json:"crs"`
	Features  int       `json:"features"`
	Inserted  int       `json:"inserted"`
	Updated   int       `json:"updated"`
	Unchanged int       `json:"unchanged"`
	Problems  []Problem `json:"problems,omitempty"`
	// Ignored lists input properties the layer does not declare.
	Ignored []string `json:"ignored_properties,omitempty"`
}

// ErrRejected means the file had bad features and nothing was loaded; the report names them.
var ErrRejected = errors.New("import rejected: nothing was loaded")

var crsURN = regexp.MustCompile(`(?i)EPSG:{1,2}(\d+)$`)

// FileCRS reads the legacy GeoJSON "crs" member (as ogr2ogr writes it for projected data) and
// returns "EPSG:n", or "" when the file has none.
func FileCRS(data []byte) string {
	var head struct {
		CRS *struct {
			Properties struct {
				Name string `json:"name"`
			} `json:"properties"`
		} `json:"crs"`
	}
	if json.Unmarshal(data, &head) != nil || head.CRS == nil {
		return ""
	}
	name := head.CRS.Properties.Name
	if strings.Contains(name, "CRS84") {
		return "EPSG:4326"
	}
	if m := crsURN.FindStringSubmatch(name); m != nil {
		return "EPSG:" + m[1]
	}
	return name
}

// Import loads a GeoJSON FeatureCollection into a layer in one transaction: every feature is
// checked (required fields, types, enums, valid geometry inside the province) and upserted on the
// layer's natural key. If any feature is bad, nothing is loaded and the report names each one.
func (s *Importer) Import(ctx context.Context, layerID string, data []byte, opt ImportOptions) (*ImportReport, error) {
	l, ok := s.catalog.Layer(layerID)
	if !ok {
		return nil, fmt.Errorf("import: %w: layer %q", geo.ErrNotFound, layerID)
	}
	if l.ID == "regions" {
		return nil, &geo.InputError{Msg: "regions are derived from district memberships and cannot be imported; import districts instead"}
	}
	crs := opt.CRS
	if crs == "" {
		crs = FileCRS(data)
	}
	if crs == "" {
		crs = "EPSG:4326"
	}
	crs = strings.ToUpper(crs)
	if !importCRS[crs] {
		return nil, &geo.InputError{Msg: fmt.Sprintf("import: coordinate system %s is not supported (use one of %s)", crs, strings.Join(SupportedCRS(), ", "))}
	}
	report, rows, err := prepare(l, crs, data)
	if err != nil {
		return report, err
	}

	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", l.ID, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))

	defaults, err := columnDefaults(ctx, tx, l.Table)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", l.ID, err)
	}
	check, upsert := importSQL(l, crs, defaults)
	for _, r := range rows {
		var valid bool
		var reason, gtype string
		var inside *bool
		if err := tx.QueryRow(ctx, check, r.geom).Scan(&valid, &reason, &gtype, &inside); err != nil {
			report.Problems = append(report.Problems, Problem{Feature: r.pos, Name: r.name, Reason: "geometry: " + pgMessage(err)})
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return report, fmt.Errorf("import %s: %w", l.ID, ctx.Err())
			}
			continue
		}
		switch {
		case !valid:
			report.Problems = append(report.Problems, Problem{Feature: r.pos, Name: r.name, Reason: "invalid geometry: " + reason})
			continue
		case inside != nil && !*inside:
			report.Problems = append(report.Problems, Problem{Feature: r.pos, Name: r.name,
				Reason: fmt.Sprintf("geometry is outside the province (more than %d m beyond its districts); check the coordinate system (%s)", ProvinceTolerance, crs)})
			continue
		}
		// A savepoint per feature keeps one constraint violation from hiding the others.
		sp, err := tx.Begin(ctx)
		if err != nil {
			return nil, fmt.Errorf("import %s: %w", l.ID, err)
		}
		var inserted *bool
		err = sp.QueryRow(ctx, upsert, r.props, r.geom).Scan(&inserted)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			report.Unchanged++
			err = sp.Commit(ctx)
		case err != nil:
			report.Problems = append(report.Problems, Problem{Feature: r.pos, Name: r.name, Reason: pgMessage(err)})
			err = sp.Rollback(ctx)
		default:
			if *inserted {
				report.Inserted++
			} else {
				report.Updated++
			}
			err = sp.Commit(ctx)
		}
		if err != nil {
			return nil, fmt.Errorf("import %s: %w", l.ID, err)
		}
	}
	if len(report.Problems) > 0 {
		slices.SortStableFunc(report.Problems, func(a, b Problem) int { return a.Feature - b.Feature })
		// The transaction is rolled back: whatever the upserts did is undone, and the report
		// must not claim otherwise.
		report.Inserted, report.Updated, report.Unchanged = 0, 0, 0
		return report, ErrRejected
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("import %s: commit: %w", l.ID, err)
	}
	return report, nil
}

// importRow is a feature that passed the checks that need no database, ready for the upsert.
type importRow struct {
	pos   int
	name  string
	props []byte
	geom  []byte
}

// prepare decodes a GeoJSON FeatureCollection and checks every feature against the layer's
// declared fields: the part of an import that needs no database (and that the fuzz test drives).
func prepare(l *geo.Layer, crs string, data []byte) (*ImportReport, []importRow, error) {
	fc, err := geojson.UnmarshalFeatureCollection(data)
	if err != nil {
		return nil, nil, &geo.InputError{Msg: fmt.Sprintf("import: not a GeoJSON FeatureCollection: %v", err)}
	}
	report := &ImportReport{Layer: l.ID, CRS: crs, Features: len(fc.Features)}
	if len(fc.Features) == 0 {
		return report, nil, &geo.InputError{Msg: "import: the file has no features"}
	}

	ignored := map[string]bool{}
	var rows []importRow
	for i, f := range fc.Features {
		normaliseLists(l, f.Properties)
		name, _ := f.Properties[l.NaturalKey].(string)
		problems := checkFeature(l, f, ignored)
		for _, p := range problems {
			report.Problems = append(report.Problems, Problem{Feature: i + 1, Name: name, Reason: p})
		}
		if len(problems) > 0 {
			continue
		}
		props, _ := json.Marshal(importable(l, f.Properties))
		geom, _ := json.Marshal(geojson.NewGeometry(f.Geometry))
		rows = append(rows, importRow{pos: i + 1, name: name, props: props, geom: geom})
	}
	for k := range ignored {
		report.Ignored = append(report.Ignored, k)
	}
	slices.Sort(report.Ignored)

	return report, rows, nil
}

// columnDefaultsSQL finds the NOT NULL columns of a table that have a default: a feature that
// leaves such an optional field out gets the default, not a NULL that the column refuses.
const columnDefaultsSQL = `SELECT column_name, column_default FROM information_schema.columns
	WHERE table_schema = current_schema() AND table_name = $1 AND is_nullable = 'NO' AND column_default IS NOT NULL`

// columnDefaults maps the NOT NULL columns of table that have a default to the default's SQL
// expression, as PostgreSQL itself reports it.
func columnDefaults(ctx context.Context, tx pgx.Tx, table string) (map[string]string, error) {
	rows, err := tx.Query(ctx, columnDefaultsSQL, table)
	if err != nil {
		return nil, fmt.Errorf("column defaults of %s: %w", table, err)
	}
	out := map[string]string{}
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			return nil, fmt.Errorf("column defaults of %s: %w", table, err)
		}
		out[name] = def
	}
	return out, rows.Err()
}

// importSQL returns the per-feature geometry check and the upsert for a layer. Identifiers come
// from the catalog only; the feature's properties and geometry are parameters. defaults (column
// → default expression, from the table's own definition) fill NOT NULL columns a feature left out.
func importSQL(l *geo.Layer, crs string, defaults map[string]string) (check, upsert string) {
	geom := "ST_Force2D(ST_GeomFromGeoJSON($1::text))"
	if crs == "EPSG:4326" {
		geom = "ST_SetSRID(" + geom + ", 4326)"
	} else {
		geom = fmt.Sprintf("ST_Transform(%s, '%s', 4326)", geom, crs) // crs is from the allow-list
	}
	switch l.GeometryType {
	case "MultiPolygon", "MultiLineString":
		geom = "ST_Multi(" + geom + ")"
	case "Geometry": // clusters: footprints are MultiPolygons, locations Points
		geom = fmt.Sprintf("CASE WHEN GeometryType(%[1]s) = 'POLYGON' THEN ST_Multi(%[1]s) ELSE %[1]s END", geom)
	}
	inside := "NULL::boolean"
	if l.ID != "districts" {
		// The province is whatever the districts table holds (kept as indexed pieces by
		// migrations/00019_territory.sql), so a later import of new units works.
		inside = "territory_covers(g.geom)"
	}
	check = fmt.Sprintf(`SELECT ST_IsValid(g.geom), ST_IsValidReason(g.geom), GeometryType(g.geom), %s
		FROM (SELECT %s AS geom) g`, inside, geom)

	var cols []string
	for _, f := range l.Fields {
		if !f.Derived {
			cols = append(cols, f.Name)
		}
	}
	var sel, set, old, new []string
	for _, c := range cols {
		if def, ok := defaults[c]; ok {
			// A NOT NULL column with a default: a file that leaves the field out means the default.
			sel = append(sel, "COALESCE(r."+c+", "+def+")")
		} else if fd, _ := l.Field(c); fd.Type == geo.Object {
			// An object column is NOT NULL DEFAULT '{}' (figures): a file without it means "none".
			sel = append(sel, "coalesce(r."+c+", '{}'::jsonb)")
		} else {
			sel = append(sel, "r."+c)
		}
		set = append(set, c)
		old = append(old, "t."+c)
		new = append(new, "excluded."+c)
	}
	set = append(set, "geom")
	old = append(old, "t.geom")
	new = append(new, "excluded.geom")
	geomParam := strings.ReplaceAll(geom, "$1", "$2")
	upsert = fmt.Sprintf(`INSERT INTO %[1]s AS t (%[2]s, geom)
		SELECT %[3]s, %[4]s FROM jsonb_populate_record(NULL::%[1]s, $1::jsonb) r
		ON CONFLICT (%[5]s) DO UPDATE SET (%[6]s) = ROW(%[7]s), updated_at = now()
		WHERE (%[8]s) IS DISTINCT FROM (%[7]s)
		RETURNING (xmax = 0)`,
		l.Table, strings.Join(cols, ", "), strings.Join(sel, ", "), geomParam, l.NaturalKey,
		strings.Join(set, ", "), strings.Join(new, ", "), strings.Join(old, ", "))
	return check, upsert
}

// checkFeature validates one feature against the layer's declared fields before it reaches SQL.
func checkFeature(l *geo.Layer, f *geojson.Feature, ignored map[string]bool) []string {
	var problems []string
	if f.Geometry == nil {
		problems = append(problems, "no geometry")
	} else if !geometryFits(l.GeometryType, f.Geometry.GeoJSONType()) {
		problems = append(problems, fmt.Sprintf("geometry type %s does not fit layer %s (%s)", f.Geometry.GeoJSONType(), l.ID, l.GeometryType))
	}
	for k := range f.Properties {
		if fd, ok := l.Field(k); !ok || fd.Derived {
			ignored[k] = true
		}
	}
	for _, fd := range l.Fields {
		if fd.Derived {
			continue
		}
		v, present := f.Properties[fd.Name]
		if !present || v == nil || v == "" {
			if fd.Required {
				problems = append(problems, fmt.Sprintf("missing required property %q", fd.Name))
			}
			continue
		}
		if p := checkProperty(fd, v); p != "" {
			problems = append(problems, p)
		}
	}
	return problems
}

func checkProperty(fd geo.Field, v any) string {
	switch fd.Type {
	case geo.Number, geo.Integer:
		n, ok := v.(float64)
		if !ok {
			return fmt.Sprintf("property %q must be a number, got %v", fd.Name, v)
		}
		if fd.Type == geo.Integer && n != float64(int64(n)) {
			return fmt.Sprintf("property %q must be an integer, got %v", fd.Name, v)
		}
	case geo.StringArray:
		list, ok := v.([]any)
		if !ok {
			return fmt.Sprintf("property %q must be an array of strings", fd.Name)
		}
		if len(list) > geo.MaxListItems {
			return fmt.Sprintf("property %q holds %d items; at most %d", fd.Name, len(list), geo.MaxListItems)
		}
		for _, x := range list {
			s, ok := x.(string)
			if !ok || strings.TrimSpace(s) == "" {
				return fmt.Sprintf("property %q must hold non-empty strings only", fd.Name)
			}
			if n := utf8.RuneCountInString(s); n > fd.Limit() {
				return fmt.Sprintf("property %q: an item of %d characters; at most %d", fd.Name, n, fd.Limit())
			}
		}
	case geo.Object:
		// The database checks the object's form (figures_ok); here only that it is one.
		if _, ok := v.(map[string]any); !ok {
			return fmt.Sprintf("property %q must be a JSON object", fd.Name)
		}
	case geo.Date:
		s, ok := v.(string)
		if _, err := time.Parse("2006-01-02", s); !ok || err != nil {
			return fmt.Sprintf("property %q must be a date YYYY-MM-DD, got %v", fd.Name, v)
		}
	default:
		s, ok := v.(string)
		if !ok {
			return fmt.Sprintf("property %q must be a string, got %v", fd.Name, v)
		}
		if n := utf8.RuneCountInString(s); n > fd.Limit() {
			return fmt.Sprintf("property %q: %d characters; at most %d", fd.Name, n, fd.Limit())
		}
		if fd.Closed() && !fd.Vocab.Has(s) {
			return fmt.Sprintf("property %q: %q is not one of %s", fd.Name, s, strings.Join(fd.Enum(), ", "))
		}
	}
	return ""
}

func geometryFits(layerType, got string) bool {
	switch layerType {
	case "MultiPolygon":
		return got == "Polygon" || got == "MultiPolygon"
	case "MultiLineString":
		return got == "LineString" || got == "MultiLineString"
	case "Point":
		return got == "Point"
	case "Geometry":
		return got == "Point" || got == "Polygon" || got == "MultiPolygon"
	}
	return false
}

// normaliseLists turns list fields given as text into lists: Shapefiles and GeoPackages have no
// list type, so ogr2ogr hands them over as a JSON array in a string, and spreadsheets write
// "a; b". Anything else is left for checkProperty to refuse.
func normaliseLists(l *geo.Layer, props geojson.Properties) {
	for _, fd := range l.Fields {
		s, ok := props[fd.Name].(string)
		if fd.Type == geo.Object && ok {
			// ogr2ogr writes a JSON object field of a GeoPackage as text; read it back.
			var obj map[string]any
			if json.Unmarshal([]byte(s), &obj) == nil {
				props[fd.Name] = obj
			}
			continue
		}
		if fd.Type != geo.StringArray || !ok {
			continue
		}
		var list []any
		if strings.HasPrefix(strings.TrimSpace(s), "[") && json.Unmarshal([]byte(s), &list) == nil {
			props[fd.Name] = list
			continue
		}
		list = nil
		for _, part := range strings.Split(s, ";") {
			if part = strings.TrimSpace(part); part != "" {
				list = append(list, part)
			}
		}
		props[fd.Name] = list
	}
}

// importable keeps the declared, non-derived properties of a feature.
func importable(l *geo.Layer, props geojson.Properties) map[string]any {
	out := make(map[string]any, len(props))
	for k, v := range props {
		if fd, ok := l.Field(k); ok && !fd.Derived {
			out[k] = v
		}
	}
	return out
}

// pgMessage turns a database error into a sentence for an import report.
func pgMessage(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		msg := pe.Message
		if pe.ConstraintName != "" {
			msg += " (constraint " + pe.ConstraintName + ")"
		}
		if pe.Detail != "" {
			msg += ": " + pe.Detail
		}
		return msg
	}
	return err.Error()
}
