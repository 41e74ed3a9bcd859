// Package mvtcheck is a strict validator for Mapbox Vector Tile 2.1 used by
// the test suites.
//
// Validate parses the protobuf wire format directly (with
// google.golang.org/protobuf/encoding/protowire, not through generated
// code or a decoding library), checks the tile against the rules of
// https://github.com/mapbox/vector-tile-spec/tree/master/2.1 and returns a
// Report describing what it decoded, so that tests can assert layer names,
// feature counts, ids, attributes and geometry.
//
// The validator is deliberately stricter than the specification where the
// specification says SHOULD: duplicate keys, duplicate values, duplicate
// feature ids and zero-area rings are errors here, because an encoder under
// test should never produce them.
//
// Every error is a *Violation carrying a Rule, so tests can assert which rule
// was broken with HasRule (or errors.As) instead of matching message text.
// Findings that are legal but suspicious (a missing extent that defaults to
// 4096, unknown fields, coordinates far outside the tile, ...) are reported
// as warnings in Report.Warnings and never make Validate fail.
package mvtcheck

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
)

// GeomType is the MVT Tile.GeomType enum.
type GeomType uint32

// The geometry types of the MVT 2.1 specification (section 4.3.4).
const (
	Unknown    GeomType = 0
	Point      GeomType = 1
	LineString GeomType = 2
	Polygon    GeomType = 3
)

func (t GeomType) String() string {
	switch t {
	case Unknown:
		return "UNKNOWN"
	case Point:
		return "POINT"
	case LineString:
		return "LINESTRING"
	case Polygon:
		return "POLYGON"
	}
	return fmt.Sprintf("GeomType(%d)", uint32(t))
}

// DefaultExtent is the extent a layer has when its extent field is absent.
const DefaultExtent = 4096

// Rule identifies the check that a Violation reports.
type Rule string

// Errors: a tile that breaks one of these rules is invalid.
const (
	RuleWire               Rule = "wire"                 // malformed protobuf (truncated, bad tag, varint overflowing its field type)
	RuleWireType           Rule = "wire-type"            // known field encoded with the wrong wire type
	RuleVersion            Rule = "layer-version"        // layer version missing or != 2
	RuleLayerName          Rule = "layer-name"           // layer name missing
	RuleDuplicateLayerName Rule = "duplicate-layer-name" // two layers with byte-identical names
	RuleExtent             Rule = "layer-extent"         // extent == 0
	RuleDuplicateKey       Rule = "duplicate-key"        // layer keys not unique
	RuleDuplicateValue     Rule = "duplicate-value"      // layer values not unique (same type and value)
	RuleValue              Rule = "value"                // Value message without exactly one typed field
	RuleTagsOdd            Rule = "tags-odd"             // odd number of tag integers
	RuleTagKeyIndex        Rule = "tag-key-index"        // key index >= len(keys)
	RuleTagValueIndex      Rule = "tag-value-index"      // value index >= len(values)
	RuleTagDuplicateKey    Rule = "tag-duplicate-key"    // the same key twice in one feature
	RuleGeomType           Rule = "geom-type"            // type missing, UNKNOWN or not in the enum
	RuleDuplicateID        Rule = "duplicate-id"         // feature id not unique within the layer
	RuleEmptyGeometry      Rule = "empty-geometry"       // geometry missing or empty
	RuleCommandID          Rule = "command-id"           // command id not 1, 2 or 7
	RuleCommandCount       Rule = "command-count"        // command count invalid for command or geometry type
	RuleParameters         Rule = "parameters"           // missing or unsupported parameter integers
	RuleCommandSequence    Rule = "command-sequence"     // commands in an order the geometry type forbids
	RuleZeroLength         Rule = "zero-length"          // zero-length segment (LineTo 0,0 or closing onto the start)
	RuleWinding            Rule = "winding"              // ring winding wrong for its role
	RuleZeroArea           Rule = "zero-area"            // ring with zero surveyor's-formula area
	RuleRingContainment    Rule = "ring-containment"     // interior ring not enclosed by its exterior ring
	RuleCoordinateRange    Rule = "coordinate-range"     // cursor left the signed 32-bit range
)

// Warnings: reported in Report.Warnings, never returned as errors.
const (
	WarnNoLayers         Rule = "no-layers"         // tile has no layer (SHOULD have one)
	WarnNoFeatures       Rule = "no-features"       // layer has no feature (SHOULD have one)
	WarnExtentDefault    Rule = "extent-default"    // extent absent, 4096 assumed
	WarnEmptyName        Rule = "empty-name"        // layer name present but empty
	WarnInvalidUTF8      Rule = "invalid-utf8"      // string field is not valid UTF-8
	WarnUnknownField     Rule = "unknown-field"     // field number not in the MVT schema (skipped)
	WarnRepeatedScalar   Rule = "repeated-scalar"   // optional/required field present more than once (last wins)
	WarnUnpacked         Rule = "unpacked"          // tags/geometry not packed (legal protobuf, not what the schema declares)
	WarnBoolValue        Rule = "bool-value"        // bool_value varint other than 0 or 1
	WarnCoordinateBounds Rule = "coordinate-bounds" // cursor beyond ±2*extent
)

