package mvtcheck

import (
	"errors"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
	"google.golang.org/protobuf/encoding/protowire"
)

// ---- hand-rolled MVT encoder for tests ----

// lay describes a layer to encode. Zero values mean "use the default": a
// valid version-2 layer named "l" with extent 4096.
type lay struct {
	name      string
	noName    bool
	version   uint32
	noVersion bool
	extent    uint32
	noExtent  bool
	keys      []string
	values    [][]byte // encoded Value messages
	features  [][]byte // encoded Feature messages
	extra     []byte   // raw bytes appended to the layer
}

func (l lay) enc() []byte {
	var b []byte
	if !l.noVersion {
		v := l.version
		if v == 0 {
			v = 2
		}
		b = protowire.AppendTag(b, 15, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(v))
	}
	if !l.noName {
		n := l.name
		if n == "" {
			n = "l"
		}
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendString(b, n)
	}
	for _, f := range l.features {
		b = protowire.AppendTag(b, 2, protowire.BytesType)
		b = protowire.AppendBytes(b, f)
	}
	for _, k := range l.keys {
		b = protowire.AppendTag(b, 3, protowire.BytesType)
		b = protowire.AppendString(b, k)
	}
	for _, v := range l.values {
		b = protowire.AppendTag(b, 4, protowire.BytesType)
		b = protowire.AppendBytes(b, v)
	}
	if !l.noExtent {
		e := l.extent
		if e == 0 {
			e = 4096
		}
		b = protowire.AppendTag(b, 5, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(e))
	}
	return append(b, l.extra...)
}

func tile(layers ...lay) []byte {
	var b []byte
	for _, l := range layers {
		b = protowire.AppendTag(b, 3, protowire.BytesType)
		b = protowire.AppendBytes(b, l.enc())
	}
	return b
}

// feat describes a feature to encode. The type field is written unless
// noType (so typ 0 writes an explicit UNKNOWN); geometry is written packed
// unless noGeom or unpacked.
type feat struct {
	id       uint64
	hasID    bool
	tags     []uint32
	typ      GeomType
	noType   bool
	geom     []uint32
	noGeom   bool
	unpacked bool
	extra    []byte
}

func (f feat) enc() []byte {
	var b []byte
	if f.hasID {
		b = protowire.AppendTag(b, 1, protowire.VarintType)
		b = protowire.AppendVarint(b, f.id)
	}
	if len(f.tags) > 0 {
		b = appendPacked(b, 2, f.tags, false)
	}
	if !f.noType {
		b = protowire.AppendTag(b, 3, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(f.typ))
	}
	if !f.noGeom {
		b = appendPacked(b, 4, f.geom, f.unpacked)
	}
	return append(b, f.extra...)
}

func appendPacked(b []byte, num protowire.Number, vs []uint32, unpacked bool) []byte {
	if unpacked {
		for _, v := range vs {
			b = protowire.AppendTag(b, num, protowire.VarintType)
			b = protowire.AppendVarint(b, uint64(v))
		}
		return b
	}
	var p []byte
	for _, v := range vs {
		p = protowire.AppendVarint(p, uint64(v))
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, p)
}

func feats(fs ...feat) [][]byte {
	out := make([][]byte, len(fs))
	for i, f := range fs {
		out[i] = f.enc()
	}
	return out
}

// Value encoders.
func vStr(s string) []byte {
	return protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), s)
}
func vFloat(f float32) []byte {
	return protowire.AppendFixed32(protowire.AppendTag(nil, 2, protowire.Fixed32Type), math.Float32bits(f))
}
func vDouble(f float64) []byte {
	return protowire.AppendFixed64(protowire.AppendTag(nil, 3, protowire.Fixed64Type), math.Float64bits(f))
}
func vInt(i int64) []byte {
	return protowire.AppendVarint(protowire.AppendTag(nil, 4, protowire.VarintType), uint64(i))
}
func vUint(u uint64) []byte {
	return protowire.AppendVarint(protowire.AppendTag(nil, 5, protowire.VarintType), u)
}
func vSint(i int64) []byte {
	return protowire.AppendVarint(protowire.AppendTag(nil, 6, protowire.VarintType), protowire.EncodeZigZag(i))
}
func vBool(v bool) []byte {
	return protowire.AppendVarint(protowire.AppendTag(nil, 7, protowire.VarintType), protowire.EncodeBool(v))
}
func cat(bs ...[]byte) []byte { return slices.Concat(bs...) }

// Geometry encoders.
func cmd(id, count uint32) uint32 { return id&7 | count<<3 }
func zz(v int32) uint32           { return uint32(v<<1) ^ uint32(v>>31) }

