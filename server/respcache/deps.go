package respcache

import (
	"regexp"
	"slices"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/versions"
)

// AnalysisVersion is the dependency of answers read from the analysis tables that belong to no
// layer (crop_industries, reference_points), which are versioned like a layer (geo/versions).
const AnalysisVersion = versions.Analysis

// UnitsVersion is the dependency of answers read from the register of administrative units and
// the provinces' contacts (admin_units, province_contacts), versioned like a layer (geo/versions).
const UnitsVersion = versions.Units

// tableRef finds the tables a derived field's SQL reads ("FROM districts d", "JOIN region_members").
var tableRef = regexp.MustCompile(`(?i)\b(?:FROM|JOIN)\s+([a-z_][a-z0-9_]*)`)

// LayerDeps maps each catalog layer to the layers its features are made of: itself, and every
// layer whose table a derived field reads (a cluster's district name reads districts, a
// district's region reads region_members, which is versioned as regions). An answer about a
// layer is keyed by all of them, so renaming a district changes the clusters' answers too. A field
// that reads the register of units (a cluster's commune name) makes UnitsVersion one of them.
func LayerDeps(catalog *geo.Catalog) map[string][]string {
	byTable := map[string]string{"region_members": "regions", "admin_units": UnitsVersion, "province_contacts": UnitsVersion}
	for _, l := range catalog.Layers() {
		byTable[l.Table] = l.ID
	}
	out := map[string][]string{}
	for _, l := range catalog.Layers() {
		deps := []string{l.ID}
		for _, f := range l.Fields {
			for _, m := range tableRef.FindAllStringSubmatch(f.SQL(), -1) {
				if id, ok := byTable[m[1]]; ok && !slices.Contains(deps, id) {
					deps = append(deps, id)
				}
			}
		}
		out[l.ID] = deps
	}
	return out
}

// AllLayers is every catalog layer's id, the dependencies of answers about all of them (the
// layer list, OGC collections).
func AllLayers(catalog *geo.Catalog) []string {
	var ids []string
	for _, l := range catalog.Layers() {
		ids = append(ids, l.ID)
	}
	return ids
}