// Violation is one finding. Layer and Feature are indexes in the tile and
// layer (-1 when the finding is not about a layer or a feature).
type Violation struct {
	Layer     int
	LayerName string
	Feature   int
	Rule      Rule
	Msg       string
}

func (v *Violation) Error() string {
	var b strings.Builder
	if v.Layer >= 0 {
		fmt.Fprintf(&b, "layer %d %q: ", v.Layer, v.LayerName)
	}
	if v.Feature >= 0 {
		fmt.Fprintf(&b, "feature %d: ", v.Feature)
	}
	fmt.Fprintf(&b, "[%s] %s", v.Rule, v.Msg)
	return b.String()
}

// Error is the error Validate returns: every violation found, in the order
// found. It unwraps to the individual *Violation values.
type Error struct {
	Violations []*Violation
}

func (e *Error) Error() string {
	msgs := make([]string, len(e.Violations))
	for i, v := range e.Violations {
		msgs[i] = v.Error()
	}
	return fmt.Sprintf("mvtcheck: %d violation(s):\n%s", len(e.Violations), strings.Join(msgs, "\n"))
}

// Unwrap returns the violations, so errors.As finds a *Violation.
func (e *Error) Unwrap() []error {
	errs := make([]error, len(e.Violations))
	for i, v := range e.Violations {
		errs[i] = v
	}
	return errs
}

// Rules returns the distinct rules violated, in the order first found.
func (e *Error) Rules() []Rule {
	var rules []Rule
	seen := map[Rule]bool{}
	for _, v := range e.Violations {
		if !seen[v.Rule] {
			seen[v.Rule] = true
			rules = append(rules, v.Rule)
		}
	}
	return rules
}

// HasRule reports whether err (as returned by Validate) contains a violation
// of rule.
func HasRule(err error, rule Rule) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	for _, v := range e.Violations {
		if v.Rule == rule {
			return true
		}
	}
	return false
}

// Report is what Validate decoded. It is returned even when the tile is
// invalid (holding whatever could be decoded).
type Report struct {
	Layers   []LayerReport
	Warnings []*Violation
}

// Layer returns the first layer named name, or nil.
func (r *Report) Layer(name string) *LayerReport {
	for i := range r.Layers {
		if r.Layers[i].Name == name {
			return &r.Layers[i]
		}
	}
	return nil
}

// HasWarning reports whether a warning of rule was recorded.
func (r *Report) HasWarning(rule Rule) bool {
	for _, w := range r.Warnings {
		if w.Rule == rule {
			return true
		}
	}
	return false
}

// LayerReport describes one layer.
type LayerReport struct {
	Name    string
	Version uint32 // 1 (the protobuf default) when the field is absent
	Extent  uint32 // DefaultExtent when the field is absent
	// ExtentSet is false when the layer had no extent field.
	ExtentSet bool
	Features  int
	Keys      []string
	// Values are the decoded layer values (see FeatureReport.Properties
	// for the Go types); nil for a Value message without a typed field.
	Values []any
	// GeomTypes counts the layer's features by geometry type.
	GeomTypes map[GeomType]int
	// FeatureReports has one entry per feature, in encoding order.
	FeatureReports []FeatureReport
}

// FeatureByID returns the first feature with id, or nil.
func (l *LayerReport) FeatureByID(id uint64) *FeatureReport {
	for i := range l.FeatureReports {
		if f := &l.FeatureReports[i]; f.HasID && f.ID == id {
			return f
		}
	}
	return nil
}

// IDs returns the ids of the features that have one, in order.
func (l *LayerReport) IDs() []uint64 {
	var ids []uint64
	for _, f := range l.FeatureReports {
		if f.HasID {
			ids = append(ids, f.ID)
		}
	}
	return ids
}

// XY is a point in tile coordinates (X right, Y down).
type XY struct{ X, Y int64 }

// FeatureReport describes one feature.
type FeatureReport struct {
	ID    uint64
	HasID bool
	Type  GeomType
	// Properties maps key to value. Value types: string (string_value),
	// float32 (float_value), float64 (double_value), int64 (int_value and
	// sint_value), uint64 (uint_value), bool (bool_value); nil for a
	// Value message without a typed field.
	Properties map[string]any
	// Decoded geometry in absolute tile coordinates. Points is set for
	// POINT features, Lines for LINESTRING features, Polygons for POLYGON
	// features (each polygon is its rings, exterior first, without the
	// repeated closing vertex).
	Points   []XY
	Lines    [][]XY
	Polygons [][][]XY
}

// Validate checks tile (an uncompressed MVT) and returns what it decoded.
// The error is nil when the tile is valid; otherwise it is an *Error listing
// every violation found.
func Validate(tile []byte) (*Report, error) {
	v := &validator{report: &Report{}}
	v.tile(tile)
	if len(v.errs) == 0 {
		return v.report, nil
	}
	return v.report, &Error{Violations: v.errs}
}

type validator struct {
	report *Report
	errs   []*Violation
}

// ctx locates findings.
type ctx struct {
	v         *validator
	layer     int
	layerName string
	feature   int
}