func moveTo(pairs ...int32) []uint32 { return cmdPairs(1, pairs) }
func lineTo(pairs ...int32) []uint32 { return cmdPairs(2, pairs) }
func closePath() []uint32            { return []uint32{cmd(7, 1)} }
func cmdPairs(id uint32, pairs []int32) []uint32 {
	out := []uint32{cmd(id, uint32(len(pairs)/2))}
	for _, p := range pairs {
		out = append(out, zz(p))
	}
	return out
}
func geom(parts ...[]uint32) []uint32 { return slices.Concat(parts...) }

// rings encodes polygon rings given in absolute coordinates (without the
// closing vertex) as MoveTo, LineTo, ClosePath per ring.
func rings(rs ...[][2]int32) []uint32 {
	var out []uint32
	var cx, cy int32
	for _, r := range rs {
		out = append(out, moveTo(r[0][0]-cx, r[0][1]-cy)...)
		cx, cy = r[0][0], r[0][1]
		var d []int32
		for _, p := range r[1:] {
			d = append(d, p[0]-cx, p[1]-cy)
			cx, cy = p[0], p[1]
		}
		out = append(out, lineTo(d...)...)
		out = append(out, closePath()...)
	}
	return out
}

func rev(r [][2]int32) [][2]int32 {
	out := slices.Clone(r)
	slices.Reverse(out)
	return out
}

// Squares in tile coordinates (y down). cw* have positive surveyor's area
// (clockwise on screen: exterior rings); ccw* negative (interior rings).
var (
	cwOuter = [][2]int32{{0, 0}, {100, 0}, {100, 100}, {0, 100}}
	ccwHole = [][2]int32{{20, 20}, {20, 80}, {80, 80}, {80, 20}}
	cwHole  = rev(ccwHole) // hole with the wrong winding
	cwOther = [][2]int32{{200, 200}, {300, 200}, {300, 300}, {200, 300}}
	cwIsle  = [][2]int32{{40, 40}, {60, 40}, {60, 60}, {40, 60}} // inside ccwHole
)

func pointFeat(x, y int32) feat { return feat{typ: Point, geom: moveTo(x, y)} }

// ---- tests ----

