package ingest

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/clustermap/clustermap/geo"
	"github.com/jackc/pgx/v5"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// SeedReport says what each layer's seed import did.
type SeedReport struct {
	Layers         []*ImportReport
	Regions        int
	ProvinceTotals int
	// Units counts the rows of the administrative-unit files (provinces, communes).
	Units int
	// ProcedureLimits and ClusterEvents count the rows of the procedure's files.
	ProcedureLimits, ClusterEvents, Tenants, ReportForms, KhuyenCong int
	Duration                                                         time.Duration
}

// Seed loads the sourced dataset from seed (migrations/seed) through the import path.
// It is idempotent: a second run finds every row unchanged and bumps no layer version.
//
// Facts live in CSV files as the sources state them (districts in GeoJSON); geometry that no
// source gives is derived here and marked indicative: a feature named only by district sits at the
// district's point-on-surface (one whose district no source states, at the province's), a cluster
// with a stated area gets a circular footprint of that area, a raw-material zone named by
// districts is their union, and a highway is a line through cited waypoints. Regions and the
// province totals are not map features of the import path: they are written here by SQL.
//
// A number's qualifier and as-of date sit in a "figures" column, e.g.
// "industrial_land_ha>=@2023;investment_vnd_bn~": ">=" at least, "~" about, "=" exact, and
// after "@" the date or period the source gives the figure for.
func (s *Importer) Seed(ctx context.Context, seed fs.FS) (*SeedReport, error) {
	start := time.Now()
	rep := &SeedReport{}
	var err error
	run := func(layer string, build func() ([]byte, error)) error {
		data, err := build()
		if err != nil {
			return fmt.Errorf("seed %s: %w", layer, err)
		}
		r, err := s.Import(ctx, layer, data, ImportOptions{CRS: "EPSG:4326"})
		if r != nil {
			rep.Layers = append(rep.Layers, r)
		}
		if err != nil {
			return fmt.Errorf("seed %s: %w%s", layer, err, problemList(r))
		}
		return nil
	}
	// Provinces first (a district names its province), then the districts (the register follows
	// them and draws each province's outline), then the communes of today, which name the
	// province formed by merger and the districts their territory came from.
	if rep.Units, err = s.SeedUnits(ctx, seed, "admin_units.csv"); err != nil {
		return rep, err
	}
	if err := run("districts", func() ([]byte, error) { return fs.ReadFile(seed, "districts.geojson") }); err != nil {
		return rep, err
	}
	communes, err := s.SeedUnits(ctx, seed, "communes_2025.csv")
	if err != nil {
		return rep, err
	}
	rep.Units += communes
	n, err := s.seedRegions(ctx, seed)
	if err != nil {
		return rep, err
	}
	rep.Regions = n
	if rep.ProvinceTotals, err = s.seedProvinceTotals(ctx, seed); err != nil {
		return rep, err
	}

	places, err := readPlaces(seed)
	if err != nil {
		return rep, err
	}
	sd := seeder{store: s, fs: seed, places: places}
	for _, step := range []struct {
		layer string
		build func(context.Context) ([]byte, error)
	}{
		{"clusters", sd.clusters},
		{"raw_material_zones", sd.zones},
		{"plants", sd.plants},
		{"energy", sd.energy},
		{"roads", sd.roads},
	} {
		if err := run(step.layer, func() ([]byte, error) { return step.build(ctx) }); err != nil {
			return rep, err
		}
	}
	// The procedure: the limits between steps, and the steps public sources date.
	if rep.ProcedureLimits, err = s.seedProcedureLimits(ctx, seed); err != nil {
		return rep, err
	}
	if rep.ClusterEvents, err = s.seedClusterEvents(ctx, seed); err != nil {
		return rep, err
	}
	if rep.Tenants, err = s.seedTenants(ctx, seed); err != nil {
		return rep, err
	}
	if rep.ReportForms, err = s.seedReportForms(ctx, seed); err != nil {
		return rep, err
	}
	if rep.KhuyenCong, err = s.seedKhuyenCong(ctx, seed); err != nil {
		return rep, err
	}
	rep.Duration = time.Since(start)
	return rep, nil
}