func (c ctx) errorf(rule Rule, format string, args ...any) {
	c.v.errs = append(c.v.errs, &Violation{Layer: c.layer, LayerName: c.layerName, Feature: c.feature, Rule: rule, Msg: fmt.Sprintf(format, args...)})
}

func (c ctx) warnf(rule Rule, format string, args ...any) {
	c.v.report.Warnings = append(c.v.report.Warnings, &Violation{Layer: c.layer, LayerName: c.layerName, Feature: c.feature, Rule: rule, Msg: fmt.Sprintf(format, args...)})
}

// field is one decoded wire field.
type field struct {
	num protowire.Number
	typ protowire.Type
	v   uint64 // varint, fixed32, fixed64
	b   []byte // bytes
	off int    // offset of the tag in the message
}

// fields splits a message into its fields. On malformed input it records a
// RuleWire error and returns the fields decoded before the fault.
func (c ctx) fields(msg string, b []byte) []field {
	var out []field
	off := 0
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			c.errorf(RuleWire, "%s: bad tag at byte %d: %v", msg, off, protowire.ParseError(n))
			return out
		}
		if !num.IsValid() {
			c.errorf(RuleWire, "%s: invalid field number %d at byte %d", msg, num, off)
			return out
		}
		f := field{num: num, typ: typ, off: off}
		var m int
		switch typ {
		case protowire.VarintType:
			f.v, m = protowire.ConsumeVarint(b[n:])
		case protowire.Fixed32Type:
			var x uint32
			x, m = protowire.ConsumeFixed32(b[n:])
			f.v = uint64(x)
		case protowire.Fixed64Type:
			f.v, m = protowire.ConsumeFixed64(b[n:])
		case protowire.BytesType:
			f.b, m = protowire.ConsumeBytes(b[n:])
		default: // groups (skipped as unknown) and invalid wire types
			m = protowire.ConsumeFieldValue(num, typ, b[n:])
		}
		if m < 0 {
			c.errorf(RuleWire, "%s: field %d (wire type %d) at byte %d: %v", msg, num, typ, off, protowire.ParseError(m))
			return out
		}
		out = append(out, f)
		b = b[n+m:]
		off += n + m
	}
	return out
}

var wireTypeNames = map[protowire.Type]string{
	protowire.VarintType:     "varint",
	protowire.Fixed32Type:    "fixed32",
	protowire.Fixed64Type:    "fixed64",
	protowire.BytesType:      "bytes",
	protowire.StartGroupType: "group",
	protowire.EndGroupType:   "end-group",
}

func wireName(t protowire.Type) string {
	if s, ok := wireTypeNames[t]; ok {
		return s
	}
	return fmt.Sprintf("wire type %d", t)
}

// want checks that a known field has the expected wire type.
func (c ctx) want(msg, name string, f field, typ protowire.Type) bool {
	if f.typ == typ {
		return true
	}
	c.errorf(RuleWireType, "%s.%s (field %d) has wire type %s, want %s", msg, name, f.num, wireName(f.typ), wireName(typ))
	return false
}

func (c ctx) unknown(msg string, f field, extFrom, extTo protowire.Number) {
	if f.num >= extFrom && f.num <= extTo {
		c.warnf(WarnUnknownField, "%s: extension field %d (%s) skipped", msg, f.num, wireName(f.typ))
		return
	}
	c.warnf(WarnUnknownField, "%s: unknown field %d (%s) skipped", msg, f.num, wireName(f.typ))
}

func (v *validator) tile(b []byte) {
	c := ctx{v: v, layer: -1, feature: -1}
	names := map[string]int{}
	for _, f := range c.fields("Tile", b) {
		switch f.num {
		case 3:
			if !c.want("Tile", "layers", f, protowire.BytesType) {
				continue
			}
			idx := len(v.report.Layers)
			lr := v.layer(idx, f.b)
			if lr.nameSet {
				if prev, dup := names[lr.Name]; dup {
					ctx{v: v, layer: idx, layerName: lr.Name, feature: -1}.errorf(RuleDuplicateLayerName, "layer name %q already used by layer %d", lr.Name, prev)
				} else {
					names[lr.Name] = idx
				}
			}
			v.report.Layers = append(v.report.Layers, lr.LayerReport)
		default:
			c.unknown("Tile", f, 16, 8191)
		}
	}
	if len(v.report.Layers) == 0 {
		c.warnf(WarnNoLayers, "tile has no layers")
	}
}

type layerResult struct {
	LayerReport
	nameSet bool
}

// valueKey identifies a Value by type and content for the uniqueness check.
type valueKey struct {
	field protowire.Number
	s     string
	u     uint64
}

