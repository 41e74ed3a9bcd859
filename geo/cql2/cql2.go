package cql2

import (
	"fmt"
	"github.com/clustermap/clustermap/geo"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// CQL2 text (OGC 21-065r2) to SQL. The compiler accepts:
//   - Basic CQL2: comparisons = <> < <= > >=, AND, OR, NOT, parentheses, IS [NOT] NULL, string,
//     number, boolean, DATE('…') and TIMESTAMP('…') literals;
//   - advanced comparisons: [NOT] LIKE, [NOT] BETWEEN … AND …, [NOT] IN (…);
//   - spatial functions S_INTERSECTS, S_EQUALS, S_DISJOINT, S_TOUCHES, S_WITHIN, S_OVERLAPS,
//     S_CROSSES, S_CONTAINS over the property "geometry" and WKT literals (POINT, LINESTRING,
//     POLYGON, MULTIPOINT, MULTILINESTRING, MULTIPOLYGON, GEOMETRYCOLLECTION) or BBOX(…).
//
// Property names resolve against the layer's declared fields, so every identifier in the SQL
// comes from the catalog; every value is a $n placeholder. Anything else is an *geo.InputError.

// GeometryQueryable is the name filters use for a layer's geometry.
const GeometryQueryable = "geometry"

// Limits that keep a hostile filter from costing more than it is worth.
const (
	maxFilterLen   = 64 << 10
	maxFilterDepth = 64
	maxFilterArgs  = 1000
	// maxGeometryDepth bounds GEOMETRYCOLLECTION nesting: the boolean depth limit does not see
	// inside a literal, and PostGIS parses a deeply nested collection recursively.
	maxGeometryDepth = 8
	// maxFilterPositions bounds the coordinates of all geometry literals of a filter together:
	// each becomes work for ST_MakeValid and every spatial predicate on every row.
	maxFilterPositions = 10000
)

// Compile parses a CQL2 text filter for layer l and returns a SQL condition over the layer's
// table (alias t) with placeholders numbered from $1, and their values. It is meant for
// FeatureQuery.Where and WhereArgs.
func Compile(l *geo.Layer, text string) (string, []any, error) {
	if len(text) > maxFilterLen {
		return "", nil, &geo.InputError{Msg: fmt.Sprintf("filter: longer than %d bytes", maxFilterLen)}
	}
	toks, err := lexCQL2(text)
	if err != nil {
		return "", nil, err
	}
	p := &cqlParser{layer: l, toks: toks}
	sql, err := p.booleanExpr(0)
	if err != nil {
		return "", nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return "", nil, p.errorf(t, "unexpected %s", t)
	}
	return sql, p.args, nil
}

type tokKind int

const (
	tokEOF tokKind = iota
	tokIdent
	tokQuotedIdent
	tokString
	tokNumber
	tokOp // = <> < <= > >=
	tokLParen
	tokRParen
	tokComma
)

type token struct {
	kind tokKind
	text string
	pos  int
}

func (t token) String() string {
	switch t.kind {
	case tokEOF:
		return "end of filter"
	case tokString:
		return "'" + t.text + "'"
	case tokQuotedIdent:
		return `"` + t.text + `"`
	}
	return strconv.Quote(t.text)
}

// keyword reports whether t is the (case-insensitive) keyword kw.
func (t token) keyword(kw string) bool { return t.kind == tokIdent && strings.EqualFold(t.text, kw) }

func lexCQL2(s string) ([]token, error) {
	if !utf8.ValidString(s) {
		return nil, &geo.InputError{Msg: "filter: not valid UTF-8"}
	}
	var out []token
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		start := i
		switch {
		case unicode.IsSpace(r):
			i += size
			continue
		case r == '(':
			out = append(out, token{tokLParen, "(", start})
			i++
		case r == ')':
			out = append(out, token{tokRParen, ")", start})
			i++
		case r == ',':
			out = append(out, token{tokComma, ",", start})
			i++
		case r == '=':
			out = append(out, token{tokOp, "=", start})
			i++
		case r == '<' || r == '>':
			op := string(r)
			if i+1 < len(s) && (s[i+1] == '=' || (r == '<' && s[i+1] == '>')) {
				op += string(s[i+1])
			}
			out = append(out, token{tokOp, op, start})
			i += len(op)
		case r == '\'':
			text, n, err := lexString(s[i:], start)
			if err != nil {
				return nil, err
			}
			out = append(out, token{tokString, text, start})
			i += n
		case r == '"':
			end := strings.IndexByte(s[i+1:], '"')
			if end < 0 {
				return nil, &geo.InputError{Msg: fmt.Sprintf("filter: quoted name starting at %d is not closed", start+1)}
			}
			out = append(out, token{tokQuotedIdent, s[i+1 : i+1+end], start})
			i += end + 2
		case isDigit(r) || ((r == '-' || r == '+' || r == '.') && i+1 < len(s) && (isDigit(rune(s[i+1])) || s[i+1] == '.')):
			j := i + 1
			for j < len(s) && (isDigit(rune(s[j])) || s[j] == '.' || s[j] == 'e' || s[j] == 'E' ||
				((s[j] == '-' || s[j] == '+') && (s[j-1] == 'e' || s[j-1] == 'E'))) {
				j++
			}
			out = append(out, token{tokNumber, s[i:j], start})
			i = j
		case unicode.IsLetter(r) || r == '_':
			j := i + size
			for j < len(s) {
				r2, n := utf8.DecodeRuneInString(s[j:])
				if !unicode.IsLetter(r2) && !unicode.IsDigit(r2) && r2 != '_' && r2 != '.' && r2 != ':' {
					break
				}
				j += n
			}
			out = append(out, token{tokIdent, s[i:j], start})
			i = j
		default:
			return nil, &geo.InputError{Msg: fmt.Sprintf("filter: unexpected character %q at %d", r, start+1)}
		}
	}
	return append(out, token{kind: tokEOF, pos: len(s)}), nil
}