func TestValidate(t *testing.T) {
	validLine := feat{typ: LineString, geom: geom(moveTo(1, 1), lineTo(10, 0, 0, 10))}
	tests := []struct {
		name  string
		tile  []byte
		want  []Rule // exact set of error rules (nil: valid)
		warns []Rule // warnings that must be present
	}{
		// Valid tiles.
		{name: "point", tile: tile(lay{features: feats(pointFeat(25, 17))})},
		{name: "multipoint", tile: tile(lay{features: feats(feat{typ: Point, geom: moveTo(5, 7, -2, -5)})})},
		{name: "linestring", tile: tile(lay{features: feats(validLine)})},
		{name: "multilinestring", tile: tile(lay{features: feats(feat{typ: LineString, geom: geom(
			moveTo(2, 2), lineTo(0, 8, 8, 0), moveTo(1, 1), lineTo(3, 3))})})},
		{name: "polygon", tile: tile(lay{features: feats(feat{typ: Polygon, geom: rings(cwOuter)})})},
		{name: "polygon with hole", tile: tile(lay{features: feats(feat{typ: Polygon, geom: rings(cwOuter, ccwHole)})})},
		{name: "multipolygon", tile: tile(lay{features: feats(feat{typ: Polygon, geom: rings(cwOuter, ccwHole, cwOther)})})},
		{name: "island inside hole", tile: tile(lay{features: feats(feat{typ: Polygon, geom: rings(cwOuter, ccwHole, cwIsle)})})},
		{name: "spec example polygon", tile: tile(lay{features: feats(feat{typ: Polygon,
			geom: []uint32{9, 6, 12, 18, 10, 12, 24, 44, 15}})})},
		{name: "all value types and tags", tile: tile(lay{
			keys:   []string{"s", "f", "d", "i", "u", "si", "b"},
			values: [][]byte{vStr("x"), vFloat(1.5), vDouble(2.5), vInt(-3), vUint(4), vSint(-5), vBool(true)},
			features: feats(feat{hasID: true, id: 7, typ: Point, geom: moveTo(1, 1),
				tags: []uint32{0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6}}),
		})},
		{name: "same number as different types is not a duplicate", tile: tile(lay{
			keys:     []string{"a"},
			values:   [][]byte{vInt(1), vSint(1), vUint(1), vDouble(1), vFloat(1), vStr("1")},
			features: feats(feat{typ: Point, geom: moveTo(1, 1), tags: []uint32{0, 5}}),
		})},
		{name: "two layers", tile: tile(lay{name: "a", features: feats(pointFeat(1, 1))}, lay{name: "b", features: feats(pointFeat(1, 1))})},
		{name: "extent absent defaults to 4096", tile: tile(lay{noExtent: true, features: feats(pointFeat(1, 1))}),
			warns: []Rule{WarnExtentDefault}},
		{name: "empty tile", tile: nil, warns: []Rule{WarnNoLayers}},
		{name: "layer without features", tile: tile(lay{}), warns: []Rule{WarnNoFeatures}},
		{name: "unpacked geometry is legal protobuf", tile: tile(lay{features: feats(feat{typ: Point, geom: moveTo(1, 1), unpacked: true})}),
			warns: []Rule{WarnUnpacked}},
		{name: "unknown and extension fields are skipped", tile: tile(lay{
			features: feats(feat{typ: Point, geom: moveTo(1, 1), extra: protowire.AppendVarint(protowire.AppendTag(nil, 9, protowire.VarintType), 1)}),
			extra:    protowire.AppendString(protowire.AppendTag(nil, 16, protowire.BytesType), "ext"),
		}), warns: []Rule{WarnUnknownField}},
		{name: "repeated name field and odd bool only warn", tile: tile(lay{
			keys:     []string{"b"},
			values:   [][]byte{protowire.AppendVarint(protowire.AppendTag(nil, 7, protowire.VarintType), 2)},
			features: feats(feat{typ: Point, geom: moveTo(1, 1), tags: []uint32{0, 0}}),
			extra:    protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), "l"),
		}), warns: []Rule{WarnRepeatedScalar, WarnBoolValue}},
		{name: "buffer coordinates are fine", tile: tile(lay{features: feats(pointFeat(-64, 4160))})},
		{name: "cursor far outside the tile only warns", tile: tile(lay{features: feats(pointFeat(4096*3, 10))}),
			warns: []Rule{WarnCoordinateBounds}},

		// Layer rules.
		{name: "version 1", tile: tile(lay{version: 1, features: feats(pointFeat(1, 1))}), want: []Rule{RuleVersion}},
		{name: "version 3", tile: tile(lay{version: 3, features: feats(pointFeat(1, 1))}), want: []Rule{RuleVersion}},
		{name: "version missing", tile: tile(lay{noVersion: true, features: feats(pointFeat(1, 1))}), want: []Rule{RuleVersion}},
		{name: "name missing", tile: tile(lay{noName: true, features: feats(pointFeat(1, 1))}), want: []Rule{RuleLayerName}},
		{name: "duplicate layer names", tile: tile(lay{name: "a", features: feats(pointFeat(1, 1))}, lay{name: "a", features: feats(pointFeat(1, 1))}),
			want: []Rule{RuleDuplicateLayerName}},
		{name: "extent 0", tile: tile(lay{noExtent: true, features: feats(pointFeat(1, 1)),
			extra: protowire.AppendVarint(protowire.AppendTag(nil, 5, protowire.VarintType), 0)}), want: []Rule{RuleExtent}},
		{name: "extent with wrong wire type", tile: tile(lay{noExtent: true, features: feats(pointFeat(1, 1)),
			extra: protowire.AppendString(protowire.AppendTag(nil, 5, protowire.BytesType), "4096")}), want: []Rule{RuleWireType}},
		{name: "layers field with wrong wire type", tile: protowire.AppendVarint(protowire.AppendTag(nil, 3, protowire.VarintType), 1),
			want: []Rule{RuleWireType}},
		{name: "truncated tile", tile: func() []byte { b := tile(lay{features: feats(pointFeat(1, 1))}); return b[:len(b)-3] }(),
			want: []Rule{RuleWire}},
		{name: "version overflows uint32", tile: tile(lay{noVersion: true, features: feats(pointFeat(1, 1)),
			extra: protowire.AppendVarint(protowire.AppendTag(nil, 15, protowire.VarintType), 1<<32|2)}), want: []Rule{RuleWire}},

		// Keys and values.
		{name: "duplicate keys", tile: tile(lay{keys: []string{"a", "b", "a"}, values: [][]byte{vStr("x")},
			features: feats(feat{typ: Point, geom: moveTo(1, 1), tags: []uint32{0, 0}})}), want: []Rule{RuleDuplicateKey}},
		{name: "duplicate string values", tile: tile(lay{keys: []string{"a"}, values: [][]byte{vStr("x"), vStr("y"), vStr("x")},
			features: feats(feat{typ: Point, geom: moveTo(1, 1), tags: []uint32{0, 0}})}), want: []Rule{RuleDuplicateValue}},
		{name: "duplicate double values", tile: tile(lay{keys: []string{"a"}, values: [][]byte{vDouble(0.5), vDouble(0.5)},
			features: feats(feat{typ: Point, geom: moveTo(1, 1), tags: []uint32{0, 0}})}), want: []Rule{RuleDuplicateValue}},
		{name: "duplicate sint values", tile: tile(lay{keys: []string{"a"}, values: [][]byte{vSint(-1), vSint(-1)},
			features: feats(feat{typ: Point, geom: moveTo(1, 1), tags: []uint32{0, 0}})}), want: []Rule{RuleDuplicateValue}},
		{name: "value with two typed fields", tile: tile(lay{keys: []string{"a"}, values: [][]byte{cat(vStr("x"), vInt(1))},
			features: feats(feat{typ: Point, geom: moveTo(1, 1), tags: []uint32{0, 0}})}), want: []Rule{RuleValue}},
		{name: "value with no typed field", tile: tile(lay{keys: []string{"a"}, values: [][]byte{nil},
			features: feats(feat{typ: Point, geom: moveTo(1, 1), tags: []uint32{0, 0}})}), want: []Rule{RuleValue}},
		{name: "float value with wrong wire type", tile: tile(lay{keys: []string{"a"},
			values:   [][]byte{protowire.AppendVarint(protowire.AppendTag(nil, 2, protowire.VarintType), 1)},
			features: feats(feat{typ: Point, geom: moveTo(1, 1), tags: []uint32{0, 0}})}), want: []Rule{RuleWireType, RuleValue}},

		// Feature rules.
		{name: "odd tags", tile: tile(lay{keys: []string{"a"}, values: [][]byte{vStr("x")},
			features: feats(feat{typ: Point, geom: moveTo(1, 1), tags: []uint32{0, 0, 0}})}), want: []Rule{RuleTagsOdd}},
		{name: "key index out of range", tile: tile(lay{keys: []string{"a"}, values: [][]byte{vStr("x")},
			features: feats(feat{typ: Point, geom: moveTo(1, 1), tags: []uint32{1, 0}})}), want: []Rule{RuleTagKeyIndex}},
		{name: "value index out of range", tile: tile(lay{keys: []string{"a"}, values: [][]byte{vStr("x")},
			features: feats(feat{typ: Point, geom: moveTo(1, 1), tags: []uint32{0, 1}})}), want: []Rule{RuleTagValueIndex}},
		{name: "duplicate key in feature", tile: tile(lay{keys: []string{"a"}, values: [][]byte{vStr("x"), vStr("y")},
			features: feats(feat{typ: Point, geom: moveTo(1, 1), tags: []uint32{0, 0, 0, 1}})}), want: []Rule{RuleTagDuplicateKey}},
		{name: "UNKNOWN geometry type", tile: tile(lay{features: feats(feat{typ: Unknown, geom: moveTo(1, 1)})}), want: []Rule{RuleGeomType}},
		{name: "type missing", tile: tile(lay{features: feats(feat{noType: true, geom: moveTo(1, 1)})}), want: []Rule{RuleGeomType}},
		{name: "type out of enum", tile: tile(lay{features: feats(feat{typ: 4, geom: moveTo(1, 1)})}), want: []Rule{RuleGeomType}},
		{name: "duplicate feature id", tile: tile(lay{features: feats(
			feat{hasID: true, id: 5, typ: Point, geom: moveTo(1, 1)},
			feat{hasID: true, id: 5, typ: Point, geom: moveTo(2, 2)})}), want: []Rule{RuleDuplicateID}},
		{name: "geometry missing", tile: tile(lay{features: feats(feat{typ: Point, noGeom: true})}), want: []Rule{RuleEmptyGeometry}},
		{name: "geometry empty", tile: tile(lay{features: feats(feat{typ: Point, geom: []uint32{}})}), want: []Rule{RuleEmptyGeometry}},
		{name: "geometry element overflows uint32", tile: tile(lay{features: feats(feat{typ: Point, noGeom: true,
			extra: protowire.AppendBytes(protowire.AppendTag(nil, 4, protowire.BytesType),
				cat(protowire.AppendVarint(nil, 9), protowire.AppendVarint(nil, 1<<33), protowire.AppendVarint(nil, 2)))})}),
			want: []Rule{RuleWire}},

		// Command encoding.
		{name: "bad command id", tile: tile(lay{features: feats(feat{typ: LineString, geom: geom(moveTo(1, 1), []uint32{cmd(3, 1), 2, 2})})}),
			want: []Rule{RuleCommandID}},
		{name: "missing parameters", tile: tile(lay{features: feats(feat{typ: LineString, geom: geom(moveTo(1, 1), []uint32{cmd(2, 2), 2, 2})})}),
			want: []Rule{RuleParameters}},
		{name: "parameter -2^31", tile: tile(lay{features: feats(feat{typ: Point, geom: []uint32{cmd(1, 1), math.MaxUint32, 0}})}),
			want: []Rule{RuleParameters}},
		{name: "point MoveTo count 0", tile: tile(lay{features: feats(feat{typ: Point, geom: []uint32{cmd(1, 0)}})}),
			want: []Rule{RuleCommandCount}},
		{name: "point with LineTo", tile: tile(lay{features: feats(feat{typ: Point, geom: geom(moveTo(1, 1), lineTo(1, 1))})}),
			want: []Rule{RuleCommandSequence}},
		{name: "point with two MoveTo commands", tile: tile(lay{features: feats(feat{typ: Point, geom: geom(moveTo(1, 1), moveTo(1, 1))})}),
			want: []Rule{RuleCommandSequence}},
		{name: "linestring MoveTo count 2", tile: tile(lay{features: feats(feat{typ: LineString, geom: geom(moveTo(1, 1, 2, 2), lineTo(3, 3))})}),
			want: []Rule{RuleCommandCount}},
		{name: "linestring LineTo count 0", tile: tile(lay{features: feats(feat{typ: LineString, geom: geom(moveTo(1, 1), []uint32{cmd(2, 0)})})}),
			want: []Rule{RuleCommandCount}},
		{name: "linestring without LineTo", tile: tile(lay{features: feats(feat{typ: LineString, geom: moveTo(1, 1)})}),
			want: []Rule{RuleCommandSequence}},
		{name: "linestring starting with LineTo", tile: tile(lay{features: feats(feat{typ: LineString, geom: lineTo(1, 1)})}),
			want: []Rule{RuleCommandSequence}},
		{name: "linestring with ClosePath", tile: tile(lay{features: feats(feat{typ: LineString, geom: geom(moveTo(1, 1), lineTo(1, 1), closePath())})}),
			want: []Rule{RuleCommandSequence}},
		{name: "linestring zero-length segment", tile: tile(lay{features: feats(feat{typ: LineString, geom: geom(moveTo(1, 1), lineTo(1, 1, 0, 0))})}),
			want: []Rule{RuleZeroLength}},
		{name: "polygon LineTo count 1", tile: tile(lay{features: feats(feat{typ: Polygon, geom: geom(moveTo(1, 1), lineTo(5, 5), closePath())})}),
			want: []Rule{RuleCommandCount, RuleZeroArea}},
		{name: "ClosePath count 2", tile: tile(lay{features: feats(feat{typ: Polygon,
			geom: geom(moveTo(0, 0), lineTo(10, 0, 0, 10), []uint32{cmd(7, 2)})})}),
			want: []Rule{RuleCommandCount}},
		{name: "polygon without ClosePath", tile: tile(lay{features: feats(feat{typ: Polygon, geom: geom(moveTo(0, 0), lineTo(10, 0, 0, 10))})}),
			want: []Rule{RuleCommandSequence}},
		{name: "polygon ring repeats its first vertex", tile: tile(lay{features: feats(feat{typ: Polygon,
			geom: geom(moveTo(0, 0), lineTo(10, 0, 0, 10, -10, 0, 0, -10), closePath())})}),
			want: []Rule{RuleZeroLength}},
		{name: "cursor leaves int32 range", tile: tile(lay{features: feats(feat{typ: Point,
			geom: []uint32{cmd(1, 2), zz(math.MaxInt32), 0, zz(math.MaxInt32), 0}})}),
			want: []Rule{RuleCoordinateRange}, warns: []Rule{WarnCoordinateBounds}},

		// Winding.
		{name: "counter-clockwise exterior", tile: tile(lay{features: feats(feat{typ: Polygon, geom: rings(rev(cwOuter))})}),
			want: []Rule{RuleWinding}},
		{name: "hole with wrong winding", tile: tile(lay{features: feats(feat{typ: Polygon, geom: rings(cwOuter, cwHole)})}),
			want: []Rule{RuleWinding}},
		{name: "zero-area ring", tile: tile(lay{features: feats(feat{typ: Polygon, geom: rings([][2]int32{{0, 0}, {10, 10}, {20, 20}})})}),
			want: []Rule{RuleZeroArea}},
		{name: "hole outside its exterior", tile: tile(lay{features: feats(feat{typ: Polygon, geom: rings(cwOuter, rev(cwOther))})}),
			want: []Rule{RuleRingContainment}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := Validate(tc.tile)
			if rep == nil {
				t.Fatal("nil report")
			}
			var got []Rule
			if err != nil {
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("error is %T, want *Error", err)
				}
				got = e.Rules()
			}
			if !sameSet(got, tc.want) {
				t.Errorf("rules = %v, want %v\nerror: %v", got, tc.want, err)
			}
			for _, w := range tc.warns {
				if !rep.HasWarning(w) {
					t.Errorf("missing warning %s; warnings: %v", w, rep.Warnings)
				}
			}
		})
	}
}