func (v *validator) layer(idx int, b []byte) layerResult {
	c := ctx{v: v, layer: idx, feature: -1}
	fs := c.fields("Layer", b)

	// The name first, so that every finding carries it.
	var res layerResult
	for _, f := range fs {
		if f.num == 1 && f.typ == protowire.BytesType {
			res.Name = string(f.b)
			res.nameSet = true
		}
	}
	c.layerName = res.Name

	var (
		versionSet bool
		features   [][]byte
		values     [][]byte
		seen       = map[protowire.Number]int{}
	)
	res.Version = 1
	res.Extent = DefaultExtent
	for _, f := range fs {
		switch f.num {
		case 15:
			if c.want("Layer", "version", f, protowire.VarintType) {
				seen[f.num]++
				versionSet = true
				if f.v > math.MaxUint32 {
					c.errorf(RuleWire, "Layer.version %d overflows uint32", f.v)
				}
				res.Version = uint32(f.v)
			}
		case 1:
			if c.want("Layer", "name", f, protowire.BytesType) {
				seen[f.num]++
				if !utf8.Valid(f.b) {
					c.warnf(WarnInvalidUTF8, "layer name is not valid UTF-8")
				}
			}
		case 2:
			if c.want("Layer", "features", f, protowire.BytesType) {
				features = append(features, f.b)
			}
		case 3:
			if c.want("Layer", "keys", f, protowire.BytesType) {
				if !utf8.Valid(f.b) {
					c.warnf(WarnInvalidUTF8, "key %d is not valid UTF-8", len(res.Keys))
				}
				res.Keys = append(res.Keys, string(f.b))
			}
		case 4:
			if c.want("Layer", "values", f, protowire.BytesType) {
				values = append(values, f.b)
			}
		case 5:
			if c.want("Layer", "extent", f, protowire.VarintType) {
				seen[f.num]++
				res.ExtentSet = true
				if f.v > math.MaxUint32 {
					c.errorf(RuleWire, "Layer.extent %d overflows uint32", f.v)
				}
				res.Extent = uint32(f.v)
			}
		default:
			c.unknown("Layer", f, 16, protowire.MaxValidNumber)
		}
	}
	for _, num := range []protowire.Number{15, 1, 5} {
		if n := seen[num]; n > 1 {
			c.warnf(WarnRepeatedScalar, "Layer field %d appears %d times; the last one is used", num, n)
		}
	}

	if !versionSet {
		c.errorf(RuleVersion, "layer has no version field (defaults to 1), want 2")
	} else if res.Version != 2 {
		c.errorf(RuleVersion, "layer version is %d, want 2", res.Version)
	}
	if !res.nameSet {
		c.errorf(RuleLayerName, "layer has no name field")
	} else if res.Name == "" {
		c.warnf(WarnEmptyName, "layer name is empty")
	}
	if !res.ExtentSet {
		c.warnf(WarnExtentDefault, "layer has no extent field; %d assumed", DefaultExtent)
	} else if res.Extent == 0 {
		c.errorf(RuleExtent, "layer extent is 0")
	}

	keyIdx := map[string]int{}
	for i, k := range res.Keys {
		if prev, dup := keyIdx[k]; dup {
			c.errorf(RuleDuplicateKey, "key %d %q duplicates key %d", i, k, prev)
		} else {
			keyIdx[k] = i
		}
	}

	valIdx := map[valueKey]int{}
	res.Values = make([]any, len(values))
	for i, vb := range values {
		val, key, ok := c.value(i, vb)
		res.Values[i] = val
		if !ok {
			continue
		}
		if prev, dup := valIdx[key]; dup {
			c.errorf(RuleDuplicateValue, "value %d (%T %v) duplicates value %d", i, val, val, prev)
		} else {
			valIdx[key] = i
		}
	}

	res.Features = len(features)
	res.GeomTypes = map[GeomType]int{}
	ids := map[uint64]int{}
	extent := int64(res.Extent)
	if extent == 0 {
		extent = DefaultExtent
	}
	for i, fb := range features {
		fc := c
		fc.feature = i
		fr := fc.decodeFeature(fb, res.Keys, res.Values, extent)
		res.GeomTypes[fr.Type]++
		if fr.HasID {
			if prev, dup := ids[fr.ID]; dup {
				fc.errorf(RuleDuplicateID, "feature id %d already used by feature %d", fr.ID, prev)
			} else {
				ids[fr.ID] = i
			}
		}
		res.FeatureReports = append(res.FeatureReports, fr)
	}
	if len(features) == 0 {
		c.warnf(WarnNoFeatures, "layer has no features")
	}
	return res
}

// value decodes a Tile.Value message. ok is false when the Value has no
// single typed field (and so takes no part in the uniqueness check).
func (c ctx) value(i int, b []byte) (val any, key valueKey, ok bool) {
	msg := fmt.Sprintf("Value %d", i)
	typed := 0
	for _, f := range c.fields(msg, b) {
		var wt protowire.Type
		switch f.num {
		case 1:
			wt = protowire.BytesType
		case 2:
			wt = protowire.Fixed32Type
		case 3:
			wt = protowire.Fixed64Type
		case 4, 5, 6, 7:
			wt = protowire.VarintType
		default:
			c.unknown(msg, f, 8, protowire.MaxValidNumber)
			continue
		}
		if !c.want(msg, valueFieldNames[f.num], f, wt) {
			continue
		}
		typed++
		key = valueKey{field: f.num, u: f.v}
		switch f.num {
		case 1:
			if !utf8.Valid(f.b) {
				c.warnf(WarnInvalidUTF8, "%s string_value is not valid UTF-8", msg)
			}
			val = string(f.b)
			key.s = string(f.b)
		case 2:
			val = math.Float32frombits(uint32(f.v))
		case 3:
			val = math.Float64frombits(f.v)
		case 4:
			val = int64(f.v)
		case 5:
			val = f.v
		case 6:
			val = protowire.DecodeZigZag(f.v)
		case 7:
			if f.v > 1 {
				c.warnf(WarnBoolValue, "%s bool_value is %d", msg, f.v)
			}
			val = f.v != 0
			key.u = 0
			if f.v != 0 {
				key.u = 1
			}
		}
	}
	switch typed {
	case 1:
		return val, key, true
	case 0:
		c.errorf(RuleValue, "%s has none of the 7 typed fields, want exactly one", msg)
	default:
		c.errorf(RuleValue, "%s has %d typed fields, want exactly one", msg, typed)
	}
	return val, key, false
}

