package ingest_test

// The data test: the seed says what its sources say, no more and no
// less. It reads the seed files as written (so a fault names the row to fix) and the seeded
// database (so what is served is checked, not only what is written).

import (
	"context"
	"encoding/csv"
	"io/fs"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/clustermap/clustermap/geo"
	"github.com/clustermap/clustermap/geo/ingest"
	"github.com/clustermap/clustermap/internal/geotest"
)

// seedRows reads a seed CSV as a list of column → value maps.
func seedRows(t *testing.T, seed fs.FS, name string) []map[string]string {
	t.Helper()
	f, err := seed.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var out []map[string]string
	for _, rec := range recs[1:] {
		row := map[string]string{}
		for i, h := range recs[0] {
			row[h] = strings.TrimSpace(rec[i])
		}
		out = append(out, row)
	}
	return out
}

// seedTables are the seed files with numbers, their number columns and their source column.
var seedTables = []struct {
	file, layer, sources string
	numbers              []string
}{
	{"clusters.csv", "clusters", "sources", []string{"planned_area_ha", "established_area_ha", "industrial_land_ha", "leased_land_ha", "occupancy_pct", "investment_vnd_bn"}},
	{"zones.csv", "raw_material_zones", "sources", []string{"area_ha", "reference_year"}},
	{"plants.csv", "plants", "sources", []string{"capacity"}},
	{"energy.csv", "energy", "sources", []string{"capacity_mw"}},
	{"places.csv", "", "source", []string{"lat", "lon", "capacity_mw"}},
	{"province_totals.csv", "", "sources", []string{"count", "area_ha"}},
}

// boundWords finds a number the text qualifies as a lower bound or an approximation:
// "more than 24.2 ha", ">369", "VND ~322.5 bn", "About 700 ha".
var boundWords = regexp.MustCompile(`(?i)(more than|over|at least|above|about|around|approximately|nearly|almost|~|>|≥)\s*(?:VND\s*)?([0-9][0-9,]*(?:\.[0-9]+)?)`)