func sameSet(a, b []Rule) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

func TestErrorListsEveryViolation(t *testing.T) {
	b := tile(
		lay{name: "a", version: 1, keys: []string{"k", "k"}, values: [][]byte{vStr("v")},
			features: feats(feat{typ: Polygon, geom: rings(rev(cwOuter)), tags: []uint32{0, 5}})},
		lay{name: "a", features: feats(pointFeat(1, 1))},
	)
	_, err := Validate(b)
	if err == nil {
		t.Fatal("no error")
	}
	for _, r := range []Rule{RuleVersion, RuleDuplicateKey, RuleTagValueIndex, RuleWinding, RuleDuplicateLayerName} {
		if !HasRule(err, r) {
			t.Errorf("missing %s in %v", r, err)
		}
	}
	var v *Violation
	if !errors.As(err, &v) || v.Layer != 0 || v.LayerName != "a" {
		t.Errorf("errors.As first violation = %+v", v)
	}
	if !strings.Contains(err.Error(), `layer 0 "a": feature 0: [winding]`) {
		t.Errorf("message lacks location: %v", err)
	}
}

func TestReport(t *testing.T) {
	b := tile(
		lay{name: "pois", keys: []string{"name", "rank", "open"},
			values: [][]byte{vStr("cafe"), vSint(3), vBool(true), vStr("bar")},
			features: feats(
				feat{hasID: true, id: 1, typ: Point, geom: moveTo(25, 17), tags: []uint32{0, 0, 1, 1, 2, 2}},
				feat{hasID: true, id: 2, typ: Point, geom: moveTo(5, 7, -2, -5), tags: []uint32{0, 3}},
				feat{typ: LineString, geom: geom(moveTo(2, 2), lineTo(0, 8, 8, 0), moveTo(-9, -9), lineTo(3, 3))},
				feat{hasID: true, id: 9, typ: Polygon, geom: rings(cwOuter, ccwHole, cwOther)},
			)},
		lay{name: "small", extent: 512, noExtent: false, features: feats(pointFeat(1, 1))},
	)
	rep, err := Validate(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Layers) != 2 {
		t.Fatalf("layers = %d", len(rep.Layers))
	}
	l := rep.Layer("pois")
	if l == nil || l.Version != 2 || l.Extent != 4096 || !l.ExtentSet || l.Features != 4 {
		t.Fatalf("layer = %+v", l)
	}
	if !slices.Equal(l.Keys, []string{"name", "rank", "open"}) {
		t.Errorf("keys = %v", l.Keys)
	}
	if want := map[GeomType]int{Point: 2, LineString: 1, Polygon: 1}; !reflect.DeepEqual(l.GeomTypes, want) {
		t.Errorf("geom types = %v, want %v", l.GeomTypes, want)
	}
	if !slices.Equal(l.IDs(), []uint64{1, 2, 9}) {
		t.Errorf("ids = %v", l.IDs())
	}
	f := l.FeatureByID(1)
	if want := map[string]any{"name": "cafe", "rank": int64(3), "open": true}; !reflect.DeepEqual(f.Properties, want) {
		t.Errorf("properties = %#v, want %#v", f.Properties, want)
	}
	if want := []XY{{25, 17}}; !reflect.DeepEqual(f.Points, want) {
		t.Errorf("points = %v", f.Points)
	}
	if want := []XY{{5, 7}, {3, 2}}; !reflect.DeepEqual(l.FeatureByID(2).Points, want) {
		t.Errorf("multipoint = %v", l.FeatureByID(2).Points)
	}
	if want := [][]XY{{{2, 2}, {2, 10}, {10, 10}}, {{1, 1}, {4, 4}}}; !reflect.DeepEqual(l.FeatureReports[2].Lines, want) {
		t.Errorf("lines = %v", l.FeatureReports[2].Lines)
	}
	if l.FeatureReports[2].HasID || l.FeatureReports[2].Properties != nil {
		t.Errorf("feature 2 = %+v", l.FeatureReports[2])
	}
	p := l.FeatureByID(9).Polygons
	if len(p) != 2 || len(p[0]) != 2 || len(p[1]) != 1 || p[0][1][0] != (XY{20, 20}) || len(p[0][0]) != 4 {
		t.Errorf("polygons = %v", p)
	}
	if s := rep.Layer("small"); s == nil || s.Extent != 512 {
		t.Errorf("small = %+v", s)
	}
	if len(rep.Warnings) != 0 {
		t.Errorf("warnings = %v", rep.Warnings)
	}

	// Floats and the remaining value types decode to the documented Go types.
	rep, err = Validate(tile(lay{keys: []string{"f", "d", "i", "u"},
		values:   [][]byte{vFloat(1.5), vDouble(-2.25), vInt(-7), vUint(math.MaxUint64)},
		features: feats(feat{typ: Point, geom: moveTo(0, 0), tags: []uint32{0, 0, 1, 1, 2, 2, 3, 3}})}))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"f": float32(1.5), "d": -2.25, "i": int64(-7), "u": uint64(math.MaxUint64)}
	if got := rep.Layers[0].FeatureReports[0].Properties; !reflect.DeepEqual(got, want) {
		t.Errorf("properties = %#v, want %#v", got, want)
	}
}