// lexString reads a quoted string at the start of s. A quote inside is written twice or after a
// backslash.
func lexString(s string, start int) (string, int, error) {
	var b strings.Builder
	for i := 1; i < len(s); {
		switch {
		case (s[i] == '\'' || s[i] == '\\') && i+1 < len(s) && s[i+1] == '\'':
			b.WriteByte('\'')
			i += 2
		case s[i] == '\'':
			return b.String(), i + 1, nil
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	return "", 0, &geo.InputError{Msg: fmt.Sprintf("filter: string starting at %d is not closed", start+1)}
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

// valueKind is the CQL2 type of an operand.
type valueKind int

const (
	kindString valueKind = iota
	kindNumber
	kindDate
	kindTimestamp
	kindBool
	kindArray
	kindGeometry
)

var kindNames = map[valueKind]string{kindString: "a string", kindNumber: "a number", kindDate: "a date",
	kindTimestamp: "a timestamp", kindBool: "a boolean", kindArray: "a list", kindGeometry: "a geometry"}

// operand is a scalar in a predicate: a property (sql set) or a literal (value set, bound as a
// placeholder only when its type in the comparison is known).
type operand struct {
	kind  valueKind
	sql   string // property expression; empty for literals
	value string // literal value in canonical text form
	name  string // for messages
}

func (o operand) literal() bool { return o.sql == "" }

type cqlParser struct {
	layer *geo.Layer
	toks  []token
	pos   int
	args  []any
	// geomDepth is the current GEOMETRYCOLLECTION nesting; positions counts coordinates read.
	geomDepth int
	positions int
}

func (p *cqlParser) peek() token { return p.toks[p.pos] }

func (p *cqlParser) next() token {
	t := p.toks[p.pos]
	if t.kind != tokEOF {
		p.pos++
	}
	return t
}

func (p *cqlParser) errorf(t token, format string, a ...any) error {
	return &geo.InputError{Msg: fmt.Sprintf("filter: at %d: %s", t.pos+1, fmt.Sprintf(format, a...))}
}

func (p *cqlParser) expect(kind tokKind, what string) (token, error) {
	t := p.next()
	if t.kind != kind {
		return t, p.errorf(t, "expected %s, found %s", what, t)
	}
	return t, nil
}

// bind adds a value and returns its placeholder with a cast.
func (p *cqlParser) bind(v any, cast string) (string, error) {
	if len(p.args) >= maxFilterArgs {
		return "", &geo.InputError{Msg: fmt.Sprintf("filter: more than %d values", maxFilterArgs)}
	}
	p.args = append(p.args, v)
	return "$" + strconv.Itoa(len(p.args)) + cast, nil
}

// booleanExpr := andExpr { OR andExpr }
func (p *cqlParser) booleanExpr(depth int) (string, error) {
	if depth > maxFilterDepth {
		return "", p.errorf(p.peek(), "nested deeper than %d", maxFilterDepth)
	}
	left, err := p.andExpr(depth)
	if err != nil {
		return "", err
	}
	for p.peek().keyword("OR") {
		p.next()
		right, err := p.andExpr(depth)
		if err != nil {
			return "", err
		}
		left = "(" + left + " OR " + right + ")"
	}
	return left, nil
}

// andExpr := notExpr { AND notExpr }
func (p *cqlParser) andExpr(depth int) (string, error) {
	left, err := p.notExpr(depth)
	if err != nil {
		return "", err
	}
	for p.peek().keyword("AND") {
		p.next()
		right, err := p.notExpr(depth)
		if err != nil {
			return "", err
		}
		left = "(" + left + " AND " + right + ")"
	}
	return left, nil
}

// notExpr := NOT notExpr | primary
func (p *cqlParser) notExpr(depth int) (string, error) {
	if p.peek().keyword("NOT") {
		p.next()
		if depth+1 > maxFilterDepth {
			return "", p.errorf(p.peek(), "nested deeper than %d", maxFilterDepth)
		}
		inner, err := p.notExpr(depth + 1)
		if err != nil {
			return "", err
		}
		return "(NOT " + inner + ")", nil
	}
	return p.primary(depth)
}

var spatialFunctions = map[string]string{
	"S_INTERSECTS": "ST_Intersects", "S_EQUALS": "ST_Equals", "S_DISJOINT": "ST_Disjoint",
	"S_TOUCHES": "ST_Touches", "S_WITHIN": "ST_Within", "S_OVERLAPS": "ST_Overlaps",
	"S_CROSSES": "ST_Crosses", "S_CONTAINS": "ST_Contains",
}

// primary := '(' booleanExpr ')' | spatial function | boolean literal | predicate
func (p *cqlParser) primary(depth int) (string, error) {
	t := p.peek()
	if t.kind == tokLParen {
		p.next()
		inner, err := p.booleanExpr(depth + 1)
		if err != nil {
			return "", err
		}
		if _, err := p.expect(tokRParen, "')'"); err != nil {
			return "", err
		}
		return inner, nil
	}
	if t.kind == tokIdent && p.toks[p.pos+1].kind == tokLParen {
		if fn, ok := spatialFunctions[strings.ToUpper(t.text)]; ok {
			return p.spatial(fn)
		}
	}
	left, err := p.scalar()
	if err != nil {
		return "", err
	}
	if left.kind == kindBool && left.literal() && !p.startsPredicate() {
		return strings.ToUpper(left.value), nil
	}
	return p.predicate(left)
}

// startsPredicate reports whether the next token continues a predicate after a scalar.
func (p *cqlParser) startsPredicate() bool {
	t := p.peek()
	return t.kind == tokOp || t.keyword("LIKE") || t.keyword("BETWEEN") || t.keyword("IN") || t.keyword("IS") ||
		(t.keyword("NOT") && (p.toks[p.pos+1].keyword("LIKE") || p.toks[p.pos+1].keyword("BETWEEN") || p.toks[p.pos+1].keyword("IN")))
}

// scalar := property | 'string' | number | TRUE | FALSE | DATE('…') | TIMESTAMP('…')
func (p *cqlParser) scalar() (operand, error) {
	t := p.next()
	switch t.kind {
	case tokString:
		return operand{kind: kindString, value: t.text, name: t.String()}, nil
	case tokNumber:
		// Numbers are bound as numeric: more digits than geo.MaxDecimalDigits would cost
		// PostgreSQL for nothing, or overflow its format (a 500 instead of a 400).
		if err := geo.CheckDigits(t.text); err != nil {
			return operand{}, p.errorf(t, "%v", err)
		}
		v, err := strconv.ParseFloat(t.text, 64)
		if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
			return operand{}, p.errorf(t, "%s is not a number", t)
		}
		return operand{kind: kindNumber, value: t.text, name: t.text}, nil
	case tokQuotedIdent:
		return p.property(t)
	case tokIdent:
		switch {
		case t.keyword("TRUE"), t.keyword("FALSE"):
			return operand{kind: kindBool, value: strings.ToLower(t.text), name: t.text}, nil
		case (t.keyword("DATE") || t.keyword("TIMESTAMP")) && p.peek().kind == tokLParen:
			p.next()
			s, err := p.expect(tokString, "a quoted date")
			if err != nil {
				return operand{}, err
			}
			if _, err := p.expect(tokRParen, "')'"); err != nil {
				return operand{}, err
			}
			if t.keyword("DATE") {
				d, err := geo.ParseDate(s.text)
				if err != nil {
					return operand{}, p.errorf(s, "%s is not a date (YYYY-MM-DD)", s)
				}
				return operand{kind: kindDate, value: d.Format(time.DateOnly), name: "DATE(" + s.String() + ")"}, nil
			}
			ts, err := time.Parse(time.RFC3339Nano, s.text)
			if err == nil {
				err = geo.CheckYear(ts)
			}
			if err != nil {
				return operand{}, p.errorf(s, "%s is not an RFC 3339 timestamp", s)
			}
			return operand{kind: kindTimestamp, value: ts.UTC().Format(time.RFC3339Nano), name: "TIMESTAMP(" + s.String() + ")"}, nil
		case p.peek().kind == tokLParen:
			return operand{}, p.errorf(t, "function %s is not supported", t.text)
		}
		return p.property(t)
	}
	return operand{}, p.errorf(t, "expected a property or a value, found %s", t)
}

// property resolves a name against the layer's declared fields: the only identifiers that reach SQL.
func (p *cqlParser) property(t token) (operand, error) {
	if t.text == GeometryQueryable {
		return operand{kind: kindGeometry, sql: "t.geom", name: t.text}, nil
	}
	f, ok := p.layer.Field(t.text)
	if !ok {
		return operand{}, p.errorf(t, "unknown property %s for collection %s (see its queryables)", t, p.layer.ID)
	}
	if !f.Filterable() {
		return operand{}, p.errorf(t, "property %s is an object and cannot be used in a filter", t)
	}
	o := operand{sql: f.SQL(), name: f.Name}
	switch f.Type {
	case geo.Integer, geo.Number:
		o.kind = kindNumber
	case geo.Date:
		o.kind = kindDate
	case geo.StringArray:
		o.kind = kindArray
	default:
		// Enum columns compare as text, so an unknown value matches nothing instead of failing.
		o.kind, o.sql = kindString, "("+f.SQL()+")::text"
	}
	return o, nil
}

var comparisonOps = map[string]string{"=": "=", "<>": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}

// predicate := compOp scalar | [NOT] LIKE scalar | [NOT] BETWEEN scalar AND scalar
//
//	| [NOT] IN '(' scalar {',' scalar} ')' | IS [NOT] NULL
func (p *cqlParser) predicate(left operand) (string, error) {
	t := p.next()
	if t.kind == tokOp {
		right, err := p.scalar()
		if err != nil {
			return "", err
		}
		ops, err := p.typed(t, left, right)
		if err != nil {
			return "", err
		}
		return "(" + ops[0] + " " + comparisonOps[t.text] + " " + ops[1] + ")", nil
	}
	if t.keyword("IS") {
		not := ""
		if p.peek().keyword("NOT") {
			p.next()
			not = " NOT"
		}
		if n := p.next(); !n.keyword("NULL") {
			return "", p.errorf(n, "expected NULL after IS, found %s", n)
		}
		if left.literal() {
			return "", p.errorf(t, "IS NULL applies to a property, not to %s", left.name)
		}
		return "(" + left.sql + " IS" + not + " NULL)", nil
	}
	not := ""
	if t.keyword("NOT") {
		not = "NOT "
		t = p.next()
	}
	switch {
	case t.keyword("LIKE"):
		right, err := p.scalar()
		if err != nil {
			return "", err
		}
		if left.kind != kindString || right.kind != kindString {
			return "", p.errorf(t, "LIKE compares strings, not %s and %s", kindNames[left.kind], kindNames[right.kind])
		}
		ops, err := p.typed(t, left, right)
		if err != nil {
			return "", err
		}
		return "(" + ops[0] + " " + not + "LIKE " + ops[1] + ")", nil
	case t.keyword("BETWEEN"):
		low, err := p.scalar()
		if err != nil {
			return "", err
		}
		if a := p.next(); !a.keyword("AND") {
			return "", p.errorf(a, "expected AND in BETWEEN, found %s", a)
		}
		high, err := p.scalar()
		if err != nil {
			return "", err
		}
		ops, err := p.typed(t, left, low, high)
		if err != nil {
			return "", err
		}
		return "(" + ops[0] + " " + not + "BETWEEN " + ops[1] + " AND " + ops[2] + ")", nil
	case t.keyword("IN"):
		if _, err := p.expect(tokLParen, "'(' after IN"); err != nil {
			return "", err
		}
		list := []operand{left}
		for {
			o, err := p.scalar()
			if err != nil {
				return "", err
			}
			list = append(list, o)
			if p.peek().kind == tokComma {
				p.next()
				continue
			}
			if _, err := p.expect(tokRParen, "',' or ')' in the IN list"); err != nil {
				return "", err
			}
			break
		}
		ops, err := p.typed(t, list...)
		if err != nil {
			return "", err
		}
		return "(" + ops[0] + " " + not + "IN (" + strings.Join(ops[1:], ", ") + "))", nil
	}
	return "", p.errorf(t, "expected a comparison (=, <>, <, <=, >, >=, LIKE, BETWEEN, IN, IS NULL) after %s, found %s", left.name, t)
}

// typed checks that the operands of one predicate have compatible types and returns their SQL,
// binding literals with the cast their comparison needs. A string literal compared with a date
// property is read as a date; a timestamp compared with a date compares the date's midnight UTC.
func (p *cqlParser) typed(at token, ops ...operand) ([]string, error) {
	kind := ops[0].kind
	for _, o := range ops {
		if !o.literal() || o.kind != kindString {
			kind = o.kind
			break
		}
	}
	hasTimestamp := false
	for _, o := range ops {
		hasTimestamp = hasTimestamp || o.kind == kindTimestamp
	}
	if kind == kindTimestamp {
		kind = kindDate // dates and timestamps compare as timestamps below
	}
	out := make([]string, len(ops))
	for i, o := range ops {
		switch {
		case o.kind == kindArray || o.kind == kindGeometry:
			return nil, p.errorf(at, "%s is %s: only IS NULL%s applies to it", o.name, kindNames[o.kind],
				map[bool]string{true: " and the spatial functions", false: ""}[o.kind == kindGeometry])
		case kind == kindDate && (o.kind == kindDate || o.kind == kindTimestamp || (o.literal() && o.kind == kindString)):
			if o.literal() && o.kind == kindString {
				if _, err := geo.ParseDate(o.value); err != nil {
					return nil, p.errorf(at, "%s is not a date (YYYY-MM-DD)", o.name)
				}
				o.kind = kindDate
			}
		case o.kind != kind:
			return nil, p.errorf(at, "cannot compare %s (%s) with %s (%s)", ops[0].name, kindNames[ops[0].kind], o.name, kindNames[o.kind])
		}
		if !o.literal() {
			out[i] = o.sql
			if o.kind == kindDate && hasTimestamp {
				out[i] = "(" + o.sql + ")::timestamp"
			}
			continue
		}
		var cast string
		switch o.kind {
		case kindString:
			cast = "::text"
		case kindNumber:
			cast = "::numeric"
		case kindDate:
			cast = "::date"
			if hasTimestamp {
				cast = "::date::timestamp"
			}
		case kindTimestamp:
			cast = "::timestamptz AT TIME ZONE 'UTC'"
		case kindBool:
			cast = "::boolean"
		}
		ph, err := p.bind(o.value, cast)
		if err != nil {
			return nil, err
		}
		out[i] = "(" + ph + ")"
	}
	return out, nil
}

// spatial := S_xxx '(' geomExpr ',' geomExpr ')'
func (p *cqlParser) spatial(fn string) (string, error) {
	name := p.next()
	p.next() // '('
	var args [2]string
	for i := range args {
		if i == 1 {
			if _, err := p.expect(tokComma, "',' between the two geometries of "+name.text); err != nil {
				return "", err
			}
		}
		g, err := p.geometryExpr()
		if err != nil {
			return "", err
		}
		args[i] = g
	}
	if _, err := p.expect(tokRParen, "')' closing "+name.text); err != nil {
		return "", err
	}
	return fn + "(" + args[0] + ", " + args[1] + ")", nil
}

// geometryExpr is the geometry property or a geometry literal, bound as WKT. Literals are made
// valid first, so a self-intersecting polygon is a question PostGIS can answer, not an error.
func (p *cqlParser) geometryExpr() (string, error) {
	t := p.peek()
	if t.kind == tokQuotedIdent || (t.kind == tokIdent && p.toks[p.pos+1].kind != tokLParen && !isGeometryKeyword(t)) {
		p.next()
		o, err := p.property(t)
		if err != nil {
			return "", err
		}
		if o.kind != kindGeometry {
			return "", p.errorf(t, "%s is not a geometry; spatial functions take %q or a geometry literal", t, GeometryQueryable)
		}
		return o.sql, nil
	}
	var w strings.Builder
	if err := p.geometryLiteral(&w); err != nil {
		return "", err
	}
	ph, err := p.bind(w.String(), "")
	if err != nil {
		return "", err
	}
	return "ST_MakeValid(ST_GeomFromText(" + ph + ", 4326))", nil
}

func isGeometryKeyword(t token) bool {
	switch strings.ToUpper(t.text) {
	case "POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON", "GEOMETRYCOLLECTION", "BBOX":
		return true
	}
	return false
}

// geometryLiteral parses a CQL2 geometry literal and writes it as 2D WKT.
func (p *cqlParser) geometryLiteral(w *strings.Builder) error {
	t := p.next()
	if t.kind != tokIdent || !isGeometryKeyword(t) {
		return p.errorf(t, "expected %q or a geometry (POINT, LINESTRING, POLYGON, MULTI…, GEOMETRYCOLLECTION, BBOX), found %s", GeometryQueryable, t)
	}
	kind := strings.ToUpper(t.text)
	if kind == "BBOX" {
		return p.bbox(w)
	}
	// An optional Z: heights are accepted and dropped.
	z := false
	if n := p.peek(); n.keyword("Z") {
		p.next()
		z = true
	}
	w.WriteString(kind)
	switch kind {
	case "POINT":
		return p.list(w, 1, 1, func() error { return p.coord(w, z) })
	case "LINESTRING":
		return p.line(w, z, 2, false)
	case "POLYGON":
		return p.polygon(w, z)
	case "MULTIPOINT":
		return p.list(w, 1, -1, func() error {
			// Both MULTIPOINT((1 2),(3 4)) and the older MULTIPOINT(1 2, 3 4).
			if p.peek().kind == tokLParen {
				return p.list(w, 1, 1, func() error { return p.coord(w, z) })
			}
			return p.coord(w, z)
		})
	case "MULTILINESTRING":
		return p.list(w, 1, -1, func() error { return p.line(w, z, 2, false) })
	case "MULTIPOLYGON":
		return p.list(w, 1, -1, func() error { return p.polygon(w, z) })
	default: // GEOMETRYCOLLECTION
		if p.geomDepth >= maxGeometryDepth {
			return p.errorf(t, "geometry collections nested deeper than %d", maxGeometryDepth)
		}
		p.geomDepth++
		defer func() { p.geomDepth-- }()
		return p.list(w, 1, -1, func() error { return p.geometryLiteral(w) })
	}
}

// list parses '(' item {',' item} ')' with between min and max items (max < 0: unbounded).
func (p *cqlParser) list(w *strings.Builder, min, max int, item func() error) error {
	if _, err := p.expect(tokLParen, "'('"); err != nil {
		return err
	}
	w.WriteByte('(')
	for n := 1; ; n++ {
		if err := item(); err != nil {
			return err
		}
		t := p.next()
		if t.kind == tokRParen {
			if n < min {
				return p.errorf(t, "expected at least %d items", min)
			}
			w.WriteByte(')')
			return nil
		}
		if t.kind != tokComma || (max >= 0 && n >= max) {
			return p.errorf(t, "expected ')' , found %s", t)
		}
		w.WriteByte(',')
	}
}

// line parses a coordinate list; rings must be closed and have four positions.
func (p *cqlParser) line(w *strings.Builder, z bool, min int, ring bool) error {
	open := p.peek()
	var first, last [2]float64
	n := 0
	err := p.list(w, min, -1, func() error {
		c, err := p.position(z)
		if err != nil {
			return err
		}
		if n == 0 {
			first = c
		}
		last = c
		n++
		writeCoord(w, c)
		return nil
	})
	if err != nil {
		return err
	}
	if ring && (n < 4 || first != last) {
		return p.errorf(open, "a polygon ring needs at least 4 positions and must end where it starts")
	}
	return nil
}

func (p *cqlParser) polygon(w *strings.Builder, z bool) error {
	return p.list(w, 1, -1, func() error { return p.line(w, z, 4, true) })
}

func (p *cqlParser) coord(w *strings.Builder, z bool) error {
	c, err := p.position(z)
	if err != nil {
		return err
	}
	writeCoord(w, c)
	return nil
}

func writeCoord(w *strings.Builder, c [2]float64) {
	w.WriteString(strconv.FormatFloat(c[0], 'f', -1, 64))
	w.WriteByte(' ')
	w.WriteString(strconv.FormatFloat(c[1], 'f', -1, 64))
}

// position reads "lon lat [h]" in CRS84.
func (p *cqlParser) position(z bool) ([2]float64, error) {
	if p.positions++; p.positions > maxFilterPositions {
		return [2]float64{}, p.errorf(p.peek(), "more than %d positions in geometry literals", maxFilterPositions)
	}
	var v [3]float64
	n := 2
	if z {
		n = 3
	}
	for i := 0; i < n; i++ {
		t := p.next()
		f, err := p.number(t)
		if err != nil {
			return [2]float64{}, err
		}
		v[i] = f
	}
	// A third number without Z is tolerated (CQL2 allows POINT(1 2 3) in some drafts).
	if !z && p.peek().kind == tokNumber {
		if _, err := p.number(p.next()); err != nil {
			return [2]float64{}, err
		}
	}
	if v[0] < -180 || v[0] > 180 || v[1] < -90 || v[1] > 90 {
		return [2]float64{}, p.errorf(p.toks[p.pos-1], "position %g %g is outside CRS84 (longitude -180..180, latitude -90..90)", v[0], v[1])
	}
	return [2]float64{v[0], v[1]}, nil
}

func (p *cqlParser) number(t token) (float64, error) {
	if t.kind != tokNumber {
		return 0, p.errorf(t, "expected a number, found %s", t)
	}
	f, err := strconv.ParseFloat(t.text, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, p.errorf(t, "%s is not a number", t)
	}
	return f, nil
}

// bbox parses BBOX(minlon, minlat, maxlon, maxlat) (or with heights: 6 numbers) and writes it as
// a polygon; a box with minlon > maxlon crosses the antimeridian and becomes two.
func (p *cqlParser) bbox(w *strings.Builder) error {
	open, err := p.expect(tokLParen, "'(' after BBOX")
	if err != nil {
		return err
	}
	var v []float64
	for {
		f, err := p.number(p.next())
		if err != nil {
			return err
		}
		v = append(v, f)
		t := p.next()
		if t.kind == tokRParen {
			break
		}
		if t.kind != tokComma {
			return p.errorf(t, "expected ',' or ')' in BBOX, found %s", t)
		}
	}
	switch len(v) {
	case 4:
	case 6:
		v = []float64{v[0], v[1], v[3], v[4]}
	default:
		return p.errorf(open, "BBOX takes 4 numbers (or 6 with heights), not %d", len(v))
	}
	minLon, minLat, maxLon, maxLat := v[0], v[1], v[2], v[3]
	if minLon < -180 || minLon > 180 || maxLon < -180 || maxLon > 180 || minLat < -90 || maxLat > 90 || minLat > maxLat {
		return p.errorf(open, "BBOX(%g,%g,%g,%g) is not a CRS84 box", minLon, minLat, maxLon, maxLat)
	}
	box := func(x0, x1 float64) string {
		c := func(x, y float64) string {
			return strconv.FormatFloat(x, 'f', -1, 64) + " " + strconv.FormatFloat(y, 'f', -1, 64)
		}
		return "((" + strings.Join([]string{c(x0, minLat), c(x1, minLat), c(x1, maxLat), c(x0, maxLat), c(x0, minLat)}, ",") + "))"
	}
	if minLon <= maxLon {
		w.WriteString("POLYGON" + box(minLon, maxLon))
	} else {
		w.WriteString("MULTIPOLYGON(" + box(minLon, 180) + "," + box(-180, maxLon) + ")")
	}
	return nil
}