func problemList(r *ImportReport) string {
	if r == nil || len(r.Problems) == 0 {
		return ""
	}
	var b strings.Builder
	for _, p := range r.Problems {
		fmt.Fprintf(&b, "\n  feature %d %q: %s", p.Feature, p.Name, p.Reason)
	}
	return b.String()
}

// seedRegions upserts the five development regions and their members; the region geometry
// follows from the members by trigger.
func (s *Importer) seedRegions(ctx context.Context, seed fs.FS) (int, error) {
	rows, err := readCSV(seed, "regions.csv")
	if err != nil {
		return 0, err
	}
	return len(rows), s.inTx(ctx, "seed regions", func(ctx context.Context, tx pgx.Tx) error {
		return upsertRegions(ctx, tx, rows)
	})
}

func upsertRegions(ctx context.Context, tx pgx.Tx, rows []map[string]string) error {
	for _, r := range rows {
		_, err := tx.Exec(ctx, `INSERT INTO regions AS t (slug, name_vi, name_en, role, role_vi, scope, sources)
			VALUES ($1, $2, $3, $4, nullif($5, ''), nullif($6, ''), $7)
			ON CONFLICT (slug) DO UPDATE SET (name_vi, name_en, role, role_vi, scope, sources) =
			  (excluded.name_vi, excluded.name_en, excluded.role, excluded.role_vi, excluded.scope, excluded.sources), updated_at = now()
			WHERE (t.name_vi, t.name_en, t.role, t.role_vi, t.scope, t.sources) IS DISTINCT FROM
			      (excluded.name_vi, excluded.name_en, excluded.role, excluded.role_vi, excluded.scope, excluded.sources)`,
			r["slug"], r["name_vi"], r["name_en"], r["role"], r["role_vi"], r["scope"], splitList(r["sources"]))
		if err != nil {
			return fmt.Errorf("seed region %s: %w", r["slug"], err)
		}
		members := strings.Split(r["members"], ";")
		if _, err := tx.Exec(ctx, `DELETE FROM region_members WHERE region_slug = $1 AND NOT district_code = ANY($2)`, r["slug"], members); err != nil {
			return fmt.Errorf("seed region %s members: %w", r["slug"], err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO region_members (region_slug, district_code)
			SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING`, r["slug"], members); err != nil {
			return fmt.Errorf("seed region %s members: %w", r["slug"], err)
		}
	}
	return nil
}

// inTx runs fn in one transaction under the store's statement timeout: a seed step loads whole or
// not at all.
func (s *Importer) inTx(ctx context.Context, what string, fn func(context.Context, pgx.Tx) error) error {
	ctx, cancel := s.queryContext(ctx)
	defer cancel()
	if err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return fn(ctx, tx) }); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// seedProvinceTotals upserts the province's own totals (province_totals.csv), against which the
// summaries state their coverage. Not a layer: no geometry, no import path.
func (s *Importer) seedProvinceTotals(ctx context.Context, seed fs.FS) (int, error) {
	rows, err := readCSV(seed, "province_totals.csv")
	if err != nil {
		return 0, err
	}
	return len(rows), s.inTx(ctx, "seed province totals", func(ctx context.Context, tx pgx.Tx) error {
		return upsertProvinceTotals(ctx, tx, rows)
	})
}

func upsertProvinceTotals(ctx context.Context, tx pgx.Tx, rows []map[string]string) error {
	for _, r := range rows {
		figures, err := ParseFigures(r["figures"], []string{"count", "area_ha"})
		if err != nil {
			return fmt.Errorf("province_totals.csv %s: %w", r["slug"], err)
		}
		fj, _ := json.Marshal(figures)
		_, err = tx.Exec(ctx, `INSERT INTO province_totals AS t (slug, subject_vi, subject_en, count, area_ha, figures, as_of, notes, sources, unit_id)
			VALUES ($1, $2, $3, $4::integer, $5::numeric, $6::jsonb, $7, nullif($8, ''), $9, unit_ref($10))
			ON CONFLICT (slug) DO UPDATE SET (subject_vi, subject_en, count, area_ha, figures, as_of, notes, sources, unit_id) =
			  (excluded.subject_vi, excluded.subject_en, excluded.count, excluded.area_ha, excluded.figures, excluded.as_of, excluded.notes, excluded.sources, excluded.unit_id),
			  updated_at = now()
			WHERE (t.subject_vi, t.subject_en, t.count, t.area_ha, t.figures, t.as_of, t.notes, t.sources, t.unit_id) IS DISTINCT FROM
			      (excluded.subject_vi, excluded.subject_en, excluded.count, excluded.area_ha, excluded.figures, excluded.as_of, excluded.notes, excluded.sources, excluded.unit_id)`,
			r["slug"], r["subject_vi"], r["subject_en"], nullIfEmpty(r["count"]), nullIfEmpty(r["area_ha"]), string(fj), r["as_of"], r["notes"], splitList(r["sources"]), r["province"])
		if err != nil {
			return fmt.Errorf("seed province total %s: %w", r["slug"], err)
		}
	}
	return nil
}

func nullIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// FigureQualifierOps maps the seed notation of a qualifier to its code.
var FigureQualifierOps = map[string]string{"=": "exact", ">=": "at_least", "~": "about"}

// ParseFigures reads the seed notation "field>=@2023;other~" into a figures object:
// {"field": {"qualifier": "at_least", "as_of": "2023"}, "other": {"qualifier": "about"}}.
// Every field must be one of numeric.
func ParseFigures(spec string, numeric []string) (map[string]any, error) {
	out := map[string]any{}
	for _, part := range splitList(spec) {
		body, asOf, dated := strings.Cut(part, "@")
		body = strings.TrimSpace(body)
		var name, qualifier string
		for _, op := range []string{">=", "~", "="} { // ">=" before "="
			if n, ok := strings.CutSuffix(body, op); ok {
				name, qualifier = strings.TrimSpace(n), FigureQualifierOps[op]
				break
			}
		}
		if qualifier == "" {
			return nil, fmt.Errorf("figures %q: %q needs a qualifier (=, >= or ~)", spec, part)
		}
		if !slices.Contains(numeric, name) {
			return nil, fmt.Errorf("figures %q: %q is not a numeric field (%s)", spec, name, strings.Join(numeric, ", "))
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("figures %q: %q twice", spec, name)
		}
		entry := map[string]any{"qualifier": qualifier}
		if asOf = strings.TrimSpace(asOf); dated && asOf != "" {
			entry["as_of"] = asOf
		}
		out[name] = entry
	}
	return out, nil
}

// numericFields are the importable number fields of a layer: the keys its figures may hold.
func (sd *seeder) numericFields(layer string) []string {
	l, _ := sd.store.catalog.Layer(layer)
	var out []string
	for _, f := range l.Fields {
		if (f.Type == geo.Number || f.Type == geo.Integer) && !f.Derived {
			out = append(out, f.Name)
		}
	}
	return out
}

// setFigures parses a row's figures column into the feature's properties.
func (sd *seeder) setFigures(p geojson.Properties, layer string, r map[string]string) error {
	figures, err := ParseFigures(r["figures"], sd.numericFields(layer))
	if err != nil {
		return err
	}
	p["figures"] = figures
	return nil
}

// place is a cited point from places.csv.
type place struct {
	Name, Kind, District, Route, Notes, Source string
	Lon, Lat                                   float64
	CapacityMW                                 *float64
}

type seeder struct {
	store  *Importer
	fs     fs.FS
	places []place
}

func readPlaces(seed fs.FS) ([]place, error) {
	rows, err := readCSV(seed, "places.csv")
	if err != nil {
		return nil, err
	}
	out := make([]place, 0, len(rows))
	for _, r := range rows {
		lat, err1 := strconv.ParseFloat(r["lat"], 64)
		lon, err2 := strconv.ParseFloat(r["lon"], 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("places.csv: %q has no coordinates", r["name"])
		}
		p := place{Name: r["name"], Kind: r["kind"], District: r["district"], Route: r["route"], Notes: r["notes"], Source: r["source"], Lon: lon, Lat: lat}
		p.CapacityMW = optNumber(r["capacity_mw"])
		out = append(out, p)
	}
	return out, nil
}

// locate resolves a seed "place" reference: "district:CODE" is the district's point-on-surface
// (indicative); "province" is the province's point-on-surface, for a feature whose district no
// source states (indicative); "near:NAME" is the cited point of a related place, e.g. the plant an
// extension belongs to (indicative: the feature's own location is not given); any other value
// names a cited point in places.csv.
func (sd *seeder) locate(ctx context.Context, ref string) (orb.Point, string, string, error) {
	if code, ok := strings.CutPrefix(ref, "province:"); ok {
		var lon, lat float64
		var name string
		err := sd.store.pool.QueryRow(ctx, `SELECT ST_X(p), ST_Y(p), name FROM
			(SELECT ST_PointOnSurface(geom) AS p, name FROM admin_units
			  WHERE level = 'province' AND code = $1 AND geom IS NOT NULL ORDER BY valid_from NULLS FIRST LIMIT 1) x`, code).Scan(&lon, &lat, &name)
		if err != nil {
			return orb.Point{}, "", "", fmt.Errorf("province %s point-on-surface: %w", code, err)
		}
		return orb.Point{geo.RoundDegrees(lon), geo.RoundDegrees(lat)}, "indicative",
			fmt.Sprintf("Point-on-surface of the province of %s (computed from its districts): no source read states the district, let alone coordinates", name), nil
	}
	if ref == "province" {
		var lon, lat float64
		err := sd.store.pool.QueryRow(ctx, `SELECT ST_X(p), ST_Y(p) FROM
			(SELECT ST_PointOnSurface(ST_Union(geom)) AS p FROM districts) x`).Scan(&lon, &lat)
		if err != nil {
			return orb.Point{}, "", "", fmt.Errorf("province point-on-surface: %w", err)
		}
		return orb.Point{geo.RoundDegrees(lon), geo.RoundDegrees(lat)}, "indicative",
			"Point-on-surface of the province (computed from its districts): no source read states the district, let alone coordinates", nil
	}
	if name, ok := strings.CutPrefix(ref, "near:"); ok {
		at, _, placement, err := sd.locate(ctx, name)
		if err != nil {
			return at, "", "", err
		}
		return at, "indicative", "At the " + lowerFirst(placement) + ", which it belongs to; its own location is not given", nil
	}
	if code, ok := strings.CutPrefix(ref, "district:"); ok {
		var lon, lat float64
		var name string
		err := sd.store.pool.QueryRow(ctx, `SELECT ST_X(p), ST_Y(p), name FROM
			(SELECT ST_PointOnSurface(geom) AS p, name FROM districts WHERE code = $1) x`, code).Scan(&lon, &lat, &name)
		if err != nil {
			return orb.Point{}, "", "", fmt.Errorf("district %s point-on-surface: %w", code, err)
		}
		return orb.Point{geo.RoundDegrees(lon), geo.RoundDegrees(lat)}, "indicative",
			fmt.Sprintf("Point-on-surface of %s district (computed from its boundary): no source gives coordinates", name), nil
	}
	for _, p := range sd.places {
		if p.Name == ref {
			return orb.Point{p.Lon, p.Lat}, "cited", "Cited point of " + p.Name + " (" + firstSource(p.Source) + ")", nil
		}
	}
	return orb.Point{}, "", "", fmt.Errorf("unknown place %q", ref)
}

// footprint returns a circle of the stated area around a point, computed on the spheroid.
func (sd *seeder) footprint(ctx context.Context, at orb.Point, areaHa float64) (orb.Geometry, error) {
	radius := math.Sqrt(areaHa * 10000 / math.Pi)
	var text string
	err := sd.store.pool.QueryRow(ctx, `SELECT ST_AsGeoJSON(ST_Multi(ST_Buffer(
		ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography, $3, 'quad_segs=16')::geometry), 7)`,
		at[0], at[1], radius).Scan(&text)
	if err != nil {
		return nil, fmt.Errorf("footprint: %w", err)
	}
	g, err := geojson.UnmarshalGeometry([]byte(text))
	if err != nil {
		return nil, fmt.Errorf("footprint: %w", err)
	}
	return g.Geometry(), nil
}

func (sd *seeder) clusters(ctx context.Context) ([]byte, error) {
	rows, err := readCSV(sd.fs, "clusters.csv")
	if err != nil {
		return nil, err
	}
	fc := geojson.NewFeatureCollection()
	for _, r := range rows {
		at, quality, placement, err := sd.locate(ctx, r["place"])
		if err != nil {
			return nil, fmt.Errorf("cluster %s: %w", r["name"], err)
		}
		var geom orb.Geometry = at
		if area := optNumber(r["planned_area_ha"]); area != nil {
			if geom, err = sd.footprint(ctx, at, *area); err != nil {
				return nil, err
			}
			quality = "indicative"
			placement = fmt.Sprintf("Indicative circular footprint of the stated %s ha, centred on the %s. No surveyed boundary was found.",
				r["planned_area_ha"], lowerFirst(placement))
		} else {
			placement += "; area unknown, so shown as a point"
		}
		f := geojson.NewFeature(geom)
		f.Properties = props(r, []string{"name", "kind", "district_code", "district_basis", "commune", "commune_code", "commune_basis", "status", "investor",
			"decision_number", "decision_date", "road_status", "water_status", "wastewater_status", "power_status", "contact", "notes"},
			[]string{"planned_area_ha", "established_area_ha", "industrial_land_ha", "leased_land_ha", "occupancy_pct", "investment_vnd_bn"})
		f.Properties["target_industries"] = splitList(r["target_industries"])
		f.Properties["sources"] = splitList(r["sources"])
		if err := sd.setFigures(f.Properties, "clusters", r); err != nil {
			return nil, fmt.Errorf("cluster %s: %w", r["name"], err)
		}
		f.Properties["geometry_quality"] = quality
		f.Properties["placement"] = placement
		fc.Append(f)
	}
	return json.Marshal(fc)
}

func (sd *seeder) zones(ctx context.Context) ([]byte, error) {
	rows, err := readCSV(sd.fs, "zones.csv")
	if err != nil {
		return nil, err
	}
	fc := geojson.NewFeatureCollection()
	for _, r := range rows {
		codes := strings.Split(r["district_codes"], ";")
		var text string
		var n int
		err := sd.store.pool.QueryRow(ctx, `SELECT ST_AsGeoJSON(ST_Multi(ST_Union(geom)), 7), count(*)
			FROM districts WHERE code = ANY($1)`, codes).Scan(&text, &n)
		if err != nil || n != len(codes) {
			return nil, fmt.Errorf("zone %s: districts %v: found %d: %v", r["name"], codes, n, err)
		}
		g, err := geojson.UnmarshalGeometry([]byte(text))
		if err != nil {
			return nil, fmt.Errorf("zone %s: %w", r["name"], err)
		}
		f := geojson.NewFeature(g.Geometry())
		f.Properties = props(r, []string{"name", "crop", "output", "notes"}, []string{"area_ha", "reference_year"})
		f.Properties["district_codes"] = codes
		f.Properties["sources"] = splitList(r["sources"])
		f.Properties["geometry_quality"] = "indicative"
		f.Properties["placement"] = "District-level: the union of the districts the source names (computed in PostGIS); the crop does not cover them whole"
		if r["placement"] != "" { // the zone's own account: province-wide, or a district added by inference
			f.Properties["placement"] = r["placement"]
		}
		if err := sd.setFigures(f.Properties, "raw_material_zones", r); err != nil {
			return nil, fmt.Errorf("zone %s: %w", r["name"], err)
		}
		fc.Append(f)
	}
	return json.Marshal(fc)
}

func (sd *seeder) plants(ctx context.Context) ([]byte, error) {
	fc := geojson.NewFeatureCollection()
	err := sd.appendPlaced(ctx, fc, "plants", "plants.csv",
		[]string{"name", "kind", "crop", "capacity_unit", "status", "district_code", "notes"}, []string{"capacity"})
	if err != nil {
		return nil, err
	}
	return json.Marshal(fc)
}

// appendPlaced adds the rows of a CSV file as point features located by their "place" column.
func (sd *seeder) appendPlaced(ctx context.Context, fc *geojson.FeatureCollection, layer, file string, texts, numbers []string) error {
	rows, err := readCSV(sd.fs, file)
	if err != nil {
		return err
	}
	for _, r := range rows {
		at, quality, placement, err := sd.locate(ctx, r["place"])
		if err != nil {
			return fmt.Errorf("%s: %s: %w", file, r["name"], err)
		}
		f := geojson.NewFeature(at)
		f.Properties = props(r, texts, numbers)
		f.Properties["sources"] = splitList(r["sources"])
		f.Properties["geometry_quality"] = quality
		f.Properties["placement"] = placement
		if err := sd.setFigures(f.Properties, layer, r); err != nil {
			return fmt.Errorf("%s: %s: %w", file, r["name"], err)
		}
		fc.Append(f)
	}
	return nil
}

// energy takes the hydropower and biomass rows of places.csv (Global Power Plant Database points)
// and the projects of energy.csv, which only name a district.
func (sd *seeder) energy(ctx context.Context) ([]byte, error) {
	fc := geojson.NewFeatureCollection()
	for _, p := range sd.places {
		kind := map[string]string{"hydro": "hydro", "plant": "biomass"}[p.Kind]
		if kind == "" {
			continue
		}
		f := geojson.NewFeature(orb.Point{p.Lon, p.Lat})
		// GPPD names Open Development Vietnam as the geolocation source of its hydropower points
		// only; the biomass point's geolocation source is not recorded.
		placement := "Point from the Global Power Plant Database v1.3.0 (WRI, CC BY 4.0), geolocated by Open Development Vietnam"
		if kind != "hydro" {
			placement = "Point from the Global Power Plant Database v1.3.0 (WRI, CC BY 4.0); its geolocation source is not recorded"
		}
		f.Properties = geojson.Properties{
			"name": p.Name, "kind": kind, "sources": splitList(p.Source), "geometry_quality": "cited",
			"placement": placement, "figures": map[string]any{},
		}
		var notes []string
		if p.Notes != "" {
			notes = append(notes, p.Notes)
		}
		// A point outside the province says so, whether or not a district is recorded for it.
		var outsideM float64
		if err := sd.store.pool.QueryRow(ctx, `SELECT ST_Distance(ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography,
			ST_Union(geom)::geography) FROM districts`, p.Lon, p.Lat).Scan(&outsideM); err != nil {
			return nil, fmt.Errorf("energy %s: %w", p.Name, err)
		}
		if outsideM > 0 {
			notes = append(notes, fmt.Sprintf("The point falls just outside the province (about %.0f m from its districts), on the Kon Tum bank of the Sê San border river", math.Round(outsideM/10)*10))
		}
		if len(notes) > 0 {
			f.Properties["notes"] = strings.Join(notes, ". ")
		}
		if p.CapacityMW != nil {
			f.Properties["capacity_mw"] = *p.CapacityMW
		}
		if p.District != "" {
			code, err := sd.districtCode(ctx, p.District)
			if err != nil {
				return nil, err
			}
			f.Properties["district_code"] = code
		}
		fc.Append(f)
	}
	err := sd.appendPlaced(ctx, fc, "energy", "energy.csv", []string{"name", "kind", "status", "district_code", "notes"}, []string{"capacity_mw"})
	if err != nil {
		return nil, err
	}
	return json.Marshal(fc)
}

// roads draws each national highway as a line through its cited waypoints, in the order the
// sources give (places.csv route = "QL19:2").
func (sd *seeder) roads(ctx context.Context) ([]byte, error) {
	type stop struct {
		order int
		p     place
	}
	routes := map[string][]stop{}
	for _, p := range sd.places {
		ref, order, ok := strings.Cut(p.Route, ":")
		if !ok {
			continue
		}
		n, err := strconv.Atoi(order)
		if err != nil {
			return nil, fmt.Errorf("places.csv: route %q of %q", p.Route, p.Name)
		}
		routes[ref] = append(routes[ref], stop{n, p})
	}
	names := map[string]string{"QL14": "Quốc lộ 14", "QL19": "Quốc lộ 19", "QL25": "Quốc lộ 25"}
	fc := geojson.NewFeatureCollection()
	for _, ref := range slices.Sorted(maps.Keys(routes)) {
		stops := routes[ref]
		slices.SortFunc(stops, func(a, b stop) int { return a.order - b.order })
		var line orb.LineString
		var sources, via []string
		for _, s := range stops {
			line = append(line, orb.Point{s.p.Lon, s.p.Lat})
			via = append(via, s.p.Name)
			for _, src := range splitList(s.p.Source) {
				if !slices.Contains(sources, src) {
					sources = append(sources, src)
				}
			}
		}
		// The drawn length, so the placement says how little of the road the line is.
		var km float64
		lj, _ := json.Marshal(geojson.NewGeometry(line))
		if err := sd.store.pool.QueryRow(ctx, `SELECT ST_Length(ST_SetSRID(ST_GeomFromGeoJSON($1::text), 4326)::geography) / 1000`,
			string(lj)).Scan(&km); err != nil {
			return nil, fmt.Errorf("road %s length: %w", ref, err)
		}
		f := geojson.NewFeature(orb.MultiLineString{line})
		f.Properties = geojson.Properties{
			"ref": ref, "name": names[ref], "sources": sources, "geometry_quality": "indicative",
			"placement": fmt.Sprintf("Indicative: straight segments through the cited waypoints %s (Wikipedia coordinates), %.0f km drawn; "+
				"it covers only the stretch between %s and %s, and the rest of the road in the province is not drawn. Not the road's centre-line",
				strings.Join(via, " → "), km, via[0], via[len(via)-1]),
		}
		fc.Append(f)
	}
	return json.Marshal(fc)
}

func (sd *seeder) districtCode(ctx context.Context, name string) (string, error) {
	var code string
	if err := sd.store.pool.QueryRow(ctx, `SELECT code FROM districts WHERE name = $1`, name).Scan(&code); err != nil {
		return "", fmt.Errorf("district %q: %w", name, err)
	}
	return code, nil
}

func readCSV(seed fs.FS, name string) ([]map[string]string, error) {
	f, err := seed.Open(name)
	if err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("seed %s: %w", name, err)
	}
	if len(records) == 0 {
		return nil, fmt.Errorf("seed %s: empty", name)
	}
	head := records[0]
	out := make([]map[string]string, 0, len(records)-1)
	for _, rec := range records[1:] {
		row := make(map[string]string, len(head))
		for i, h := range head {
			row[h] = strings.TrimSpace(rec[i])
		}
		out = append(out, row)
	}
	return out, nil
}

// props copies the non-empty text and number columns of a CSV row into feature properties; an
// empty cell stays absent, because no source gave that value.
func props(r map[string]string, texts, numbers []string) geojson.Properties {
	p := geojson.Properties{}
	for _, k := range texts {
		if v := r[k]; v != "" {
			p[k] = v
		}
	}
	for _, k := range numbers {
		if v := optNumber(r[k]); v != nil {
			p[k] = *v
		}
	}
	return p
}

func optNumber(s string) *float64 {
	if s == "" {
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil
	}
	return &v
}

// splitList splits "a ; b" lists (sources, industries) as the CSV files write them.
func splitList(s string) []string {
	out := []string{}
	for _, part := range strings.Split(s, ";") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

func firstSource(s string) string {
	if l := splitList(s); len(l) > 0 {
		return l[0]
	}
	return ""
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