var valueFieldNames = map[protowire.Number]string{
	1: "string_value", 2: "float_value", 3: "double_value", 4: "int_value",
	5: "uint_value", 6: "sint_value", 7: "bool_value",
}

// packed appends the uint32 values of a packed (or, with a warning,
// unpacked) repeated uint32 field.
func (c ctx) packed(dst []uint32, name string, f field) []uint32 {
	switch f.typ {
	case protowire.VarintType:
		c.warnf(WarnUnpacked, "Feature.%s is not packed", name)
		if f.v > math.MaxUint32 {
			c.errorf(RuleWire, "Feature.%s element %d overflows uint32", name, f.v)
		}
		return append(dst, uint32(f.v))
	case protowire.BytesType:
		b := f.b
		for len(b) > 0 {
			x, n := protowire.ConsumeVarint(b)
			if n < 0 {
				c.errorf(RuleWire, "Feature.%s: bad packed varint: %v", name, protowire.ParseError(n))
				return dst
			}
			if x > math.MaxUint32 {
				c.errorf(RuleWire, "Feature.%s element %d overflows uint32", name, x)
			}
			dst = append(dst, uint32(x))
			b = b[n:]
		}
		return dst
	}
	c.errorf(RuleWireType, "Feature.%s (field %d) has wire type %s, want bytes (packed) or varint", name, f.num, wireName(f.typ))
	return dst
}

func (c ctx) decodeFeature(b []byte, keys []string, values []any, extent int64) FeatureReport {
	var (
		fr      FeatureReport
		tags    []uint32
		geom    []uint32
		typeSet bool
		geomSet bool
		seen    = map[protowire.Number]int{}
	)
	for _, f := range c.fields("Feature", b) {
		switch f.num {
		case 1:
			if c.want("Feature", "id", f, protowire.VarintType) {
				seen[f.num]++
				fr.ID, fr.HasID = f.v, true
			}
		case 2:
			tags = c.packed(tags, "tags", f)
		case 3:
			if c.want("Feature", "type", f, protowire.VarintType) {
				seen[f.num]++
				typeSet = true
				if f.v > math.MaxUint32 {
					c.errorf(RuleGeomType, "Feature.type %d is not a GeomType", f.v)
				}
				fr.Type = GeomType(f.v)
			}
		case 4:
			geomSet = true
			geom = c.packed(geom, "geometry", f)
		default:
			c.unknown("Feature", f, 0, -1)
		}
	}
	for _, num := range []protowire.Number{1, 3} {
		if n := seen[num]; n > 1 {
			c.warnf(WarnRepeatedScalar, "Feature field %d appears %d times; the last one is used", num, n)
		}
	}

	// Tags.
	if len(tags)%2 != 0 {
		c.errorf(RuleTagsOdd, "feature has %d tag integers, want an even number", len(tags))
	}
	if len(tags) > 0 {
		fr.Properties = map[string]any{}
	}
	usedKeys := map[uint32]int{}
	for i := 0; i+1 < len(tags); i += 2 {
		k, val := tags[i], tags[i+1]
		okK, okV := true, true
		if int(k) >= len(keys) {
			c.errorf(RuleTagKeyIndex, "tag pair %d: key index %d out of range (layer has %d keys)", i/2, k, len(keys))
			okK = false
		}
		if int(val) >= len(values) {
			c.errorf(RuleTagValueIndex, "tag pair %d: value index %d out of range (layer has %d values)", i/2, val, len(values))
			okV = false
		}
		if prev, dup := usedKeys[k]; dup && okK {
			c.errorf(RuleTagDuplicateKey, "tag pair %d: key %d %q already used by tag pair %d", i/2, k, keys[k], prev)
			continue
		}
		usedKeys[k] = i / 2
		if okK && okV {
			fr.Properties[keys[k]] = values[val]
		}
	}

	// Type.
	switch {
	case !typeSet:
		c.errorf(RuleGeomType, "feature has no type field (defaults to UNKNOWN)")
	case fr.Type == Unknown:
		c.errorf(RuleGeomType, "feature type is UNKNOWN")
	case fr.Type > Polygon:
		c.errorf(RuleGeomType, "feature type %d is not a GeomType", uint32(fr.Type))
	}

	// Geometry.
	if !geomSet {
		c.errorf(RuleEmptyGeometry, "feature has no geometry field")
		return fr
	}
	if len(geom) == 0 {
		c.errorf(RuleEmptyGeometry, "feature geometry is empty")
		return fr
	}
	g := geometryChecker{c: c, extent: extent}
	g.check(fr.Type, geom, &fr)
	return fr
}