func TestSeedDataTruth(t *testing.T) {
	seed := geotest.SeedFS(t)

	t.Run("every number has a source, and every qualified number its qualifier", func(t *testing.T) {
		for _, tb := range seedTables {
			for i, r := range seedRows(t, seed, tb.file) {
				name := r["name"] + r["slug"]
				var numbers []string
				for _, col := range tb.numbers {
					if r[col] != "" {
						numbers = append(numbers, col)
					}
				}
				srcs := strings.Split(r[tb.sources], ";")
				if len(numbers) > 0 && strings.TrimSpace(r[tb.sources]) == "" {
					t.Errorf("%s row %d %q: numbers %v without a source", tb.file, i+2, name, numbers)
				}
				for _, s := range srcs {
					checkSource(t, tb.file, name, strings.TrimSpace(s))
				}
				if _, ok := r["figures"]; !ok {
					continue
				}
				figures, err := ingest.ParseFigures(r["figures"], tb.numbers)
				if err != nil {
					t.Errorf("%s %q: %v", tb.file, name, err)
					continue
				}
				for field := range figures {
					if r[field] == "" {
						t.Errorf("%s %q: figures qualify %s, which has no value", tb.file, name, field)
					}
				}
				// A number the notes or sources call "more than", "about" … must not be stored as exact.
				text := r["notes"] + " " + r[tb.sources]
				for _, m := range boundWords.FindAllStringSubmatch(text, -1) {
					v, err := strconv.ParseFloat(strings.ReplaceAll(m[2], ",", ""), 64)
					if err != nil {
						continue
					}
					for _, col := range numbers {
						stored, _ := strconv.ParseFloat(r[col], 64)
						if stored != v {
							continue
						}
						q, _ := figures[col].(map[string]any)
						if q == nil || q["qualifier"] == "exact" {
							t.Errorf("%s %q: %s = %s is stored as exact, but the text says %q", tb.file, name, col, r[col], m[0])
						}
					}
				}
			}
		}
	})

	store, _ := geotest.Seeded(t)
	pool := store.Pool()
	ctx := context.Background()

	t.Run("every layer has a licence and credits; share-alike data makes a share-alike layer", func(t *testing.T) {
		for _, l := range store.Catalog().Layers() {
			if l.License.Name == "" || !strings.HasPrefix(l.License.URL, "https://") {
				t.Errorf("layer %s has no licence (%+v)", l.ID, l.License)
			}
			if len(l.Credits) == 0 {
				t.Errorf("layer %s has no credits", l.ID)
			}
			placement := "''"
			if _, ok := l.Field("placement"); ok {
				placement = "coalesce(placement, '')"
			}
			// Coordinates come from the placement's cited point or, for cited points, the first
			// source; a Wikipedia article cited only for a fact (a dam's commune) is no coordinate.
			var wiki bool
			if err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+l.Table+` WHERE `+placement+` ILIKE '%wikipedia%'
				OR (sources[1] ILIKE '%wikipedia.org%' AND `+placement+` NOT ILIKE '%point-on-surface%' AND `+placement+` NOT ILIKE '%union%'))`).Scan(&wiki); err != nil {
				t.Fatal(err)
			}
			if wiki {
				if l.License != geo.LicenseCCBYSA40 || !strings.Contains(l.Attribution(), "Wikipedia contributors, CC BY-SA 4.0") {
					t.Errorf("layer %s holds Wikipedia coordinates but is offered under %s with attribution %q", l.ID, l.License.Name, l.Attribution())
				}
			}
		}
	})

	t.Run("every feature says how its geometry was placed", func(t *testing.T) {
		for _, l := range store.Catalog().Layers() {
			if _, ok := l.Field("geometry_quality"); !ok {
				t.Errorf("layer %s has no geometry_quality field", l.ID)
				continue
			}
			var bad []string
			rows, err := pool.Query(ctx, `SELECT t.`+l.NameColumn+`::text FROM `+l.Table+` t
				WHERE t.geometry_quality IS NULL OR t.placement IS NULL OR btrim(t.placement) = ''
				   OR (t.geometry_quality = 'indicative' AND t.placement NOT ILIKE '%indicative%' AND t.placement NOT ILIKE '%point-on-surface%'
				       AND t.placement NOT ILIKE '%union%' AND t.placement NOT ILIKE '%province-wide%' AND t.placement NOT ILIKE '%not given%')`)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var n string
				_ = rows.Scan(&n)
				bad = append(bad, n)
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if len(bad) > 0 {
				t.Errorf("layer %s: no quality, or an indicative geometry without its placement text: %v", l.ID, bad)
			}
		}
	})

	t.Run("the specific faults of the audit stay fixed", func(t *testing.T) {
		one := func(sql string, args ...any) string {
			t.Helper()
			var s *string
			if err := pool.QueryRow(ctx, sql, args...).Scan(&s); err != nil {
				t.Fatalf("%s: %v", sql, err)
			}
			if s == nil {
				return ""
			}
			return *s
		}
		// Lower bounds carry their qualifier in the database too.
		for _, c := range []struct{ sql, want string }{
			{`SELECT figures->'industrial_land_ha'->>'qualifier' FROM clusters WHERE name = 'CCN Diên Phú'`, "at_least"},
			{`SELECT figures->'investment_vnd_bn'->>'qualifier' FROM clusters WHERE name = 'CCN số 2 huyện Đak Đoa'`, "at_least"},
			{`SELECT figures->'area_ha'->>'qualifier' FROM raw_material_zones WHERE crop = 'cassava'`, "at_least"},
			{`SELECT figures->'area_ha'->>'qualifier' FROM raw_material_zones WHERE crop = 'coffee'`, "about"},
			{`SELECT figures->'occupancy_pct'->>'as_of' FROM clusters WHERE name = 'KCN Trà Đa'`, "end-2020"},
			{`SELECT district_code || ' ' || district_basis FROM clusters WHERE name = 'KCN Nam Pleiku'`, "633 inferred"},
		} {
			if got := one(c.sql); got != c.want {
				t.Errorf("%s = %q, want %q", c.sql, got, c.want)
			}
		}
		if notes := one(`SELECT notes FROM clusters WHERE name = 'KCN Nam Pleiku'`); !strings.Contains(notes, "191.55") || !strings.Contains(notes, "199.55") || !strings.Contains(notes, "conflict") {
			t.Errorf("Nam Pleiku notes do not state the QĐ 704 area conflict: %q", notes)
		}
		if notes := one(`SELECT notes FROM raw_material_zones WHERE crop = 'cassava'`); strings.Contains(notes, "process 1,250") || !strings.Contains(notes, "1,250 t of starch") {
			t.Errorf("cassava notes must give 1,250 t/day as starch output: %q", notes)
		}
		if st := one(`SELECT status::text FROM energy WHERE name = 'Nhà máy điện sinh khối An Khê'`); st != "" {
			t.Errorf("An Khê biomass status %q has no source", st)
		}
		if n := one(`SELECT count(*)::text FROM energy WHERE placement ILIKE '%Open Development Vietnam%' AND kind <> 'hydro'`); n != "0" {
			t.Errorf("%s non-hydro energy points claim Open Development Vietnam's geolocation", n)
		}
		if n := one(`SELECT count(*)::text FROM energy WHERE placement ILIKE '%Open Development Vietnam%'`); n != "17" {
			t.Errorf("%s points say Open Development Vietnam geolocated them, want the 17 hydropower points", n)
		}
		// Every point outside the province says so.
		if bad := one(`SELECT string_agg(name, ', ') FROM energy e
			WHERE NOT ST_Covers((SELECT ST_Union(geom) FROM districts), e.geom) AND coalesce(notes, '') NOT ILIKE '%outside the province%'`); bad != "" {
			t.Errorf("points outside the province without a note: %s", bad)
		}
		// Regions: the letter's areas, cited, with their role in both languages.
		if bad := one(`SELECT string_agg(slug, ', ') FROM regions WHERE NOT array_to_string(sources, ' ') LIKE '%923/UBND-CNXD%'
			OR role_vi IS NULL OR name_vi NOT LIKE 'Khu vực%' OR name_en NOT LIKE '%area'`); bad != "" {
			t.Errorf("regions not named and cited as the letter's areas: %s", bad)
		}
		// The province totals are loaded with sources, each of a province as it was when given:
		// 4 of the former Gia Lai, 5 of the merged province.
		if n := one(`SELECT string_agg(u.code || '@' || coalesce(u.valid_from::text, '-') || ':' || n, ' ' ORDER BY u.valid_from NULLS FIRST)
			FROM (SELECT unit_id, count(*) AS n FROM province_totals WHERE cardinality(sources) > 0 GROUP BY unit_id) t
			JOIN admin_units u ON u.id = t.unit_id`); n != "64@-:4 52@2025-07-01:5" {
			t.Errorf("province totals per province: %s, want 64@-:4 52@2025-07-01:5", n)
		}
		// The dropped facts are back.
		for _, name := range []string{"Thủy điện Ia Ly mở rộng (2 × 180 MW)", "Điện mặt trời Chư Ngọc", "Điện gió Ia Pết – Đak Đoa", "Điện gió Ia Bang",
			"Điện gió Hưng Hải Gia Lai", "Điện gió Ia Le", "Điện gió Chư Prông (nhà máy 50 MW thứ nhất)", "Điện gió Chư Prông (nhà máy 50 MW thứ hai)"} {
			if q := one(`SELECT geometry_quality::text FROM energy WHERE name = $1`, name); q != "indicative" {
				t.Errorf("energy %q: quality %q, want an indicative placement", name, q)
			}
		}
		if q := one(`SELECT geometry_quality::text || ' ' || placement FROM plants WHERE name LIKE '%Mía đường – Nhiệt điện Gia Lai%'`); !strings.HasPrefix(q, "indicative") || !strings.Contains(q, "no source read states the district") {
			t.Errorf("the Mía đường–Nhiệt điện Gia Lai mill: %q", q)
		}
		// Roads say which stretch they cover and how long the drawn line is.
		if bad := one(`SELECT string_agg(ref, ', ') FROM roads WHERE placement NOT LIKE '%km drawn%' OR placement NOT LIKE '%rest of the road%' OR NOT array_to_string(sources, ' ') LIKE '%wikipedia.org%'`); bad != "" {
			t.Errorf("roads whose placement does not say what they cover, or without their Wikipedia articles: %s", bad)
		}
	})
}

