package cql2

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/clustermap/clustermap/geo"
)

// Geometry literals are bounded on their own: GEOMETRYCOLLECTION nesting (which the boolean
// depth limit does not see) and the positions of all literals together.
func TestGeometryLiteralsAreBounded(t *testing.T) {
	l, _ := geo.DefaultCatalog().Layer("clusters")
	nested := func(depth int) string {
		return "S_INTERSECTS(geometry, " + strings.Repeat("GEOMETRYCOLLECTION(", depth) + "POINT(108 14)" + strings.Repeat(")", depth) + ")"
	}
	if _, _, err := Compile(l, nested(maxGeometryDepth)); err != nil {
		t.Errorf("nesting %d: %v", maxGeometryDepth, err)
	}
	for _, depth := range []int{maxGeometryDepth + 1, 3000} {
		if _, _, err := Compile(l, nested(depth)); err == nil || !strings.Contains(err.Error(), "nested deeper") {
			t.Errorf("nesting %d: err %v, want refused", depth, err)
		}
	}
	points := strings.TrimSuffix(strings.Repeat("1 2,", maxFilterPositions+1), ",")
	if _, _, err := Compile(l, "S_INTERSECTS(geometry, MULTIPOINT("+points+"))"); err == nil || !strings.Contains(err.Error(), "positions") {
		t.Errorf("%d positions: err %v, want refused", maxFilterPositions+1, err)
	}
	// Numbers bound as numeric carry at most geo.MaxDecimalDigits digits.
	for _, f := range []string{
		"planned_area_ha = 0." + strings.Repeat("0", 16400) + "1",
		"planned_area_ha IN (1, 2, " + strings.Repeat("9", geo.MaxDecimalDigits+1) + ")",
	} {
		if _, _, err := Compile(l, f); err == nil || !strings.Contains(err.Error(), "digits") {
			t.Errorf("%.60s…: err %v, want refused for its digits", f, err)
		}
	}
}

var placeholder = regexp.MustCompile(`\$(\d+)`)

// FuzzCompile: any text compiles to a bounded statement whose every placeholder has a value, or
// to an input error; it never panics and never lets a value into the SQL text.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		"status = 'operating'", "planned_area_ha > 50 AND NOT (kind = 'kcn')", "name LIKE 'Ch%'",
		"target_industries = 'food'", "decision_date BETWEEN DATE('2020-01-01') AND DATE('2024-12-31')",
		"planned_area_ha IN (1, 2.5, 1e3)", "investor IS NULL OR investor IS NOT NULL",
		"S_INTERSECTS(geometry, BBOX(107.5, 13, 108.5, 14.5))",
		"S_WITHIN(geometry, POLYGON((107 13, 109 13, 109 15, 107 15, 107 13)))",
		"S_INTERSECTS(geometry, GEOMETRYCOLLECTION(POINT(108 14), GEOMETRYCOLLECTION(LINESTRING(107 13, 108 14))))",
		"\"name\" = 'a''b'", "TRUE", "((((status <> 'x'))))", "planned_area_ha = 0.0000000000000000000000000000001",
		"name = '\x00'", "S_INTERSECTS(geometry, POINT Z(108 14 3))",
	} {
		f.Add(s)
	}
	l, _ := geo.DefaultCatalog().Layer("clusters")
	f.Fuzz(func(t *testing.T, text string) {
		sql, args, err := Compile(l, text)
		if err != nil {
			if _, ok := err.(*geo.InputError); !ok {
				t.Fatalf("%q: error %T %v is not an input error", text, err, err)
			}
			return
		}
		if len(args) > maxFilterArgs {
			t.Fatalf("%q: %d values", text, len(args))
		}
		for _, m := range placeholder.FindAllStringSubmatch(sql, -1) {
			if n, _ := strconv.Atoi(m[1]); n < 1 || n > len(args) {
				t.Fatalf("%q: placeholder $%s of %d values in %s", text, m[1], len(args), sql)
			}
		}
		if len(sql) > 64*len(text)+256 {
			t.Fatalf("%q: %d bytes of SQL", text, len(sql))
		}
	})
}