const (
	cmdMoveTo    = 1
	cmdLineTo    = 2
	cmdClosePath = 7
)

var cmdNames = map[uint32]string{cmdMoveTo: "MoveTo", cmdLineTo: "LineTo", cmdClosePath: "ClosePath"}

// command is one decoded CommandInteger with its parameters converted to
// absolute coordinates.
type command struct {
	id, count uint32
	index     int  // position of the CommandInteger in the geometry
	pts       []XY // absolute coordinates after each parameter pair
	zero      []int
}

type geometryChecker struct {
	c             ctx
	extent        int64
	warned        bool // WarnCoordinateBounds already reported
	rangeReported bool // RuleCoordinateRange already reported
	cx, cy        int64
	aborted       bool // decoding stopped early; sequence checks are skipped
}

// decode splits geometry into commands, checking command ids, parameter
// presence and range, and tracking the cursor.
func (g *geometryChecker) decode(geom []uint32) []command {
	var cmds []command
	for i := 0; i < len(geom); {
		ci := geom[i]
		cm := command{id: ci & 7, count: ci >> 3, index: i}
		i++
		switch cm.id {
		case cmdMoveTo, cmdLineTo:
		case cmdClosePath:
			cmds = append(cmds, cm)
			continue
		default:
			g.c.errorf(RuleCommandID, "geometry[%d] = %d: command id %d is not MoveTo (1), LineTo (2) or ClosePath (7); rest of geometry not decoded", cm.index, ci, cm.id)
			g.aborted = true
			return cmds
		}
		need := 2 * int(cm.count)
		if len(geom)-i < need {
			g.c.errorf(RuleParameters, "geometry[%d]: %s with count %d needs %d parameter integers, only %d remain", cm.index, cmdNames[cm.id], cm.count, need, len(geom)-i)
			g.aborted = true
			return cmds
		}
		for j := 0; j < int(cm.count); j++ {
			p, q := geom[i], geom[i+1]
			dx, okx := zigzag32(p)
			dy, oky := zigzag32(q)
			if !okx || !oky {
				g.c.errorf(RuleParameters, "geometry[%d]: parameter value -2^31 is not supported", i)
			}
			i += 2
			if cm.id == cmdLineTo && dx == 0 && dy == 0 {
				cm.zero = append(cm.zero, j)
			}
			g.cx += dx
			g.cy += dy
			g.bounds()
			cm.pts = append(cm.pts, XY{g.cx, g.cy})
		}
		cmds = append(cmds, cm)
	}
	return cmds
}

func zigzag32(p uint32) (int64, bool) {
	v := int32(p>>1) ^ -int32(p&1)
	return int64(v), v != math.MinInt32
}

func (g *geometryChecker) bounds() {
	if g.cx < math.MinInt32 || g.cx > math.MaxInt32 || g.cy < math.MinInt32 || g.cy > math.MaxInt32 {
		if !g.rangeReported {
			g.c.errorf(RuleCoordinateRange, "cursor (%d,%d) is outside the signed 32-bit range", g.cx, g.cy)
			g.rangeReported = true
		}
		return
	}
	lim := 2 * g.extent
	if !g.warned && (g.cx < -lim || g.cx > lim || g.cy < -lim || g.cy > lim) {
		g.c.warnf(WarnCoordinateBounds, "cursor (%d,%d) is beyond ±%d (2*extent)", g.cx, g.cy, lim)
		g.warned = true
	}
}

func (g *geometryChecker) check(t GeomType, geom []uint32, fr *FeatureReport) {
	cmds := g.decode(geom)
	c := g.c
	for _, cm := range cmds {
		for _, j := range cm.zero {
			c.errorf(RuleZeroLength, "geometry[%d]: LineTo pair %d has dX = dY = 0 (zero-length segment)", cm.index, j)
		}
		if cm.id == cmdClosePath && cm.count != 1 {
			c.errorf(RuleCommandCount, "geometry[%d]: ClosePath count is %d, want 1", cm.index, cm.count)
		}
		if cm.count == 0 && cm.id != cmdClosePath {
			c.errorf(RuleCommandCount, "geometry[%d]: %s count is 0", cm.index, cmdNames[cm.id])
		}
	}
	if g.aborted {
		return
	}
	switch t {
	case Point:
		g.points(cmds, fr)
	case LineString:
		g.lines(cmds, fr)
	case Polygon:
		g.polygons(cmds, fr)
	}
}

func (g *geometryChecker) points(cmds []command, fr *FeatureReport) {
	for i, cm := range cmds {
		if cm.id != cmdMoveTo {
			g.c.errorf(RuleCommandSequence, "geometry[%d]: POINT geometry may only contain MoveTo, found %s", cm.index, cmdNames[cm.id])
			continue
		}
		if i > 0 {
			g.c.errorf(RuleCommandSequence, "geometry[%d]: POINT geometry must be a single MoveTo command, found another MoveTo", cm.index)
		}
		fr.Points = append(fr.Points, cm.pts...)
	}
}