// wikipediaMirrors are copies of Wikipedia articles that were read; a source naming one must also
// name the article itself.
var wikipediaMirrors = []string{"frwiki.wiki", "perceptiofr.com", "everything.explained.today", "profilbaru.com", "kampuspedia.com", "search.com.vn/wiki", "vi.m.wikipedia.org"}

// checkSource checks one source entry: a URL, or a publication with "(URL not recorded)"; never a
// file outside the repository; a Wikipedia copy names the article and its licence.
func checkSource(t *testing.T, file, row, s string) {
	t.Helper()
	if s == "" {
		return
	}
	if strings.Contains(s, "shared/") || strings.Contains(s, "SOURCES.md") || strings.Contains(s, "DOMAIN.md") {
		t.Errorf("%s %q: source %q cites a file outside the repository", file, row, s)
	}
	if !strings.Contains(s, "http") && !strings.Contains(s, "(URL not recorded)") {
		t.Errorf("%s %q: source %q has no URL and does not say \"(URL not recorded)\"", file, row, s)
	}
	for _, m := range wikipediaMirrors {
		if strings.Contains(s, m) && (!strings.Contains(s, "wikipedia.org/wiki/") || !strings.Contains(s, "CC BY-SA")) {
			t.Errorf("%s %q: source %q is a Wikipedia copy without the article and its licence", file, row, s)
		}
	}
}