func TestExtentDefaultReported(t *testing.T) {
	rep, err := Validate(tile(lay{noExtent: true, features: feats(pointFeat(1, 1))}))
	if err != nil {
		t.Fatal(err)
	}
	if l := rep.Layers[0]; l.ExtentSet || l.Extent != DefaultExtent {
		t.Errorf("layer = %+v", l)
	}
}

func TestAreaSignLargeCoordinates(t *testing.T) {
	// Coordinates beyond the int64 fast path use exact big.Int arithmetic.
	big := int64(1) << 30
	r := []XY{{-big, -big}, {big, -big}, {big, big}, {-big, big}}
	if s := areaSign(r); s != 1 {
		t.Errorf("sign = %d, want 1", s)
	}
	slices.Reverse(r)
	if s := areaSign(r); s != -1 {
		t.Errorf("sign = %d, want -1", s)
	}
}

// ---- round trip through github.com/paulmach/orb/encoding/mvt ----

// orbTile builds a WGS84 feature collection inside tile and encodes it with
// orb. ringsRFC7946 selects GeoJSON winding (exterior counter-clockwise in
// lon/lat); otherwise the rings are reversed.
func orbTile(t *testing.T, tile maptile.Tile, version uint32, ringsRFC7946 bool) []byte {
	t.Helper()
	b := tile.Bound()
	w, h := b.Max[0]-b.Min[0], b.Max[1]-b.Min[1]
	at := func(fx, fy float64) orb.Point { return orb.Point{b.Min[0] + fx*w, b.Min[1] + fy*h} }
	// Counter-clockwise in lon/lat (y up), as RFC 7946 wants exteriors.
	outer := orb.Ring{at(.1, .1), at(.9, .1), at(.9, .9), at(.1, .9), at(.1, .1)}
	hole := orb.Ring{at(.3, .3), at(.3, .7), at(.7, .7), at(.7, .3), at(.3, .3)}
	if !ringsRFC7946 {
		outer, hole = reversed(outer), reversed(hole)
	}

	poi := geojson.NewFeature(at(.5, .5))
	poi.ID = 1
	poi.Properties["name"] = "cafe"
	poi.Properties["rank"] = 3
	road := geojson.NewFeature(orb.LineString{at(.1, .5), at(.5, .6), at(.9, .5)})
	road.ID = 2
	road.Properties["name"] = "main st"
	road.Properties["lanes"] = 2.5
	park := geojson.NewFeature(orb.Polygon{outer, hole})
	park.ID = 3
	park.Properties["name"] = "park"
	park.Properties["open"] = true

	fc := geojson.NewFeatureCollection()
	fc.Features = append(fc.Features, poi, road, park)
	l := mvt.NewLayer("things", fc)
	if version != 0 {
		l.Version = version
	}
	l.ProjectToTile(tile)
	data, err := mvt.Marshal(mvt.Layers{l})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func reversed(r orb.Ring) orb.Ring {
	out := slices.Clone(r)
	slices.Reverse(out)
	return out
}

func TestOrbRoundTrip(t *testing.T) {
	tl := maptile.New(550, 335, 10)

	// orb's defaults: mvt.NewLayer writes version 1, and orb encodes rings
	// in the order given. ProjectToTile flips the y axis, so a GeoJSON
	// (RFC 7946) exterior ring, counter-clockwise in lon/lat, becomes a
	// negative-area ring in tile coordinates: an MVT interior ring.
	t.Run("orb defaults with RFC 7946 winding", func(t *testing.T) {
		_, err := Validate(orbTile(t, tl, 0, true))
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("want *Error, got %v", err)
		}
		if want := []Rule{RuleVersion, RuleWinding}; !sameSet(e.Rules(), want) {
			t.Errorf("rules = %v, want %v\n%v", e.Rules(), want, err)
		}
	})

	// Version 2 and rings wound clockwise in lon/lat (so clockwise on
	// screen, positive area in tile coordinates): a valid tile.
	t.Run("version 2 with MVT winding", func(t *testing.T) {
		data := orbTile(t, tl, 2, false)
		rep, err := Validate(data)
		if err != nil {
			t.Fatal(err)
		}
		l := rep.Layer("things")
		if l == nil || l.Version != 2 || l.Extent != mvt.DefaultExtent || l.Features != 3 {
			t.Fatalf("layer = %+v", l)
		}
		if want := map[GeomType]int{Point: 1, LineString: 1, Polygon: 1}; !reflect.DeepEqual(l.GeomTypes, want) {
			t.Errorf("geom types = %v", l.GeomTypes)
		}
		if !slices.Equal(l.IDs(), []uint64{1, 2, 3}) {
			t.Errorf("ids = %v", l.IDs())
		}
		// orb encodes Go ints as sint_value, float64 as double_value.
		props := map[uint64]map[string]any{
			1: {"name": "cafe", "rank": int64(3)},
			2: {"name": "main st", "lanes": 2.5},
			3: {"name": "park", "open": true},
		}
		for id, want := range props {
			if got := l.FeatureByID(id).Properties; !reflect.DeepEqual(got, want) {
				t.Errorf("feature %d properties = %#v, want %#v", id, got, want)
			}
		}
		park := l.FeatureByID(3)
		if len(park.Polygons) != 1 || len(park.Polygons[0]) != 2 {
			t.Fatalf("park polygons = %v", park.Polygons)
		}
		for _, p := range l.FeatureByID(1).Points {
			if p.X < 0 || p.X > 4096 || p.Y < 0 || p.Y > 4096 {
				t.Errorf("point %v outside the tile", p)
			}
		}

		// orb decodes the same tile into one polygon with a hole: its
		// decoder starts a new polygon at rings that orb calls CCW, which
		// in the raw (y down) tile coordinates is the MVT exterior ring.
		layers, err := mvt.Unmarshal(data)
		if err != nil {
			t.Fatal(err)
		}
		if len(layers) != 1 || len(layers[0].Features) != 3 {
			t.Fatalf("orb decoded %d layers", len(layers))
		}
		var poly orb.Polygon
		for _, f := range layers[0].Features {
			if p, ok := f.Geometry.(orb.Polygon); ok {
				poly = p
			}
		}
		if len(poly) != 2 || poly[0].Orientation() != orb.CCW || poly[1].Orientation() != orb.CW {
			t.Errorf("orb decoded polygon = %v", poly)
		}
		if len(poly[0])-1 != len(park.Polygons[0][0]) {
			t.Errorf("exterior vertices: orb %d, mvtcheck %d", len(poly[0])-1, len(park.Polygons[0][0]))
		}
	})

	// orb deduplicates values by Go value, so 1 (int) and int64(1) become
	// two identical sint_value messages.
	t.Run("orb duplicate values from mixed Go int types", func(t *testing.T) {
		a := geojson.NewFeature(orb.Point{0, 0})
		a.Properties["n"] = 1
		b := geojson.NewFeature(orb.Point{0, 0})
		b.Properties["n"] = int64(1)
		fc := geojson.NewFeatureCollection()
		fc.Features = append(fc.Features, a, b)
		l := mvt.NewLayer("dups", fc)
		l.Version = 2
		l.ProjectToTile(maptile.New(0, 0, 0))
		data, err := mvt.Marshal(mvt.Layers{l})
		if err != nil {
			t.Fatal(err)
		}
		_, err = Validate(data)
		var e *Error
		if !errors.As(err, &e) || !sameSet(e.Rules(), []Rule{RuleDuplicateValue}) {
			t.Errorf("want only %s, got %v", RuleDuplicateValue, err)
		}
	})

	// orb does not drop vertices that projection snaps together, so a tiny
	// polygon yields zero-length segments and a zero-area ring.
	t.Run("orb keeps collapsed vertices", func(t *testing.T) {
		c := tl.Center()
		d := 1e-7
		tiny := orb.Polygon{{{c[0], c[1]}, {c[0], c[1] - d}, {c[0] + d, c[1] - d}, {c[0] + d, c[1]}, {c[0], c[1]}}}
		fc := geojson.NewFeatureCollection()
		fc.Features = append(fc.Features, geojson.NewFeature(tiny))
		l := mvt.NewLayer("tiny", fc)
		l.Version = 2
		l.ProjectToTile(tl)
		data, err := mvt.Marshal(mvt.Layers{l})
		if err != nil {
			t.Fatal(err)
		}
		_, err = Validate(data)
		if !HasRule(err, RuleZeroLength) || !HasRule(err, RuleZeroArea) {
			t.Errorf("want %s and %s, got %v", RuleZeroLength, RuleZeroArea, err)
		}
	})
}