func (g *geometryChecker) lines(cmds []command, fr *FeatureReport) {
	var cur []XY // nil: no open line
	flush := func() {
		if cur != nil {
			fr.Lines = append(fr.Lines, cur)
		}
		cur = nil
	}
	open := false // a MoveTo was seen and not yet followed by a LineTo
	for _, cm := range cmds {
		switch cm.id {
		case cmdMoveTo:
			if open {
				g.c.errorf(RuleCommandSequence, "geometry[%d]: MoveTo follows a MoveTo; each LINESTRING MoveTo must be followed by a LineTo", cm.index)
			}
			if cm.count != 1 && cm.count != 0 {
				g.c.errorf(RuleCommandCount, "geometry[%d]: LINESTRING MoveTo count is %d, want 1", cm.index, cm.count)
			}
			flush()
			if len(cm.pts) > 0 {
				cur = []XY{cm.pts[len(cm.pts)-1]}
				open = true
			}
		case cmdLineTo:
			switch {
			case cur == nil:
				g.c.errorf(RuleCommandSequence, "geometry[%d]: LineTo without a preceding MoveTo", cm.index)
			case !open:
				g.c.errorf(RuleCommandSequence, "geometry[%d]: LineTo follows a LineTo; each LINESTRING is one MoveTo and one LineTo", cm.index)
			}
			if cur != nil {
				cur = append(cur, cm.pts...)
			}
			open = false
		case cmdClosePath:
			g.c.errorf(RuleCommandSequence, "geometry[%d]: ClosePath is not allowed in a LINESTRING geometry", cm.index)
		}
	}
	if open {
		g.c.errorf(RuleCommandSequence, "LINESTRING geometry ends with a MoveTo that has no LineTo")
		cur = nil
	}
	flush()
}

func (g *geometryChecker) polygons(cmds []command, fr *FeatureReport) {
	const (
		wantMoveTo = iota
		wantLineTo
		wantClose
	)
	state := wantMoveTo
	var (
		ring      []XY
		ringStart int // index of the ring's MoveTo
		lineCount uint32
		rings     int
	)
	for _, cm := range cmds {
		switch cm.id {
		case cmdMoveTo:
			if state != wantMoveTo {
				g.c.errorf(RuleCommandSequence, "geometry[%d]: MoveTo before the ring started at geometry[%d] was closed", cm.index, ringStart)
			}
			if cm.count != 1 && cm.count != 0 {
				g.c.errorf(RuleCommandCount, "geometry[%d]: POLYGON MoveTo count is %d, want 1", cm.index, cm.count)
			}
			ring, lineCount, ringStart = nil, 0, cm.index
			state = wantMoveTo
			if len(cm.pts) > 0 {
				ring = []XY{cm.pts[len(cm.pts)-1]}
				state = wantLineTo
			}
		case cmdLineTo:
			switch state {
			case wantMoveTo:
				g.c.errorf(RuleCommandSequence, "geometry[%d]: LineTo without a preceding MoveTo", cm.index)
				continue
			case wantClose:
				g.c.errorf(RuleCommandSequence, "geometry[%d]: LineTo follows a LineTo; a ring is MoveTo, one LineTo, ClosePath", cm.index)
			}
			ring = append(ring, cm.pts...)
			lineCount += cm.count
			state = wantClose
		case cmdClosePath:
			switch state {
			case wantMoveTo:
				g.c.errorf(RuleCommandSequence, "geometry[%d]: ClosePath without an open ring", cm.index)
				continue
			case wantLineTo:
				g.c.errorf(RuleCommandSequence, "geometry[%d]: ClosePath directly after MoveTo; a ring needs a LineTo", cm.index)
				state = wantMoveTo
				continue
			}
			if lineCount < 2 {
				g.c.errorf(RuleCommandCount, "geometry[%d]: ring started at geometry[%d] has LineTo count %d, want more than 1", cm.index, ringStart, lineCount)
			}
			g.ring(ring, ringStart, rings, fr)
			rings++
			state = wantMoveTo
		}
	}
	if state != wantMoveTo {
		g.c.errorf(RuleCommandSequence, "ring started at geometry[%d] is not closed by ClosePath", ringStart)
	}
}

// ring checks a closed ring and files it in fr.Polygons.
func (g *geometryChecker) ring(ring []XY, start, n int, fr *FeatureReport) {
	c := g.c
	if len(ring) > 1 && ring[len(ring)-1] == ring[0] {
		c.errorf(RuleZeroLength, "ring %d (geometry[%d]): last vertex repeats the first, so ClosePath makes a zero-length segment", n, start)
		ring = ring[:len(ring)-1]
	}
	sign := areaSign(ring)
	switch {
	case sign == 0:
		c.errorf(RuleZeroArea, "ring %d (geometry[%d]) has zero area", n, start)
		// Keep it with the current polygon so the report shows it.
		if len(fr.Polygons) == 0 {
			fr.Polygons = append(fr.Polygons, [][]XY{ring})
		} else {
			last := len(fr.Polygons) - 1
			fr.Polygons[last] = append(fr.Polygons[last], ring)
		}
	case n == 0 && sign < 0:
		c.errorf(RuleWinding, "ring 0 (geometry[%d]) has negative area (counter-clockwise in tile coordinates); the first ring must be an exterior ring with positive area (clockwise, y down)", start)
		fr.Polygons = append(fr.Polygons, [][]XY{ring})
	case sign > 0:
		// Exterior ring: starts a new polygon. If it lies inside the
		// current polygon (and not in one of its holes) it is almost
		// certainly a hole with the wrong winding.
		if len(fr.Polygons) > 0 {
			cur := fr.Polygons[len(fr.Polygons)-1]
			if insidePolygon(ring, cur) {
				c.errorf(RuleWinding, "ring %d (geometry[%d]) has positive area (exterior) but lies inside the preceding exterior ring; an interior ring must have negative area (counter-clockwise, y down)", n, start)
				fr.Polygons[len(fr.Polygons)-1] = append(cur, ring)
				return
			}
		}
		fr.Polygons = append(fr.Polygons, [][]XY{ring})
	default: // interior ring
		if len(fr.Polygons) == 0 { // only after a zero-area first ring
			fr.Polygons = append(fr.Polygons, [][]XY{ring})
			return
		}
		last := len(fr.Polygons) - 1
		if ext := fr.Polygons[last][0]; !enclosed(ring, ext) {
			c.errorf(RuleRingContainment, "interior ring %d (geometry[%d]) is not enclosed by its exterior ring", n, start)
		}
		fr.Polygons[last] = append(fr.Polygons[last], ring)
	}
}

// areaSign returns the sign of the surveyor's-formula area of ring in tile
// coordinates (positive: exterior, clockwise on screen).
func areaSign(ring []XY) int {
	if len(ring) < 3 {
		return 0
	}
	if small(ring) {
		var a int64
		x0, y0 := ring[0].X, ring[0].Y
		for i := 1; i+1 < len(ring); i++ {
			a += (ring[i].X-x0)*(ring[i+1].Y-y0) - (ring[i+1].X-x0)*(ring[i].Y-y0)
		}
		return sign64(a)
	}
	a, t, u := new(big.Int), new(big.Int), new(big.Int)
	for i := range ring {
		p, q := ring[i], ring[(i+1)%len(ring)]
		t.Mul(big.NewInt(p.X), big.NewInt(q.Y))
		u.Mul(big.NewInt(q.X), big.NewInt(p.Y))
		a.Add(a, t.Sub(t, u))
	}
	return a.Sign()
}

func sign64(a int64) int {
	switch {
	case a > 0:
		return 1
	case a < 0:
		return -1
	}
	return 0
}

// small reports whether all coordinates are within ±2^20 (far beyond any
// sane tile), so that the int64 arithmetic of areaSign and pointInRing
// cannot overflow.
func small(rs ...[]XY) bool {
	const lim = 1 << 20
	for _, r := range rs {
		for _, p := range r {
			if p.X < -lim || p.X > lim || p.Y < -lim || p.Y > lim {
				return false
			}
		}
	}
	return true
}

// pointInRing returns 1 if p is strictly inside ring, 0 if on its
// boundary, -1 if outside. Coordinates must be small.
func pointInRing(p XY, ring []XY) int {
	inside := false
	for i := range ring {
		a, b := ring[i], ring[(i+1)%len(ring)]
		cross := (b.X-a.X)*(p.Y-a.Y) - (b.Y-a.Y)*(p.X-a.X)
		if cross == 0 && min(a.X, b.X) <= p.X && p.X <= max(a.X, b.X) && min(a.Y, b.Y) <= p.Y && p.Y <= max(a.Y, b.Y) {
			return 0
		}
		if (a.Y > p.Y) != (b.Y > p.Y) {
			// x coordinate of the edge at p.Y compared with p.X, exactly:
			// p is left of the crossing iff cross has the sign of (b.Y-a.Y).
			if (cross > 0) == (b.Y > a.Y) {
				inside = !inside
			}
		}
	}
	if inside {
		return 1
	}
	return -1
}

// insidePolygon reports whether ring has a vertex strictly inside the
// polygon's exterior ring and outside all its holes, with no vertex outside
// the exterior ring.
func insidePolygon(ring []XY, poly [][]XY) bool {
	if !small(append([][]XY{ring}, poly...)...) {
		return false
	}
	strict := false
	for _, p := range ring {
		switch pointInRing(p, poly[0]) {
		case -1:
			return false
		case 1:
			inHole := false
			for _, h := range poly[1:] {
				if pointInRing(p, h) >= 0 {
					inHole = true
				}
			}
			if inHole {
				return false
			}
			strict = true
		}
	}
	return strict
}

// enclosed reports whether no vertex of ring is strictly outside ext.
// Unknown (large coordinates) counts as enclosed.
func enclosed(ring, ext []XY) bool {
	if !small(ring, ext) {
		return true
	}
	for _, p := range ring {
		if pointInRing(p, ext) < 0 {
			return false
		}
	}
	return true
}
